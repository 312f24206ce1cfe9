"""The secretariat's cycle dashboard: every respondent asked and where its response stands,
the response rate by regional group, who is overdue, and reminders sent on demand.

One query reads every respondent asked with its response: the set is bounded (the Member
States, organizations and institutes of one cycle), and counts, chart, overdue list and the
filtered matrix are all derived from it, so the page costs the same however many answer.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import F, FilteredRelation, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from portal.errors import ApplicationError, PermissionDenied
from portal.models import RegionalGroup, Respondent, User
from portal.request import client_ip
from portal.services import audit_record
from portal.views import secretariat_required
from questionnaires.models import Cycle
from questionnaires.selectors import cycle_get_for_user
from responses import charts, notifications
from responses.models import ClarificationThread, Reminder, Response

logger = logging.getLogger(__name__)

NOT_STARTED = "not_started"
STATUS_COLUMNS = [(NOT_STARTED, gettext_lazy("Not started")), *Response.Status.choices]
NO_GROUP = "none"


class DashboardFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or code"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *STATUS_COLUMNS],
    )
    group = forms.ChoiceField(
        label=gettext_lazy("Regional group"),
        required=False,
        choices=[
            ("", gettext_lazy("All groups")),
            *RegionalGroup.choices,
            (NO_GROUP, gettext_lazy("No regional group")),
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *Respondent.Kind.choices],
    )


@dataclass
class DashboardRow:
    respondent: Respondent
    response_id: int | None
    status: str
    latest_version_number: int
    last_activity_at: datetime.datetime | None
    clarification_due: datetime.date | None
    deadline_missed: bool

    @property
    def has_submitted(self) -> bool:
        return self.latest_version_number > 0

    @property
    def is_overdue(self) -> bool:
        return self.deadline_missed or self.clarification_due is not None

    @property
    def cells(self) -> list[bool]:
        """One cell per status column, true in the column of the response's status."""
        return [self.status == code for code, _label in STATUS_COLUMNS]


def dashboard_rows(*, cycle: Cycle, today: datetime.date | None = None) -> list[DashboardRow]:
    """Every respondent asked by the cycle, with its response (if started) and the due date
    of its oldest open clarification thread past due. One query."""
    today = today or timezone.localdate()
    overdue_threads = ClarificationThread.objects.filter(
        response__cycle=cycle,
        response__respondent=OuterRef("pk"),
        status=ClarificationThread.Status.OPEN,
        due_date__lt=today,
    ).order_by("due_date")
    respondents = (
        cycle.respondents.annotate(
            this_response=FilteredRelation("responses", condition=Q(responses__cycle=cycle))
        )
        .annotate(
            response_id=F("this_response__id"),
            response_status=Coalesce(F("this_response__status"), Value(NOT_STARTED)),
            version_number=Coalesce(F("this_response__latest_version_number"), Value(0)),
            activity_at=F("this_response__last_activity_at"),
            clarification_due=Subquery(overdue_threads.values("due_date")[:1]),
        )
        .order_by("name_en")
    )
    deadline_passed = cycle.deadline < today
    return [
        DashboardRow(
            respondent=respondent,
            response_id=respondent.response_id,
            status=respondent.response_status,
            latest_version_number=respondent.version_number,
            last_activity_at=respondent.activity_at,
            clarification_due=respondent.clarification_due,
            deadline_missed=deadline_passed and respondent.version_number == 0,
        )
        for respondent in respondents
    ]


def rows_filter(rows: list[DashboardRow], *, q="", status="", group="", kind="") -> list[DashboardRow]:
    """The rows the dashboard's filters keep (in memory: the rows are read once, see above)."""
    needle = q.strip().casefold()
    wanted_group = "" if group == NO_GROUP else group
    return [
        row
        for row in rows
        if (
            not needle
            or needle in row.respondent.name_en.casefold()
            or needle in row.respondent.name_fr.casefold()
            or needle == row.respondent.code.casefold()
        )
        and (not status or row.status == status)
        and (not group or row.respondent.regional_group == wanted_group)
        and (not kind or row.respondent.kind == kind)
    ]


def status_counts(rows: list[DashboardRow]) -> list[tuple[str, str, int]]:
    counts = Counter(row.status for row in rows)
    return [(code, label, counts[code]) for code, label in STATUS_COLUMNS]


def response_rates(rows: list[DashboardRow]) -> list[charts.Bar]:
    """Per regional group: respondents with at least one submitted version / respondents
    asked. Organizations and institutes, which have no group, come last."""
    asked: Counter = Counter()
    submitted: Counter = Counter()
    for row in rows:
        asked[row.respondent.regional_group] += 1
        submitted[row.respondent.regional_group] += row.has_submitted
    groups = [*RegionalGroup.choices, ("", _("No regional group"))]
    return [
        charts.Bar(
            label=str(label),
            value=submitted[code],
            maximum=asked[code],
            text=charts.rate_text(submitted[code], asked[code]),
        )
        for code, label in groups
        if asked[code]
    ]


def response_rate_chart(rates: list[charts.Bar], *, chart_id: str = "response-rate"):
    return charts.horizontal_bar_chart(
        rates,
        title=_("Response rate by regional group"),
        description=_("Respondents with at least one submitted version, of the respondents asked."),
        chart_id=chart_id,
    )


@dataclass
class RemindersReport:
    queued: int
    already: int  # correspondents reminded today already


# The dashboard lists this many of the latest reminders, with what became of each.
REMINDERS_SHOWN = 20


@transaction.atomic
def reminders_send_now(*, cycle: Cycle, user: User, ip_address: str | None = None) -> RemindersReport:
    """Queue, now, a reminder to the correspondents of every respondent asked that has
    submitted nothing (the scheduled reminders of ``notifications.deadline_reminders_send``,
    on demand), at most one a day each. The mails go out once this commits; a refusal by
    the mail server is recorded on the reminder and shown on the dashboard."""
    if not user.is_secretariat:
        raise PermissionDenied(_("Only the secretariat sends reminders."))
    if cycle.status != Cycle.Status.OPEN:
        raise ApplicationError(_("Reminders are sent for open cycles only."), code="cycle_not_open")
    report = RemindersReport(queued=0, already=0)
    respondents: set[str] = set()
    for designation in notifications.reminder_designations(cycle):
        reminder = notifications.reminder_queue(
            cycle=cycle,
            designation=designation,
            step=Reminder.Step.MANUAL,
            days_left=cycle.days_left,
            sent_by=user,
        )
        if reminder is None:
            report.already += 1
        else:
            report.queued += 1
            respondents.add(designation.respondent.code)
    audit_record(
        actor=user,
        action="cycle.reminders_sent",
        obj=cycle,
        ip_address=ip_address,
        data={"queued": report.queued, "already": report.already, "respondents": sorted(respondents)},
    )
    return report


def reminders_latest(*, cycle: Cycle) -> list[Reminder]:
    return list(
        Reminder.objects.filter(cycle=cycle)
        .select_related("respondent", "person", "mail")
        .order_by("-created_at", "-id")[:REMINDERS_SHOWN]
    )


@secretariat_required
def cycle_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, slug=slug)
    rows = dashboard_rows(cycle=cycle)
    form = DashboardFilterForm(request.GET or None)
    shown = rows_filter(rows, **form.cleaned_data) if form.is_valid() else rows
    rates = response_rates(rows)
    context = {
        "cycle": cycle,
        "form": form,
        "columns": STATUS_COLUMNS,
        "rows": shown,
        "asked": len(rows),
        "counts": status_counts(rows),
        "shown_counts": status_counts(shown),
        "chart": response_rate_chart(rates),
        "rates": rates,
        "overdue": [row for row in rows if row.is_overdue],
        "not_submitted": sum(1 for row in rows if not row.has_submitted),
        "reminders": reminders_latest(cycle=cycle),
    }
    return render(request, "responses/secretariat/cycle_dashboard.html", context)


@secretariat_required
@require_POST
def cycle_reminders_send(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, slug=slug)
    try:
        report = reminders_send_now(cycle=cycle, user=request.user, ip_address=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d reminder was queued; it is sent in a moment.",
                "%(count)d reminders were queued; they are sent in a moment.",
                report.queued,
            )
            % {"count": report.queued},
        )
        if report.already:
            messages.info(
                request,
                ngettext(
                    "%(count)d correspondent was reminded today already and is not reminded again.",
                    "%(count)d correspondents were reminded today already and are not reminded again.",
                    report.already,
                )
                % {"count": report.already},
            )
    return redirect("secretariat:cycle_dashboard", slug=cycle.slug)
