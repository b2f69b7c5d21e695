"""Cancelling, the waitlist, approval and calling a shift off."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from charity.models import Role
from volunteers import services
from volunteers.exceptions import VolunteerError
from volunteers.models import PLACE_HOLDING_STATUSES, ShiftSignup, SignupStatus, SignupStatusChange

from .factories import ShiftFactory, VolunteerCertificateFactory
from .test_signup_rules import at

pytestmark = pytest.mark.django_db


def signup(user, shift):
    return services.shift_signup_create(actor=user, shift=shift)


def status_of(signup):
    signup.refresh_from_db()
    return signup.status


def assert_places_consistent(shift):
    shift.refresh_from_db()
    held = ShiftSignup.objects.filter(shift=shift, status__in=PLACE_HOLDING_STATUSES).count()
    assert shift.places_taken == held <= shift.capacity


def test_cancelling_promotes_the_first_waitlisted_who_is_told(
    volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(capacity=1)
    leaving = volunteer()
    place = signup(leaving, shift)
    first, second = volunteer(), volunteer()
    first_signup, second_signup = signup(first, shift), signup(second, shift)
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_signup_cancel(actor=leaving, signup=place)
    assert status_of(place) == SignupStatus.CANCELLED
    assert status_of(first_signup) == SignupStatus.CONFIRMED
    assert status_of(second_signup) == SignupStatus.WAITLISTED
    assert_places_consistent(shift)
    assert [message.to for message in mailoutbox] == [[first.email]]
    assert shift.task.title in mailoutbox[0].subject
    promotion = SignupStatusChange.objects.get(signup=first_signup, from_status="waitlisted")
    assert (promotion.to_status, promotion.changed_by) == ("confirmed", leaving)


def test_a_promotion_on_a_shift_needing_approval_is_an_application(volunteer):
    shift = ShiftFactory(capacity=1, requires_approval=True)
    leaving = volunteer()
    place = signup(leaving, shift)
    waiting = signup(volunteer(), shift)
    services.shift_signup_cancel(actor=leaving, signup=place)
    assert status_of(waiting) == SignupStatus.APPLIED
    assert_places_consistent(shift)


def test_the_promotion_skips_whoever_no_longer_passes_the_rules(volunteer):
    shift = at(5, 9, capacity=1)
    leaving = volunteer()
    place = signup(leaving, shift)
    busy, free = volunteer(), volunteer()
    busy_signup, free_signup = signup(busy, shift), signup(free, shift)
    signup(busy, at(5, 10))  # since waitlisting, `busy` took an overlapping place
    services.shift_signup_cancel(actor=leaving, signup=place)
    assert status_of(busy_signup) == SignupStatus.WAITLISTED
    assert status_of(free_signup) == SignupStatus.CONFIRMED


def test_the_promotion_rechecks_certificates_and_hours(volunteer):
    shift = at(5, 9, capacity=1, task__required_certificates=["driver"])
    shift_day = shift.starts_at.date()
    leaving, lapsed = volunteer(), volunteer()
    for user in (leaving, lapsed):
        VolunteerCertificateFactory(profile=user.volunteer_profile, kind="driver")
    place = signup(leaving, shift)
    lapsed_signup = signup(lapsed, shift)
    lapsed.volunteer_profile.certificates.update(expires_on=shift_day - datetime.timedelta(days=2))
    services.shift_signup_cancel(actor=leaving, signup=place)
    assert status_of(lapsed_signup) == SignupStatus.WAITLISTED
    shift.refresh_from_db()
    assert shift.places_taken == 0  # the place stays free for someone eligible


def test_a_waitlisted_volunteer_leaving_frees_no_place(volunteer, mailoutbox):
    shift = ShiftFactory(capacity=1)
    signup(volunteer(), shift)
    leaving = volunteer()
    waiting = signup(leaving, shift)
    behind = signup(volunteer(), shift)
    services.shift_signup_cancel(actor=leaving, signup=waiting)
    assert status_of(behind) == SignupStatus.WAITLISTED
    assert_places_consistent(shift)


def test_a_volunteer_cannot_cancel_a_confirmed_place_after_the_cut_off(volunteer, coordinator):
    soon = timezone.now() + datetime.timedelta(hours=5)
    shift = ShiftFactory(
        task__organization=coordinator.memberships.get().organization,
        starts_at=soon,
        ends_at=soon + datetime.timedelta(hours=2),
        cancel_cutoff_hours=6,
        capacity=1,
    )
    user = volunteer()
    place = signup(user, shift)
    waiting_user = volunteer()
    waiting = signup(waiting_user, shift)
    with pytest.raises(VolunteerError) as caught:
        services.shift_signup_cancel(actor=user, signup=place)
    assert caught.value.code == "cancel_cutoff"
    assert status_of(place) == SignupStatus.CONFIRMED
    # A waitlisted volunteer may still withdraw; the coordinator may still cancel a place.
    services.shift_signup_cancel(actor=waiting_user, signup=waiting)
    services.shift_signup_cancel(actor=coordinator, signup=place)
    assert status_of(place) == SignupStatus.CANCELLED


def test_nobody_cancels_after_the_start(volunteer, coordinator):
    user = volunteer()
    shift = ShiftFactory(task__organization=coordinator.memberships.get().organization)
    place = signup(user, shift)
    started = timezone.now() - datetime.timedelta(minutes=1)
    type(shift).objects.filter(pk=shift.pk).update(starts_at=started)
    with pytest.raises(VolunteerError):
        services.shift_signup_cancel(actor=coordinator, signup=place)


def test_only_the_volunteer_or_a_coordinator_cancels(volunteer, organization, member_of):
    place = signup(volunteer(), ShiftFactory(task__organization=organization))
    for stranger in (volunteer(), member_of(organization, Role.EDITOR)):
        with pytest.raises(PermissionDenied):
            services.shift_signup_cancel(actor=stranger, signup=place)
    assert status_of(place) == SignupStatus.CONFIRMED


def test_cancelling_twice_changes_nothing(volunteer):
    user = volunteer()
    place = signup(user, ShiftFactory())
    services.shift_signup_cancel(actor=user, signup=place)
    services.shift_signup_cancel(actor=user, signup=place)
    assert SignupStatusChange.objects.filter(signup=place).count() == 2  # created, cancelled


def test_a_coordinator_approves_an_application(
    volunteer, coordinator, organization, mailoutbox, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(task__organization=organization, requires_approval=True)
    user = volunteer()
    application = signup(user, shift)
    with pytest.raises(PermissionDenied):
        services.shift_signup_approve(actor=user, signup=application)
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_signup_approve(actor=coordinator, signup=application)
    assert status_of(application) == SignupStatus.CONFIRMED
    assert_places_consistent(shift)
    assert [message.to for message in mailoutbox] == [[user.email]]
    change = SignupStatusChange.objects.get(signup=application, to_status="confirmed")
    assert (change.from_status, change.changed_by) == ("applied", coordinator)


def test_approval_rechecks_the_rules(volunteer, coordinator, organization):
    user = volunteer()
    application = signup(user, at(5, 9, task__organization=organization, requires_approval=True))
    services.volunteer_profile_save(actor=user, max_hours_per_week=2)
    with pytest.raises(VolunteerError) as caught:
        services.shift_signup_approve(actor=coordinator, signup=application)
    assert caught.value.code == "weekly_hours"
    assert status_of(application) == SignupStatus.APPLIED


def test_a_waitlisted_volunteer_was_checked_when_joining_the_queue(volunteer):
    user = volunteer()
    signup(user, at(5, 9))
    full = at(5, 10, capacity=1)
    signup(volunteer(), full)
    with pytest.raises(VolunteerError) as caught:
        signup(user, full)  # would be waitlisted, but overlaps a place already held
    assert caught.value.code == "overlap"


def test_only_applications_are_approved(volunteer, coordinator, organization):
    shift = ShiftFactory(task__organization=organization, capacity=1)
    signup(volunteer(), shift)
    waiting = signup(volunteer(), shift)
    with pytest.raises(VolunteerError) as caught:
        services.shift_signup_approve(actor=coordinator, signup=waiting)
    assert caught.value.code == "not_applied"
    assert_places_consistent(shift)


def test_declining_an_application_promotes_the_waitlist(
    volunteer, coordinator, organization, mailoutbox, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(task__organization=organization, capacity=1, requires_approval=True)
    declined_user, waiting_user = volunteer(), volunteer()
    application = signup(declined_user, shift)
    waiting = signup(waiting_user, shift)
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_signup_decline(actor=coordinator, signup=application, reason="too many")
    assert status_of(application) == SignupStatus.CANCELLED
    assert status_of(waiting) == SignupStatus.APPLIED
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [declined_user.email, waiting_user.email]
    )
    assert_places_consistent(shift)


def test_calling_a_shift_off_cancels_every_sign_up_and_tells_everyone(
    volunteer, coordinator, organization, mailoutbox, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(task__organization=organization, capacity=2)
    users = [volunteer() for _ in range(3)]
    signups = [signup(user, shift) for user in users]
    with pytest.raises(PermissionDenied):
        services.shift_cancel(actor=users[0], shift=shift)
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_cancel(actor=coordinator, shift=shift, reason="typhoon")
    assert {status_of(signup) for signup in signups} == {SignupStatus.CANCELLED}
    assert_places_consistent(shift)
    assert shift.cancelled_at is not None
    assert sorted(message.to[0] for message in mailoutbox) == sorted(user.email for user in users)
    # Calling it off again changes nothing.
    services.shift_cancel(actor=coordinator, shift=shift)
    assert SignupStatusChange.objects.filter(to_status="cancelled").count() == 3


def test_the_email_is_in_the_volunteers_language(
    volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(capacity=1)
    leaving = volunteer()
    place = signup(leaving, shift)
    english = volunteer(user__preferred_language="en")
    signup(english, shift)
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_signup_cancel(actor=leaving, signup=place)
    (message,) = mailoutbox
    assert message.subject.startswith("A place opened up for you")
    assert "you are confirmed" in message.body
    assert message.alternatives[0][1] == "text/html"
