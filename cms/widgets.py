"""Form widgets for the public pages."""

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from charity.text_language import LanguageMarkingSelect


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


class ListingSelect(forms.Select):
    """A <select> with the markup of Django's templates (select.html, select_option.html,
    attrs.html), written without a template include per option: the project index's filters have
    some sixty options, which cost a third of the page's rendering through the templates."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        mark_safe(_attrs(option["attrs"])),  # noqa: S308 (escaped in _attrs)
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (each part escaped above)


class LanguageMarkingListingSelect(LanguageMarkingSelect, ListingSelect):
    """A ListingSelect whose options carry lang when their label is in the other language."""
