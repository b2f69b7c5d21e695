"""Mark text kept in one language with its language on pages in the other (see
charity.text_language):

    <span{{ organization.name|lang_attr }}>{{ organization.name }}</span>   where the element is yours
    {{ organization.name|in_own_language }}                                 wraps it in a <span>
"""

from django import template
from django.utils.html import conditional_escape, format_html

from charity.text_language import foreign_language

register = template.Library()


@register.filter
def lang_attr(text):
    """' lang="zh-Hans"' when the text is not in the page's language, else ""."""
    language = foreign_language(text)
    return format_html(' lang="{}"', language) if language else ""


@register.filter
def in_own_language(text):
    """The text, escaped, in a <span lang> when it is not in the page's language."""
    language = foreign_language(text)
    if language:
        return format_html('<span lang="{}">{}</span>', language, text)
    return conditional_escape(text)
