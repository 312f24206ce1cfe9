"""Reads of the reports domain: scoping (``Report.objects.for_user``), and the data a report
document is built from, read from the versions the report recorded."""

from __future__ import annotations

from collections import Counter

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import translation

from portal.models import Respondent, User
from questionnaires.definition import iter_questions
from questionnaires.models import Cycle, Treaty, localized
from reports import analysis, documents
from reports.inputs import Reply, replies_from_versions
from reports.models import CycleConclusions, Report, ReportDocument
from reports.renderers.charts import measures_chart_svg, response_rate_chart_svg
from responses.models import ResponseVersion
from responses.selectors import latest_accepted_versions


def reports_for_user(*, user: User) -> QuerySet[Report]:
    return Report.objects.for_user(user).select_related("cycle", "requested_by", "published_by")


def report_get_for_user(*, user: User, pk: int) -> Report:
    report = reports_for_user(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def document_get_for_user(*, user: User, pk: int) -> ReportDocument:
    """A stored document of a report the person may download: any done report for the
    secretariat, a published one for a Commission member."""
    document = (
        ReportDocument.objects.select_related("report__cycle")
        .filter(pk=pk, report__in=Report.objects.for_user(user), report__status=Report.Status.DONE)
        .exclude(sha256="")
        .first()
    )
    if document is None:
        raise Http404
    return document


def main_document_for_user(*, user: User, report: Report) -> ReportDocument:
    document = (
        ReportDocument.objects.filter(
            report__in=Report.objects.for_user(user),
            report=report,
            report__status=Report.Status.DONE,
            kind=ReportDocument.Kind.MAIN,
        )
        .exclude(sha256="")
        .first()
    )
    if document is None:
        raise Http404
    return document


def published_reports(*, user: User) -> list[Report]:
    """Published reports, newest session first, with their documents."""
    return list(
        Report.objects.for_user(user)
        .filter(published=True)
        .select_related("cycle")
        .prefetch_related(Prefetch("documents", queryset=ReportDocument.objects.order_by("position")))
        .order_by("-cycle__session_year", "-cycle__session_number", "cycle__document_symbol", "-published_at")
    )


def cycle_reports(*, cycle: Cycle) -> list[Report]:
    return list(
        cycle.reports.select_related("requested_by", "published_by")
        .prefetch_related(Prefetch("documents", queryset=ReportDocument.objects.order_by("position")))
        .order_by("-created_at", "-id")
    )


def cycle_conclusions(*, cycle: Cycle) -> str:
    return CycleConclusions.objects.filter(cycle=cycle).values_list("text", flat=True).first() or ""


def previous_done_report(*, report: Report) -> Report | None:
    return (
        Report.objects.filter(cycle_id=report.cycle_id, status=Report.Status.DONE, finished_at__isnull=False)
        .exclude(pk=report.pk)
        .order_by("-finished_at", "-id")
        .first()
    )


def reusable_document(*, report: Report, inputs_sha256: str) -> ReportDocument | None:
    """A stored document of the cycle's previous done report with the same inputs."""
    previous = previous_done_report(report=report)
    if previous is None:
        return None
    return previous.documents.filter(inputs_sha256=inputs_sha256).exclude(sha256="").first()


# -- the data of a report's documents --------------------------------------------------------


def report_replies(*, report: Report, respondents: list[str] | None = None) -> list[Reply]:
    """The replies the report recorded when it started, optionally only some respondents'."""
    ids = [v["id"] for v in report.versions if respondents is None or v["respondent"] in respondents]
    versions = ResponseVersion.objects.filter(pk__in=ids).select_related("response__respondent")
    return replies_from_versions(versions, language=report.language)


def cycle_facts(*, cycle: Cycle) -> dict:
    version = cycle.instrument_version
    return {
        "symbol": cycle.document_symbol,
        "title": cycle.title,
        "session_number": cycle.session_number,
        "session_year": cycle.session_year,
        "session_start": cycle.session_start.isoformat() if cycle.session_start else None,
        "session_end": cycle.session_end.isoformat() if cycle.session_end else None,
        "venue": cycle.venue,
        "agenda_item": cycle.agenda_item,
        "opened": (cycle.opened_at.date() if cycle.opened_at else cycle.opens_on).isoformat(),
        "deadline": cycle.deadline.isoformat(),
        "instrument_code": version.instrument.code,
        "instrument_title": localized(version.definition.get("title")),
        "instrument_number": version.number,
    }


def asked_by_group(*, cycle: Cycle) -> dict[str, int]:
    counts: Counter = Counter()
    for kind, group in cycle.respondents.values_list("kind", "regional_group"):
        counts[group if kind == Respondent.Kind.MEMBER_STATE else analysis.ORGANIZATIONS] += 1
    return dict(counts)


def treaty_names() -> dict[str, str]:
    return {t.code: localized(t.short_name) for t in Treaty.objects.all()}


def document_data(*, report: Report, document: ReportDocument) -> dict:
    """What a document shows, read from the report's recorded inputs. Runs in the report's
    language."""
    cycle = report.cycle
    definition = report.instrument_version.definition
    with translation.override(report.language):
        if document.kind == ReportDocument.Kind.MAIN:
            addenda = list(
                report.documents.filter(kind=ReportDocument.Kind.ADDENDUM)
                .order_by("position")
                .values("symbol", "title")
            )
            return documents.main_document_data(
                cycle=cycle_facts(cycle=cycle),
                definition=definition,
                replies=report_replies(report=report),
                asked=asked_by_group(cycle=cycle),
                conclusions=report.conclusions,
                treaties=treaty_names(),
                addenda=addenda,
                as_of=report.cutoff,
                language=report.language,
            )
        return documents.addendum_data(
            cycle=cycle_facts(cycle=cycle),
            definition=definition,
            replies=report_replies(report=report, respondents=document.respondents),
            symbol=document.symbol,
            title=document.title,
            treaties=treaty_names(),
            language=report.language,
        )


# -- the cycle's report page: charts and exports of the accepted answers ---------------------


def cycle_current_replies(*, cycle: Cycle, language: str) -> list[Reply]:
    return replies_from_versions(latest_accepted_versions(cycle=cycle), language=language)


def cycle_charts(*, cycle: Cycle, language: str) -> dict:
    """The report's two charts, from the answers accepted so far."""
    replies = cycle_current_replies(cycle=cycle, language=language)
    with translation.override(language):
        rates = documents.response_rates(replies, asked_by_group(cycle=cycle))
        items = documents.measures_by_item(cycle.instrument_version.definition, replies)
        return {
            "response_rate": response_rate_chart_svg(
                [(documents.group_short_label(g), share) for g, _asked, _replied, share in rates]
            ),
            "measures": measures_chart_svg(items) if items else "",
            "replies": len(replies),
        }


def cycle_answers_table(*, cycle: Cycle) -> tuple[list[str], list[list]]:
    """One row per respondent with an accepted response, a column per question code, with
    the version used: the shape of the CSV and XLSX exports."""
    questions = [q.code for q in iter_questions(cycle.instrument_version.definition)]
    head = [
        "respondent_code",
        "respondent",
        "kind",
        "regional_group",
        "version",
        "version_sha256",
        *questions,
    ]
    rows = []
    for reply in cycle_current_replies(cycle=cycle, language="en"):
        rows.append(
            [
                reply.respondent_code,
                reply.respondent_name,
                reply.respondent_kind,
                reply.regional_group,
                reply.number,
                reply.sha256,
                *[reply.answers.get(code) for code in questions],
            ]
        )
    return head, rows
