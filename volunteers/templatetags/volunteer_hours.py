"""Service time as people read it: {{ minutes|service_hours }} → "11 hours 40 minutes"."""

from django import template

from volunteers.certificates import hours_text

register = template.Library()


@register.filter
def service_hours(minutes) -> str:
    if minutes in (None, ""):
        return ""
    return hours_text(int(minutes))
