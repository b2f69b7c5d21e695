"""A failing mail server does not lose a receipt: the task retries, beat re-queues what the
retries did not send, and the donor gets exactly one receipt with the gift's number."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from charity import tasks
from charity.models import Donation
from charity.services import donation_lock, donation_receive
from config.celery import app
from tests.charity.stripe_helpers import checkout_session, deliver, event
from tests.factories import DonationFactory

from .helpers import assert_applied_once, wait_for
from .smtp import text_of


@pytest.fixture
def smtp_email(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_TIMEOUT = 5
    return smtp_server


def minutes_later(donation, minutes: int) -> None:
    """Move the gift back in time, as beat would see it `minutes` later."""
    earlier = datetime.timedelta(minutes=minutes)
    Donation.objects.filter(pk=donation.pk).update(
        created_at=donation.created_at - earlier, received_at=timezone.now() - earlier
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows")
def test_a_worker_retries_a_receipt_until_the_mail_server_answers_and_sends_it_once(
    client, workers, smtp_server, webhook_to_worker
):
    smtp_server.down = True
    donation = DonationFactory()
    workers.start(pool="solo")
    payload = event("checkout.session.completed", checkout_session(donation))
    assert deliver(client, payload).status_code == 200
    wait_for(lambda: smtp_server.refused >= 2, what=f"two refused tries:\n{workers.output()}")
    assert Donation.objects.get(pk=donation.pk).receipt_sent_at is None
    smtp_server.down = False
    wait_for(
        lambda: Donation.objects.filter(pk=donation.pk, receipt_sent_at__isnull=False).exists(),
        what=f"the receipt to be sent:\n{workers.output()}",
    )
    wait_for(workers.idle, what="the worker to have nothing left to do")
    assert_applied_once(donation, event_id=payload["id"], smtp=smtp_server)


@pytest.mark.django_db
def test_a_receipt_whose_retries_ran_out_is_sent_once_by_beat_when_the_server_is_back(
    smtp_email, django_capture_on_commit_callbacks, monkeypatch
):
    # Eager tasks that do not propagate their errors retry as on a worker, without the wait.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    smtp_email.down = True
    donation = DonationFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        donation_receive(donation=donation_lock(donation.pk), source="test")
    donation.refresh_from_db()
    assert smtp_email.refused == 1 + tasks.donation_send_receipt.max_retries
    assert donation.receipt_number and donation.receipt_sent_at is None

    smtp_email.down = False
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.donation_receipts_resend() == 0  # too soon: its own task may still be on it
    minutes_later(donation, 11)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.donation_receipts_resend.delay().get() == 1
        assert tasks.donation_receipts_resend.delay().get() == 0
    (receipt,) = smtp_email.to(donation.donor_email)
    assert donation.receipt_number in text_of(receipt)
    donation.refresh_from_db()
    assert donation.receipt_sent_at is not None


@pytest.mark.django_db
def test_a_receipt_lost_with_its_worker_after_the_gift_was_committed_is_sent_by_beat(
    smtp_email, django_capture_on_commit_callbacks
):
    donation = DonationFactory()
    with transaction.atomic():
        donation_receive(donation=donation_lock(donation.pk), source="test")
    # The process died right after the commit: the receipt's task was never queued.
    assert smtp_email.messages == []
    minutes_later(Donation.objects.get(pk=donation.pk), 11)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.donation_receipts_resend() == 1
    (receipt,) = smtp_email.to(donation.donor_email)
    donation.refresh_from_db()
    assert donation.receipt_number in text_of(receipt)


@pytest.mark.django_db
def test_beat_leaves_alone_receipts_already_sent_gifts_without_email_and_old_gifts(smtp_email):
    sent = DonationFactory(received=True, receipt_sent_at=timezone.now())
    no_email = DonationFactory(received=True, donor_email="")
    old = DonationFactory(received=True)
    for donation in (sent, no_email):
        minutes_later(donation, 11)
    minutes_later(old, 31 * 24 * 60)
    assert tasks.donation_receipts_resend() == 0
    assert smtp_email.messages == []
