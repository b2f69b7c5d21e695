"""Expenditures: what an organization spent, with its receipts, and which gifts paid for it.

A published expenditure never changes; a correction is a new expenditure that reverses it.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .projects import Currency


class ExpenditureCategory(models.TextChoices):
    PROGRAM = "program", _("Charitable activity")
    MANAGEMENT = "management", _("Management")
    FUNDRAISING = "fundraising", _("Fundraising")


class ExpenditureStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class PublishedExpenditureError(Exception):
    """A published expenditure is part of the public record; correct it with a reversal."""


class Expenditure(models.Model):
    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="expenditures",
    )
    # Empty: the organization's general fund.
    project = models.ForeignKey(
        "charity.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expenditures",
    )
    amount = models.PositiveBigIntegerField(_("amount"), validators=[MinValueValidator(1)])
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    category = models.CharField(_("category"), max_length=16, choices=ExpenditureCategory.choices)
    beneficiary_group = models.ForeignKey(
        "charity.BeneficiaryGroup",
        verbose_name=_("beneficiary group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    payee = models.CharField(_("payee"), max_length=200)
    # A person's name is masked on public pages (张** rather than 张三丰).
    payee_is_individual = models.BooleanField(
        _("the payee is an individual beneficiary"), default=False
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    spent_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ExpenditureStatus.choices,
        default=ExpenditureStatus.DRAFT,
    )
    # Spending more than the fund holds: money advanced by the organization, shown in reports.
    is_advance = models.BooleanField(_("advance"), default=False)
    advance_reason = models.CharField(_("reason for the advance"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        ordering = ["-spent_on", "-pk"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            # Four eyes: nobody approves what they entered.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")),
                name="expenditure_approver_is_another_person",
                violation_error_message=_(
                    "Another member of the finance team must approve what you entered."
                ),
            ),
            models.CheckConstraint(
                condition=Q(is_advance=False) | ~Q(advance_reason=""),
                name="expenditure_advance_has_a_reason",
                violation_error_message=_("Give the reason for the advance."),
            ),
        ]

    def __str__(self):
        return f"{self.purpose} ({self.amount} {self.currency})"

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == ExpenditureStatus.PUBLISHED:
                raise PublishedExpenditureError("A published expenditure cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == ExpenditureStatus.PUBLISHED:
            raise PublishedExpenditureError("A published expenditure cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def public_payee(self) -> str:
        """The payee as the public sees it: an individual's name keeps only its first character."""
        if not self.payee_is_individual:
            return self.payee
        name = self.payee.strip()
        return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _receipt_path(instance, filename):
    return f"receipts/{instance.expenditure.organization_id}/{instance.expenditure_id}/{filename}"


class ExpenditureDocument(models.Model):
    """A receipt or invoice of an expenditure (published with it)."""

    expenditure = models.ForeignKey(Expenditure, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(_("file"), upload_to=_receipt_path)
    title = models.CharField(_("title"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title or self.file.name


class Allocation(models.Model):
    """Part of a published expenditure paid from one donation (fund tracing, oldest gifts first).

    Negative amounts release an earlier allocation (a reversal, or a refund of the gift).
    """

    expenditure = models.ForeignKey(
        Expenditure, on_delete=models.PROTECT, related_name="allocations"
    )
    donation = models.ForeignKey(
        "charity.Donation", on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["donation"]), models.Index(fields=["expenditure"])]

    def __str__(self):
        return f"{self.donation_id} → {self.expenditure_id}: {self.amount}"


class ExpenditureStatusChange(models.Model):
    """Who moved an expenditure from one status to another, and when. Append-only: an edit that
    sends an approved expenditure back to draft is recorded too, so the admin history shows
    every approval, not only the standing one."""

    expenditure = models.ForeignKey(
        Expenditure, on_delete=models.PROTECT, related_name="status_changes"
    )
    # Empty: the expenditure was entered (it had no status before).
    from_status = models.CharField(max_length=12, choices=ExpenditureStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ExpenditureStatus.choices)
    # Empty only on a publication recorded before this table existed (who published was not kept).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.expenditure_id}: {self.from_status or '-'} → {self.to_status}"
