"""Excerpts are cut as truncatechars cuts them, in each language, however often they are asked."""

import pytest
from django.template import engines
from django.utils import translation

from charity.templatetags.excerpts import excerpt

TEXT = "Winter aid for households on subsistence allowance, children in difficulty and the elderly"
RICH = '<p>Tom &amp; Jerry <b>bought</b> <a href="/x">coats</a> for 冬衣发放 and more and more</p>'


def render(source, **context):
    return engines["django"].from_string("{% load excerpts %}" + source).render(context)


@pytest.mark.parametrize("length", [10, 40, 200])
def test_each_language_gets_its_own_cut(length):
    # Alternating languages: a cut kept for one must not be served in the other ("…" in English,
    # "..." in Chinese, and the mark counts towards the length).
    for language in ("en", "zh-hans", "en", "zh-hans"):
        with translation.override(language):
            expected = render("{{ text|truncatechars:n }}", text=TEXT, n=length)
            assert excerpt(TEXT, length) == expected
            assert render("{{ text|excerpt:n }}", text=TEXT, n=length) == expected
            assert render("{{ html|rich_text_excerpt:n }}", html=RICH, n=length) == render(
                "{{ html|safe|striptags|truncatechars:n }}", html=RICH, n=length
            )
    with translation.override("en"):
        assert excerpt(TEXT, 10) == "Winter ai…"
    with translation.override("zh-hans"):
        assert excerpt(TEXT, 10) == "Winter ..."


def test_plain_text_is_escaped_and_rich_text_keeps_its_entities():
    assert (
        render("{{ text|excerpt:50 }}", text="<b>Tom & Jerry</b>")
        == "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
    )
    assert render("{{ html|rich_text_excerpt:50 }}", html=RICH).startswith(
        "Tom &amp; Jerry bought coats"
    )
