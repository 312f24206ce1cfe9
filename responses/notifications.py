"""E-mails about responses, each in its recipient's language."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.models import Designation, Role, User
from responses.models import Response, ResponseVersion

REMINDER_DAYS = (14, 7, 1)


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


def _send(recipients: list[User], subject: str, template: str, context: dict) -> int:
    """``subject`` is marked with gettext_noop and translated here, per recipient; it may
    use %(respondent)s, %(cycle)s and %(days)s."""
    messages = []
    base = settings.PORTAL_BASE_URL.rstrip("/")
    for person in recipients:
        with translation.override(person.language or settings.LANGUAGE_CODE):
            respondent = context.get("respondent") or context["response"].respondent
            cycle = context.get("cycle") or context["response"].cycle
            params = {"respondent": respondent.name, "cycle": cycle.title, "days": context.get("days", "")}
            body = render_to_string(template, {**context, "person": person, "base_url": base})
            messages.append((_(subject) % params, body, None, [person.email]))
    return send_mass_mail(messages, fail_silently=False)


def _link(response: Response) -> str:
    return reverse("responses:response_detail", args=[response.pk])


def submission_received(*, version_id: int) -> int:
    version = ResponseVersion.objects.select_related("response__respondent", "response__cycle", "author").get(
        pk=version_id
    )
    response = version.response
    context = {"response": response, "version": version, "link": _link(response)}
    sent = _send(
        _correspondents(response),
        gettext_noop("Submission received: %(respondent)s"),
        "responses/email/received.txt",
        context,
    )
    return sent + _send(
        _secretariat(),
        gettext_noop("Submission received: %(respondent)s"),
        "responses/email/received.txt",
        context,
    )


def clarification_requested(*, response_id: int) -> int:
    response = Response.objects.select_related("respondent", "cycle").get(pk=response_id)
    threads = list(response.threads.filter(status="open").prefetch_related("messages"))
    return _send(
        _correspondents(response),
        gettext_noop("Clarification requested: %(respondent)s"),
        "responses/email/clarification.txt",
        {"response": response, "threads": threads, "link": _link(response)},
    )


def secretariat_amendment(*, version_id: int) -> int:
    version = ResponseVersion.objects.select_related("response__respondent", "response__cycle", "author").get(
        pk=version_id
    )
    return _send(
        _correspondents(version.response),
        gettext_noop("The secretariat amended the response of %(respondent)s"),
        "responses/email/secretariat_amendment.txt",
        {"response": version.response, "version": version, "link": _link(version.response)},
    )


def response_accepted(*, response_id: int) -> int:
    response = Response.objects.select_related("respondent", "cycle").get(pk=response_id)
    return _send(
        _correspondents(response),
        gettext_noop("Response accepted: %(respondent)s"),
        "responses/email/accepted.txt",
        {"response": response, "link": _link(response)},
    )


def deadline_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind the correspondents of respondents that have not submitted, 14, 7 and 1 days
    before a cycle's deadline."""
    from questionnaires.models import Cycle

    today = today or timezone.localdate()
    sent = 0
    for days in REMINDER_DAYS:
        for cycle in Cycle.objects.open().filter(deadline=today + datetime.timedelta(days=days)):
            submitted = Response.objects.filter(cycle=cycle, latest_version_number__gt=0).values("respondent")
            designations = (
                Designation.objects.active()
                .filter(respondent__in=cycle.respondents.exclude(pk__in=submitted), person__is_active=True)
                .exclude(person__email="")
                .select_related("person", "respondent")
            )
            for designation in designations:
                sent += _send(
                    [designation.person],
                    gettext_noop("Reminder: %(days)s day(s) left to reply to %(cycle)s"),
                    "responses/email/reminder.txt",
                    {
                        "cycle": cycle,
                        "respondent": designation.respondent,
                        "days": days,
                        "link": reverse("questionnaires:cycle_detail", args=[cycle.slug]),
                    },
                )
    return sent
