"""The day-before reminder, and telling volunteers when their shift changes."""

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from charity.models import Role
from volunteers import services, tasks
from volunteers.exceptions import VolunteerError
from volunteers.models import ShiftSignup, SignupStatus

from .factories import ShiftFactory, VolunteerProfileFactory

pytestmark = pytest.mark.django_db


def starting_in(hours: float, **fields):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=hours)
    return ShiftFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), **fields)


def sign_up(shift, **profile_fields):
    return services.shift_signup_create(
        actor=VolunteerProfileFactory(**profile_fields).user, shift=shift
    )


def test_each_confirmed_volunteer_is_reminded_once_the_day_before(mailoutbox, coordinator):
    tomorrow = starting_in(20, capacity=1, task__title="明天的班")
    confirmed = sign_up(tomorrow)
    sign_up(tomorrow)  # waitlisted: no place, no reminder
    sign_up(starting_in(21, requires_approval=True))  # applied, not confirmed
    later = sign_up(starting_in(30, task__title="后天的班"))
    called_off = starting_in(22, task__organization=coordinator.memberships.get().organization)
    sign_up(called_off)
    services.shift_cancel(actor=coordinator, shift=called_off)
    mailoutbox.clear()

    assert tasks.shift_reminders_send.delay().get() == 1
    assert [message.to for message in mailoutbox] == [[confirmed.volunteer.user.email]]
    message = mailoutbox[0]
    assert "明天的班" in message.subject
    assert tomorrow.task.place in message.body
    # 20 hours from now, in Shanghai time as the site shows it.
    local_start = timezone.localtime(tomorrow.starts_at, timezone=services.PLATFORM_ZONE)
    assert f"{local_start:%H:%M}" in message.body
    confirmed.refresh_from_db()
    assert confirmed.reminder_sent_at is not None

    assert services.shift_reminders_send() == 0  # the next hourly run
    assert len(mailoutbox) == 1
    # Ten hours on, the later shift is within a day.
    assert services.shift_reminders_send(now=timezone.now() + datetime.timedelta(hours=10)) == 1
    assert mailoutbox[-1].to == [later.volunteer.user.email]


def test_two_runs_at_once_send_each_reminder_once(mailoutbox):
    signups = [sign_up(starting_in(10 + n)) for n in range(3)]
    real_remind = services.shift_signup_remind
    second = []

    def remind_while_another_worker_runs(*, signup_id):
        # A second worker starts while the first is sending its first email: it sees the rows
        # the first one listed but has not claimed yet.
        if not second:
            second.append(None)
            second[0] = services.shift_reminders_send()
        return real_remind(signup_id=signup_id)

    with mock.patch.object(services, "shift_signup_remind", remind_while_another_worker_runs):
        first = services.shift_reminders_send()
    assert (first, second[0]) == (1, 2)
    recipients = sorted(message.to[0] for message in mailoutbox)
    assert recipients == sorted(signup.volunteer.user.email for signup in signups)


def test_a_reminder_that_failed_to_send_is_tried_again(mailoutbox):
    signup = sign_up(starting_in(10))
    with (
        mock.patch.object(services, "email_send", side_effect=OSError("mail server down")),
        pytest.raises(OSError),
    ):
        services.shift_reminders_send()
    signup.refresh_from_db()
    assert signup.reminder_sent_at is None
    assert services.shift_reminders_send() == 1


def test_beat_runs_the_reminders_every_hour():
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == tasks.shift_reminders_send.name
    )
    assert entry["schedule"] <= 3600


# --- Changes to a shift -------------------------------------------------------------------------


@pytest.fixture
def full_shift(organization):
    """A shift with one confirmed, one waitlisted and one cancelled sign-up."""
    shift = starting_in(20, capacity=1, task__organization=organization)
    confirmed, waiting, gone = sign_up(shift), sign_up(shift), sign_up(shift)
    services.shift_signup_cancel(actor=gone.volunteer.user, signup=gone)
    return shift, confirmed, waiting


def test_new_times_are_emailed_to_everyone_signed_up(
    full_shift, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    shift, confirmed, waiting = full_shift
    services.shift_reminders_send()
    mailoutbox.clear()
    new_start = shift.starts_at + datetime.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_update(
            actor=coordinator,
            shift=shift,
            starts_at=new_start,
            ends_at=new_start + datetime.timedelta(hours=2),
        )
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [confirmed.volunteer.user.email, waiting.volunteer.user.email]
    )
    local = timezone.localtime(new_start, timezone=services.PLATFORM_ZONE)
    assert all(f"{local:%H:%M}" in message.body for message in mailoutbox)
    # The reminder named the old time: a new one goes out.
    confirmed.refresh_from_db()
    assert confirmed.reminder_sent_at is None


def test_other_changes_are_not_emailed(full_shift, coordinator, mailoutbox):
    shift, _confirmed, _waiting = full_shift
    mailoutbox.clear()
    services.shift_update(actor=coordinator, shift=shift, minimum=1, cancel_cutoff_hours=12)
    services.shift_update(actor=coordinator, shift=shift, starts_at=shift.starts_at)
    assert mailoutbox == []


def test_more_places_go_to_the_waitlist_and_fewer_than_taken_are_refused(full_shift, coordinator):
    shift, _confirmed, waiting = full_shift
    services.shift_update(actor=coordinator, shift=shift, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == SignupStatus.CONFIRMED
    shift.refresh_from_db()
    assert shift.places_taken == 2
    with translation.override("en"):
        with pytest.raises(VolunteerError) as caught:
            services.shift_update(actor=coordinator, shift=shift, capacity=1)
        assert "2 places are already taken" in str(caught.value.error_dict["capacity"])
    shift.refresh_from_db()
    assert shift.capacity == 2


def test_only_the_organizations_coordinators_change_shifts(
    full_shift, member_of, other_organization
):
    shift, _confirmed, _waiting = full_shift
    outsider = member_of(other_organization, Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.shift_update(actor=outsider, shift=shift, capacity=5)
    with pytest.raises(PermissionDenied):
        services.relief_task_update(actor=outsider, task=shift.task, place="别处")
    shift.refresh_from_db()
    assert shift.capacity == 1 and shift.task.place != "别处"


def test_a_new_place_is_emailed_for_shifts_to_come(
    full_shift, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    shift, confirmed, waiting = full_shift
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.relief_task_update(actor=coordinator, task=shift.task, title="新标题")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.relief_task_update(actor=coordinator, task=shift.task, place="新的集合点 3 号门")
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [confirmed.volunteer.user.email, waiting.volunteer.user.email]
    )
    assert all("新的集合点 3 号门" in message.body for message in mailoutbox)


def test_a_cancelled_shift_is_emailed_to_everyone_signed_up(
    full_shift, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    shift, confirmed, waiting = full_shift
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_cancel(actor=coordinator, shift=shift)
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [confirmed.volunteer.user.email, waiting.volunteer.user.email]
    )
    assert not ShiftSignup.objects.filter(shift=shift).exclude(status="cancelled").exists()
    with pytest.raises(VolunteerError):
        services.shift_update(actor=coordinator, shift=shift, capacity=3)
