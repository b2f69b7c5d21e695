"""The audit trail of volunteering: relief tasks, shifts and sign-ups, from the first sign-up to
approved hours, with the volunteer known by the sign-up's number only."""

import datetime

import pytest
from django.utils import timezone

from charity.models import AuditAction, AuditEntry, AuditObjectType
from volunteers import attendance, services
from volunteers.models import SignupStatus

from .factories import ShiftFactory, VolunteerProfileFactory
from .on_the_day import confirmed_volunteer, move

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def trail(object_type):
    return list(AuditEntry.objects.filter(object_type=object_type).order_by("pk"))


def test_relief_task_create_and_update(organization, coordinator):
    task = services.relief_task_create(
        actor=coordinator,
        organization=organization,
        title="Sandbags",
        place="青羊区 河堤",
        district="510105",
    )
    services.relief_task_update(actor=coordinator, task=task, title="Sandbags", urgency="critical")
    created, updated = trail(AuditObjectType.RELIEF_TASK)
    assert (created.action, created.actor, created.organization) == (
        AuditAction.RELIEF_TASK_CREATE,
        coordinator,
        organization,
    )
    assert created.changes["title"] == [None, "Sandbags"]
    assert created.changes["required_skills"] == [None, []]
    assert updated.action == AuditAction.RELIEF_TASK_UPDATE
    assert updated.changes == {"urgency": [task.urgency, "critical"]}


def test_a_series_records_each_shift_and_updates_and_cancellation_follow(organization, coordinator):
    task = ShiftFactory(task__organization=organization).task
    first = (timezone.now() + datetime.timedelta(days=5)).replace(microsecond=0)
    shifts = services.shift_create_series(
        actor=coordinator, task=task, first_start=first, duration=3 * HOUR, days=3, capacity=4
    )
    created = [e for e in trail(AuditObjectType.SHIFT) if e.action == AuditAction.SHIFT_CREATE]
    assert sorted(e.object_id for e in created) == sorted(s.pk for s in shifts)
    assert created[0].changes["capacity"] == [None, 4]
    assert created[0].changes["task"] == [None, task.pk]
    assert created[0].object_label.startswith(task.title)

    services.shift_update(actor=coordinator, shift=shifts[0], capacity=6, minimum=0)
    services.shift_cancel(actor=coordinator, shift=shifts[1], reason="storm")
    update = AuditEntry.objects.get(action=AuditAction.SHIFT_UPDATE)
    assert (update.object_id, update.changes) == (shifts[0].pk, {"capacity": [4, 6]})
    cancel = AuditEntry.objects.get(action=AuditAction.SHIFT_CANCEL)
    assert cancel.object_id == shifts[1].pk
    assert cancel.changes["cancelled_at"][0] is None
    assert {e.actor for e in trail(AuditObjectType.SHIFT)} == {coordinator}


def test_a_sign_up_s_life_from_application_to_approved_hours(shift, coordinator):
    shift.requires_approval = True
    shift.save()
    profile = VolunteerProfileFactory(phone="13712345678", emergency_contact_phone="13698765432")
    volunteer = profile.user
    signup = services.shift_signup_create(actor=volunteer, shift=shift)
    services.shift_signup_approve(actor=coordinator, signup=signup)
    move(shift, starts_in=-HOUR, hours=2)
    attendance.signup_check_in(actor=coordinator, signup=signup)
    attendance.signup_check_out(actor=coordinator, signup=signup)
    move(shift, starts_in=-3 * HOUR, hours=2)
    attendance.signup_hours_approve(
        actor=coordinator, signup=signup, minutes=90, note="Left early: 孙悦's mother was ill"
    )
    entries = trail(AuditObjectType.SIGNUP)
    assert [(e.action, e.actor) for e in entries] == [
        (AuditAction.SIGNUP_CREATE, volunteer),
        (AuditAction.SIGNUP_STATUS, coordinator),
        (AuditAction.SIGNUP_CHECK_IN, coordinator),
        (AuditAction.SIGNUP_CHECK_OUT, coordinator),
        (AuditAction.SIGNUP_HOURS_APPROVE, coordinator),
    ]
    created, approved, checked_in, _out, hours = entries
    assert created.changes == {"status": [None, SignupStatus.APPLIED]}
    assert approved.changes == {"status": [SignupStatus.APPLIED, SignupStatus.CONFIRMED]}
    assert checked_in.changes["checked_in_at"][0] is None
    assert hours.changes == {
        "status": [SignupStatus.CONFIRMED, SignupStatus.COMPLETED],
        "approved_minutes": [None, 90],
        "hours_note": "changed",
    }
    assert {e.object_id for e in entries} == {signup.pk}
    assert {e.organization_id for e in entries} == {shift.task.organization_id}
    stored = str(list(AuditEntry.objects.values()))
    for personal in (
        volunteer.email,
        volunteer.display_name,
        "13712345678",
        "13698765432",
        "孙悦",
    ):
        assert personal not in stored


def test_cancelling_promotes_the_waitlist_and_both_are_recorded(organization, coordinator):
    shift = ShiftFactory(task__organization=organization, capacity=1)
    first = confirmed_volunteer(shift)
    waiting = services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=shift)
    assert waiting.status == SignupStatus.WAITLISTED
    services.shift_signup_cancel(actor=first.volunteer.user, signup=first)
    moves = [
        (e.object_id, e.changes["status"], e.actor_id)
        for e in AuditEntry.objects.filter(action=AuditAction.SIGNUP_STATUS).order_by("pk")
    ]
    assert moves == [
        (first.pk, [SignupStatus.CONFIRMED, SignupStatus.CANCELLED], first.volunteer.user_id),
        (waiting.pk, [SignupStatus.WAITLISTED, SignupStatus.CONFIRMED], first.volunteer.user_id),
    ]


def test_calling_off_a_shift_records_every_sign_up_it_cancels(shift, coordinator):
    signups = [confirmed_volunteer(shift) for _ in range(3)]
    services.shift_cancel(actor=coordinator, shift=shift)
    cancelled = AuditEntry.objects.filter(
        action=AuditAction.SIGNUP_STATUS, changes__status=["confirmed", "cancelled"]
    )
    assert sorted(cancelled.values_list("object_id", flat=True)) == sorted(s.pk for s in signups)
    assert set(cancelled.values_list("actor", flat=True)) == {coordinator.pk}


def test_a_refused_change_leaves_no_entry(shift, organization, member_of):
    from django.core.exceptions import PermissionDenied

    from charity.models import Role

    editor = member_of(organization, Role.EDITOR)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.shift_update(actor=editor, shift=shift, capacity=20)
    assert AuditEntry.objects.count() == before
