"""Relief tasks, their shifts and who signed up for them.

Capacity is held by `Shift.places_taken` under a CHECK constraint (never above `capacity`), which
volunteers.services changes only while holding the shift row's lock; see services for the order
in which rows are locked.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from charity.regions import region_full_name, validate_region_code

from .profiles import CertificateKind, Skill, VolunteerProfile


def validate_certificate_kinds(value) -> None:
    if not isinstance(value, list) or not all(kind in CertificateKind.values for kind in value):
        raise ValidationError(
            _("Choose required certificates from the listed kinds."), code="certificate_kinds"
        )


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ReliefTask(models.Model):
    """Work an organization needs volunteers for, at one place; done in one or more shifts."""

    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="relief_tasks",
    )
    project = models.ForeignKey(
        "charity.Project",
        verbose_name=_("project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relief_tasks",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=200, help_text=_("Address or meeting point."))
    district = models.CharField(
        _("district"),
        max_length=6,
        validators=[validate_region_code],
        help_text=_("Administrative division code of the place."),
    )
    required_skills = models.ManyToManyField(
        Skill, verbose_name=_("required skills"), related_name="relief_tasks", blank=True
    )
    required_certificates = models.JSONField(
        _("required certificates"),
        default=list,
        blank=True,
        validators=[validate_certificate_kinds],
        help_text=_("Certificate kinds every volunteer must hold, valid on the shift's day."),
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    beneficiary_group = models.ForeignKey(
        "charity.BeneficiaryGroup",
        verbose_name=_("beneficiary group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relief_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("relief task")
        verbose_name_plural = _("relief tasks")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def district_full_name(self) -> str:
        return region_full_name(self.district)

    def clean(self):
        if (
            self.project_id
            and self.organization_id
            and (self.project.organization_id != self.organization_id)
        ):
            raise ValidationError(
                {"project": _("The project must belong to the same organization as the task.")}
            )


class Shift(models.Model):
    """One period of a relief task with a number of places. Times are stored in UTC."""

    task = models.ForeignKey(
        ReliefTask, verbose_name=_("relief task"), on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    minimum = models.PositiveSmallIntegerField(
        _("minimum volunteers"),
        default=0,
        help_text=_("Below this many confirmed volunteers the coordinator should act."),
    )
    # Confirmed and applied sign-ups together; kept by the services under the shift's row lock.
    places_taken = models.PositiveSmallIntegerField(_("places taken"), default=0, editable=False)
    requires_approval = models.BooleanField(_("sign-ups need approval"), default=False)
    signup_opens_hours_before = models.PositiveIntegerField(
        _("sign-up opens (hours before start)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to open sign-up as soon as the shift is published."),
    )
    cancel_cutoff_hours = models.PositiveIntegerField(
        _("cancellation cut-off (hours before start)"),
        default=24,
        help_text=_("Confirmed volunteers may cancel themselves until this many hours before."),
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordinated_shifts",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_capacity_positive"),
            models.CheckConstraint(
                condition=Q(minimum__lte=F("capacity")), name="shift_minimum_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(places_taken__gte=0, places_taken__lte=F("capacity")),
                name="shift_places_within_capacity",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self):
        return f"{self.task} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def signup_opens_at(self) -> datetime.datetime | None:
        if self.signup_opens_hours_before is None:
            return None
        return self.starts_at - datetime.timedelta(hours=self.signup_opens_hours_before)

    @property
    def cancel_cutoff_at(self) -> datetime.datetime:
        return self.starts_at - datetime.timedelta(hours=self.cancel_cutoff_hours)

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A shift must end after it starts.")
        if self.capacity and self.minimum and self.minimum > self.capacity:
            errors["minimum"] = _("The minimum cannot be more than the number of places.")
        if errors:
            raise ValidationError(errors)


class SignupStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    COMPLETED = "completed", _("Completed")


# Statuses that hold one of the shift's places (Shift.places_taken counts them).
PLACE_HOLDING_STATUSES = frozenset({SignupStatus.APPLIED, SignupStatus.CONFIRMED})
# Statuses of a sign-up that is still in play: at most one per volunteer and shift.
ACTIVE_STATUSES = frozenset({*PLACE_HOLDING_STATUSES, SignupStatus.WAITLISTED})

# status → the statuses it may move to (the services enforce it).
SIGNUP_TRANSITIONS = {
    SignupStatus.APPLIED: {SignupStatus.CONFIRMED, SignupStatus.CANCELLED},
    SignupStatus.WAITLISTED: {
        SignupStatus.CONFIRMED,
        SignupStatus.APPLIED,
        SignupStatus.CANCELLED,
    },
    SignupStatus.CONFIRMED: {
        SignupStatus.CANCELLED,
        SignupStatus.NO_SHOW,
        SignupStatus.COMPLETED,
    },
    SignupStatus.CANCELLED: set(),
    SignupStatus.NO_SHOW: set(),
    SignupStatus.COMPLETED: set(),
}


class ShiftSignup(models.Model):
    """A volunteer's place (or place in the queue) on a shift.

    The waitlist is served in sign-up order: ids are assigned while the shift row is locked.
    """

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        VolunteerProfile,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    status = models.CharField(_("status"), max_length=12, choices=SignupStatus.choices)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    # Set once the day-before reminder has gone out, so the scheduled task sends it once.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # On the day (volunteers.attendance): times stay as recorded; the approved minutes, not
    # the clock times, are the volunteer's service record.
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    approved_minutes = models.PositiveIntegerField(_("approved minutes"), null=True, blank=True)
    hours_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hours approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hours_approved_at = models.DateTimeField(_("hours approved at"), null=True, blank=True)
    hours_note = models.CharField(
        _("note on the hours"),
        max_length=200,
        blank=True,
        help_text=_("Why the approved hours differ from the recorded times."),
    )

    class Meta:
        verbose_name = _("shift sign-up")
        verbose_name_plural = _("shift sign-ups")
        ordering = ["shift", "pk"]
        constraints = [
            # Cancelled sign-ups stay as history; the volunteer may sign up again afterwards.
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=~Q(status="cancelled"),
                name="signup_one_per_volunteer_and_shift",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=F("checked_in_at")),
                name="signup_check_out_after_check_in",
            ),
            # Only a completed sign-up carries approved hours, and a completed one always does.
            models.CheckConstraint(
                condition=Q(status="completed", approved_minutes__isnull=False)
                | (~Q(status="completed") & Q(approved_minutes__isnull=True)),
                name="signup_approved_minutes_iff_completed",
            ),
        ]
        indexes = [
            models.Index(fields=["shift", "status"]),
            models.Index(fields=["volunteer", "status"]),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.shift} · {self.get_status_display()}"

    @property
    def holds_place(self) -> bool:
        return self.status in PLACE_HOLDING_STATUSES


class SignupStatusChange(models.Model):
    """Who moved a sign-up from one status to another, and when. Append-only.

    `from_status` is empty for the row that records the sign-up itself.
    """

    signup = models.ForeignKey(ShiftSignup, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=SignupStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=SignupStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.signup}: {self.from_status or '∅'} → {self.to_status}"
