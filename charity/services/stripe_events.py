"""Stripe's webhook events: stored once by id, then applied through one idempotent state machine.

Events arrive twice, late and out of order. Each handler locks the rows it changes and moves them
only forward, so applying an event again changes nothing; where order matters (refunds, disputes)
the current object is re-read from Stripe instead of trusting the event's snapshot. An event whose
donation is not known yet stays unprocessed and is applied again later.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from ..gateway import gateway, invoice_payment_intent, invoice_subscription
from ..models import (
    Dispute,
    Donation,
    DonationChannel,
    DonationFrequency,
    DonationStatus,
    LedgerEntryKind,
    RecurringGift,
    RecurringGiftStatus,
    Refund,
    StripeEvent,
)
from .donations import donation_lock, donation_receive, donation_set_status, donor_key
from .expenditures import allocations_release_for_refund
from .ledger import ledger_append

logger = logging.getLogger(__name__)


class EventNotReady(Exception):
    """The event refers to something another event has not created yet; apply it later."""


def stripe_event_record(*, payload: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event by its id. Returns (event, created); a duplicate is not stored again."""
    try:
        with transaction.atomic():
            return StripeEvent.objects.get_or_create(
                id=payload["id"], defaults={"type": payload["type"], "payload": payload}
            )
    except IntegrityError:
        # A concurrent delivery of the same event stored it first.
        return StripeEvent.objects.get(pk=payload["id"]), False


def stripe_event_apply(*, event_id: str, skip_locked: bool = False) -> bool:
    """Apply a stored event unless it was already applied. All of it commits, or none of it.

    Returns True when the event is now applied; False when it must wait (EventNotReady) or, with
    `skip_locked`, when another worker is applying it right now.
    """
    try:
        with transaction.atomic():
            event = (
                StripeEvent.objects.select_for_update(skip_locked=skip_locked)
                .filter(pk=event_id)
                .first()
            )
            if event is None:
                return False
            if event.processed_at is not None:
                return True
            handler = HANDLERS.get(event.type)
            if handler is not None:
                handler(event.payload["data"]["object"], source=f"stripe:{event.id}")
            event.processed_at = timezone.now()
            event.attempts += 1
            event.last_error = ""
            event.save(update_fields=["processed_at", "attempts", "last_error"])
            return True
    except EventNotReady as error:
        _record_failure(event_id, f"waiting: {error}")
        return False
    except Exception as error:
        _record_failure(event_id, f"{type(error).__name__}: {error}")
        raise


def _record_failure(event_id: str, message: str) -> None:
    StripeEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
        attempts=F("attempts") + 1, last_error=message[:2000]
    )


def stripe_events_pending(
    *, older_than: datetime.timedelta, limit: int = 100, attempted_only: bool = False
) -> list[str]:
    """Events not applied yet, oldest first; `attempted_only`: those that failed or waited."""
    events = StripeEvent.objects.filter(
        processed_at__isnull=True, received_at__lte=timezone.now() - older_than
    )
    if attempted_only:
        events = events.filter(attempts__gt=0)
    return list(events.order_by("received_at").values_list("pk", flat=True)[:limit])


def _timestamp(value) -> datetime.datetime | None:
    return datetime.datetime.fromtimestamp(value, tz=datetime.UTC) if value else None


# --- Checkout -------------------------------------------------------------------------------


def _donation_for_session(session: dict) -> Donation:
    reference = (session.get("metadata") or {}).get("donation") or session.get(
        "client_reference_id"
    )
    found = Donation.objects.filter(stripe_checkout_session_id=session["id"]).values("pk").first()
    if found is None and reference and str(reference).isdigit():
        found = Donation.objects.filter(pk=int(reference)).values("pk").first()
    if found is None:
        raise EventNotReady(f"no donation for checkout session {session['id']}")
    return donation_lock(found["pk"])


def _session_completed(session: dict, *, source: str) -> None:
    donation = _donation_for_session(session)
    if session.get("mode") == "subscription":
        # The money arrives with the subscription's first invoice (invoice.paid).
        _gift_started(
            donation.recurring_gift_id,
            subscription_id=session.get("subscription"),
            customer_id=session.get("customer"),
        )
        return
    _remember_payment_intent(donation, session.get("payment_intent"))
    if session.get("payment_status") == "paid":
        _check_paid_amount(donation, session.get("amount_total"), session.get("currency"))
        donation_receive(donation=donation, source=source)
    # "unpaid": an asynchronous method (a bank debit) is still on its way; async_* events follow.


def _session_async_failed(session: dict, *, source: str) -> None:
    donation = _donation_for_session(session)
    if donation.status == DonationStatus.PENDING:
        donation_set_status(donation=donation, status=DonationStatus.FAILED, source=source)


def _session_expired(session: dict, *, source: str) -> None:
    donation = _donation_for_session(session)
    if donation.status == DonationStatus.PENDING:
        donation_set_status(donation=donation, status=DonationStatus.EXPIRED, source=source)
    if donation.recurring_gift_id:
        RecurringGift.objects.filter(
            pk=donation.recurring_gift_id, status=RecurringGiftStatus.PENDING
        ).update(status=RecurringGiftStatus.CANCELLED, cancelled_at=timezone.now())


def _remember_payment_intent(donation: Donation, payment_intent) -> None:
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    if payment_intent and not donation.stripe_payment_intent_id:
        donation.stripe_payment_intent_id = payment_intent
        donation.save(update_fields=["stripe_payment_intent_id"])


def _check_paid_amount(donation: Donation, amount, currency) -> None:
    if amount is None:
        return
    if int(amount) != donation.amount or (currency or "").upper() != donation.currency:
        # Never record money other than what the server asked for; a person must look at it.
        raise ValueError(
            f"Stripe reports {amount} {currency} for donation {donation.pk} "
            f"of {donation.amount} {donation.currency}"
        )


# --- Monthly gifts --------------------------------------------------------------------------


def _gift_started(gift_id, *, subscription_id, customer_id) -> RecurringGift:
    gift = RecurringGift.objects.select_for_update().get(pk=gift_id)
    fields = []
    if subscription_id and not gift.stripe_subscription_id:
        gift.stripe_subscription_id = subscription_id
        fields.append("stripe_subscription_id")
    if customer_id and not gift.stripe_customer_id:
        gift.stripe_customer_id = customer_id
        fields.append("stripe_customer_id")
    if gift.status == RecurringGiftStatus.PENDING:
        gift.status = RecurringGiftStatus.ACTIVE
        fields.append("status")
    if fields:
        gift.save(update_fields=fields)
    return gift


def _gift_for_subscription(subscription_id: str | None, metadata: dict) -> RecurringGift:
    reference = metadata.get("recurring_gift")
    if not reference and subscription_id:
        found = RecurringGift.objects.filter(stripe_subscription_id=subscription_id).first()
        if found is not None:
            return found
        reference = (gateway().retrieve_subscription(subscription_id).get("metadata") or {}).get(
            "recurring_gift"
        )
    if not reference or not str(reference).isdigit():
        raise EventNotReady(f"no monthly gift for subscription {subscription_id}")
    return RecurringGift.objects.get(pk=int(reference))


def _invoice_paid(invoice: dict, *, source: str) -> None:
    subscription_id, metadata = invoice_subscription(invoice)
    gift = _gift_for_subscription(subscription_id, metadata)
    gift = _gift_started(
        gift.pk, subscription_id=subscription_id, customer_id=invoice.get("customer")
    )
    if gift.status == RecurringGiftStatus.PAST_DUE:
        RecurringGift.objects.filter(pk=gift.pk).update(status=RecurringGiftStatus.ACTIVE)
    if Donation.objects.filter(stripe_invoice_id=invoice["id"]).exists():
        return
    payment_intent = invoice_payment_intent(invoice) or gateway().retrieve_invoice_payment_intent(
        invoice["id"]
    )
    first = (
        Donation.objects.filter(
            recurring_gift=gift, status=DonationStatus.PENDING, stripe_invoice_id__isnull=True
        )
        .values("pk")
        .first()
    )
    if first is not None and invoice.get("billing_reason") == "subscription_create":
        donation = donation_lock(first["pk"])
    else:
        donation = Donation.objects.create(
            organization_id=gift.organization_id,
            project_id=gift.project_id,
            recurring_gift=gift,
            donor_id=gift.donor_id,
            donor_name=gift.donor_name,
            donor_email=gift.donor_email,
            donor_key=donor_key(donor=gift.donor, email=gift.donor_email),
            is_anonymous=gift.is_anonymous,
            amount=invoice["amount_paid"],
            currency=invoice["currency"].upper(),
            channel=DonationChannel.ONLINE,
            frequency=DonationFrequency.MONTHLY,
            language=_gift_language(gift),
        )
    donation.stripe_invoice_id = invoice["id"]
    donation.save(update_fields=["stripe_invoice_id"])
    _remember_payment_intent(donation, payment_intent)
    _check_paid_amount(donation, invoice.get("amount_paid"), invoice.get("currency"))
    paid_at = _timestamp((invoice.get("status_transitions") or {}).get("paid_at"))
    donation_receive(donation=donation, source=source, received_at=paid_at)


def _gift_language(gift: RecurringGift) -> str:
    first = gift.donations.order_by("pk").values_list("language", flat=True).first()
    return first or "zh-hans"


def _invoice_payment_failed(invoice: dict, *, source: str) -> None:
    subscription_id, metadata = invoice_subscription(invoice)
    gift = _gift_for_subscription(subscription_id, metadata)
    RecurringGift.objects.filter(pk=gift.pk, status=RecurringGiftStatus.ACTIVE).update(
        status=RecurringGiftStatus.PAST_DUE
    )


def _subscription_deleted(subscription: dict, *, source: str) -> None:
    gift = _gift_for_subscription(subscription["id"], subscription.get("metadata") or {})
    RecurringGift.objects.filter(pk=gift.pk).exclude(status=RecurringGiftStatus.CANCELLED).update(
        status=RecurringGiftStatus.CANCELLED,
        cancelled_at=_timestamp(subscription.get("canceled_at")) or timezone.now(),
    )


# --- Refunds and disputes -------------------------------------------------------------------


def _paid_donation(payment_intent_id: str | None, *, source: str) -> Donation:
    """The donation a payment intent paid, received first if its completion event is still on
    its way (Stripe would not refund or dispute money it never took)."""
    if not payment_intent_id:
        raise EventNotReady("no payment intent")
    found = Donation.objects.filter(stripe_payment_intent_id=payment_intent_id).values("pk").first()
    intent = None
    if found is None:
        intent = gateway().retrieve_payment_intent(payment_intent_id)
        reference = (intent.get("metadata") or {}).get("donation")
        if not reference or not str(reference).isdigit():
            raise EventNotReady(f"no donation for payment intent {payment_intent_id}")
        found = {"pk": int(reference)}
    donation = donation_lock(found["pk"])
    _remember_payment_intent(donation, payment_intent_id)
    if donation.status == DonationStatus.PENDING:
        intent = intent or gateway().retrieve_payment_intent(payment_intent_id)
        if intent.get("status") != "succeeded":
            raise EventNotReady(f"payment intent {payment_intent_id} has not succeeded")
        _check_paid_amount(donation, intent.get("amount_received"), intent.get("currency"))
        donation_receive(donation=donation, source=source)
    return donation


def _refunds_changed(obj: dict, *, source: str) -> None:
    """charge.refunded and refund.*: bring the donation in line with Stripe's current refunds."""
    payment_intent = obj.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    donation = _paid_donation(payment_intent, source=source)
    refunded = 0
    for refund in gateway().list_refunds(donation.stripe_payment_intent_id):
        status = {
            "succeeded": Refund.Status.SUCCEEDED,
            "failed": Refund.Status.FAILED,
            "canceled": Refund.Status.FAILED,
        }.get(refund.get("status"), Refund.Status.REQUESTED)
        reference = (refund.get("metadata") or {}).get("refund")
        row = Refund.objects.filter(stripe_refund_id=refund["id"]).first()
        if row is None and reference and str(reference).isdigit():
            row = Refund.objects.filter(pk=int(reference), donation=donation).first()
        if row is None:
            row = Refund(
                donation=donation, amount=refund["amount"], reason=refund.get("reason") or ""
            )
        row.stripe_refund_id, row.status, row.amount = refund["id"], status, refund["amount"]
        row.save()
        if status == Refund.Status.SUCCEEDED:
            refunded += refund["amount"]
    donation_settle_refunds(donation=donation, refunded=refunded, source=source)


def donation_settle_refunds(*, donation: Donation, refunded: int, source: str, actor=None) -> None:
    """Make the ledger and status say that `refunded` of a locked donation went back in all."""
    kinds = (LedgerEntryKind.DONATION_REFUNDED, LedgerEntryKind.REFUND_REVERSED)
    recorded = -(
        donation.ledger_entries.filter(kind__in=kinds).aggregate(total=Sum("amount"))["total"] or 0
    )
    refunded = min(refunded, donation.amount)
    difference = refunded - recorded
    if difference > 0:
        ledger_append(
            kind=LedgerEntryKind.DONATION_REFUNDED,
            donation=donation,
            amount=-difference,
            memo=f"refund of donation {donation.pk}",
        )
    elif difference < 0:
        ledger_append(
            kind=LedgerEntryKind.REFUND_REVERSED,
            donation=donation,
            amount=-difference,
            memo=f"refund of donation {donation.pk} reversed",
        )
    allocations_release_for_refund(donation=donation)
    if donation.status == DonationStatus.DISPUTED:
        return
    if refunded >= donation.amount:
        status = DonationStatus.REFUNDED
    elif refunded > 0:
        status = DonationStatus.PARTIALLY_REFUNDED
    else:
        status = DonationStatus.SUCCEEDED
    donation_set_status(donation=donation, status=status, source=source, actor=actor)


def _dispute_changed(dispute: dict, *, source: str) -> None:
    payment_intent = dispute.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    donation = _paid_donation(payment_intent, source=source)
    row = Dispute.objects.select_for_update().filter(stripe_dispute_id=dispute["id"]).first()
    if row is None:
        row = Dispute.objects.create(
            donation=donation,
            stripe_dispute_id=dispute["id"],
            amount=dispute["amount"],
            status=dispute.get("status") or "",
            status_before=donation.status,
        )
        ledger_append(
            kind=LedgerEntryKind.DISPUTE_WITHDRAWN,
            donation=donation,
            amount=-dispute["amount"],
            memo=f"dispute on donation {donation.pk}",
        )
        allocations_release_for_refund(donation=donation)
        donation_set_status(donation=donation, status=DonationStatus.DISPUTED, source=source)
    row.status = dispute.get("status") or row.status
    if row.status == "won" and not row.reinstated:
        ledger_append(
            kind=LedgerEntryKind.DISPUTE_REINSTATED,
            donation=donation,
            amount=row.amount,
            memo=f"dispute on donation {donation.pk} won",
        )
        row.reinstated = True
        donation_set_status(donation=donation, status=row.status_before, source=source)
    row.save(update_fields=["status", "reinstated"])


HANDLERS = {
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _session_completed,
    "checkout.session.async_payment_failed": _session_async_failed,
    "checkout.session.expired": _session_expired,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "customer.subscription.deleted": _subscription_deleted,
    "charge.refunded": _refunds_changed,
    "refund.created": _refunds_changed,
    "refund.updated": _refunds_changed,
    "refund.failed": _refunds_changed,
    "charge.dispute.created": _dispute_changed,
    "charge.dispute.updated": _dispute_changed,
    "charge.dispute.closed": _dispute_changed,
    "charge.dispute.funds_withdrawn": _dispute_changed,
    "charge.dispute.funds_reinstated": _dispute_changed,
}
