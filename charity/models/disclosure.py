"""The disclosure calendar's memory: which reminder went to an organization's owners, so that a
daily run sends each one once (charity.services.disclosure)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DisclosureKind(models.TextChoices):
    PROGRESS = "progress", _("Progress disclosure")
    FINAL = "final", _("Final disclosure")
    ANNUAL = "annual", _("Annual report")


class DisclosureReminderStage(models.TextChoices):
    DUE = "due", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class DisclosureReminder(models.Model):
    """One reminder sent for one disclosure obligation (kind, project, due date) at one stage."""

    organization = models.ForeignKey(
        "charity.Organization", on_delete=models.CASCADE, related_name="disclosure_reminders"
    )
    # Empty for the annual report (the organization's, not a project's).
    project = models.ForeignKey(
        "charity.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=DisclosureKind.choices)
    due_on = models.DateField()
    stage = models.CharField(max_length=12, choices=DisclosureReminderStage.choices)
    recipients = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "project", "kind", "due_on", "stage"],
                condition=models.Q(project__isnull=False),
                name="disclosure_reminder_once_per_project",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "due_on", "stage"],
                condition=models.Q(project__isnull=True),
                name="disclosure_reminder_once_per_organization",
            ),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.kind} {self.project_id} {self.due_on} {self.stage}"
