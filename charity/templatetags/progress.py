"""A progress bar, e.g. money raised towards a goal:

    {% load progress %}{% progress_bar value=totals.raised max=totals.goal label=label caption=caption %}

A native <progress>, so it needs no inline style and screen readers announce it as a progress bar
with its value. value and max are numbers in the same unit (max > 0); label says what it measures
(shown above the bar and used as its accessible name); caption (optional) is small print below,
e.g. "¥12,000 of ¥50,000".

Written in Python rather than as an include: a listing shows a dozen of them, one per project
card (see cms.templatetags.project_cards), and through the template engine they cost a quarter
of the project index's rendering.
"""

from django import template
from django.utils.safestring import mark_safe

from config.html import escaped

register = template.Library()


def percent_of(value, maximum) -> str:
    """As {% widthratio value max 100 %}: rounded to the nearest whole percent ("0" for max 0)."""
    try:
        return str(round(float(value) / float(maximum) * 100))
    except ZeroDivisionError:
        return "0"


@register.simple_tag(name="progress_bar")
def progress_bar(*, value, max, label, caption=""):
    percent, label = percent_of(value, max), escaped(label)
    caption = f'  <p class="progress__caption">{escaped(caption)}</p>\n' if caption else ""
    return mark_safe(  # noqa: S308  # nosec B308, B703: every value is escaped
        '<div class="progress">\n'
        f'  <div class="progress__head"><span>{label}</span>'
        f'<span class="progress__percent">{percent}%</span></div>\n'
        f'  <progress class="progress__bar" value="{escaped(value)}" max="{escaped(max)}" '
        f'aria-label="{label}">{percent}%</progress>\n'
        f"{caption}</div>"
    )
