"""Language of parts (WCAG 3.1.2) for text that exists in one language only.

Organization names, places, region names and relief tasks' titles are entered once, usually in
Chinese, and shown on the English pages as they are. Marked with their own language, a screen
reader reads them in a Chinese voice instead of spelling out characters in an English one (and the
other way round for an English name on a Chinese page).

    <span{{ organization.name|lang_attr }}>{{ organization.name }}</span>   where the element is yours
    {{ organization.name|in_own_language }}                                 wraps it in a <span>
"""

import re

from django import template
from django.utils import translation
from django.utils.html import conditional_escape, format_html

register = template.Library()

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")


def text_language(text) -> str | None:
    """ "zh-Hans" for Chinese text, "en" for Latin text, None when it mixes both or has neither
    (a bilingual name like "孙悦 Sun Yue" is left to the page's language)."""
    text = str(text or "")
    han, latin = bool(HAN.search(text)), bool(LATIN.search(text))
    if han and not latin:
        return "zh-Hans"
    if latin and not han:
        return "en"
    return None


def _differs_from_page(language: str | None) -> bool:
    page = (translation.get_language() or "").lower()
    return language is not None and not page.startswith(language.lower()[:2])


@register.filter
def lang_attr(text):
    """' lang="zh-Hans"' when the text is not in the page's language, else ""."""
    language = text_language(text)
    return format_html(' lang="{}"', language) if _differs_from_page(language) else ""


@register.filter
def in_own_language(text):
    """The text, escaped, in a <span lang> when it is not in the page's language."""
    language = text_language(text)
    if _differs_from_page(language):
        return format_html('<span lang="{}">{}</span>', language, text)
    return conditional_escape(text)
