"""Projects: the money side of a relief project that the CMS tells the story of."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..regions import region_full_name, validate_region_code


class BeneficiaryGroupCode(models.TextChoices):
    """Who a project, an expenditure or a relief task serves (the safety net's groups)."""

    SUBSISTENCE_ALLOWANCE = "subsistence_allowance", _("Households on subsistence allowance")
    EXTREMELY_POOR = "extremely_poor", _("Extremely poor people")
    ORPHANS = "orphans", _("Orphans and children in difficulty")
    DISABILITIES = "disabilities", _("People with disabilities")
    LEFT_BEHIND_CHILDREN = "left_behind_children", _("Left-behind children")
    LEFT_BEHIND_ELDERLY = "left_behind_elderly", _("Left-behind elderly")
    DISASTER_VICTIMS = "disaster_victims", _("Disaster victims")
    EPIDEMIC_RESPONSE = "epidemic_response", _("Epidemic response")
    OTHER = "other", _("Other")


class BeneficiaryGroup(models.Model):
    """One row per BeneficiaryGroupCode (kept in step by migrations), so projects can serve several."""

    code = models.CharField(max_length=32, primary_key=True, choices=BeneficiaryGroupCode.choices)

    class Meta:
        verbose_name = _("beneficiary group")
        verbose_name_plural = _("beneficiary groups")
        ordering = ["code"]

    def __str__(self):
        return str(BeneficiaryGroupCode(self.code).label)


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan")
    HKD = "HKD", _("Hong Kong dollar")
    USD = "USD", _("US dollar")


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FUNDRAISING = "fundraising", _("Fundraising")
    CLOSED = "closed", _("Closed")
    COMPLETED = "completed", _("Completed")


# status → the statuses it may move to (services.project_set_status enforces it).
PROJECT_TRANSITIONS = {
    ProjectStatus.DRAFT: {ProjectStatus.FUNDRAISING},
    ProjectStatus.FUNDRAISING: {ProjectStatus.CLOSED},
    ProjectStatus.CLOSED: {ProjectStatus.FUNDRAISING, ProjectStatus.COMPLETED},
    ProjectStatus.COMPLETED: set(),
}


class Project(models.Model):
    """The money side of a relief project: its goal, window and state. Its story is a CMS page."""

    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    title = models.CharField(_("title"), max_length=200)
    goal_amount = models.PositiveBigIntegerField(
        _("goal (in fen/cents)"),
        validators=[MinValueValidator(1, message=_("The goal must be more than zero."))],
        help_text=_("In the currency's minor unit: ¥1,000.00 is 100000."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    fundraising_starts_at = models.DateTimeField(_("fundraising starts"))
    fundraising_ends_at = models.DateTimeField(_("fundraising ends"))
    beneficiary_groups = models.ManyToManyField(
        BeneficiaryGroup, verbose_name=_("beneficiary groups"), related_name="projects"
    )
    region = models.CharField(
        _("region"),
        max_length=6,
        validators=[validate_region_code],
        help_text=_("Administrative division code of the place the project serves."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    public_fundraising_filing_number = models.CharField(
        _("public fundraising filing number"),
        max_length=64,
        blank=True,
        help_text=_(
            "The filing number of the fundraising plan on the national charity information "
            "platform; required before an organization with public fundraising status raises funds."
        ),
    )
    is_featured = models.BooleanField(_("featured on the home page"), default=False)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(goal_amount__gt=0), name="project_goal_positive"),
            models.CheckConstraint(
                condition=Q(fundraising_ends_at__gt=models.F("fundraising_starts_at")),
                name="project_window_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "fundraising_ends_at"])]

    def __str__(self):
        return self.title

    @property
    def region_full_name(self) -> str:
        return region_full_name(self.region)

    def accepts_donations(self, at=None) -> bool:
        """Money can come in only while fundraising, inside the window, for a verified organization."""
        at = at or timezone.now()
        return (
            self.status == ProjectStatus.FUNDRAISING
            and self.fundraising_starts_at <= at < self.fundraising_ends_at
            and self.organization.is_verified
        )

    def clean(self):
        errors = {}
        if (
            self.fundraising_starts_at
            and self.fundraising_ends_at
            and self.fundraising_ends_at <= self.fundraising_starts_at
        ):
            errors["fundraising_ends_at"] = _("The fundraising window must end after it starts.")
        if errors:
            raise ValidationError(errors)


class ProjectStatusChange(models.Model):
    """Who moved a project from one status to another, and when. Append-only."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ProjectStatus.choices)
    to_status = models.CharField(max_length=20, choices=ProjectStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at"]

    def __str__(self):
        return f"{self.project}: {self.from_status} → {self.to_status}"
