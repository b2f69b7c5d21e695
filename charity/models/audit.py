"""The audit trail: who changed what, and when, in an organization's records.

Rows are written by the services (charity.audit.audit_record), read by the organization's owners
in the staff admin, and never changed or deleted. They hold ids, codes and amounts, never
personal data (see charity.audit.SENSITIVE_FIELDS); no request metadata is kept either: an IP
address or a browser's signature identifies a person (PIPL art. 4) and adds nothing an owner needs
to know who acted, which the actor already says.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ledger import AppendOnlyError


class AuditAction(models.TextChoices):
    ORGANIZATION_CREATE = "organization.create", _("Organization registered")
    ORGANIZATION_UPDATE = "organization.update", _("Organization details changed")
    ORGANIZATION_VERIFY = "organization.verify", _("Organization verified")
    ORGANIZATION_UNVERIFY = "organization.unverify", _("Verification withdrawn")
    MEMBERSHIP_ADD = "membership.add", _("Member added")
    MEMBERSHIP_CHANGE_ROLE = "membership.change_role", _("Member's role changed")
    MEMBERSHIP_REMOVE = "membership.remove", _("Member removed")
    PROJECT_CREATE = "project.create", _("Project created")
    PROJECT_UPDATE = "project.update", _("Project changed")
    PROJECT_STATUS = "project.status", _("Project status changed")
    EXPENDITURE_CREATE = "expenditure.create", _("Expenditure entered")
    EXPENDITURE_UPDATE = "expenditure.update", _("Expenditure changed")
    EXPENDITURE_APPROVE = "expenditure.approve", _("Expenditure approved")
    EXPENDITURE_PUBLISH = "expenditure.publish", _("Expenditure published")
    EXPENDITURE_REVERSE = "expenditure.reverse", _("Expenditure reversed")
    EXPENDITURE_ADD_DOCUMENTS = "expenditure.add_documents", _("Receipts added")
    RELIEF_TASK_CREATE = "relief_task.create", _("Relief task created")
    RELIEF_TASK_UPDATE = "relief_task.update", _("Relief task changed")
    SHIFT_CREATE = "shift.create", _("Shift created")
    SHIFT_UPDATE = "shift.update", _("Shift changed")
    SHIFT_CANCEL = "shift.cancel", _("Shift cancelled")
    SIGNUP_CREATE = "signup.create", _("Sign-up made")
    SIGNUP_STATUS = "signup.status", _("Sign-up status changed")
    SIGNUP_CHECK_IN = "signup.check_in", _("Volunteer checked in")
    SIGNUP_CHECK_OUT = "signup.check_out", _("Volunteer checked out")
    SIGNUP_HOURS_APPROVE = "signup.hours_approve", _("Hours approved")


class AuditObjectType(models.TextChoices):
    ORGANIZATION = "organization", _("Organization")
    MEMBERSHIP = "membership", _("Membership")
    PROJECT = "project", _("Project")
    EXPENDITURE = "expenditure", _("Expenditure")
    RELIEF_TASK = "relief_task", _("Relief task")
    SHIFT = "shift", _("Shift")
    SIGNUP = "signup", _("Sign-up")


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit entries cannot be updated.")


class AuditEntry(models.Model):
    """One change to one object of an organization. Append-only."""

    organization = models.ForeignKey(
        "charity.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    # Empty for what the platform does by itself (a webhook, a scheduled task), or once the
    # person's account is erased.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=20, choices=AuditObjectType.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    # A title, a date or a number: never a person's name or contact.
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    # {field: [old, new]} for changes; {field: "changed"} where the values are personal data.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created = models.DateTimeField(_("when"), default=timezone.now)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created"], name="audit_org_created"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self):
        return f"{self.created:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")
