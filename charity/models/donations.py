"""Donations: what donors gave, through which channel, and what became of each gift.

Payment state changes only through charity.services (Stripe's webhooks for online gifts); the money
itself is counted in the ledger, never in these rows.
"""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .projects import Currency


class DonationChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")


class DonationFrequency(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    MONTHLY = "monthly", _("Monthly")


class DonationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    SUCCEEDED = "succeeded", _("Received")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")
    DISPUTED = "disputed", _("Disputed")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


# status → the statuses it may move to (services.donation_set_status enforces it). A dispute that
# the organization wins returns the gift to what it was before.
DONATION_TRANSITIONS = {
    DonationStatus.PENDING: {
        DonationStatus.SUCCEEDED,
        DonationStatus.FAILED,
        DonationStatus.EXPIRED,
    },
    DonationStatus.SUCCEEDED: {
        DonationStatus.PARTIALLY_REFUNDED,
        DonationStatus.REFUNDED,
        DonationStatus.DISPUTED,
    },
    DonationStatus.PARTIALLY_REFUNDED: {
        DonationStatus.SUCCEEDED,  # a refund that failed after all
        DonationStatus.REFUNDED,
        DonationStatus.DISPUTED,
    },
    DonationStatus.REFUNDED: {DonationStatus.PARTIALLY_REFUNDED, DonationStatus.SUCCEEDED},
    DonationStatus.DISPUTED: {
        DonationStatus.SUCCEEDED,
        DonationStatus.PARTIALLY_REFUNDED,
        DonationStatus.REFUNDED,
    },
    DonationStatus.FAILED: set(),
    DonationStatus.EXPIRED: set(),
}

# Statuses in which the organization received the money (some of it may have gone back since).
RECEIVED_STATUSES = (
    DonationStatus.SUCCEEDED,
    DonationStatus.PARTIALLY_REFUNDED,
    DonationStatus.REFUNDED,
    DonationStatus.DISPUTED,
)


def _guest_token() -> str:
    return secrets.token_urlsafe(24)


class RecurringGiftStatus(models.TextChoices):
    PENDING = "pending", _("Being set up")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Payment failed")
    CANCELLING = "cancelling", _("Cancelling")
    CANCELLED = "cancelled", _("Cancelled")


class RecurringGift(models.Model):
    """A monthly gift: a Stripe subscription; each paid invoice becomes its own Donation."""

    organization = models.ForeignKey(
        "charity.Organization", on_delete=models.PROTECT, related_name="recurring_gifts"
    )
    project = models.ForeignKey(
        "charity.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recurring_gifts",
    )
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recurring_gifts",
    )
    donor_name = models.CharField(_("name"), max_length=100)
    donor_email = models.EmailField(_("email"))
    is_anonymous = models.BooleanField(_("give anonymously"), default=False)
    amount = models.PositiveBigIntegerField(_("monthly amount"), validators=[MinValueValidator(1)])
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RecurringGiftStatus.choices,
        default=RecurringGiftStatus.PENDING,
    )
    stripe_subscription_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("monthly gift")
        verbose_name_plural = _("monthly gifts")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.donor_email} {self.amount} {self.currency}/month"


class Donation(models.Model):
    """One gift: a one-off payment, one month of a monthly gift, or a recorded offline transfer."""

    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="donations",
    )
    # Empty: the organization's general fund.
    project = models.ForeignKey(
        "charity.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
    )
    recurring_gift = models.ForeignKey(
        RecurringGift, on_delete=models.PROTECT, null=True, blank=True, related_name="donations"
    )
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("donor account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="donations",
    )
    donor_name = models.CharField(_("donor name"), max_length=100, blank=True)
    donor_email = models.EmailField(_("donor email"), blank=True)
    # Who gave, for counting donors: the account, else the email, else this gift alone.
    donor_key = models.CharField(max_length=255, db_index=True, editable=False)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    message = models.CharField(_("message"), max_length=300, blank=True)
    amount = models.PositiveBigIntegerField(_("amount"), validators=[MinValueValidator(1)])
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=DonationChannel.choices)
    frequency = models.CharField(
        _("frequency"),
        max_length=8,
        choices=DonationFrequency.choices,
        default=DonationFrequency.ONE_OFF,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DonationStatus.choices, default=DonationStatus.PENDING
    )
    # The donor's language, for the receipt.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    stripe_checkout_session_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_invoice_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # Offline gifts: the bank's reference of the transfer (one transfer is recorded once).
    bank_reference = models.CharField(
        _("bank reference"), max_length=100, unique=True, null=True, blank=True
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    receipt_number = models.CharField(
        _("receipt number"), max_length=32, unique=True, null=True, blank=True
    )
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # Guests open their gift and receipt with this, sent only in their receipt email.
    guest_token = models.CharField(max_length=64, unique=True, default=_guest_token, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["project", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="online") | Q(bank_reference__isnull=True),
                name="donation_online_has_no_bank_reference",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.amount} {self.currency} ({self.status})"

    @property
    def public_name(self) -> str:
        """The name the public may see: never the donor's when they asked to stay anonymous."""
        return "" if self.is_anonymous else self.donor_name


class DonationStatusChange(models.Model):
    """Audit trail: who or what moved a donation from one status to another."""

    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=DonationStatus.choices)
    to_status = models.CharField(max_length=20, choices=DonationStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What caused it when no person did: "stripe:evt_…", "import:…".
    source = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.donation_id}: {self.from_status} → {self.to_status}"


class ReceiptCounter(models.Model):
    """The last receipt number an organization issued in a year (numbers have no gaps)."""

    organization = models.ForeignKey("charity.Organization", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="one_counter_per_year")
        ]

    def __str__(self):
        return f"{self.organization_id}/{self.year}: {self.last_number}"


class Refund(models.Model):
    """Money given back on a donation; online refunds are confirmed by Stripe's webhook."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("amount"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.donation_id}: {self.amount} ({self.status})"


class Dispute(models.Model):
    """A card holder's chargeback: the money is withdrawn until the organization wins it back."""

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount = models.PositiveBigIntegerField()
    status = models.CharField(max_length=32)
    reinstated = models.BooleanField(default=False)
    # The donation's status before the dispute, to return to when it is won.
    status_before = models.CharField(max_length=20, choices=DonationStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.stripe_dispute_id} ({self.status})"


class StripeEvent(models.Model):
    """Every webhook event Stripe delivered, stored by its id before it is applied."""

    id = models.CharField(primary_key=True, max_length=255)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["received_at"]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(processed_at__isnull=True),
                name="stripe_event_unprocessed",
            )
        ]

    def __str__(self):
        return f"{self.id} {self.type}"
