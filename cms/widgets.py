"""Form widgets for the public pages."""

from django import forms
from django.utils.safestring import mark_safe

from charity.text_language import foreign_language
from config.html import escaped


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class ListingTextInput(forms.TextInput):
    """A text input with the markup of Django's input.html and attrs.html, written without them
    (see ListingSelect)."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        shown = "" if value is None else f' value="{escaped(value)}"'
        attributes = _attrs(self.build_attrs(self.attrs, attrs))
        return mark_safe(  # noqa: S308  # nosec B308, B703: every value above is escaped
            f'<input type="{escaped(self.input_type)}" name="{escaped(name)}"{shown}{attributes}>'
        )


class ListingSelect(forms.Select):
    """A <select> with the markup of Django's templates (select.html, select_option.html,
    attrs.html), written without a template include per option: the project index's filters have
    some sixty options, which cost a third of the page's rendering through the templates. The
    options are read from the choices directly, as Select.optgroups reads them, without a
    context dictionary per option, and escaped as format_html escapes them."""

    def option_attrs(self, label) -> dict:
        """Attributes of an option other than `selected` (none here; see subclasses)."""
        return {}

    def _option(self, value, label, chosen: list[str], selected_one: list[bool]) -> str:
        value = "" if value is None else value
        # As Select.optgroups: the first option whose value was chosen is selected.
        selected = not selected_one[0] and str(value) in chosen
        if selected:
            selected_one[0] = True
        attrs = {**({"selected": True} if selected else {}), **self.option_attrs(label)}
        return f'\n  <option value="{escaped(value)}"{_attrs(attrs)}>{escaped(label)}</option>\n'

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        selected_one = [False]
        options = []
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                grouped = "".join(
                    self._option(value, label, chosen, selected_one)
                    for value, label in option_label
                )
                options.append(
                    f'\n  <optgroup label="{escaped(option_value)}">{grouped}\n  </optgroup>'
                )
            else:
                options.append(self._option(option_value, option_label, chosen, selected_one))
        attributes = _attrs(self.build_attrs(self.attrs, attrs))
        return mark_safe(  # noqa: S308  # nosec B308, B703: every value above is escaped
            f'<select name="{escaped(name)}"{attributes}>{"".join(options)}\n</select>'
        )


class LanguageMarkingListingSelect(ListingSelect):
    """A ListingSelect whose options carry lang when their label is in the other language, as
    charity.text_language.LanguageMarkingSelect's do."""

    def option_attrs(self, label) -> dict:
        language = foreign_language(label)
        return {"lang": language} if language else {}
