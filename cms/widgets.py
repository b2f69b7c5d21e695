"""Form widgets for the public pages."""

from django import forms
from django.utils.html import format_html, format_html_join

from charity.text_language import LanguageMarkingSelect


def _attrs(attrs: dict):
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class ListingSelect(forms.Select):
    """A <select> with the markup of Django's templates (select.html, select_option.html,
    attrs.html), written without a template include per option: the project index's filters have
    some sixty options, which cost a third of the page's rendering through the templates."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                '\n  <option value="{}"{}>{}</option>\n',
                ((option["value"], _attrs(option["attrs"]), option["label"]) for option in options),
            )
            if group_name:
                rendered = format_html(
                    '\n  <optgroup label="{}">{}\n  </optgroup>', group_name, rendered
                )
            groups.append((rendered,))
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            format_html_join("", "{}", groups),
        )


class LanguageMarkingListingSelect(LanguageMarkingSelect, ListingSelect):
    """A ListingSelect whose options carry lang when their label is in the other language."""
