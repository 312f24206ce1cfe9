"""The e-mails about responses and the daily reminders: queued in the outbox with the action,
each recorded reminder sent once however often the job runs, and a missed day made up."""

import datetime

import pytest
from django.utils import timezone

from portal.models import OutgoingMail
from questionnaires.models import Cycle
from responses import notifications, services
from responses.models import Reminder
from responses.selectors import draft_revision_get
from tests.dates import days_from_today

pytestmark = pytest.mark.django_db


def due_in(cycle, days):
    Cycle.objects.filter(pk=cycle.pk).update(deadline=days_from_today(days))
    cycle.refresh_from_db()


def reminded(cycle):
    return sorted(Reminder.objects.filter(cycle=cycle).values_list("respondent__code", "step").distinct())


@pytest.mark.parametrize(
    ("days_left", "step"),
    [
        (20, None),
        (15, None),
        (14, "14"),
        (10, "14"),
        (8, "14"),
        (7, "7"),
        (2, "7"),
        (1, "1"),
        (0, "1"),
        (-1, None),
    ],
)
def test_it_finds_the_step_due_however_many_days_are_left(days_left, step):
    assert notifications.reminder_step_due(days_left=days_left) == step


def test_it_sends_each_step_once_however_often_the_job_runs(
    open_cycle, mailoutbox, django_capture_on_commit_callbacks
):
    due_in(open_cycle, 14)
    with django_capture_on_commit_callbacks(execute=True):
        first = notifications.deadline_reminders_send()
    assert first > 0 and len(mailoutbox) == first
    assert {step for _code, step in reminded(open_cycle)} == {"14"}
    with django_capture_on_commit_callbacks(execute=True):
        again = notifications.deadline_reminders_send()  # a second beat the same day, or a re-run
    assert again == 0 and len(mailoutbox) == first
    assert all("14 day(s) left" in message.subject for message in mailoutbox)


def test_it_makes_up_a_missed_day_with_the_step_due_once(
    open_cycle, mailoutbox, django_capture_on_commit_callbacks
):
    due_in(open_cycle, 12)  # the job did not run 14 days before the deadline
    with django_capture_on_commit_callbacks(execute=True):
        sent = notifications.deadline_reminders_send()
    assert sent > 0 and {step for _code, step in reminded(open_cycle)} == {"14"}
    assert all("12 day(s) left" in message.subject for message in mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            notifications.deadline_reminders_send(today=timezone.localdate() + datetime.timedelta(days=1))
            == 0
        )
    # Five days later the 7-day step is due (missed by two days): it goes out, once.
    later = timezone.localdate() + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.deadline_reminders_send(today=later) == sent
        assert notifications.deadline_reminders_send(today=later) == 0
    assert {step for _code, step in reminded(open_cycle)} == {"14", "7"}
    assert len(mailoutbox) == 2 * sent


def test_it_reminds_nobody_far_from_the_deadline_or_after_it(open_cycle, mailoutbox):
    due_in(open_cycle, 30)
    assert notifications.deadline_reminders_send() == 0
    due_in(open_cycle, -1)
    assert notifications.deadline_reminders_send() == 0
    assert not Reminder.objects.exists() and mailoutbox == []


def test_it_does_not_remind_a_respondent_that_has_submitted(filled_fra, corr_fra):
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    due_in(filled_fra.cycle, 7)
    notifications.deadline_reminders_send()
    codes = {code for code, _step in reminded(filled_fra.cycle)}
    assert "FRA" not in codes and "KEN" in codes


def test_it_queues_the_submission_mail_with_the_submission(filled_fra, corr_fra, mailoutbox):
    """Queued in the submission's transaction, sent only once it commits (here: never)."""
    version = services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    queued = OutgoingMail.objects.filter(key__startswith=f"submission-received:{version.pk}:")
    assert "corr-fra@demo.invalid" in {m.address for m in queued}
    assert {m.status for m in queued} == {OutgoingMail.Status.PENDING}
    assert mailoutbox == []


def test_the_daily_job_runs_at_the_reminder_hour(settings):
    from celery.schedules import crontab

    schedule = settings.CELERY_BEAT_SCHEDULE["deadline-reminders"]["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.hour == {settings.REMINDER_HOUR} and schedule.minute == {0}
    assert "reconcile-stuck-reports" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["requeue-pending-mail"]["task"] == "portal.tasks.mails_requeue"


# Committed for real: the scheduler closes and reopens its database connection.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_keeps_the_schedule_in_the_database(settings):
    """django-celery-beat's scheduler writes the settings' schedule into its tables when
    beat starts, where it survives a restart."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from portal.celery import app

    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    DatabaseScheduler(app=app, lazy=False)
    reminders = PeriodicTask.objects.select_related("crontab").get(name="deadline-reminders")
    assert reminders.task == "responses.tasks.send_deadline_reminders"
    assert (reminders.crontab.hour, reminders.crontab.minute) == (str(settings.REMINDER_HOUR), "0")
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {"requeue-pending-mail", "reconcile-stuck-reports"} <= names
