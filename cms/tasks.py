from celery import shared_task

from charity import services
from charity.models import Organization

from .selectors import organization_disclosure_calendar


@shared_task
def disclosure_reminders_send() -> int:
    """Beat, daily: remind owners of disclosures that are due within 30 days or overdue; each
    reminder goes out once (charity.services.disclosure_reminders_send records it)."""
    items = organization_disclosure_calendar(
        organizations=Organization.objects.filter(verified_at__isnull=False)
    )
    return services.disclosure_reminders_send(items=items)
