"""Form widgets for the public pages."""

from django import forms
from django.utils.html import format_html, format_html_join

from charity.text_language import foreign_language


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
    some sixty options, which cost a third of the page's rendering through the templates. The
    options are read from the choices directly, as Select.optgroups reads them, without a
    context dictionary per option."""

    def option_attrs(self, label) -> dict:
        """Attributes of an option other than `selected` (none here; see subclasses)."""
        return {}

    def _option(self, value, label, chosen: list[str], selected_one: list[bool]):
        value = "" if value is None else value
        # As Select.optgroups: the first option whose value was chosen is selected.
        selected = not selected_one[0] and str(value) in chosen
        if selected:
            selected_one[0] = True
        attrs = {**({"selected": True} if selected else {}), **self.option_attrs(label)}
        return ('\n  <option value="{}"{}>{}</option>\n', value, _attrs(attrs), label)

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        selected_one = [False]
        groups = []
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                options = [
                    self._option(value, label, chosen, selected_one)
                    for value, label in option_label
                ]
                rendered = format_html(
                    '\n  <optgroup label="{}">{}\n  </optgroup>',
                    option_value,
                    format_html_join("", "{}", ((format_html(*option),) for option in options)),
                )
            else:
                rendered = format_html(
                    *self._option(option_value, option_label, chosen, selected_one)
                )
            groups.append((rendered,))
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            name,
            _attrs(self.build_attrs(self.attrs, attrs)),
            format_html_join("", "{}", groups),
        )


class LanguageMarkingListingSelect(ListingSelect):
    """A ListingSelect whose options carry lang when their label is in the other language, as
    charity.text_language.LanguageMarkingSelect's do."""

    def option_attrs(self, label) -> dict:
        language = foreign_language(label)
        return {"lang": language} if language else {}
