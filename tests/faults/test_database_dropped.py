"""The database connection drops while a Stripe event is applied: nothing of it stays, the task
tries again by itself, and the gift is received once."""

import pytest
from django.db import OperationalError, connection

from charity.models import Donation, LedgerEntry, StripeEvent
from charity.services import donations as donation_services
from config.celery import app
from tests.charity.stripe_helpers import checkout_session, deliver, event
from tests.factories import DonationFactory

from .helpers import (
    DatabaseLock,
    assert_applied_once,
    stopped_inside_apply,
    wait_for,
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows")
def test_a_connection_lost_after_the_ledger_write_rolls_back_and_the_retry_applies_it_once(
    client, settings, smtp_server, monkeypatch
):
    """On either database: the connection is lost just after the apply wrote the ledger entry
    (the driver raises OperationalError, as psycopg does for "server closed the connection")."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    donation = DonationFactory()
    real_ledger_append = donation_services.ledger_append
    seen_in_failed_attempt = []

    def ledger_append_then_lose_the_connection(**movement):
        entry = real_ledger_append(**movement)
        if not seen_in_failed_attempt:
            seen_in_failed_attempt.append(LedgerEntry.objects.count())
            connection.close()  # the server is gone: the transaction cannot commit
            raise OperationalError("server closed the connection unexpectedly")
        return entry

    monkeypatch.setattr(donation_services, "ledger_append", ledger_append_then_lose_the_connection)
    # The suite runs tasks eagerly, right after the response's transaction; without propagating
    # their errors, eager tasks retry as on a worker (at once instead of after the countdown).
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    payload = event("checkout.session.completed", checkout_session(donation))
    assert deliver(client, payload).status_code == 200

    assert seen_in_failed_attempt == [1]  # the first attempt had written its ledger entry
    assert_applied_once(donation, event_id=payload["id"], smtp=smtp_server)
    stored = StripeEvent.objects.get(pk=payload["id"])
    assert stored.attempts == 2  # one failure, then the retry that applied it
    assert stored.last_error == ""


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows")
def test_a_worker_whose_database_session_is_terminated_mid_apply_retries_and_applies_once(
    client, workers, smtp_server, webhook_to_worker
):
    """PostgreSQL: an administrator (or a failover) terminates the worker's session while it is
    inside the apply transaction. The task retries by itself, without waiting for beat."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend; on SQLite the test above loses the connection")
    donation = DonationFactory()
    workers.start(pool="solo")
    payload = event("checkout.session.completed", checkout_session(donation))
    webhook_to_worker.hold()
    assert deliver(client, payload).status_code == 200
    lock = DatabaseLock(donation.pk)
    try:
        webhook_to_worker.send_held()
        stopped_inside_apply(lock, workers, payload["id"])
        (backend,) = lock.waiting_backends()
        lock.connection.execute("SELECT pg_terminate_backend(%s)", [backend])
        # The session ends (and its transaction with it). Not "the event is no longer locked":
        # the retry may come at once (retry_backoff's jitter can make its countdown 0 s) and lock
        # the event again before a poll sees it free.
        wait_for(lambda: not lock.backend_is_alive(backend), what="the session to end")
    finally:
        lock.release()
    wait_for(
        lambda: Donation.objects.filter(pk=donation.pk, receipt_sent_at__isnull=False).exists(),
        what=f"the retry to apply the event:\n{workers.output()}",
    )
    assert "Retry in" in workers.output()
    assert_applied_once(donation, event_id=payload["id"], smtp=smtp_server)


def test_database_errors_are_retried_by_the_tasks_that_change_money_or_send_receipts():
    from charity import tasks

    for task in (tasks.stripe_event_apply, tasks.donation_send_receipt):
        assert OperationalError in task.autoretry_for, task.name
        assert OSError in task.autoretry_for, task.name
