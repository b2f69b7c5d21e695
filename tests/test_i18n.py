import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCE_FOLDERS = ("charity", "volunteers", "cms", "config", "templates")


def test_chinese_catalog_has_no_untranslated_or_fuzzy_entry():
    missing = [entry.msgid for entry in read_po(CATALOG) if not entry.translated]
    assert missing == []


def test_every_marked_string_is_in_the_chinese_catalog(tmp_path, monkeypatch):
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
        call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    fresh = read_po(sources / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    committed = {entry.key: entry for entry in read_po(CATALOG)}
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


def test_translations_keep_every_placeholder():
    """A translation that drops or invents a %(name)s placeholder breaks the page that uses it."""
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(CATALOG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
