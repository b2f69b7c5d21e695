import datetime
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

# Worth another try later: a mail server or broker that did not answer, a database connection
# that dropped or a lock that timed out. The work is rolled back, so trying again is safe.
TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def invitation_send_email(invitation_id: int) -> bool:
    return services.invitation_send(invitation_id=invitation_id)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=8)
def donation_send_receipt(donation_id: int) -> bool:
    return services.donation_send_receipt(donation_id=donation_id)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=8)
def stripe_event_apply(event_id: str) -> bool:
    """Apply one stored event; then any older ones that were waiting for it."""
    applied = services.stripe_event_apply(event_id=event_id)
    if applied:
        # Events that waited for something this one may have created; one that another worker
        # is applying right now is left to it.
        waiting_events = services.stripe_events_pending(
            older_than=datetime.timedelta(0), limit=20, attempted_only=True
        )
        for waiting in waiting_events:
            if waiting != event_id:
                try:
                    services.stripe_event_apply(event_id=waiting, skip_locked=True)
                except Exception:  # recorded on the event; beat retries it
                    logger.exception("Stripe event %s failed again", waiting)
    return applied


@shared_task
def stripe_events_retry() -> int:
    """Beat: apply events that failed or waited (a crash mid-way leaves them unprocessed)."""
    applied = 0
    for event_id in services.stripe_events_pending(older_than=datetime.timedelta(minutes=1)):
        try:
            applied += services.stripe_event_apply(event_id=event_id, skip_locked=True)
        except Exception:  # recorded on the event; the next run tries again
            logger.exception("Stripe event %s failed again", event_id)
    return applied


@shared_task
def donation_receipts_resend() -> int:
    """Beat: queue the receipts that were not sent (the mail server was down past the task's
    retries, or a worker died between receiving the gift and sending its receipt)."""
    donation_ids = services.donations_receipt_unsent(older_than=datetime.timedelta(minutes=10))
    for donation_id in donation_ids:
        donation_send_receipt.delay(donation_id)
    return len(donation_ids)
