"""E-mails about responses, each in its recipient's language.

Each function is called inside the transaction of the action it tells about and queues its
mails in the outbox (:mod:`portal.mail`): they go out once that action has committed, and a
mail server that is down never fails it. Reminders are recorded (:class:`Reminder`), so
each goes out once however often the daily job runs.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from portal.mail import mail_queue
from portal.models import Designation, Role, User
from questionnaires.models import Cycle
from responses.models import ClarificationThread, Reminder, Response, ResponseVersion

REMINDER_DAYS = (14, 7, 1)
REMINDER_SUBJECT = gettext_noop("Reminder: %(days)s day(s) left to reply to %(cycle)s")


def _correspondents(response: Response) -> list[User]:
    return [
        d.person
        for d in Designation.objects.active()
        .filter(respondent_id=response.respondent_id, person__is_active=True)
        .select_related("person")
        if d.person.email
    ]


def _secretariat() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=[Role.REVIEWER, Role.SECRETARIAT_ADMIN]).exclude(
            email=""
        )
    )


def _queue(recipients: list[User], *, subject: str, template: str, context: dict, key: str) -> int:
    """``subject`` is marked with gettext_noop and translated per recipient; it may use
    %(respondent)s and %(cycle)s. ``key`` names the event; the recipient is added to it."""
    response = context["response"]
    params = {"respondent": response.respondent, "cycle": response.cycle.title}
    for person in recipients:
        mail_queue(
            person=person,
            subject=subject,
            template=template,
            context=context,
            key=f"{key}:{person.pk}",
            params=params,
        )
    return len(recipients)


def _link(response: Response) -> str:
    return reverse("responses:response_detail", args=[response.pk])


def submission_received(*, version_id: int) -> int:
    version = ResponseVersion.objects.select_related("response__respondent", "response__cycle", "author").get(
        pk=version_id
    )
    response = version.response
    recipients = _correspondents(response) + _secretariat()
    return _queue(
        list({person.pk: person for person in recipients}.values()),
        subject=gettext_noop("Submission received: %(respondent)s"),
        template="responses/email/received.txt",
        context={"response": response, "version": version, "link": _link(response)},
        key=f"submission-received:{version.pk}",
    )


def clarification_requested(*, response_id: int, thread_ids: list[int]) -> int:
    response = Response.objects.select_related("respondent", "cycle").get(pk=response_id)
    threads = list(
        ClarificationThread.objects.filter(pk__in=thread_ids).order_by("pk").prefetch_related("messages")
    )
    return _queue(
        _correspondents(response),
        subject=gettext_noop("Clarification requested: %(respondent)s"),
        template="responses/email/clarification.txt",
        context={"response": response, "threads": threads, "link": _link(response)},
        key=f"clarification-requested:{min(thread_ids)}",
    )


def secretariat_amendment(*, version_id: int) -> int:
    version = ResponseVersion.objects.select_related("response__respondent", "response__cycle", "author").get(
        pk=version_id
    )
    return _queue(
        _correspondents(version.response),
        subject=gettext_noop("The secretariat amended the response of %(respondent)s"),
        template="responses/email/secretariat_amendment.txt",
        context={"response": version.response, "version": version, "link": _link(version.response)},
        key=f"secretariat-amendment:{version.pk}",
    )


def response_accepted(*, response_id: int) -> int:
    response = Response.objects.select_related("respondent", "cycle").get(pk=response_id)
    return _queue(
        _correspondents(response),
        subject=gettext_noop("Response accepted: %(respondent)s"),
        template="responses/email/accepted.txt",
        context={"response": response, "link": _link(response)},
        key=f"response-accepted:{response.pk}:{response.accepted_at.isoformat()}",
    )


def reminder_designations(cycle: Cycle):
    """The active designations, with an address, of the respondents asked by the cycle that
    have submitted nothing."""
    submitted = Response.objects.filter(cycle=cycle, latest_version_number__gt=0).values("respondent")
    return (
        Designation.objects.active()
        .filter(respondent__in=cycle.respondents.exclude(pk__in=submitted), person__is_active=True)
        .exclude(person__email="")
        .select_related("person", "respondent")
        .order_by("respondent__name_en", "person_id")
    )


def reminder_queue(
    *, cycle: Cycle, designation: Designation, step: str, days_left: int, sent_by: User | None = None
) -> Reminder | None:
    """Record the reminder and queue its mail; None when this step (or, for a manual one,
    today's) went to this person already. Safe against a concurrent run: the second insert
    waits for the first and meets the unique constraint."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                cycle=cycle,
                respondent=designation.respondent,
                person=designation.person,
                step=step,
                sent_by=sent_by,
            )
    except IntegrityError:
        return None
    reminder.mail = mail_queue(
        person=designation.person,
        subject=REMINDER_SUBJECT,
        template="responses/email/reminder.txt",
        context={
            "cycle": cycle,
            "respondent": designation.respondent,
            "days": max(days_left, 0),
            "link": reverse("questionnaires:cycle_detail", args=[cycle.slug]),
        },
        key=f"reminder:{reminder.pk}",
        params={"days": max(days_left, 0), "cycle": cycle.title},
    )
    reminder.save(update_fields=["mail"])
    return reminder


def reminder_step_due(*, days_left: int) -> str | None:
    """The step due with ``days_left`` days to the deadline: the nearest of 14, 7 and 1 days
    that has been reached, so that a day the job did not run is made up the next day
    (one reminder, the latest due, not every one missed)."""
    if days_left < 0:
        return None
    reached = [days for days in REMINDER_DAYS if days_left <= days]
    return str(min(reached)) if reached else None


@transaction.atomic
def deadline_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind the correspondents of respondents that have not submitted, 14, 7 and 1 days
    before a cycle's deadline. Returns how many reminders were queued."""
    today = today or timezone.localdate()
    queued = 0
    horizon = today + datetime.timedelta(days=max(REMINDER_DAYS))
    for cycle in Cycle.objects.open().filter(deadline__gte=today, deadline__lte=horizon):
        days_left = (cycle.deadline - today).days
        step = reminder_step_due(days_left=days_left)
        if step is None:
            continue
        for designation in reminder_designations(cycle):
            reminder = reminder_queue(cycle=cycle, designation=designation, step=step, days_left=days_left)
            queued += reminder is not None
    return queued
