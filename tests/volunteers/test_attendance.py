"""Check-in (by the coordinator or the shift's QR code), check-out, no-shows and hours approval."""

import datetime

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from charity.models import Role
from volunteers import attendance
from volunteers.exceptions import VolunteerError
from volunteers.models import ShiftSignup, SignupStatus, SignupStatusChange
from volunteers.selectors import approved_volunteer_minutes, volunteer_service_record

from .factories import ShiftFactory
from .on_the_day import confirmed_volunteer, move, set_times

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def _code(error) -> str:
    """The refusal's code, also when the service names the field at fault."""
    error = error.value
    if hasattr(error, "error_dict"):
        (errors,) = error.error_dict.values()
        return errors[0].code
    return error.code


# --- Coordinator check-in, check-out, no-show ----------------------------------------------------


def test_a_coordinator_checks_a_volunteer_in_and_out_once_each(shift, coordinator):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-MINUTE)
    attendance.signup_check_in(actor=coordinator, signup=signup)
    signup.refresh_from_db()
    first_in = signup.checked_in_at
    assert first_in is not None
    # Pressing the button twice (a double tap, a reload) changes nothing.
    attendance.signup_check_in(actor=coordinator, signup=signup)
    attendance.signup_check_out(actor=coordinator, signup=signup)
    attendance.signup_check_out(actor=coordinator, signup=signup)
    signup.refresh_from_db()
    assert signup.checked_in_at == first_in
    assert signup.checked_out_at >= first_in
    assert signup.status == SignupStatus.CONFIRMED
    notes = list(
        SignupStatusChange.objects.filter(signup=signup, changed_by=coordinator).values_list(
            "note", flat=True
        )
    )
    assert notes == ["checked in by the coordinator", "checked out by the coordinator"]


def test_check_in_opens_half_an_hour_before_the_start(shift, coordinator):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=45 * MINUTE)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_check_in(actor=coordinator, signup=signup)
    assert _code(error) == "check_in_not_open"
    move(shift, starts_in=25 * MINUTE)
    attendance.signup_check_in(actor=coordinator, signup=signup)
    assert ShiftSignup.objects.get(pk=signup.pk).checked_in_at is not None


def test_a_coordinator_may_catch_up_on_check_in_after_the_end(shift, coordinator):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-5 * HOUR)
    attendance.signup_check_in(actor=coordinator, signup=signup)
    assert ShiftSignup.objects.get(pk=signup.pk).checked_in_at is not None


def test_check_out_needs_a_check_in(shift, coordinator):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-MINUTE)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_check_out(actor=coordinator, signup=signup)
    assert _code(error) == "not_checked_in"


def test_only_confirmed_volunteers_are_checked_in(shift, coordinator):
    shift.capacity = 1
    shift.save()
    confirmed_volunteer(shift)
    waitlisted = confirmed_volunteer(shift)
    assert waitlisted.status == SignupStatus.WAITLISTED
    move(shift, starts_in=-MINUTE)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_check_in(actor=coordinator, signup=waitlisted)
    assert _code(error) == "not_confirmed"
    assert ShiftSignup.objects.get(pk=waitlisted.pk).checked_in_at is None


def test_no_show_frees_nothing_before_the_start_and_excludes_a_checked_in_volunteer(
    shift, coordinator
):
    absent, present = confirmed_volunteer(shift), confirmed_volunteer(shift)
    move(shift, starts_in=10 * MINUTE)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_mark_no_show(actor=coordinator, signup=absent)
    assert _code(error) == "not_started"
    move(shift, starts_in=-10 * MINUTE)
    attendance.signup_check_in(actor=coordinator, signup=present)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_mark_no_show(actor=coordinator, signup=present)
    assert _code(error) == "checked_in"
    attendance.signup_mark_no_show(actor=coordinator, signup=absent)
    attendance.signup_mark_no_show(actor=coordinator, signup=absent)  # idempotent
    absent.refresh_from_db()
    assert absent.status == SignupStatus.NO_SHOW
    assert (
        SignupStatusChange.objects.filter(
            signup=absent, from_status="confirmed", to_status="no_show", changed_by=coordinator
        ).count()
        == 1
    )


@pytest.mark.parametrize("role", [Role.EDITOR, Role.FINANCE])
def test_members_without_shift_management_cannot_use_the_roster(shift, member_of, role):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-MINUTE)
    for service in (attendance.signup_check_in, attendance.signup_mark_no_show):
        with pytest.raises(PermissionDenied):
            service(actor=member_of(shift.task.organization, role), signup=signup)
    assert ShiftSignup.objects.get(pk=signup.pk).checked_in_at is None


def test_a_coordinator_of_another_organization_cannot_check_anyone_in(
    shift, other_organization, member_of
):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-MINUTE)
    outsider = member_of(other_organization, Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        attendance.signup_check_in(actor=outsider, signup=signup)


# --- QR check-in --------------------------------------------------------------------------------


def test_a_confirmed_volunteer_checks_in_with_the_shifts_code(shift):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=10 * MINUTE)
    token = attendance.shift_check_in_token(shift)
    volunteer = signup.volunteer.user
    attendance.signup_check_in_with_token(actor=volunteer, token=token)
    attendance.signup_check_in_with_token(actor=volunteer, token=token)  # a second scan
    signup.refresh_from_db()
    assert signup.checked_in_at is not None
    assert (
        SignupStatusChange.objects.filter(
            signup=signup, note="checked in with the QR code", changed_by=volunteer
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("starts_in", "code"),
    [(40 * MINUTE, "check_in_not_open"), (-4 * HOUR, "check_in_closed")],
)
def test_the_code_works_only_from_shortly_before_the_start_until_the_end(shift, starts_in, code):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=starts_in)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_check_in_with_token(
            actor=signup.volunteer.user, token=attendance.shift_check_in_token(shift)
        )
    assert _code(error) == code
    assert ShiftSignup.objects.get(pk=signup.pk).checked_in_at is None


def test_a_forged_or_tampered_code_is_refused(shift):
    signup = confirmed_volunteer(shift)
    move(shift, starts_in=-MINUTE)
    token = attendance.shift_check_in_token(shift)
    forged = signing.dumps({"shift": shift.pk, "start": 0}, salt="something else")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, tampered, "not-a-token", ""):
        with pytest.raises(VolunteerError) as error:
            attendance.signup_check_in_with_token(actor=signup.volunteer.user, token=bad)
        assert _code(error) == "token_invalid"
    assert ShiftSignup.objects.get(pk=signup.pk).checked_in_at is None


def test_a_code_printed_before_the_shift_moved_no_longer_works(shift):
    signup = confirmed_volunteer(shift)
    old_token = attendance.shift_check_in_token(move(shift, starts_in=-MINUTE))
    move(shift, starts_in=-2 * MINUTE)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_check_in_with_token(actor=signup.volunteer.user, token=old_token)
    assert _code(error) == "token_stale"


def test_another_shifts_code_does_not_check_a_volunteer_in(shift):
    signup = confirmed_volunteer(shift)
    other = ShiftFactory(task=shift.task)
    move(shift, starts_in=-MINUTE)
    move(other, starts_in=-MINUTE)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_check_in_with_token(
            actor=signup.volunteer.user, token=attendance.shift_check_in_token(other)
        )
    assert _code(error) == "not_on_roster"
    assert not ShiftSignup.objects.filter(checked_in_at__isnull=False).exists()


def test_a_cancelled_shifts_code_does_not_work(shift, coordinator):
    from volunteers import services

    signup = confirmed_volunteer(shift)
    services.shift_cancel(actor=coordinator, shift=shift)
    move(shift, starts_in=-MINUTE)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_check_in_with_token(
            actor=signup.volunteer.user, token=attendance.shift_check_in_token(shift)
        )
    assert _code(error) == "shift_cancelled"


# --- Hours --------------------------------------------------------------------------------------


def _ended(shift, signup, *, worked=None, hours=3):
    move(shift, starts_in=-(hours + 1) * HOUR, hours=hours)
    if worked is not None:
        start = shift.starts_at + 5 * MINUTE
        set_times(signup, checked_in_at=start, checked_out_at=start + worked)
    return signup


def test_default_hours_are_the_recorded_times_capped_at_the_shift(shift):
    signup = confirmed_volunteer(shift)
    _ended(shift, signup, worked=2 * HOUR + 30 * MINUTE)
    assert attendance.default_minutes(signup) == 150
    set_times(signup, checked_in_at=shift.starts_at - HOUR, checked_out_at=shift.ends_at + HOUR)
    assert attendance.default_minutes(signup) == 180  # capped at the shift's length
    set_times(signup, checked_in_at=shift.starts_at)  # never checked out
    assert attendance.default_minutes(signup) == 180


def test_approving_hours_completes_the_signup_and_adds_to_the_service_record(shift, coordinator):
    signup = _ended(shift, confirmed_volunteer(shift), worked=2 * HOUR)
    attendance.signup_hours_approve(actor=coordinator, signup=signup)
    signup.refresh_from_db()
    assert signup.status == SignupStatus.COMPLETED
    assert signup.approved_minutes == 120
    assert signup.hours_approved_by == coordinator
    record = volunteer_service_record(signup.volunteer)
    assert [(row.organization, row.minutes) for row in record.by_organization] == [
        (shift.task.organization, 120)
    ]
    assert record.entries == [signup]
    assert approved_volunteer_minutes() == 120
    assert approved_volunteer_minutes(organization=shift.task.organization) == 120
    # Approving again with the same figure is a no-op; a different one is refused.
    attendance.signup_hours_approve(actor=coordinator, signup=signup, minutes=120)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_hours_approve(actor=coordinator, signup=signup, minutes=150, note="x")
    assert _code(error) == "already_approved"


def test_adjusted_hours_need_a_note_and_stay_within_the_shift(shift, coordinator):
    signup = _ended(shift, confirmed_volunteer(shift), worked=2 * HOUR)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_hours_approve(actor=coordinator, signup=signup, minutes=150)
    assert _code(error) == "note_missing"
    for minutes in (0, 181):
        with pytest.raises(VolunteerError) as error:
            attendance.signup_hours_approve(
                actor=coordinator, signup=signup, minutes=minutes, note="stayed on"
            )
        assert _code(error) == "minutes_range"
    assert ShiftSignup.objects.get(pk=signup.pk).status == SignupStatus.CONFIRMED
    attendance.signup_hours_approve(
        actor=coordinator, signup=signup, minutes=150, note="forgot to check out"
    )
    signup.refresh_from_db()
    assert (signup.approved_minutes, signup.hours_note) == (150, "forgot to check out")


def test_hours_are_approved_only_after_the_shift_and_only_for_confirmed_volunteers(
    shift, coordinator
):
    signup = confirmed_volunteer(shift)
    absent = confirmed_volunteer(shift)
    move(shift, starts_in=-HOUR)  # still running
    with pytest.raises(VolunteerError) as error:
        attendance.signup_hours_approve(actor=coordinator, signup=signup)
    assert _code(error) == "not_ended"
    attendance.signup_mark_no_show(actor=coordinator, signup=absent)
    move(shift, starts_in=-4 * HOUR)
    with pytest.raises(VolunteerError) as error:
        attendance.signup_hours_approve(actor=coordinator, signup=absent)
    assert _code(error) == "not_confirmed"
    assert approved_volunteer_minutes() == 0


def test_only_the_organizations_coordinators_approve_hours(shift, member_of, other_organization):
    signup = _ended(shift, confirmed_volunteer(shift))
    for actor in (
        signup.volunteer.user,
        member_of(shift.task.organization, Role.EDITOR),
        member_of(other_organization, Role.COORDINATOR),
    ):
        with pytest.raises(PermissionDenied):
            attendance.signup_hours_approve(actor=actor, signup=signup)
    assert ShiftSignup.objects.get(pk=signup.pk).status == SignupStatus.CONFIRMED


def test_approved_minutes_are_counted_by_organization_and_period(
    organization, other_organization, member_of
):
    now = timezone.now()
    totals = {}
    for org, hours_ago in ((organization, 30 * 24), (organization, 5), (other_organization, 5)):
        shift = ShiftFactory(task__organization=org)
        signup = confirmed_volunteer(shift)
        _ended(shift, signup)
        move(shift, starts_in=-hours_ago * HOUR, hours=2)
        attendance.signup_hours_approve(actor=member_of(org, Role.COORDINATOR), signup=signup)
        totals[(org.pk, hours_ago)] = 120
    assert approved_volunteer_minutes() == 360
    assert approved_volunteer_minutes(organization=organization) == 240
    assert approved_volunteer_minutes(organization=organization, start=now - 2 * 24 * HOUR) == 120
    assert approved_volunteer_minutes(end=now - 2 * 24 * HOUR) == 120


def test_the_home_pages_volunteer_hours_are_the_approved_hours(shift, coordinator):
    from cms.selectors import platform_totals

    signup = _ended(shift, confirmed_volunteer(shift), worked=2 * HOUR + 30 * MINUTE)
    assert platform_totals().volunteer_hours == 0
    attendance.signup_hours_approve(actor=coordinator, signup=signup)
    assert platform_totals().volunteer_hours == 2  # whole hours of the 150 minutes
