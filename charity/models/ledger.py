"""The ledger: an append-only, hash-chained journal of every money movement.

Each entry carries the SHA-256 of its own canonical serialisation, which includes the previous
entry's hash, so changing or removing any entry breaks every hash after it
(`manage.py verify_ledger`). Projects' raised amounts and donor counts are sums over it.
"""

import datetime
import hashlib
import json

from django.db import models
from django.utils.translation import gettext_lazy as _

from .projects import Currency

GENESIS_HASH = "0" * 64


class LedgerEntryKind(models.TextChoices):
    DONATION_RECEIVED = "donation_received", _("Donation received")
    DONATION_REFUNDED = "donation_refunded", _("Donation refunded")
    REFUND_REVERSED = "refund_reversed", _("Refund reversed")
    DISPUTE_WITHDRAWN = "dispute_withdrawn", _("Withdrawn for a dispute")
    DISPUTE_REINSTATED = "dispute_reinstated", _("Dispute won, reinstated")
    EXPENDITURE_PUBLISHED = "expenditure_published", _("Expenditure")
    EXPENDITURE_REVERSED = "expenditure_reversed", _("Expenditure reversed")


class AppendOnlyError(Exception):
    """Ledger entries are never changed or deleted; corrections are new entries."""


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Ledger entries cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Ledger entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Ledger entries cannot be updated.")


class LedgerEntry(models.Model):
    # Position in the chain, from 1; assigned by services.ledger_append under the head's lock.
    seq = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=LedgerEntryKind.choices)
    organization = models.ForeignKey(
        "charity.Organization", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    # Empty: the organization's general fund.
    project = models.ForeignKey(
        "charity.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    donation = models.ForeignKey(
        "charity.Donation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    expenditure = models.ForeignKey(
        "charity.Expenditure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    # Signed minor units: money in is positive, money out negative.
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"))
    # Public text: never a donor's name.
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["project", "kind"]),
            # Reports sum one organization's entries over a period.
            models.Index(fields=["organization", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.seq} {self.kind} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Ledger entries cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries cannot be deleted.")

    def canonical(self) -> bytes:
        """What the hash covers, as anyone re-checking the public chain serialises it."""
        fields = {
            "seq": self.seq,
            "kind": self.kind,
            "organization": self.organization_id,
            "project": self.project_id,
            "donation": self.donation_id,
            "amount": self.amount,
            "currency": self.currency,
            "occurred_at": _utc_iso(self.occurred_at),
            "recorded_at": _utc_iso(self.recorded_at),
            "memo": self.memo,
            "previous_hash": self.previous_hash,
        }
        if self.expenditure_id is not None:
            # Only where present, so that entries written before expenditures existed keep their hash.
            fields["expenditure"] = self.expenditure_id
        return json.dumps(
            fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


def _utc_iso(moment) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LedgerHead(models.Model):
    """The chain's last entry, one row: appending locks it, so entries form one line."""

    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self):
        return f"{self.seq} {self.entry_hash}"
