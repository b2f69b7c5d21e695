"""A volunteer's shifts as an iCalendar feed (RFC 5545), for phone and desktop calendars."""

import datetime
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Shift, ShiftSignup, SignupStatus


def signups_calendar(
    *, signups: list[ShiftSignup], domain: str, shift_url: Callable[[Shift], str]
) -> bytes:
    """One event per sign-up: confirmed (and completed) ones CONFIRMED, applications TENTATIVE.

    Times are in UTC, which every client converts to its own zone, so no VTIMEZONE is needed.
    The UID is the sign-up's, so a changed shift updates the event rather than adding one.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Shanxin//Volunteer shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("My volunteer shifts"))
    # Clients that honour it poll hourly, so changes and cancellations reach phones soon.
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    now = timezone.now()
    for signup in signups:
        shift = signup.shift
        task = shift.task
        event = Event()
        event.add("uid", f"shift-signup-{signup.pk}@{domain}")
        event.add("dtstamp", now.astimezone(datetime.UTC))
        event.add("last-modified", signup.status_changed_at.astimezone(datetime.UTC))
        event.add("dtstart", shift.starts_at.astimezone(datetime.UTC))
        event.add("dtend", shift.ends_at.astimezone(datetime.UTC))
        summary = task.title
        if signup.status == SignupStatus.APPLIED:
            summary = _("%(task)s (awaiting approval)") % {"task": task.title}
        event.add("summary", summary)
        event.add("location", f"{task.place}, {task.district_full_name}")
        url = shift_url(shift)
        lines = [task.title, task.organization.name]
        if task.description:
            lines.append(task.description)
        lines.append(url)
        event.add("description", "\n\n".join(lines))
        event.add("url", url)
        event.add("status", "TENTATIVE" if signup.status == SignupStatus.APPLIED else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
