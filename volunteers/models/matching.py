"""Proposed assignments of volunteers to shifts, and declared emergencies.

A proposal is a draft until a coordinator confirms it; only then do its placements become sign-ups
(through volunteers.services, under the same rules and locks as a volunteer's own sign-up).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from charity.regions import region_full_name, validate_region_code

from .profiles import VolunteerProfile
from .shifts import Shift


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    DISCARDED = "discarded", _("Discarded")


class SolverStatus(models.TextChoices):
    PENDING = "pending", _("Solving")
    OPTIMAL = "optimal", _("Optimal")
    FEASIBLE = "feasible", _("Feasible (time limit reached)")
    FAILED = "failed", _("No solution found")


class AssignmentProposal(models.Model):
    """A solver's proposal for an organization's shifts in a window, with how good it is."""

    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="assignment_proposals",
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    solver_status = models.CharField(
        _("solver status"),
        max_length=10,
        choices=SolverStatus.choices,
        default=SolverStatus.PENDING,
    )
    # The solver's integer objective (see volunteers.matching) and the best bound it proved.
    objective = models.BigIntegerField(_("objective"), null=True, blank=True)
    bound = models.BigIntegerField(_("bound"), null=True, blank=True)
    gap = models.FloatField(_("optimality gap"), null=True, blank=True)
    solve_seconds = models.FloatField(_("solve time (seconds)"), null=True, blank=True)
    # Figures for the review page and the command line; see services.assignment_proposal_solve.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment proposal")
        verbose_name_plural = _("assignment proposals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gt=F("window_start")), name="proposal_window_positive"
            ),
        ]

    def __str__(self):
        return f"{self.organization} · {self.window_start:%Y-%m-%d} – {self.window_end:%Y-%m-%d}"

    @property
    def is_solved(self) -> bool:
        return self.solver_status in (SolverStatus.OPTIMAL, SolverStatus.FEASIBLE)


class PlacementOutcome(models.TextChoices):
    PENDING = "", _("Not yet confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Could not be confirmed")


class ProposedPlacement(models.Model):
    """One volunteer on one shift in a proposal; a coordinator may remove or add lines."""

    proposal = models.ForeignKey(
        AssignmentProposal, on_delete=models.CASCADE, related_name="placements"
    )
    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE)
    volunteer = models.ForeignKey(
        VolunteerProfile, verbose_name=_("volunteer"), on_delete=models.CASCADE
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    asked = models.BooleanField(_("volunteer asked for this shift"), default=False)
    cost = models.PositiveSmallIntegerField(_("cost"), default=0)
    removed = models.BooleanField(_("removed by the coordinator"), default=False)
    added_by_coordinator = models.BooleanField(_("added by the coordinator"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=PlacementOutcome.choices, blank=True, default=""
    )
    outcome_note = models.CharField(_("outcome note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("proposed placement")
        verbose_name_plural = _("proposed placements")
        ordering = ["shift__starts_at", "shift_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "shift", "volunteer"], name="placement_once_per_proposal"
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} → {self.shift}"


class SurgeDeclaration(models.Model):
    """An organization's declared emergency in a region for a period: its critical tasks there
    weigh double in proposals and recommendations, and opted-in volunteers are alerted."""

    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="surge_declarations",
    )
    region = models.CharField(
        _("region"),
        max_length=6,
        validators=[validate_region_code],
        help_text=_("A province, city or district code; everything inside it is covered."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    notified_count = models.PositiveIntegerField(_("volunteers alerted"), default=0)

    class Meta:
        verbose_name = _("emergency declaration")
        verbose_name_plural = _("emergency declarations")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="surge_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.organization} · {self.region_full_name}"

    @property
    def region_full_name(self) -> str:
        return region_full_name(self.region)
