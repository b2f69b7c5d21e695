"""Transparency reports: an organization's money over a quarter or a year, frozen when published.

The figures are computed from the ledger (charity.services.reports) and, once published, kept as a
snapshot together with the ledger head they were computed at, so anyone can check them against
the public chain.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportPeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PublishedReportError(Exception):
    """A published report is part of the public record: it is never changed or deleted."""


class TransparencyReport(models.Model):
    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="transparency_reports",
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=ReportPeriodKind.choices)
    # Calendar days in China time (settings.DEFAULT_USER_TIME_ZONE), both included.
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # The snapshot: see charity.services.reports.report_figures for its shape.
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    # The ledger head the figures were computed at (entries up to and including this seq).
    ledger_seq = models.PositiveBigIntegerField(null=True, blank=True)
    ledger_hash = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("transparency report")
        verbose_name_plural = _("transparency reports")
        ordering = ["organization", "-period_start", "period_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period_start", "period_end"],
                condition=Q(status="published"),
                name="report_one_published_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="report_period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(
                    published_at__isnull=False, published_by__isnull=False, ledger_seq__isnull=False
                ),
                name="report_published_with_its_ledger_head",
            ),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.period_start}–{self.period_end} ({self.status})"

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == ReportStatus.PUBLISHED:
                raise PublishedReportError("A published report cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == ReportStatus.PUBLISHED:
            raise PublishedReportError("A published report cannot be deleted.")
        return super().delete(*args, **kwargs)
