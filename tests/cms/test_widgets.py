"""The listing's widgets write exactly the markup Django's own templates write."""

import pytest
from django import forms
from django.utils import translation

from charity.text_language import LanguageMarkingSelect
from cms.widgets import LanguageMarkingListingSelect, ListingSelect, ListingTextInput

CHOICES = [
    ("", "全部"),
    ("a&b", "<Tom & Jerry>"),
    ("Group", [(1, "one"), (2, '"two"')]),
    ("z", "最后"),
]


def test_the_markup_is_djangos_whatever_the_choices_and_attributes():
    for value in ("", "a&b", "2", None):
        for attrs in ({"id": "id_x"}, {"id": "id_x", "disabled": True, "hidden": False}):
            theirs = forms.Select(choices=CHOICES).render("x", value, attrs=attrs)
            ours = ListingSelect(choices=CHOICES).render("x", value, attrs=attrs)
            assert ours == theirs
    assert "&lt;Tom &amp; Jerry&gt;" in ours and 'value="a&amp;b"' in ours


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_options_in_the_other_language_are_marked_as_the_forms_select_marks_them(language):
    choices = [("", "全部"), ("bj", "北京市"), ("hk", "Hong Kong"), ("mix", "孙悦 Sun Yue")]
    with translation.override(language):
        for value in ("", "bj", "hk"):
            theirs = LanguageMarkingSelect(choices=choices).render("r", value, attrs={"id": "r"})
            ours = LanguageMarkingListingSelect(choices=choices).render(
                "r", value, attrs={"id": "r"}
            )
            assert ours == theirs
    assert ('lang="zh-Hans"' in ours) == (language == "en")


def test_the_search_box_is_djangos_text_input():
    for value in (None, "", "冬衣 <b>&", 12):
        for attrs in ({"id": "id_q", "maxlength": 100}, {"required": True, "hidden": False}):
            theirs = forms.TextInput().render("q", value, attrs=attrs)
            assert ListingTextInput().render("q", value, attrs=attrs) == theirs
    assert 'value="冬衣 &lt;b&gt;&amp;"' in ListingTextInput().render("q", "冬衣 <b>&")
