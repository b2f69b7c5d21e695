from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def shift_signup_notify(signup_id: int, kind: str) -> bool:
    return services.shift_signup_notify(signup_id=signup_id, kind=kind)


@shared_task
def shift_reminders_send() -> int:
    """Run by beat every hour (CELERY_BEAT_SCHEDULE)."""
    return services.shift_reminders_send()
