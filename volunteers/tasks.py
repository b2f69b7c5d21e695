from celery import shared_task

from . import services, services_matching


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def shift_signup_notify(signup_id: int, kind: str) -> bool:
    return services.shift_signup_notify(signup_id=signup_id, kind=kind)


@shared_task
def shift_reminders_send() -> int:
    """Run by beat every hour (CELERY_BEAT_SCHEDULE)."""
    return services.shift_reminders_send()


@shared_task
def assignment_proposal_solve(proposal_id: int) -> str:
    return services_matching.assignment_proposal_solve(proposal_id=proposal_id).solver_status


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def placement_notify(signup_id: int) -> bool:
    return services_matching.placement_notify(signup_id=signup_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def surge_alert(declaration_id: int) -> int:
    return services_matching.surge_alert_send(declaration_id=declaration_id)
