"""Names kept in one language are marked with it on pages in the other (WCAG 3.1.2), so a screen
reader switches voice; text in the page's own language or mixing both is left as it is."""

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from charity.text_language import LanguageMarkingSelect, text_language

TEMPLATE = Template(
    "{% load text_language %}<p{{ name|lang_attr }}>{{ name }}</p>|{{ name|in_own_language }}"
)


def render(name: str, language: str) -> str:
    with translation.override(language):
        return TEMPLATE.render(Context({"name": name}))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("善心社区慈善基金会", "zh-Hans"),
        ("北京市 东城区", "zh-Hans"),
        ("Red Cross Society", "en"),
        ("孙悦 Sun Yue", None),
        ("2026-11-29", None),
        ("", None),
    ],
)
def test_text_language_tells_chinese_from_latin_text(text, language):
    assert text_language(text) == language


def test_a_chinese_name_on_an_english_page_is_marked_chinese():
    assert render("善心社区慈善基金会", "en") == (
        '<p lang="zh-Hans">善心社区慈善基金会</p>|<span lang="zh-Hans">善心社区慈善基金会</span>'
    )


def test_an_english_name_on_a_chinese_page_is_marked_english():
    assert (
        render("Red Cross", "zh-hans")
        == '<p lang="en">Red Cross</p>|<span lang="en">Red Cross</span>'
    )


def test_text_in_the_pages_language_or_mixed_is_left_alone_and_all_is_escaped():
    assert render("善心", "zh-hans") == "<p>善心</p>|善心"
    assert render("孙悦 <b>Sun</b>", "en") == (
        "<p>孙悦 &lt;b&gt;Sun&lt;/b&gt;</p>|孙悦 &lt;b&gt;Sun&lt;/b&gt;"
    )
    assert render("<善>", "en") == (
        '<p lang="zh-Hans">&lt;善&gt;</p>|<span lang="zh-Hans">&lt;善&gt;</span>'
    )


def test_a_select_marks_the_options_in_the_other_language():
    field = forms.ChoiceField(
        choices=[("", "All"), ("sunshine", "善心社区慈善基金会"), ("red-cross", "Red Cross")],
        widget=LanguageMarkingSelect,
    )
    with translation.override("en"):
        html = field.widget.render("organization", "", attrs={"id": "id_organization"})
    assert '<option value="sunshine" lang="zh-Hans">善心社区慈善基金会</option>' in html
    assert '<option value="red-cross">Red Cross</option>' in html
    assert '<option value="" selected>All</option>' in html
