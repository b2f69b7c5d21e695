"""Reminders of the disclosure calendar (charity.selectors.disclosure_calendar) to each
organization's owners, each reminder sent once: one when a disclosure becomes due (within 30 days)
and one when it becomes overdue. What went out is recorded in DisclosureReminder."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from ..emails import email_send
from ..models import DisclosureKind, DisclosureReminder, Membership, Role
from ..selectors import DisclosureItem


def _admin_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def disclosure_reminder_send(*, item: DisclosureItem) -> bool:
    """Email the organization's owners about one due or overdue disclosure, unless this reminder
    (the same obligation at the same stage) already went out. Returns whether it was sent.

    The record and the emails commit together: a failed send leaves no record, so the next run
    tries again; a concurrent run hits the unique constraint and sends nothing.
    """
    owners = list(
        Membership.objects.filter(
            organization=item.organization, role=Role.OWNER, user__is_active=True
        ).select_related("user")
    )
    try:
        with transaction.atomic():
            _, created = DisclosureReminder.objects.get_or_create(
                organization=item.organization,
                project=item.project,
                kind=item.kind,
                due_on=item.due_on,
                stage=item.status,
                defaults={"recipients": len(owners)},
            )
            if not created:
                return False
            for membership in owners:
                user = membership.user
                email_send(
                    template="charity/email/disclosure_reminder",
                    context={
                        "item": item,
                        "kind": DisclosureKind(item.kind).label,
                        "organization": item.organization,
                        "name": user.public_name,
                        # The staff admin's home lists everything due.
                        "action_url": _admin_url(reverse("wagtailadmin_home")),
                    },
                    to=user.email,
                    language=user.preferred_language or settings.LANGUAGE_CODE,
                )
    except IntegrityError:
        return False
    return True


def disclosure_reminders_send(*, items: list[DisclosureItem]) -> int:
    """Send every reminder of `items` not sent before; returns how many went out."""
    return sum(disclosure_reminder_send(item=item) for item in items)
