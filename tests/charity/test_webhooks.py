"""Stripe's webhook: only really signed events count; each is applied exactly once, in any order."""

import json
import threading
import time

import pytest
import responses
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client

from charity import services
from charity.gateway import example
from charity.models import (
    Dispute,
    Donation,
    DonationStatus,
    DonationStatusChange,
    LedgerEntry,
    LedgerEntryKind,
    RecurringGiftStatus,
    StripeEvent,
)
from charity.selectors import project_totals
from tests.factories import DonationFactory, RecurringGiftFactory

from .stripe_helpers import checkout_session, deliver, event, invoice, signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def donation():
    return DonationFactory()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the webhook queues after its transaction, as it would run in production."""

    def run(callable_, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return callable_(*args, **kwargs)

    return run


def ledger(donation):
    return list(
        LedgerEntry.objects.filter(donation=donation).order_by("seq").values_list("kind", "amount")
    )


def test_a_completed_checkout_receives_the_gift_once(client, donation, on_commit):
    payload = event("checkout.session.completed", checkout_session(donation))
    response = on_commit(deliver, client, payload)
    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert donation.receipt_number
    assert donation.stripe_payment_intent_id == f"pi_test{donation.pk:08d}"
    assert ledger(donation) == [(LedgerEntryKind.DONATION_RECEIVED, 20_000)]
    assert project_totals(projects=[donation.project])[donation.project_id].raised == 20_000
    change = DonationStatusChange.objects.get(donation=donation)
    assert (change.from_status, change.to_status) == ("pending", "succeeded")
    assert change.source == f"stripe:{payload['id']}"
    assert [message.to for message in mail.outbox] == [[donation.donor_email]]
    assert donation.receipt_number in mail.outbox[0].subject

    # Stripe delivers again: acknowledged, nothing changes.
    assert on_commit(deliver, client, payload).status_code == 200
    assert StripeEvent.objects.count() == 1
    assert ledger(donation) == [(LedgerEntryKind.DONATION_RECEIVED, 20_000)]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "whsec_someone_else"},
        {"timestamp": int(time.time()) - 301},
    ],
    ids=["wrong secret", "stale timestamp"],
)
def test_a_badly_signed_event_is_refused_and_nothing_is_stored(client, donation, signing):
    response = deliver(
        client, event("checkout.session.completed", checkout_session(donation)), **signing
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


def test_a_tampered_body_or_a_missing_signature_is_refused(client, donation):
    body = json.dumps(event("checkout.session.completed", checkout_session(donation)))
    header = signature(body)
    tampered = body.replace('"amount_total": 20000', '"amount_total": 2000000')
    assert tampered != body
    for data, extra in ((tampered, {"HTTP_STRIPE_SIGNATURE": header}), (body, {})):
        response = client.post(
            "/stripe/webhook/", data=data, content_type="application/json", **extra
        )
        assert response.status_code == 400
    assert client.get("/stripe/webhook/").status_code == 405
    assert not StripeEvent.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_an_unknown_event_type_is_stored_and_ignored(client, on_commit):
    payload = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert on_commit(deliver, client, payload).status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.type == "customer.created"
    assert stored.processed_at is not None


def test_an_amount_that_differs_from_the_server_side_gift_is_never_recorded(
    client, donation, on_commit
):
    payload = event("checkout.session.completed", checkout_session(donation, amount_total=1))
    assert on_commit(deliver, client, payload).status_code == 200
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert not LedgerEntry.objects.exists()
    stored = StripeEvent.objects.get()
    assert stored.processed_at is None
    assert "reports 1 cny" in stored.last_error


def test_an_asynchronous_payment_waits_then_succeeds_or_fails(client, on_commit):
    paid, failed = DonationFactory(), DonationFactory()
    for gift in (paid, failed):
        unpaid = checkout_session(gift, payment_status="unpaid")
        on_commit(deliver, client, event("checkout.session.completed", unpaid))
        gift.refresh_from_db()
        assert gift.status == DonationStatus.PENDING
    on_commit(
        deliver, client, event("checkout.session.async_payment_succeeded", checkout_session(paid))
    )
    on_commit(
        deliver,
        client,
        event(
            "checkout.session.async_payment_failed",
            checkout_session(failed, payment_status="unpaid"),
        ),
    )
    paid.refresh_from_db()
    failed.refresh_from_db()
    assert paid.status == DonationStatus.SUCCEEDED
    assert failed.status == DonationStatus.FAILED
    assert ledger(failed) == []


def test_an_expired_session_expires_the_pending_gift(client, donation, on_commit):
    session = checkout_session(donation, status="expired", payment_status="unpaid")
    on_commit(deliver, client, event("checkout.session.expired", session))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.EXPIRED


def test_three_paid_invoices_are_three_gifts(client, on_commit):
    gift = RecurringGiftFactory()
    first = DonationFactory(
        project=gift.project,
        recurring_gift=gift,
        frequency="monthly",
        amount=gift.amount,
        donor_email=gift.donor_email,
    )
    session = checkout_session(
        first,
        mode="subscription",
        payment_intent=None,
        subscription=f"sub_test{gift.pk:06d}",
        customer="cus_test1",
    )
    on_commit(deliver, client, event("checkout.session.completed", session))
    gift.refresh_from_db()
    assert gift.status == RecurringGiftStatus.ACTIVE
    reasons = ["subscription_create", "subscription_cycle", "subscription_cycle"]
    for number, reason in enumerate(reasons, start=1):
        payload = event("invoice.paid", invoice(gift, number=number, billing_reason=reason))
        on_commit(deliver, client, payload)
        on_commit(deliver, client, payload)  # every one delivered twice
    gifts = Donation.objects.filter(recurring_gift=gift).order_by("pk")
    assert gifts.count() == 3
    assert gifts[0].pk == first.pk
    assert {gift.status for gift in gifts} == {DonationStatus.SUCCEEDED}
    assert len({gift.receipt_number for gift in gifts}) == 3
    assert LedgerEntry.objects.filter(donation__recurring_gift=gift).count() == 3
    assert project_totals(projects=[gift.project])[gift.project_id].raised == 3 * gift.amount
    assert project_totals(projects=[gift.project])[gift.project_id].donors == 1


def test_a_cancelled_subscription_ends_the_monthly_gift(client, on_commit):
    gift = RecurringGiftFactory(stripe_subscription_id="sub_test_end", status="active")
    subscription = {
        "id": "sub_test_end",
        "object": "subscription",
        "status": "canceled",
        "metadata": {"recurring_gift": str(gift.pk)},
        "canceled_at": int(time.time()),
    }
    on_commit(deliver, client, event("customer.subscription.deleted", subscription))
    gift.refresh_from_db()
    assert gift.status == RecurringGiftStatus.CANCELLED
    assert gift.cancelled_at is not None


STRIPE_API = "https://api.stripe.com/v1"


@pytest.fixture
def stripe_api(settings):
    """The real SDK against a mocked HTTP layer: nothing leaves the machine."""
    settings.STRIPE_SECRET_KEY = "sk_test_shanxin"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


def refund_object(donation, refund_id, amount, status="succeeded"):
    return example(
        "refund",
        id=refund_id,
        amount=amount,
        currency="cny",
        status=status,
        payment_intent=f"pi_test{donation.pk:08d}",
        charge=f"ch_test{donation.pk}",
        metadata={},
    )


def test_a_refund_that_arrives_before_the_completion_ends_refunded(
    client, donation, stripe_api, on_commit
):
    intent_id = f"pi_test{donation.pk:08d}"
    stripe_api.get(
        f"{STRIPE_API}/payment_intents/{intent_id}",
        json=example(
            "payment_intent",
            id=intent_id,
            status="succeeded",
            amount=20_000,
            amount_received=20_000,
            currency="cny",
            metadata={"donation": str(donation.pk)},
        ),
    )
    stripe_api.get(
        f"{STRIPE_API}/refunds",
        json={
            "object": "list",
            "data": [refund_object(donation, "re_1", 20_000)],
            "has_more": False,
        },
    )
    charge = example(
        "charge",
        id=f"ch_test{donation.pk}",
        payment_intent=intent_id,
        amount=20_000,
        amount_refunded=20_000,
        refunded=True,
        currency="cny",
    )
    on_commit(deliver, client, event("charge.refunded", charge))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert ledger(donation) == [
        (LedgerEntryKind.DONATION_RECEIVED, 20_000),
        (LedgerEntryKind.DONATION_REFUNDED, -20_000),
    ]
    # The completion event arrives late: nothing changes.
    on_commit(deliver, client, event("checkout.session.completed", checkout_session(donation)))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    assert len(ledger(donation)) == 2
    assert project_totals(projects=[donation.project])[donation.project_id].raised == 0
    assert project_totals(projects=[donation.project])[donation.project_id].donors == 0


def test_partial_refunds_follow_stripe_and_a_failed_refund_is_reversed(
    client, donation, stripe_api, on_commit
):
    on_commit(deliver, client, event("checkout.session.completed", checkout_session(donation)))
    states = [
        [refund_object(donation, "re_1", 5_000)],
        [refund_object(donation, "re_1", 5_000), refund_object(donation, "re_2", 15_000)],
        [
            refund_object(donation, "re_1", 5_000),
            refund_object(donation, "re_2", 15_000, status="failed"),
        ],
    ]
    expected = [
        DonationStatus.PARTIALLY_REFUNDED,
        DonationStatus.REFUNDED,
        DonationStatus.PARTIALLY_REFUNDED,
    ]
    current = {}
    stripe_api.add_callback(
        responses.GET,
        f"{STRIPE_API}/refunds",
        callback=lambda request: (
            200,
            {},
            json.dumps({"object": "list", "data": current["refunds"], "has_more": False}),
        ),
    )
    for refunds, status in zip(states, expected, strict=True):
        current["refunds"] = refunds
        on_commit(deliver, client, event("refund.updated", refunds[-1]))
        donation.refresh_from_db()
        assert donation.status == status
    assert ledger(donation) == [
        (LedgerEntryKind.DONATION_RECEIVED, 20_000),
        (LedgerEntryKind.DONATION_REFUNDED, -5_000),
        (LedgerEntryKind.DONATION_REFUNDED, -15_000),
        (LedgerEntryKind.REFUND_REVERSED, 15_000),
    ]
    assert project_totals(projects=[donation.project])[donation.project_id].raised == 15_000


def test_a_dispute_withdraws_the_money_until_it_is_won(client, donation, on_commit):
    on_commit(deliver, client, event("checkout.session.completed", checkout_session(donation)))
    dispute = example(
        "dispute",
        id="dp_test1",
        amount=20_000,
        currency="cny",
        status="needs_response",
        payment_intent=f"pi_test{donation.pk:08d}",
    )
    created = event("charge.dispute.created", dispute)
    on_commit(deliver, client, created)
    on_commit(deliver, client, created)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.DISPUTED
    assert project_totals(projects=[donation.project])[donation.project_id].raised == 0
    on_commit(deliver, client, event("charge.dispute.closed", dispute | {"status": "won"}))
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert ledger(donation) == [
        (LedgerEntryKind.DONATION_RECEIVED, 20_000),
        (LedgerEntryKind.DISPUTE_WITHDRAWN, -20_000),
        (LedgerEntryKind.DISPUTE_REINSTATED, 20_000),
    ]
    assert Dispute.objects.get().reinstated


def test_a_crash_mid_way_leaves_the_event_unapplied_and_a_retry_applies_it(
    client, donation, on_commit, monkeypatch
):
    from charity.services import donations as donation_services

    real_append = donation_services.ledger_append

    def crash(**kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(donation_services, "ledger_append", crash)
    payload = event("checkout.session.completed", checkout_session(donation))
    assert on_commit(deliver, client, payload).status_code == 200
    donation.refresh_from_db()
    stored = StripeEvent.objects.get()
    assert donation.status == DonationStatus.PENDING
    assert donation.receipt_number is None
    assert stored.processed_at is None
    assert "worker lost" in stored.last_error
    assert not DonationStatusChange.objects.exists()

    monkeypatch.setattr(donation_services, "ledger_append", real_append)
    assert services.stripe_event_apply(event_id=stored.id)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert len(ledger(donation)) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent writers need PostgreSQL's row locks",
)
def test_the_same_event_delivered_concurrently_is_applied_once(migrated_rows):
    donation = DonationFactory()
    payload = event("checkout.session.completed", checkout_session(donation))
    body = json.dumps(payload)
    header = signature(body)
    statuses = []
    barrier = threading.Barrier(6)

    def post():
        try:
            barrier.wait()
            response = Client().post(
                "/stripe/webhook/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert StripeEvent.objects.count() == 1
    assert LedgerEntry.objects.filter(donation=donation).count() == 1
    assert services.ledger_verify().ok
