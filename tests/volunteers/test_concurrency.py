"""Sign-ups racing each other on PostgreSQL: capacity, waitlist order and overlaps hold.

Each thread has its own database connection (closed at the end), and a Barrier releases them
together so that their transactions really contend for the shift's row lock.
"""

import datetime
import threading
from collections import Counter
from functools import partial

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from volunteers import services
from volunteers.exceptions import VolunteerError
from volunteers.models import ShiftSignup, SignupStatus, SignupStatusChange

from .factories import ShiftFactory, VolunteerProfileFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrent writers need PostgreSQL's row locks; SQLite runs one writer at a time",
    ),
]

ROUNDS = 10


def run_together(calls):
    """Start every call at the same moment, each in its own thread and connection; return what
    each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the test inspects it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def shift_on_day(day: int, **fields):
    """Each round gets its own day, so that a volunteer's places never overlap across rounds."""
    starts_at = (timezone.now() + datetime.timedelta(days=2 + day)).replace(microsecond=0)
    return ShiftFactory(
        starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2), **fields
    )


def assert_consistent(shift):
    shift.refresh_from_db()
    by_status = Counter(ShiftSignup.objects.filter(shift=shift).values_list("status", flat=True))
    held = by_status[SignupStatus.CONFIRMED] + by_status[SignupStatus.APPLIED]
    assert shift.places_taken == held <= shift.capacity
    duplicates = (
        ShiftSignup.objects.filter(shift=shift)
        .exclude(status=SignupStatus.CANCELLED)
        .values("volunteer")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    return by_status


def test_forty_volunteers_racing_for_ten_places_get_ten_confirmed_and_thirty_waitlisted(
    migrated_rows,
):
    users = [VolunteerProfileFactory(max_hours_per_week=80).user for _ in range(40)]
    for day in range(ROUNDS):
        shift = shift_on_day(day, capacity=10)
        results = run_together(
            [partial(services.shift_signup_create, actor=user, shift=shift) for user in users]
        )
        assert [r for r in results if isinstance(r, Exception)] == []
        assert Counter(signup.status for signup in results) == {"confirmed": 10, "waitlisted": 30}
        assert assert_consistent(shift) == {"confirmed": 10, "waitlisted": 30}
        assert SignupStatusChange.objects.filter(signup__shift=shift).count() == 40
        # Somebody who lost the race finds they already hold a sign-up, not a second one.
        again = run_together(
            [partial(services.shift_signup_create, actor=user, shift=shift) for user in users[:8]]
        )
        assert {error.code for error in again} == {"duplicate"}
        assert ShiftSignup.objects.filter(shift=shift).count() == 40


def test_cancellations_racing_new_sign_ups_promote_the_waitlist_in_order(migrated_rows):
    confirmed = [VolunteerProfileFactory().user for _ in range(10)]
    waiting = [VolunteerProfileFactory().user for _ in range(5)]
    newcomers = [VolunteerProfileFactory().user for _ in range(8)]
    for day in range(ROUNDS):
        shift = shift_on_day(day, capacity=10)
        places = [services.shift_signup_create(actor=user, shift=shift) for user in confirmed]
        queue = [services.shift_signup_create(actor=user, shift=shift) for user in waiting]
        leaving = places[day % 10], places[(day + 3) % 10]
        calls = [
            *(
                partial(services.shift_signup_cancel, actor=s.volunteer.user, signup=s)
                for s in leaving
            ),
            *(partial(services.shift_signup_create, actor=user, shift=shift) for user in newcomers),
        ]
        results = run_together(calls)
        assert [r for r in results if isinstance(r, Exception)] == []
        for signup in queue:
            signup.refresh_from_db()
        # The first two in the queue took the freed places; nobody jumped it.
        assert [signup.status for signup in queue] == ["confirmed"] * 2 + ["waitlisted"] * 3
        assert {signup.status for signup in results[2:]} == {"waitlisted"}
        assert assert_consistent(shift) == {"confirmed": 10, "waitlisted": 11, "cancelled": 2}
        # The queue's order is the order of joining it: the earlier waiting ahead of newcomers.
        order = list(
            ShiftSignup.objects.filter(shift=shift, status="waitlisted")
            .order_by("pk")
            .values_list("volunteer__user", flat=True)
        )
        assert order[:3] == [user.pk for user in waiting[2:]]


def test_one_volunteer_racing_for_overlapping_shifts_gets_one_place(migrated_rows):
    user = VolunteerProfileFactory(max_hours_per_week=80).user
    for day in range(ROUNDS):
        first = shift_on_day(day, capacity=5)
        overlapping = [
            ShiftFactory(
                starts_at=first.starts_at + datetime.timedelta(minutes=30 * n),
                ends_at=first.ends_at + datetime.timedelta(minutes=30 * n),
                capacity=5,
            )
            for n in range(4)
        ]
        results = run_together(
            [
                partial(services.shift_signup_create, actor=user, shift=shift)
                for shift in [first, *overlapping]
            ]
        )
        places = [r for r in results if isinstance(r, ShiftSignup)]
        errors = [r for r in results if not isinstance(r, ShiftSignup)]
        assert len(places) == 1
        assert all(isinstance(e, VolunteerError) and e.code == "overlap" for e in errors)
        assert len(errors) == 4


def test_reminder_runs_racing_each_other_send_each_reminder_once(mailoutbox):
    """Four workers run the hourly reminders at the same moment over 12 due sign-ups."""
    signups = []
    for n in range(12):
        starts_at = (timezone.now() + datetime.timedelta(hours=2 + n)).replace(microsecond=0)
        shift = ShiftFactory(starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1))
        signups.append(
            services.shift_signup_create(actor=VolunteerProfileFactory().user, shift=shift)
        )
    results = run_together([services.shift_reminders_send for _ in range(4)])
    assert sum(results) == 12, results
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        signup.volunteer.user.email for signup in signups
    )
    assert not ShiftSignup.objects.filter(reminder_sent_at__isnull=True).exists()
