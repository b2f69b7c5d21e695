"""The public list of volunteer shifts: what it shows, its filters, "shifts for me", its cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.factories import OrganizationFactory
from volunteers import selectors, services
from volunteers.models import CertificateKind, Urgency
from volunteers.selectors import PLATFORM_ZONE, OpportunityFilters

from .factories import (
    ShiftFactory,
    SkillFactory,
    VolunteerCertificateFactory,
    VolunteerProfileFactory,
)

pytestmark = pytest.mark.django_db

URL = "/zh-hans/volunteer/"


def local(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """`days` from today at hour:minute on the platform's wall clock."""
    day = timezone.now().astimezone(PLATFORM_ZONE).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PLATFORM_ZONE)


def shift_at(days: int, hour: int, hours: int = 3, **fields):
    starts = local(days, hour)
    return ShiftFactory(
        starts_at=starts, ends_at=starts + datetime.timedelta(hours=hours), **fields
    )


def titles(filters=None, profile=None) -> set[str]:
    filters = filters or OpportunityFilters()
    return {
        shift.task.title
        for shift in selectors.shift_opportunities(filters=filters, profile=profile)
    }


def test_lists_upcoming_shifts_of_verified_organizations_only(client, coordinator, organization):
    coming = shift_at(3, 9, task__title="发放冬衣", task__organization=organization)
    shift_at(-1, 9, task__title="昨天的班")
    shift_at(
        3, 9, task__title="未核验机构", task__organization=OrganizationFactory(unverified=True)
    )
    cancelled = shift_at(4, 9, task__title="取消的班", task__organization=organization)
    services.shift_cancel(actor=coordinator, shift=cancelled)
    body = client.get(URL).content.decode()
    assert "发放冬衣" in body
    assert coming.task.organization.name in body
    for hidden in ("昨天的班", "未核验机构", "取消的班"):
        assert hidden not in body
    assert f'href="/zh-hans/volunteer/shifts/{coming.pk}/"' in body


def test_each_shift_shows_local_time_places_urgency_and_needs(client):
    cooking = SkillFactory(code="cooking", name_en="Cooking", name_zh="烹饪")
    shift = shift_at(
        2,
        9,
        capacity=4,
        task__urgency=Urgency.CRITICAL,
        task__required_skills=[cooking],
        task__required_certificates=[CertificateKind.FOOD_SAFETY],
    )
    volunteer = VolunteerProfileFactory(skills=[cooking])
    VolunteerCertificateFactory(profile=volunteer, kind=CertificateKind.FOOD_SAFETY)
    services.shift_signup_create(actor=volunteer.user, shift=shift)
    with translation.override("en"):
        body = client.get("/en/volunteer/").content.decode()
    # 09:00 in Shanghai is 01:00 UTC: the page shows the local time.
    assert "09:00–12:00" in body
    assert "1 of 4 places filled" in body
    assert 'value="1" max="4"' in body
    assert "Critical" in body
    assert "Cooking" in body and "Food safety" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"district": "510107"}, {"武侯"}),
        ({"district": "510000"}, {"武侯", "锦江"}),  # a province covers its districts
        ({"district": "110000"}, {"东城"}),
        ({"skill": "driving"}, {"锦江"}),
        ({"urgency": "critical"}, {"东城"}),
        ({"organization": "org-b"}, {"东城"}),
        ({"date_from": 4}, {"锦江", "东城"}),
        ({"date_to": 3}, {"武侯"}),
        ({"date_from": 4, "date_to": 4}, {"锦江"}),
    ],
)
def test_filters(client, query, expected):
    org_a = OrganizationFactory(slug="org-a")
    org_b = OrganizationFactory(slug="org-b")
    driving = SkillFactory(code="driving")
    shift_at(3, 9, task__title="武侯", task__district="510107", task__organization=org_a)
    shift_at(
        4,
        9,
        task__title="锦江",
        task__district="510104",
        task__organization=org_a,
        task__required_skills=[driving],
    )
    shift_at(
        5,
        9,
        task__title="东城",
        task__district="110101",
        task__organization=org_b,
        task__urgency=Urgency.CRITICAL,
    )
    today = timezone.now().astimezone(PLATFORM_ZONE).date()
    params = {
        name: (today + datetime.timedelta(days=value)).isoformat()
        if name.startswith("date")
        else value
        for name, value in query.items()
    }
    response = client.get(URL, params)
    shown = {shift.task.title for shift in response.context["shifts"]}
    assert shown == expected


def test_a_bad_filter_value_is_reported_and_the_rest_still_apply(client):
    shift_at(3, 9, task__title="武侯", task__district="510107")
    with translation.override("en"):
        response = client.get(
            "/en/volunteer/", {"date_from": "not-a-date", "district": "510107", "urgency": "x"}
        )
    assert response.status_code == 200
    assert {shift.task.title for shift in response.context["shifts"]} == {"武侯"}
    body = response.content.decode()
    assert "Enter a valid date." in body
    assert "Select a valid choice." in body


def test_an_impossible_page_is_404(client):
    shift_at(3, 9)
    assert client.get(URL, {"page": 7}).status_code == 404
    assert client.get(URL, {"page": "x"}).status_code == 404


def test_the_page_costs_the_same_for_3_or_30_shifts(client, django_assert_max_num_queries):
    cooking = SkillFactory(code="cooking")
    volunteer = VolunteerProfileFactory(
        skills=[cooking],
        availability=[{"weekday": day, "start": "08:00", "end": "20:00"} for day in range(7)],
    )
    VolunteerCertificateFactory(profile=volunteer, kind=CertificateKind.FIRST_AID)
    client.force_login(volunteer.user)

    def make(count):
        return [
            shift_at(
                1 + n % 10,
                9,
                task__required_skills=[cooking],
                task__required_certificates=[CertificateKind.FIRST_AID],
            )
            for n in range(count)
        ]

    def count_queries(params):
        client.get(URL, params)  # warm per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, params)
        assert response.status_code == 200
        return len(queries), len(response.context["shifts"])

    # One with the viewer's own sign-up, so that column is read too.
    services.shift_signup_create(actor=volunteer.user, shift=make(3)[0])
    few = {key: count_queries(key_params) for key, key_params in PARAMS.items()}
    make(27)
    many = {key: count_queries(key_params) for key, key_params in PARAMS.items()}
    for key in PARAMS:
        assert few[key][1] == 3 and many[key][1] == 20  # one full page
        assert many[key][0] == few[key][0], key
    # The listing with "shifts for me" (10), and the shifts recommended to the viewer above it
    # (7, as many for any number of shifts: see test_matching).
    with django_assert_max_num_queries(17):
        client.get(URL, PARAMS["for me"])


PARAMS = {"all": {}, "for me": {"for_me": "on"}, "filtered": {"skill": "cooking"}}


def next_weekday(weekday: int) -> int:
    """Days from today to the next `weekday` (0 = Monday) at least two days ahead."""
    today = timezone.now().astimezone(PLATFORM_ZONE).date()
    return next(days for days in range(2, 10) if (today.weekday() + days) % 7 == weekday)


def for_me(profile) -> set[str]:
    return titles(OpportunityFilters(for_me=True), profile)


def test_for_me_needs_every_required_skill():
    cooking, driving = SkillFactory(code="cooking"), SkillFactory(code="driving")
    shift_at(3, 9, task__title="无要求")
    shift_at(3, 13, task__title="烹饪", task__required_skills=[cooking])
    shift_at(3, 17, task__title="烹饪和驾驶", task__required_skills=[cooking, driving])
    profile = VolunteerProfileFactory(skills=[cooking])
    assert for_me(profile) == {"无要求", "烹饪"}
    assert titles(profile=profile) == {"无要求", "烹饪", "烹饪和驾驶"}  # without the toggle


def test_for_me_needs_certificates_valid_on_the_shifts_day():
    first_aid = [CertificateKind.FIRST_AID]
    shift_at(5, 9, task__title="五天后", task__required_certificates=first_aid)
    shift_at(6, 9, task__title="六天后", task__required_certificates=first_aid)
    shift_at(5, 13, task__title="食品", task__required_certificates=[CertificateKind.FOOD_SAFETY])
    profile = VolunteerProfileFactory()
    assert for_me(profile) == set()
    expires = timezone.now().astimezone(PLATFORM_ZONE).date() + datetime.timedelta(days=5)
    certificate = VolunteerCertificateFactory(profile=profile, expires_on=expires)
    assert for_me(profile) == {"五天后"}  # the expiry day is the last valid day
    VolunteerCertificateFactory(profile=profile, expires_on=expires - datetime.timedelta(days=9))
    assert for_me(profile) == {"五天后"}  # an older, expired one changes nothing
    certificate.expires_on = None
    certificate.save()
    assert for_me(profile) == {"五天后", "六天后"}


def test_for_me_fits_the_weekly_availability_in_local_time():
    saturday = next_weekday(5)
    shift_at(saturday, 9, hours=3, task__title="周六上午")
    shift_at(saturday, 10, hours=3, task__title="周六跨午")
    shift_at(saturday, 14, hours=3, task__title="周六下午")
    shift_at(saturday + 1, 9, hours=3, task__title="周日上午")
    profile = VolunteerProfileFactory(
        availability=[{"weekday": 5, "start": "09:00", "end": "12:00"}]
    )
    assert for_me(profile) == {"周六上午"}
    # Touching periods count as one: 09:00–12:00 and 12:00–13:00 cover 10:00–13:00.
    profile.availability.append({"weekday": 5, "start": "12:00", "end": "13:00"})
    profile.save()
    assert for_me(profile) == {"周六上午", "周六跨午"}


def test_without_availability_for_me_shows_shifts_at_any_time(client):
    shift_at(3, 3, task__title="凌晨")
    profile = VolunteerProfileFactory(availability=[])
    assert for_me(profile) == {"凌晨"}
    client.force_login(profile.user)
    with translation.override("en"):
        body = client.get("/en/volunteer/?for_me=on").content.decode()
    assert "You have not given your weekly availability" in body
    assert "1 shift fits you" in body


def test_for_me_needs_a_profile(client, volunteer):
    shift_at(3, 9, task__title="任何人", task__required_certificates=[CertificateKind.DRIVER])
    # Anonymous, or signed in without a profile: the toggle is not offered and changes nothing.
    assert client.get(URL, {"for_me": "on"}).context["shifts"][0].task.title == "任何人"
    user = VolunteerProfileFactory().user
    client.force_login(user)
    assert client.get(URL, {"for_me": "on"}).context["shifts"] == []
