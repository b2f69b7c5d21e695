"""Language of parts (WCAG 3.1.2) for text that exists in one language only.

Organization names, places, region names and relief tasks' titles are entered once, usually in
Chinese, and shown on the English pages as they are. Marked with their own language, a screen
reader reads them in a Chinese voice instead of spelling out characters in an English one (and the
other way round for an English name on a Chinese page). Templates use the `text_language` filters;
forms use `LanguageMarkingSelect` for choices such as regions and organizations.
"""

import re
from functools import lru_cache

from django import forms
from django.utils import translation

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")


def text_language(text) -> str | None:
    """ "zh-Hans" for Chinese text, "en" for Latin text, None when it mixes both or has neither
    (a bilingual name like "孙悦 Sun Yue" is left to the page's language)."""
    return _language_of(str(text or ""))


@lru_cache(maxsize=4096)  # the same names (provinces, organizations) on every page
def _language_of(text: str) -> str | None:
    han, latin = bool(HAN.search(text)), bool(LATIN.search(text))
    if han and not latin:
        return "zh-Hans"
    if latin and not han:
        return "en"
    return None


def foreign_language(text) -> str | None:
    """The text's language when it is not the active (page's) language, else None."""
    language = text_language(text)
    page = (translation.get_language() or "").lower()
    if language is None or page.startswith(language.lower()[:2]):
        return None
    return language


class LanguageMarkingSelect(forms.Select):
    """A <select> whose options carry lang when their label is in the other language."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        language = foreign_language(label)
        if language:
            option["attrs"] = {**option["attrs"], "lang": language}
        return option
