"""Pages of the reports domain. Thin: parse, fetch through a selector, call a service.

- The secretariat: a cycle's report page (compile, progress that polls, result, publish,
  conclusions, charts, exports of the accepted answers).
- Commission members: the published reports by session, and their documents.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.errors import ApplicationError
from portal.request import client_ip
from portal.views import secretariat_required
from questionnaires.selectors import cycle_get_for_user
from reports import selectors, services
from reports.documents.common import session_ordinal
from reports.forms import CompileForm, ConclusionsForm
from reports.renderers.exports import answers_csv, answers_xlsx


def _cycle_page(slug: str) -> HttpResponseRedirect:
    # 303: the browser follows with a GET; the page then shows the job's progress.
    return HttpResponseRedirect(reverse("reports:cycle_report", kwargs={"slug": slug}), status=303)


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The published reports, by Commission session."""
    if not (request.user.is_commission_member or request.user.is_secretariat):
        raise DjangoPermissionDenied
    sessions: dict[tuple, dict] = {}
    for report in selectors.published_reports(user=request.user):
        cycle = report.cycle
        key = (cycle.session_year, cycle.session_number)
        sessions.setdefault(
            key,
            {
                "title": session_ordinal(cycle.session_number, get_language() or "en"),
                "year": cycle.session_year,
                "reports": [],
            },
        )
        sessions[key]["reports"].append(report)
    return render(request, "reports/report_list.html", {"sessions": list(sessions.values())})


@secretariat_required
@require_GET
def cycle_report(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, slug=slug)
    reports = selectors.cycle_reports(cycle=cycle)
    return render(
        request,
        "reports/cycle_report.html",
        {
            "cycle": cycle,
            "latest": reports[0] if reports else None,
            "earlier": reports[1:],
            "compile_form": CompileForm(initial={"language": get_language() or "en"}),
            "conclusions_form": ConclusionsForm(initial={"text": selectors.cycle_conclusions(cycle=cycle)}),
            "charts": selectors.cycle_charts(cycle=cycle, language=get_language() or "en"),
        },
    )


@secretariat_required
@require_POST
def report_compile(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, slug=slug)
    form = CompileForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a language and a valid cutoff."))
        return _cycle_page(slug)
    try:
        services.report_request(
            cycle=cycle,
            user=request.user,
            language=form.cleaned_data["language"],
            cutoff=form.cleaned_data["cutoff"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is being compiled; this page shows its progress."))
    return _cycle_page(slug)


@secretariat_required
@require_GET
def report_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment that the cycle page polls (htmx) while the compile runs."""
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    return render(request, "reports/_report_status.html", {"report": report})


@secretariat_required
@require_POST
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    try:
        services.report_publish(report=report, user=request.user, ip_address=client_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is published: Commission members can download it."))
    return _cycle_page(report.cycle.slug)


@secretariat_required
@require_POST
def conclusions_edit(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, slug=slug)
    form = ConclusionsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Keep the conclusions within 50,000 characters."))
        return _cycle_page(slug)
    try:
        services.conclusions_save(
            cycle=cycle, text=form.cleaned_data["text"], user=request.user, ip_address=client_ip(request)
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The conclusions are saved; the next compile includes them."))
    return _cycle_page(slug)


@secretariat_required
@require_GET
def answers_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, slug=slug)
    head, rows = selectors.cycle_answers_table(cycle=cycle)
    stem = f"{cycle.slug}-answers-{timezone.now():%Y%m%d}"
    renderer = answers_xlsx if fmt == "xlsx" else answers_csv
    filename, content_type, content = renderer(stem=stem, head=head, rows=rows)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, filename: str) -> FileResponse:
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    if filename != document.filename:
        raise Http404
    return FileResponse(
        document.file.open("rb"),
        as_attachment=False,
        filename=document.filename,
        content_type="application/pdf",
    )
