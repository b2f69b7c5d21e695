"""Donations: starting a gift, receiving it, refunds, offline records and receipts.

Online payment state changes only when Stripe says so (services.stripe_events); these functions
are the one place a donation's status, receipt number and ledger entries change.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..emails import email_send
from ..exceptions import CharityError
from ..gateway import PAYMENT_METHODS, SUBSCRIPTION_PAYMENT_METHODS, gateway
from ..models import (
    DONATION_TRANSITIONS,
    Donation,
    DonationChannel,
    DonationFrequency,
    DonationStatus,
    DonationStatusChange,
    LedgerEntryKind,
    Organization,
    Project,
    ReceiptCounter,
    RecurringGift,
    RecurringGiftStatus,
    Refund,
    User,
)
from ..permissions import require
from ..templatetags.money import format_money
from .ledger import Movement, ledger_append, ledger_append_many


def donor_key(*, donor: User | None, email: str) -> str:
    if donor is not None:
        return f"user:{donor.pk}"
    if email:
        return f"email:{email.strip().lower()}"
    return ""


def donation_set_status(
    *, donation: Donation, status: str, actor: User | None = None, source: str = ""
) -> bool:
    """Move a donation locked by the caller along DONATION_TRANSITIONS, recording who or what did
    it. Returns False when it already had that status."""
    if donation.status == status:
        return False
    if status not in DONATION_TRANSITIONS[DonationStatus(donation.status)]:
        raise CharityError(
            _("A donation cannot go from %(old)s to %(new)s.")
            % {"old": DonationStatus(donation.status).label, "new": DonationStatus(status).label},
            code="bad_transition",
        )
    DonationStatusChange.objects.create(
        donation=donation,
        from_status=donation.status,
        to_status=status,
        changed_by=actor,
        source=source,
    )
    donation.status = status
    donation.save(update_fields=["status"])
    return True


def receipt_numbers_issue(*, organization_id: int, received_ats: list) -> list[str]:
    """The organization's next receipt numbers, one per moment of receipt, in order.

    The year is the platform's (China time): a gift on 1 January at 07:00 there is that year's.
    Taken in the receiving transaction, so a rolled-back gift leaves no gap.
    """
    zone = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    years = [timezone.localtime(moment, zone).year for moment in received_ats]
    for year in sorted(set(years)):
        ReceiptCounter.objects.get_or_create(organization_id=organization_id, year=year)
    counters = {
        counter.year: counter
        for counter in ReceiptCounter.objects.select_for_update()
        .filter(organization_id=organization_id, year__in=set(years))
        .order_by("year")
    }
    numbers = []
    for year in years:
        counter = counters[year]
        counter.last_number += 1
        numbers.append(f"{year}-{organization_id:04d}-{counter.last_number:06d}")
    ReceiptCounter.objects.bulk_update(counters.values(), ["last_number"])
    return numbers


def donation_receive(
    *,
    donation: Donation,
    source: str,
    actor: User | None = None,
    received_at=None,
) -> bool:
    """A pending gift's money arrived: status, receipt number, ledger entry, receipt email.

    The caller holds the donation's row lock. A no-op (False) unless the gift is pending.
    """
    if donation.status != DonationStatus.PENDING:
        return False
    donation_set_status(
        donation=donation, status=DonationStatus.SUCCEEDED, actor=actor, source=source
    )
    donation.received_at = received_at or timezone.now()
    (donation.receipt_number,) = receipt_numbers_issue(
        organization_id=donation.organization_id, received_ats=[donation.received_at]
    )
    donation.save(update_fields=["received_at", "receipt_number"])
    ledger_append(
        kind=LedgerEntryKind.DONATION_RECEIVED,
        donation=donation,
        amount=donation.amount,
        occurred_at=donation.received_at,
        memo=f"donation {donation.pk}",
    )
    if donation.donor_email:
        from ..tasks import donation_send_receipt

        transaction.on_commit(lambda: donation_send_receipt.delay(donation.pk))
    return True


def donation_lock(donation_id: int) -> Donation:
    return (
        Donation.objects.select_for_update(of=("self",))
        .select_related("organization", "project")
        .get(pk=donation_id)
    )


def _check_amount(amount: int, currency: str) -> None:
    if amount < settings.DONATION_MIN_AMOUNT:
        raise CharityError(
            _("The smallest gift is %(min)s.")
            % {"min": format_money(settings.DONATION_MIN_AMOUNT, currency)},
            code="amount_too_small",
        )
    if amount > settings.DONATION_MAX_AMOUNT:
        raise CharityError(
            _("The largest gift online is %(max)s; please contact the organization for more.")
            % {"max": format_money(settings.DONATION_MAX_AMOUNT, currency)},
            code="amount_too_large",
        )


@dataclass
class CheckoutStarted:
    donation: Donation
    redirect_url: str


def donation_checkout_start(
    *,
    project: Project,
    amount: int,
    frequency: str,
    donor: User | None,
    donor_name: str,
    donor_email: str,
    is_anonymous: bool,
    message: str,
    language: str,
    success_url: str,
    cancel_url: str,
) -> CheckoutStarted:
    """Record a pending gift to `project` and open a Stripe Checkout Session for it.

    The amount and currency are decided here, never taken back from the browser or the gateway.
    `success_url`/`cancel_url` may contain "{token}", replaced by the gift's guest token.
    """
    project = Project.objects.select_related("organization").get(pk=project.pk)
    if not project.accepts_donations():
        raise CharityError(_("This project is not taking donations now."), code="not_fundraising")
    _check_amount(amount, project.currency)
    if frequency not in DonationFrequency.values:
        raise CharityError(_("Choose one-off or monthly."), code="bad_frequency")
    if donor is None and not (donor_name.strip() and donor_email.strip()):
        raise CharityError(_("Guests give with their name and email."), code="guest_details")
    if donor is not None:
        donor_name = donor_name.strip() or donor.display_name or donor.get_full_name()
        donor_email = donor.email
    with transaction.atomic():
        gift = None
        if frequency == DonationFrequency.MONTHLY:
            gift = RecurringGift.objects.create(
                organization=project.organization,
                project=project,
                donor=donor,
                donor_name=donor_name,
                donor_email=donor_email,
                is_anonymous=is_anonymous,
                amount=amount,
                currency=project.currency,
            )
        donation = Donation(
            organization=project.organization,
            project=project,
            recurring_gift=gift,
            donor=donor,
            donor_name=donor_name.strip(),
            donor_email=donor_email.strip(),
            donor_key=donor_key(donor=donor, email=donor_email),
            is_anonymous=is_anonymous,
            message=message.strip(),
            amount=amount,
            currency=project.currency,
            channel=DonationChannel.ONLINE,
            frequency=frequency,
            language=language,
        )
        donation.full_clean(exclude=["guest_token"])
        donation.save()
    params = _checkout_params(
        donation,
        project=project,
        gift=gift,
        success_url=success_url.replace("{token}", donation.guest_token),
        cancel_url=cancel_url.replace("{token}", donation.guest_token),
    )
    try:
        session = gateway().create_checkout_session(
            params, idempotency_key=f"shanxin-checkout-{donation.pk}"
        )
    except Exception as error:
        # The donor never reached a payment page: the gift failed, and a monthly gift never began.
        with transaction.atomic():
            locked = donation_lock(donation.pk)
            donation_set_status(
                donation=locked, status=DonationStatus.FAILED, source="checkout:error"
            )
            if gift is not None:
                RecurringGift.objects.filter(pk=gift.pk, status=RecurringGiftStatus.PENDING).update(
                    status=RecurringGiftStatus.CANCELLED, cancelled_at=timezone.now()
                )
        raise CharityError(
            _("The payment service could not be reached. Nothing was charged; please try again."),
            code="gateway_unavailable",
        ) from error
    Donation.objects.filter(pk=donation.pk).update(stripe_checkout_session_id=session["id"])
    donation.stripe_checkout_session_id = session["id"]
    return CheckoutStarted(donation=donation, redirect_url=session["url"])


def _checkout_params(donation, *, project, gift, success_url, cancel_url) -> dict:
    metadata = {"donation": str(donation.pk), "project": str(project.pk)}
    price_data = {
        "currency": donation.currency.lower(),
        "unit_amount": donation.amount,
        "product_data": {"name": project.title[:250]},
    }
    params = {
        "client_reference_id": str(donation.pk),
        "customer_email": donation.donor_email,
        "metadata": metadata,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": "zh" if donation.language.startswith("zh") else "en",
    }
    if gift is None:
        methods = PAYMENT_METHODS[donation.currency]
        params |= {
            "mode": "payment",
            "submit_type": "donate",
            "line_items": [{"price_data": price_data, "quantity": 1}],
            "payment_method_types": methods,
            "payment_intent_data": {"metadata": metadata, "description": project.title[:250]},
        }
        if "wechat_pay" in methods:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    else:
        metadata = metadata | {"recurring_gift": str(gift.pk)}
        params |= {
            "mode": "subscription",
            "metadata": metadata,
            "line_items": [
                {"price_data": price_data | {"recurring": {"interval": "month"}}, "quantity": 1}
            ],
            "payment_method_types": SUBSCRIPTION_PAYMENT_METHODS,
            "subscription_data": {"metadata": metadata, "description": project.title[:250]},
        }
    return params


def donation_record_offline(
    *,
    actor: User,
    organization: Organization,
    project: Project | None,
    amount: int,
    currency: str,
    channel: str,
    received_at,
    donor_name: str = "",
    donor_email: str = "",
    is_anonymous: bool = False,
    bank_reference: str | None = None,
    message: str = "",
    source: str = "manual",
) -> Donation:
    """Finance staff record a bank transfer or cash gift that has arrived: it is received at once."""
    require(actor, "donation.record", organization)
    if channel == DonationChannel.ONLINE:
        raise CharityError(_("Online gifts are recorded by the payment service."), code="channel")
    if project is not None and project.organization_id != organization.pk:
        raise CharityError(_("That project belongs to another organization."), code="project")
    if project is not None and currency != project.currency:
        raise CharityError(
            _("This project raises money in %(currency)s.") % {"currency": project.currency},
            code="currency",
        )
    donation = Donation(
        organization=organization,
        project=project,
        donor_name=donor_name.strip(),
        donor_email=donor_email.strip(),
        donor_key=donor_key(donor=None, email=donor_email),
        is_anonymous=is_anonymous,
        message=message.strip(),
        amount=amount,
        currency=currency,
        channel=channel,
        bank_reference=(bank_reference or "").strip() or None,
        recorded_by=actor,
    )
    donation.full_clean(exclude=["guest_token"])
    with transaction.atomic():
        donation.save()
        if not donation.donor_key:
            # An unnamed cash gift counts as a donor of its own.
            donation.donor_key = f"gift:{donation.pk}"
            donation.save(update_fields=["donor_key"])
        donation_receive(donation=donation, actor=actor, source=source, received_at=received_at)
    return donation


def donations_record_offline(
    *,
    actor: User,
    organization: Organization,
    donations: list[Donation],
    source: str = "import",
    batch_size: int = 2000,
) -> list[Donation]:
    """Record many checked, unsaved offline gifts of `organization` as received: all or none.

    Each gets what donation_record_offline gives one gift (status change, next receipt number
    in the given order, ledger entry, receipt email on commit), in a handful of queries per batch
    instead of a score per gift. Locks receipt counters, then the ledger head, as donation_receive.
    """
    require(actor, "donation.record", organization)
    if any(
        donation.channel == DonationChannel.ONLINE or donation.organization_id != organization.pk
        for donation in donations
    ):
        raise CharityError(_("Only this organization's offline gifts are imported here."))
    if not donations:
        return []
    try:
        with transaction.atomic():
            numbers = receipt_numbers_issue(
                organization_id=organization.pk,
                received_ats=[donation.received_at for donation in donations],
            )
            for donation, number in zip(donations, numbers, strict=True):
                donation.status = DonationStatus.SUCCEEDED
                donation.recorded_by = actor
                donation.receipt_number = number
            Donation.objects.bulk_create(donations, batch_size=batch_size)
            unnamed = [donation for donation in donations if not donation.donor_key]
            for donation in unnamed:
                donation.donor_key = f"gift:{donation.pk}"  # a donor of its own
            Donation.objects.bulk_update(unnamed, ["donor_key"], batch_size=batch_size)
            DonationStatusChange.objects.bulk_create(
                (
                    DonationStatusChange(
                        donation=donation,
                        from_status=DonationStatus.PENDING,
                        to_status=DonationStatus.SUCCEEDED,
                        changed_by=actor,
                        source=source,
                    )
                    for donation in donations
                ),
                batch_size=batch_size,
            )
            ledger_append_many(
                movements=[
                    Movement(
                        kind=LedgerEntryKind.DONATION_RECEIVED,
                        donation=donation,
                        amount=donation.amount,
                        occurred_at=donation.received_at,
                        memo=f"donation {donation.pk}",
                    )
                    for donation in donations
                ],
                batch_size=batch_size,
            )
            receipt_ids = [donation.pk for donation in donations if donation.donor_email]

            def send_receipts():
                from ..tasks import donation_send_receipt

                for donation_id in receipt_ids:
                    donation_send_receipt.delay(donation_id)

            transaction.on_commit(send_receipts)
    except IntegrityError as error:
        # Someone recorded one of these transfers between the check and now.
        raise CharityError(
            _("Another entry recorded one of these transfers meanwhile; check the file again."),
            code="conflict",
        ) from error
    return donations


def recurring_gift_cancel(
    *, actor: User | None, gift: RecurringGift, guest_token: str = ""
) -> None:
    """The donor stops a monthly gift. Stripe cancels the subscription; its webhook confirms it."""
    allowed = (actor is not None and gift.donor_id == actor.pk) or (
        guest_token and gift.donations.filter(guest_token=guest_token).exists()
    )
    if not allowed:
        raise CharityError(_("Only the donor can stop this monthly gift."), code="not_donor")
    if gift.status in (RecurringGiftStatus.CANCELLING, RecurringGiftStatus.CANCELLED):
        return
    if not gift.stripe_subscription_id:
        raise CharityError(_("This monthly gift has not started yet."), code="not_started")
    gateway().cancel_subscription(
        gift.stripe_subscription_id, idempotency_key=f"shanxin-cancel-{gift.pk}"
    )
    RecurringGift.objects.filter(
        pk=gift.pk, status__in=[RecurringGiftStatus.ACTIVE, RecurringGiftStatus.PAST_DUE]
    ).update(status=RecurringGiftStatus.CANCELLING)


def donation_guest_url(donation: Donation) -> str:
    """The donor's own link to this gift and its receipt (sent only to the donor)."""
    with translation.override(donation.language):
        path = reverse("charity:donation_detail", kwargs={"token": donation.guest_token})
    return f"{settings.WAGTAILADMIN_BASE_URL}{path}"


def donations_receipt_unsent(
    *, older_than: datetime.timedelta, within: datetime.timedelta = datetime.timedelta(days=30)
) -> list[int]:
    """Received gifts whose receipt email has not gone out `older_than` after they were received
    (or entered), oldest first; gifts entered more than `within` ago are left alone."""
    now = timezone.now()
    return list(
        Donation.objects.filter(
            receipt_sent_at__isnull=True,
            receipt_number__isnull=False,
            created_at__gte=now - within,
            created_at__lte=now - older_than,
            received_at__lte=now - older_than,
        )
        .exclude(donor_email="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def donation_send_receipt(*, donation_id: int) -> bool:
    """Email the receipt of a received gift, once, in the donor's language."""
    with transaction.atomic():
        donation = (
            Donation.objects.select_for_update(of=("self",))
            .select_related("organization", "project")
            .get(pk=donation_id)
        )
        if donation.receipt_sent_at or not donation.receipt_number or not donation.donor_email:
            return False
        email_send(
            template="charity/email/receipt",
            context={
                "donation": donation,
                "organization": donation.organization,
                "project": donation.project,
                "donation_url": donation_guest_url(donation),
            },
            to=donation.donor_email,
            language=donation.language,
        )
        donation.receipt_sent_at = timezone.now()
        donation.save(update_fields=["receipt_sent_at"])
    return True


def donation_refund(*, actor: User, donation: Donation, amount: int, reason: str = "") -> Refund:
    """Finance staff give back `amount` of a received gift.

    Online: Stripe is asked to refund (with an idempotency key); the ledger's reversing entry is
    written when Stripe's webhook confirms it. Offline: the money went back by hand, so the
    reversing entry is written now.
    """
    require(actor, "donation.refund", donation.organization)
    with transaction.atomic():
        donation = donation_lock(donation.pk)
        if donation.status not in (DonationStatus.SUCCEEDED, DonationStatus.PARTIALLY_REFUNDED):
            raise CharityError(_("Only a received gift can be refunded."), code="not_received")
        already = sum(
            refund.amount for refund in donation.refunds.exclude(status=Refund.Status.FAILED)
        )
        if amount < 1 or amount > donation.amount - already:
            raise CharityError(
                _("A refund must be between %(min)s and %(max)s.")
                % {
                    "min": format_money(1, donation.currency),
                    "max": format_money(donation.amount - already, donation.currency),
                },
                code="refund_amount",
            )
        refund = Refund.objects.create(
            donation=donation, amount=amount, reason=reason.strip(), requested_by=actor
        )
        if donation.channel != DonationChannel.ONLINE:
            refund.status = Refund.Status.SUCCEEDED
            refund.save(update_fields=["status"])
            from .stripe_events import donation_settle_refunds

            donation_settle_refunds(
                donation=donation, refunded=already + amount, source="staff", actor=actor
            )
            return refund
    try:
        stripe_refund = gateway().create_refund(
            payment_intent_id=donation.stripe_payment_intent_id,
            amount=amount,
            metadata={"refund": str(refund.pk), "donation": str(donation.pk)},
            idempotency_key=f"shanxin-refund-{refund.pk}",
        )
    except Exception as error:
        Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.FAILED)
        raise CharityError(
            _("Stripe could not be reached; nothing was refunded. Please try again."),
            code="gateway_unavailable",
        ) from error
    Refund.objects.filter(pk=refund.pk, stripe_refund_id__isnull=True).update(
        stripe_refund_id=stripe_refund["id"]
    )
    refund.refresh_from_db()
    return refund
