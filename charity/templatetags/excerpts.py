"""The start of a text, as truncatechars cuts it, for cards, teasers and meta descriptions:

    {{ organization.description|excerpt:160 }}     a plain text
    {{ update.body|rich_text_excerpt:160 }}        stored rich text: its tags stripped first

Each cut is kept per text and length: cutting a text (and stripping tags, which parses the HTML)
costs a card more than the rest of it, and a listing shows the same texts on every view.
"""

from functools import lru_cache

from django import template
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

register = template.Library()


def excerpt(text: str, length: int) -> str:
    """{{ text|truncatechars:length }}."""
    # The mark of a cut is translated ("…" in English, "..." in Chinese), and is part of the length.
    return _excerpt(text, length, translation.get_language())


@lru_cache(maxsize=4096)
def _excerpt(text: str, length: int, language) -> str:
    return Truncator(text).chars(length)


@lru_cache(maxsize=1024)
def _rich_text_excerpt(html: str, length: int, language) -> str:
    return _excerpt(strip_tags(html), length, language)


@register.filter(name="excerpt", is_safe=True)
def excerpt_filter(text, length):
    return excerpt(str(text), int(length))


@register.filter(is_safe=True)
def rich_text_excerpt(html, length):
    """{{ html|safe|striptags|truncatechars:length }}: the text of stored rich text, with its
    entities as they are (not expanded: links and embeds would be stripped again)."""
    cut = _rich_text_excerpt(str(html), int(length), translation.get_language())
    return mark_safe(cut)  # noqa: S308  # nosec B308, B703
