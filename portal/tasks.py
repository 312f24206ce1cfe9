"""Celery tasks of the outbox (see :mod:`portal.mail`): they take ids and call one service."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from portal import mail

logger = logging.getLogger(__name__)

# Retries after 1, 2, 4 … seconds (with jitter), at most ten minutes apart: with eight, a
# mail server down for about half an hour still gets the mail.
MAIL_MAX_RETRIES = 8
MAIL_BACKOFF_MAX = 600


class MailTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Called once the retries are spent (or for an error that is not retried).
        mail_id = args[0] if args else kwargs["mail_id"]
        mail.mail_fail(mail_id=mail_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=MailTask,
    acks_late=True,
    autoretry_for=mail.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=MAIL_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAIL_MAX_RETRIES,
)
def mail_send(mail_id: int) -> str:
    """Send one mail of the outbox; running twice sends it once."""
    return mail.mail_deliver(mail_id=mail_id)


@shared_task
def mails_requeue() -> int:
    """Celery beat, every minute: queue again the mails whose task never reached a worker."""
    pending = mail.mails_requeue_pending()
    for mail_id in pending:
        if not mail.mail_enqueue(mail_id=mail_id):
            break  # the broker is still down: the next beat tries again
    return len(pending)
