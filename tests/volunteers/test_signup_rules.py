"""Each rule of shift_signup_create has a test here that fails if the rule is removed."""

import datetime

import pytest
from django.utils import timezone

from volunteers import services
from volunteers.exceptions import VolunteerError
from volunteers.models import CertificateKind, ShiftSignup, SignupStatus, SignupStatusChange
from volunteers.services import PLATFORM_ZONE

from .factories import (
    ShiftFactory,
    SkillFactory,
    VolunteerCertificateFactory,
)

pytestmark = pytest.mark.django_db


def signup(user, shift):
    return services.shift_signup_create(actor=user, shift=shift)


def refused(user, shift, code):
    with pytest.raises(VolunteerError) as caught:
        signup(user, shift)
    assert caught.value.code == code
    return caught.value


def at(days: int, hour: int, hours: int = 3, **fields):
    """A shift `days` from today at `hour`:00 platform time, lasting `hours`."""
    day = timezone.localdate(timezone=PLATFORM_ZONE) + datetime.timedelta(days=days)
    starts_at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=PLATFORM_ZONE)
    return ShiftFactory(
        starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours), **fields
    )


# --- Capacity, then the waitlist ------------------------------------------------------------------


def test_places_are_confirmed_until_full_then_volunteers_are_waitlisted(volunteer):
    shift = ShiftFactory(capacity=2)
    statuses = [signup(volunteer(), shift).status for _ in range(4)]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    shift.refresh_from_db()
    assert shift.places_taken == 2


def test_every_sign_up_is_recorded_with_who_made_it(volunteer):
    user = volunteer()
    created = signup(user, ShiftFactory())
    change = SignupStatusChange.objects.get(signup=created)
    assert (change.from_status, change.to_status, change.changed_by) == ("", "confirmed", user)


# --- Approval -------------------------------------------------------------------------------------


def test_a_shift_that_needs_approval_takes_applications(volunteer):
    shift = ShiftFactory(capacity=1, requires_approval=True)
    assert signup(volunteer(), shift).status == SignupStatus.APPLIED
    # An application holds the place, so approving it can never overfill the shift.
    assert signup(volunteer(), shift).status == SignupStatus.WAITLISTED


# --- One sign-up per volunteer and shift ----------------------------------------------------------


def test_a_volunteer_cannot_sign_up_twice(volunteer):
    user, shift = volunteer(), ShiftFactory()
    first = signup(user, shift)
    refused(user, shift, "duplicate")
    assert ShiftSignup.objects.filter(shift=shift).count() == 1
    # After cancelling, signing up again is a new sign-up.
    services.shift_signup_cancel(actor=user, signup=first)
    assert signup(user, shift).status == SignupStatus.CONFIRMED


def test_a_volunteer_needs_a_profile(db):
    from tests.factories import UserFactory

    refused(UserFactory(), ShiftFactory(), "no_profile")


# --- No two overlapping places --------------------------------------------------------------------


def test_a_volunteer_cannot_hold_overlapping_shifts(volunteer):
    user = volunteer()
    signup(user, at(5, 9))  # 09:00–12:00
    refused(user, at(5, 11), "overlap")  # 11:00–14:00
    refused(user, at(5, 8, hours=5), "overlap")  # 08:00–13:00 contains it
    assert signup(user, at(5, 12)).status == SignupStatus.CONFIRMED  # back to back is fine


def test_an_application_counts_as_a_held_place_for_overlaps(volunteer):
    user = volunteer()
    signup(user, at(5, 9, requires_approval=True))
    refused(user, at(5, 10), "overlap")


def test_waitlisted_or_cancelled_places_do_not_block_other_shifts(volunteer):
    user = volunteer()
    full = at(5, 9, capacity=1)
    signup(volunteer(), full)
    assert signup(user, full).status == SignupStatus.WAITLISTED
    cancelled = signup(user, at(6, 9))
    services.shift_signup_cancel(actor=user, signup=cancelled)
    assert signup(user, at(5, 10)).status == SignupStatus.CONFIRMED
    assert signup(user, at(6, 10)).status == SignupStatus.CONFIRMED


def test_a_cancelled_shift_does_not_block_another(volunteer, coordinator, organization):
    user = volunteer()
    first = at(5, 9, task__organization=organization)
    signup(user, first)
    services.shift_cancel(actor=coordinator, shift=first)
    assert signup(user, at(5, 10)).status == SignupStatus.CONFIRMED


# --- Skills and certificates ----------------------------------------------------------------------


def test_required_skills_are_checked(volunteer):
    cooking, driving = SkillFactory(code="cooking"), SkillFactory(code="driving")
    shift = ShiftFactory(task__required_skills=[cooking, driving])
    error = refused(volunteer(skills=[cooking]), shift, "skills_missing")
    assert driving.name in error.message % (error.params or {})
    assert signup(volunteer(skills=[cooking, driving]), shift).status == SignupStatus.CONFIRMED


def test_required_certificates_are_checked(volunteer):
    shift = at(5, 9, task__required_certificates=[CertificateKind.FIRST_AID])
    user = volunteer()
    refused(user, shift, "certificates_missing")
    VolunteerCertificateFactory(profile=user.volunteer_profile, kind=CertificateKind.DRIVER)
    refused(user, shift, "certificates_missing")
    VolunteerCertificateFactory(profile=user.volunteer_profile, kind=CertificateKind.FIRST_AID)
    assert signup(user, shift).status == SignupStatus.CONFIRMED


def test_a_certificate_must_be_valid_on_the_shifts_day(volunteer):
    shift = at(5, 9, task__required_certificates=[CertificateKind.FIRST_AID])
    shift_day = shift.starts_at.astimezone(PLATFORM_ZONE).date()
    expired = volunteer()
    # Valid today, but not any more on the day of the shift.
    VolunteerCertificateFactory(
        profile=expired.volunteer_profile, expires_on=shift_day - datetime.timedelta(days=1)
    )
    refused(expired, shift, "certificates_missing")
    last_day = volunteer()
    VolunteerCertificateFactory(profile=last_day.volunteer_profile, expires_on=shift_day)
    assert signup(last_day, shift).status == SignupStatus.CONFIRMED


def test_a_minor_without_a_guardians_consent_cannot_sign_up(volunteer):
    today = timezone.localdate()
    user = volunteer(birth_date=today.replace(year=today.year - 15), guardian_name="李强")
    refused(user, ShiftFactory(), "guardian_consent")
    profile = user.volunteer_profile
    profile.guardian_consent_at = timezone.now()
    profile.save(update_fields=["guardian_consent_at"])
    assert signup(user, ShiftFactory()).status == SignupStatus.CONFIRMED


# --- The sign-up window ---------------------------------------------------------------------------


def test_sign_up_opens_the_given_hours_before_the_start(volunteer):
    in_three_days = timezone.now() + datetime.timedelta(days=3)
    shift = ShiftFactory(
        starts_at=in_three_days,
        ends_at=in_three_days + datetime.timedelta(hours=2),
        signup_opens_hours_before=48,
    )
    refused(volunteer(), shift, "signup_not_open")
    shift.signup_opens_hours_before = 80
    shift.save(update_fields=["signup_opens_hours_before"])
    assert signup(volunteer(), shift).status == SignupStatus.CONFIRMED


def test_sign_up_closes_when_the_shift_starts(volunteer):
    started = timezone.now() - datetime.timedelta(minutes=5)
    shift = ShiftFactory(starts_at=started, ends_at=started + datetime.timedelta(hours=2))
    refused(volunteer(), shift, "shift_started")


def test_a_cancelled_shift_takes_no_sign_ups(volunteer, coordinator, shift):
    services.shift_cancel(actor=coordinator, shift=shift)
    refused(volunteer(), shift, "shift_cancelled")


# --- Maximum hours per week -----------------------------------------------------------------------


def monday_in_two_weeks() -> int:
    today = timezone.localdate(timezone=PLATFORM_ZONE)
    return 14 - today.weekday()


def test_confirmed_and_applied_hours_count_towards_the_weekly_maximum(volunteer):
    monday = monday_in_two_weeks()
    user = volunteer(max_hours_per_week=8)
    signup(user, at(monday, 9))  # 3 h confirmed
    signup(user, at(monday + 1, 9, requires_approval=True))  # 3 h applied
    error = refused(user, at(monday + 6, 9), "weekly_hours")  # Sunday: 9 h
    assert error.params is None and "8" in error.message
    assert signup(user, at(monday + 6, 9, hours=2)).status == SignupStatus.CONFIRMED  # 8 h


def test_the_weekly_maximum_counts_the_shifts_iso_week_only(volunteer):
    monday = monday_in_two_weeks()
    user = volunteer(max_hours_per_week=4)
    signup(user, at(monday, 9))
    assert signup(user, at(monday - 1, 9)).status == SignupStatus.CONFIRMED  # Sunday before
    assert signup(user, at(monday + 7, 9)).status == SignupStatus.CONFIRMED  # Monday after
    refused(user, at(monday + 3, 9), "weekly_hours")


def test_waitlisted_hours_do_not_count_towards_the_weekly_maximum(volunteer):
    monday = monday_in_two_weeks()
    user = volunteer(max_hours_per_week=4)
    full = at(monday, 9, capacity=1)
    signup(volunteer(), full)
    assert signup(user, full).status == SignupStatus.WAITLISTED
    assert signup(user, at(monday + 2, 9)).status == SignupStatus.CONFIRMED
