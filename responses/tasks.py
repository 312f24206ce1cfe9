from celery import shared_task

from responses.notifications import deadline_reminders_send


@shared_task
def send_deadline_reminders() -> int:
    """Daily (Celery beat): remind respondents without a submission 14, 7 and 1 days ahead."""
    return deadline_reminders_send()
