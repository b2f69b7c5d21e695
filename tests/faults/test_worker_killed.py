"""A Celery worker killed while it applies a Stripe event: the event is applied later, once.

The test holds a database lock that the apply needs, so the worker is stopped inside its
transaction (on PostgreSQL this is checked: it waits on the donation's row lock while it holds
the event's), and is killed there with SIGKILL: no clean-up, no rollback sent, no ack.
"""

import os
import signal

import pytest
from django.utils import timezone

from charity.models import Donation, StripeEvent
from tests.charity.stripe_helpers import checkout_session, deliver, event
from tests.factories import DonationFactory

from .helpers import (
    DatabaseLock,
    assert_applied_once,
    assert_nothing_applied,
    children_of,
    stopped_inside_apply,
    wait_for,
)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_rows"),
]


def test_a_pool_process_killed_mid_apply_is_replaced_and_the_event_applied_once(
    client, workers, smtp_server, webhook_to_worker
):
    """The default (prefork) pool: the killed process's task goes back on the queue at once
    (acks_late + reject_on_worker_lost) and the new process applies it."""
    donation = DonationFactory()
    worker = workers.start(pool="prefork")
    payload = event("checkout.session.completed", checkout_session(donation))
    webhook_to_worker.hold()
    assert deliver(client, payload).status_code == 200
    lock = DatabaseLock(donation.pk)
    try:
        webhook_to_worker.send_held()
        stopped_inside_apply(lock, workers, payload["id"])
        (process,) = children_of(worker.pid)
        os.kill(process, signal.SIGKILL)
        wait_for(
            lambda: [pid for pid in children_of(worker.pid) if pid != process],
            what="the worker to replace its killed process",
        )
        assert_nothing_applied(donation, payload["id"])
    finally:
        lock.release()
    wait_for(
        lambda: Donation.objects.filter(pk=donation.pk, receipt_sent_at__isnull=False).exists(),
        what="the event to be applied and its receipt sent",
    )
    assert "WorkerLostError" in workers.output()  # the task really died mid-way
    assert_applied_once(donation, event_id=payload["id"], smtp=smtp_server)

    # Stripe delivers the event again, and a worker gets its task a second time: nothing changes.
    assert deliver(client, payload).status_code == 200
    workers.send("charity.tasks.stripe_event_apply", payload["id"])
    wait_for(workers.idle, what="the worker to finish the duplicate")
    assert_applied_once(donation, event_id=payload["id"], smtp=smtp_server)


def test_a_worker_killed_mid_apply_leaves_the_event_to_the_sweeper_and_it_is_applied_once(
    client, workers, smtp_server, webhook_to_worker
):
    """The whole worker dies (its machine is lost): its message stays unacknowledged in the
    broker for an hour; beat's sweeper applies the event a minute on, on another worker, and the
    message redelivered after the hour changes nothing."""
    donation = DonationFactory()
    worker = workers.start(pool="solo")
    payload = event("checkout.session.completed", checkout_session(donation))
    webhook_to_worker.hold()
    assert deliver(client, payload).status_code == 200
    lock = DatabaseLock(donation.pk)
    try:
        webhook_to_worker.send_held()
        stopped_inside_apply(lock, workers, payload["id"])
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        lock.release()
    assert_nothing_applied(donation, payload["id"])
    assert workers.unacked(), "the lost message is still held by the broker"

    workers.start(pool="solo")
    # A minute on, as beat's sweeper sees the event (it leaves younger ones to their own task).
    StripeEvent.objects.filter(pk=payload["id"]).update(
        received_at=timezone.now() - timezone.timedelta(minutes=2)
    )
    workers.send("charity.tasks.stripe_events_retry")
    wait_for(
        lambda: Donation.objects.filter(pk=donation.pk, receipt_sent_at__isnull=False).exists(),
        what="the sweeper to apply the event and its receipt to be sent",
    )
    assert_applied_once(donation, event_id=payload["id"], smtp=smtp_server)

    assert workers.redeliver_unacked() == 1
    assert deliver(client, payload).status_code == 200  # and Stripe retries its delivery
    wait_for(workers.idle, what="the worker to finish the redelivered message")
    assert_applied_once(donation, event_id=payload["id"], smtp=smtp_server)
