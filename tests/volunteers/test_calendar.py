"""The private iCalendar feed of a volunteer's shifts."""

import datetime

import pytest
from django.utils import timezone
from icalendar import Calendar

from volunteers import services
from volunteers.selectors import PLATFORM_ZONE

from .factories import ShiftFactory, VolunteerProfileFactory

pytestmark = pytest.mark.django_db


def at(days: int, hour: int) -> datetime.datetime:
    day = timezone.now().astimezone(PLATFORM_ZONE).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PLATFORM_ZONE)


def feed(client, profile, language="zh-hans") -> Calendar:
    response = client.get(f"/{language}/volunteer/calendar/{profile.calendar_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_the_feed_has_my_shifts_at_the_right_times(client, coordinator, organization):
    profile = VolunteerProfileFactory()
    confirmed = ShiftFactory(
        starts_at=at(3, 9),
        ends_at=at(3, 12),
        task__organization=organization,
        task__title="发放冬衣",
        task__place="和平里社区服务中心",
        task__district="110101",
        task__description="搬运和登记。",
    )
    applied = ShiftFactory(
        starts_at=at(4, 14), ends_at=at(4, 17), requires_approval=True, task__title="探访老人"
    )
    waiting = ShiftFactory(starts_at=at(5, 9), ends_at=at(5, 10), capacity=1, task__title="满员")
    services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=waiting)
    cancelled = ShiftFactory(
        starts_at=at(6, 9), ends_at=at(6, 10), task__organization=organization, task__title="取消"
    )
    signup = services.shift_signup_create(actor=profile.user, shift=confirmed)
    services.shift_signup_create(actor=profile.user, shift=applied)
    services.shift_signup_create(actor=profile.user, shift=waiting)
    services.shift_signup_create(actor=profile.user, shift=cancelled)
    services.shift_cancel(actor=coordinator, shift=cancelled)
    ShiftFactory(starts_at=at(7, 9), ends_at=at(7, 10), task__title="别人的班")

    calendar = feed(client, profile, language="en")
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {"发放冬衣", "探访老人 (awaiting approval)"}
    event = events["发放冬衣"]
    # 09:00–12:00 in Shanghai is 01:00–04:00 UTC.
    start = event.decoded("dtstart")
    assert start == at(3, 9)
    assert start.utcoffset() == datetime.timedelta(0)
    assert (start.hour, event.decoded("dtend").hour) == (1, 4)
    assert event.decoded("dtend") == at(3, 12)
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["location"]) == "和平里社区服务中心, 北京市 东城区"
    assert organization.name in str(event["description"])
    assert "搬运和登记。" in str(event["description"])
    assert str(event["uid"]) == f"shift-signup-{signup.pk}@testserver"
    assert str(events["探访老人 (awaiting approval)"]["status"]) == "TENTATIVE"


def test_the_uid_stays_when_the_shift_moves(client, coordinator, organization):
    profile = VolunteerProfileFactory()
    shift = ShiftFactory(starts_at=at(3, 9), ends_at=at(3, 12), task__organization=organization)
    services.shift_signup_create(actor=profile.user, shift=shift)
    [before] = feed(client, profile).walk("VEVENT")
    services.shift_update(actor=coordinator, shift=shift, starts_at=at(3, 10), ends_at=at(3, 13))
    [after] = feed(client, profile).walk("VEVENT")
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("dtstart") == at(3, 10)


def test_a_wrong_token_is_404(client):
    VolunteerProfileFactory()
    assert client.get("/zh-hans/volunteer/calendar/not-a-token.ics").status_code == 404
    assert client.get("/zh-hans/volunteer/calendar/.ics").status_code == 404
