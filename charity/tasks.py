from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def invitation_send_email(invitation_id: int) -> bool:
    return services.invitation_send(invitation_id=invitation_id)
