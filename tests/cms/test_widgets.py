"""The listing's <select> writes exactly the markup Django's own templates write."""

from django import forms

from cms.widgets import ListingSelect

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
