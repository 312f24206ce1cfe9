"""The outbox: every e-mail of the portal goes through here.

``mail_queue`` writes the mail, rendered in its recipient's language, in the transaction of
the action that causes it, and asks for a Celery task once that has committed. The action
never waits for a mail server and never fails because of one; a broker that is down when
the action commits only delays the mail until ``mails_requeue_pending`` (Celery beat, every
minute) queues it again. ``mail_deliver`` sends a mail at most once however often its task
runs.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import OutgoingMail, User

logger = logging.getLogger(__name__)

S = OutgoingMail.Status

# A mail whose task never ran (the broker was down at commit) is queued again after this.
REQUEUE_AFTER = datetime.timedelta(minutes=1)
# A mail between retries is left to its task's own backoff (at most ten minutes, see
# portal.tasks) unless nothing has tried it for this long: its retry was lost.
RETRY_LOST_AFTER = datetime.timedelta(minutes=30)

# After a broker failed to take a task, seconds before this process tries it again.
BROKER_RETRY_AFTER = 10.0
_broker_down_until: dict[str, float] = {}

# Errors that are worth trying again: the server or the network, not the message.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


def mail_queue(
    *,
    person: User,
    subject: str,
    template: str,
    context: dict,
    key: str,
    params: dict | None = None,
) -> OutgoingMail:
    """Queue one e-mail to ``person``. ``subject`` is a message id (marked with
    ``gettext_noop``) translated here in the person's language and formatted with
    ``params``, whose values are turned into text in that language too (a respondent gives
    its name in it). The template gets ``person`` and ``base_url`` besides ``context``.

    A mail with the same ``key`` already queued is returned as it is: nothing is sent twice."""
    existing = OutgoingMail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    language = person.language or settings.LANGUAGE_CODE
    with translation.override(language):
        line = _(subject)
        if params:
            line = line % {name: str(value) for name, value in params.items()}
        body = render_to_string(
            template, {**context, "person": person, "base_url": settings.PORTAL_BASE_URL.rstrip("/")}
        )
    mail, created = OutgoingMail.objects.get_or_create(
        key=key,
        defaults={
            "person": person,
            "address": person.email,
            "language": language,
            # One line: a header cannot carry a line break.
            "subject": " ".join(line.split())[:998],
            "body": body,
        },
    )
    if created:
        mail_id = mail.pk
        transaction.on_commit(lambda: mail_enqueue(mail_id=mail_id))
    return mail


def mail_enqueue(*, mail_id: int) -> bool:
    """Ask a worker to send the mail. A broker that cannot be reached is logged, not raised:
    the action has committed, and the beat task queues the mail again later. One attempt is
    bounded by the publish retry policy and socket timeouts in the settings; after a failure
    this process leaves that broker alone for a few seconds, so that an action that queues
    many mails waits for one timeout, not one per mail."""
    from portal.tasks import mail_send

    broker = mail_send.app.conf.broker_write_url  # where publishing goes (broker_url unless split)
    if time.monotonic() < _broker_down_until.get(broker, 0.0):
        return False
    try:
        mail_send.delay(mail_id)
    except Exception:  # any broker failure; the mail stays pending in the outbox
        _broker_down_until[broker] = time.monotonic() + BROKER_RETRY_AFTER
        logger.warning("Could not queue e-mail %s; it will be queued again.", mail_id, exc_info=True)
        return False
    return True


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer from the server: the same message will be refused again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def mail_deliver(*, mail_id: int) -> str:
    """Send one queued mail, once: the row is locked while it is sent, a mail already sent
    (or being sent by another worker) is left alone. A refusal for good marks it failed; a
    transient error is recorded and raised for the task to retry."""
    failure = None
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update(skip_locked=True).filter(pk=mail_id).first()
        if mail is None or mail.status != S.PENDING:
            return "skipped"
        mail.attempts += 1
        mail.attempted_at = timezone.now()
        try:
            EmailMessage(
                mail.subject, mail.body, None, [mail.address], headers={"Content-Language": mail.language}
            ).send()
        except TRANSIENT_ERRORS as error:
            mail.last_error = _describe(error)
            if _is_permanent(error):
                mail.status = S.FAILED
                logger.warning("E-mail %s refused for good: %s", mail.pk, mail.last_error)
            else:
                failure = error
        else:
            mail.status = S.SENT
            mail.sent_at = timezone.now()
        mail.save(update_fields=["status", "attempts", "attempted_at", "last_error", "sent_at"])
    if failure is not None:
        raise failure
    return mail.status


def mail_fail(*, mail_id: int, error: str) -> None:
    """The last retry failed too: the mail is not sent, and says why."""
    OutgoingMail.objects.filter(pk=mail_id, status=S.PENDING).update(status=S.FAILED, last_error=error[:2000])
    logger.error("E-mail %s not sent after its last attempt: %s", mail_id, error)


def mails_requeue_pending(*, now: datetime.datetime | None = None) -> list[int]:
    """The pending mails whose task was never queued (the broker was down at commit) or
    whose retry was lost; the caller queues each again. Sending stays once: see
    ``mail_deliver``."""
    now = now or timezone.now()
    return list(
        OutgoingMail.objects.filter(status=S.PENDING)
        .filter(
            Q(attempts=0, created_at__lt=now - REQUEUE_AFTER)
            | Q(attempts__gt=0, attempted_at__lt=now - RETRY_LOST_AFTER)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
