import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_Hans", "en")
SOURCE_FOLDERS = ("charity", "volunteers", "cms", "config", "templates")


def catalog(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_untranslated_or_fuzzy_entry(language):
    missing = [entry.msgid for entry in read_po(catalog(language)) if not entry.translated]
    assert missing == []


def test_english_catalog_translates_each_string_to_itself():
    """English is the source language: an English entry that differs from its msgid is a typo."""
    changed = [
        entry.msgid
        for entry in read_po(catalog("en"))
        if entry.msgstr != [entry.msgid, entry.msgid_plural][: 2 if entry.msgid_plural else 1]
    ]
    assert changed == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalog(language, tmp_path, monkeypatch):
    """Extract the strings afresh (as `make makemessages` does) and look each one up.

    makemessages writes next to the sources it reads, so it runs over a copy of them.
    """
    sources = tmp_path / "src"
    for folder in SOURCE_FOLDERS:
        shutil.copytree(
            ROOT / folder, sources / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[sources / "locale"]):
        call_command("makemessages", locale=[language], verbosity=0)
    fresh = read_po(sources / "locale" / language / "LC_MESSAGES" / "django.po")
    committed = {entry.key: entry for entry in read_po(catalog(language))}
    absent = [entry.msgid for entry in fresh if entry.key not in committed]
    assert absent == [], "run `make makemessages` and translate the new strings"
    assert len(fresh) > 50


@pytest.mark.parametrize(
    ("english", "chinese"),
    [("My organizations", "我的机构"), ("Owner", "负责人"), ("Finance", "财务")],
)
def test_compiled_catalog_is_used(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    """A translation that drops or invents a %(name)s placeholder breaks the page that uses it."""
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(catalog(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
