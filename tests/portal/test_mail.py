"""The outbox (portal.mail): a mail is written with the action, sent after it commits by a
Celery task, once, in its recipient's language; a mail server or a broker that is down never
fails the action. Against a real SMTP server (aiosmtpd on loopback); the tests marked
``worker`` use a real Celery worker process on the Redis broker of CELERY_BROKER_URL and go
through the portal's pages."""

from __future__ import annotations

import datetime
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from portal import mail
from portal.models import OutgoingMail, User
from responses.models import Response
from tests.brokers import publish_to
from tests.conftest import database_url
from tests.smtp import Mailbox, free_port, smtp_server

S = OutgoingMail.Status


@pytest.fixture
def smtp(settings):
    """Point the portal's mail at a real SMTP server; yields its mailbox."""

    def serve(**refusals):
        box = Mailbox(**refusals)
        context = smtp_server(box)
        port = context.__enter__()
        served.append(context)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_TIMEOUT = 5
        return box

    served = []
    yield serve
    for context in served:
        context.__exit__(None, None, None)


def queue(person: User, key: str = "test:1") -> OutgoingMail:
    return mail.mail_queue(
        person=person,
        subject="Response accepted: %(respondent)s",
        template="responses/email/accepted.txt",
        context={"response": None, "link": "/responses/1/"},
        key=key,
        params={"respondent": "France"},
    )


# --- The outbox, in this process -----------------------------------------------------------


@pytest.mark.django_db
def test_it_sends_a_queued_mail_once_however_often_its_task_runs(corr_fra, smtp):
    box = smtp()
    corr_fra.language = "fr"
    corr_fra.save(update_fields=["language"])
    outgoing = queue(corr_fra)
    assert queue(corr_fra).pk == outgoing.pk  # the same key queues nothing more
    assert (outgoing.status, outgoing.language) == (S.PENDING, "fr")
    assert outgoing.subject == "Réponse acceptée : France"  # rendered in the recipient's language

    assert mail.mail_deliver(mail_id=outgoing.pk) == S.SENT
    assert mail.mail_deliver(mail_id=outgoing.pk) == "skipped"
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == (S.SENT, 1) and outgoing.sent_at
    assert [m["To"] for m in box.messages] == ["corr-fra@demo.invalid"]
    assert box.messages[0]["Subject"] == "Réponse acceptée : France"
    assert box.messages[0]["Content-Language"] == "fr"


@pytest.mark.django_db
def test_it_keeps_a_mail_the_server_refused_for_now_pending_with_the_reason(corr_fra, smtp):
    box = smtp(refuse_first=1)
    outgoing = queue(corr_fra)
    with pytest.raises(smtplib.SMTPDataError):  # raised for the task to retry
        mail.mail_deliver(mail_id=outgoing.pk)
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == (S.PENDING, 1)
    assert "451" in outgoing.last_error
    assert mail.mail_deliver(mail_id=outgoing.pk) == S.SENT
    assert box.attempts == 2 and len(box.messages) == 1


@pytest.mark.django_db
def test_it_marks_a_mail_refused_for_good_failed_without_retrying(corr_fra, smtp):
    smtp(refuse_addresses=("corr-fra@demo.invalid",))
    outgoing = queue(corr_fra)
    assert mail.mail_deliver(mail_id=outgoing.pk) == S.FAILED
    outgoing.refresh_from_db()
    assert outgoing.status == S.FAILED and "550" in outgoing.last_error


@pytest.mark.django_db
def test_its_task_records_the_last_error_once_the_retries_are_spent(corr_fra, settings):
    """In this process (Celery's eager mode) the retries follow each other at once."""
    from portal.tasks import MAIL_MAX_RETRIES, mail_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    outgoing = queue(corr_fra)
    mail_send.delay(outgoing.pk)
    outgoing.refresh_from_db()
    assert outgoing.status == S.FAILED
    assert outgoing.attempts == MAIL_MAX_RETRIES + 1
    assert "ConnectionRefusedError" in outgoing.last_error


@pytest.mark.django_db
def test_it_writes_nothing_when_the_action_rolls_back(corr_fra):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(corr_fra)
        raise RuntimeError("the action failed")
    assert not OutgoingMail.objects.exists()


@pytest.mark.django_db
def test_beat_queues_again_only_the_mails_whose_task_never_ran(corr_fra, corr_ken):
    fresh = queue(corr_fra, key="fresh")
    lost = queue(corr_ken, key="lost")
    retrying = queue(corr_ken, key="retrying")
    minutes_ago = timezone.now() - datetime.timedelta(minutes=2)
    OutgoingMail.objects.filter(pk__in=[lost.pk, retrying.pk]).update(created_at=minutes_ago)
    OutgoingMail.objects.filter(pk=retrying.pk).update(attempts=1, attempted_at=minutes_ago)
    assert mail.mails_requeue_pending() == [lost.pk]
    assert fresh.pk not in mail.mails_requeue_pending(now=timezone.now() + datetime.timedelta(seconds=30))


@pytest.mark.django_db
def test_the_password_reset_page_queues_its_mail_in_the_persons_language(
    client, corr_fra, smtp, django_capture_on_commit_callbacks
):
    box = smtp()
    corr_fra.language = "es"
    corr_fra.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("password_reset"), {"email": corr_fra.email})
    assert page.status_code == 302
    outgoing = OutgoingMail.objects.get(person=corr_fra)
    assert outgoing.key.startswith(f"password-reset:{corr_fra.pk}:")
    assert (outgoing.status, outgoing.language) == (S.SENT, "es")
    (message,) = box.messages
    assert message["To"] == corr_fra.email
    assert "/accounts/reset/" in message.get_content()
    assert "contraseña" in message["Subject"].lower()  # in Spanish, whichever catalogue words it


# --- Through the page, a real worker, a real SMTP server -----------------------------------


@pytest.fixture
def broker(redis_broker_url):
    """The Redis broker the worker consumes from and this process publishes to."""
    publish_to(redis_broker_url)
    redis.Redis.from_url(redis_broker_url).delete("celery")
    yield redis_broker_url
    redis.Redis.from_url(redis_broker_url).delete("celery")
    publish_to(settings.CELERY_BROKER_URL)


@pytest.fixture
def worker(broker):
    """Start a Celery worker process on the test database, sending to the SMTP server on
    ``port``; stopped at the end of the test."""
    started = []

    def start(port: int) -> subprocess.Popen:
        environment = {
            **os.environ,
            "DEBUG": "True",
            "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
            "CELERY_BROKER_URL": broker,
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "celery", "-c", "2"]
            + ["-n", f"mail-{os.getpid()}@%h", "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
            env=environment,
            cwd=settings.BASE_DIR,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _submit_through_the_page(client, person, response: Response):
    """Open the submit page, then submit, as a person does; returns the answer to the
    submission and how long it took (the page opened first warms this process up)."""
    client.force_login(person)  # a correspondent: no second factor asked
    path = reverse("responses:response_submit", args=[response.pk])
    shown = client.get(path)
    assert shown.status_code == 200
    # The revision the person reviewed, as the page's form carries it.
    revision = re.search(r'name="base_revision" value="(\d+)"', shown.content.decode()).group(1)
    started = time.monotonic()
    page = client.post(path, {"base_revision": revision})
    return page, time.monotonic() - started


def _expected_recipients(response: Response) -> list[str]:
    return sorted(
        OutgoingMail.objects.filter(key__startswith="submission-received:").values_list("address", flat=True)
    )


def _all_sent() -> bool:
    return not OutgoingMail.objects.exclude(status=S.SENT).exists()


def _print_figures(label: str, **figures) -> None:
    # The figures written into docs/security.md come from these lines (pytest -s).
    print(f"\n[mail figures] {label}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_submission_through_the_page_is_mailed_once_in_the_recipients_language(
    client, filled_fra, corr_fra, broker, worker
):
    from portal.tasks import mail_send

    corr_fra.language = "fr"
    corr_fra.save(update_fields=["language"])
    box = Mailbox(refuse_first=3)  # a greylisting server: the first three messages come back 451
    with smtp_server(box) as port:
        worker(port)
        page, seconds = _submit_through_the_page(client, corr_fra, filled_fra)
        assert page.status_code == 302, page.status_code
        queued_at = time.monotonic()
        filled_fra.refresh_from_db()
        assert filled_fra.status == Response.Status.SUBMITTED
        _wait_for(_all_sent, 90, "every mail to be sent")
        delivered = max(box.arrivals) - queued_at
        # Every task once more, as a broker delivering a message twice would: nothing more is sent.
        for mail_id in OutgoingMail.objects.values_list("pk", flat=True):
            mail_send.delay(mail_id)
        time.sleep(3)
        _wait_for(lambda: not redis.Redis.from_url(broker).llen("celery"), 30, "the queue to drain")
    recipients = _expected_recipients(filled_fra)
    assert "corr-fra@demo.invalid" in recipients and "reviewer@demo.invalid" in recipients
    assert sorted(m["To"] for m in box.messages) == recipients  # each exactly once
    (french,) = box.to("corr-fra@demo.invalid")
    assert french["Subject"] == "Réponse reçue : France"
    (english,) = box.to("reviewer@demo.invalid")
    assert english["Subject"] == "Submission received: France"
    attempts = sum(OutgoingMail.objects.values_list("attempts", flat=True))
    assert attempts == len(recipients) + 3 == box.attempts
    _print_figures(
        "451 on the first three",
        mails=len(recipients),
        smtp_attempts=box.attempts,
        request_seconds=round(seconds, 2),
        seconds_until_all_delivered=round(delivered, 1),
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_submission_through_the_page_succeeds_with_the_mail_server_down(
    client, filled_fra, corr_fra, worker
):
    worker(free_port())  # nothing listens on that port
    page, seconds = _submit_through_the_page(client, corr_fra, filled_fra)
    assert page.status_code == 302, page.status_code
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.SUBMITTED
    _wait_for(lambda: not OutgoingMail.objects.filter(attempts=0).exists(), 60, "every mail to be tried once")
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {S.PENDING}  # retried later
    assert all(
        "ConnectionRefusedError" in e for e in OutgoingMail.objects.values_list("last_error", flat=True)
    )
    _print_figures("mail server down", request_seconds=round(seconds, 2))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_down_a_submission_is_quick_and_mailed_once_the_broker_is_back(
    client, filled_fra, corr_fra, broker, worker
):
    from portal.tasks import mails_requeue

    # The worst broker: it accepts the connection and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(50)
    publish_to(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
    try:
        page, seconds = _submit_through_the_page(client, corr_fra, filled_fra)
    finally:
        publish_to(broker)
        silent.close()
    assert page.status_code == 302, page.status_code
    assert not redis.Redis.from_url(broker).llen("celery")  # nothing reached the real broker
    assert seconds < 5, f"the request took {seconds:.1f} s with the broker down"
    filled_fra.refresh_from_db()
    assert filled_fra.status == Response.Status.SUBMITTED
    assert set(OutgoingMail.objects.values_list("status", "attempts")) == {(S.PENDING, 0)}

    box = Mailbox()
    with smtp_server(box) as port:
        worker(port)
        # A minute later, beat's task finds the mails no task was queued for.
        OutgoingMail.objects.update(created_at=F("created_at") - datetime.timedelta(minutes=2))
        started = time.monotonic()
        assert mails_requeue() == OutgoingMail.objects.count()
        _wait_for(_all_sent, 60, "the mails to be sent")
        delivered = max(box.arrivals) - started
        assert mails_requeue() == 0
    assert sorted(m["To"] for m in box.messages) == _expected_recipients(filled_fra)
    _print_figures(
        "broker silent",
        request_seconds=round(seconds, 2),
        seconds_from_requeue_to_delivered=round(delivered, 1),
    )
