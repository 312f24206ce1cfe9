"""Compiling a report: the state machine queued -> running -> done | failed.

- ``report_request`` creates the job (one active per cycle: a partial unique index) and
  queues the compile task on commit.
- ``report_start`` claims a queued report once (a conditional UPDATE), fixes its inputs on
  the first attempt (cutoff, versions, instrument version, conclusions) and plans its
  documents: the main report and the addenda. Idempotent: a retry keeps what was stored.
- ``document_produce`` renders one document, or reuses the previous done report's document
  with the same inputs; it tells the caller when the last document is stored.
- ``report_finalize`` marks the report done, in one transaction, only once every document
  is stored: a worker killed half-way never leaves a half report marked done.
- ``reports_reconcile`` re-queues reports stuck queued or running (a lost message, a killed
  worker) and gives up after MAX_ATTEMPTS.

The Celery tasks and the ``compile_report`` command call these, and nothing else.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, Conflict, PermissionDenied
from portal.models import User
from portal.services import audit_record
from questionnaires.definition import canonical_json
from questionnaires.models import Cycle
from reports import documents, selectors
from reports.inputs import inputs_sha256
from reports.models import Report, ReportDocument, document_path
from reports.renderers import render_document
from responses.selectors import latest_accepted_versions

logger = logging.getLogger(__name__)

S = Report.Status
MAX_ATTEMPTS = 4  # the first run and three retries
STUCK_QUEUED_AFTER = timedelta(minutes=10)
STUCK_RUNNING_AFTER = timedelta(minutes=20)  # well above the longest document's render
MAIN_WEIGHT_PER_REPLY = 1500  # the main report's size estimate, to order the renders


def _enqueue_compile(report_id: int) -> None:
    from reports.tasks import compile_report

    try:
        compile_report.delay(report_id)
    except Exception:  # the broker is down: the reconciler queues the report again later
        logger.exception("Could not queue the compile of report %s; it will be queued again.", report_id)


@transaction.atomic
def report_request(
    *,
    cycle: Cycle,
    user: User | None,
    language: str = "en",
    cutoff: datetime | None = None,
    enqueue: bool = True,
) -> Report:
    """Ask for a compile of the cycle's report. ``user`` is None only for the command."""
    if user is not None and not user.is_secretariat:
        raise PermissionDenied(_("Only the secretariat compiles reports."))
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Choose one of the portal's languages for the report."), code="language")
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    busy = _("A report of this cycle is being compiled; wait until it is done.")
    if Report.objects.active().filter(cycle=cycle).exists():
        raise Conflict(busy, code="compile_running")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                cycle=cycle,
                language=language,
                cutoff=cutoff or timezone.now(),
                requested_by=user,
                stage="queued",
            )
    except IntegrityError as error:  # the partial unique index: one active compile per cycle
        raise Conflict(busy, code="compile_running") from error
    audit_record(
        actor=user,
        action="report.requested",
        obj=report,
        data={"cycle": cycle.slug, "language": language, "cutoff": report.cutoff.isoformat()},
    )
    if enqueue:
        report_id = report.pk
        transaction.on_commit(lambda: _enqueue_compile(report_id))
    return report


@dataclass
class Plan:
    report_id: int
    pending: list[int]  # documents to render, largest first


def report_start(*, report_id: int) -> Plan | None:
    """Claim the queued report (None when another delivery has it or it is not queued),
    collect its inputs and plan its documents."""
    now = timezone.now()
    claimed = Report.objects.filter(pk=report_id, status=S.QUEUED).update(
        status=S.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=2,
        stage="collecting",
    )
    if not claimed:
        return None
    report = Report.objects.select_related("cycle__instrument_version__instrument").get(pk=report_id)
    with translation.override(report.language):
        if report.instrument_version_id is None:
            _collect(report)
        replies = selectors.report_replies(report=report)
        plan = documents.addenda_plan(replies, main_symbol=report.cycle.document_symbol)
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report_id)
            if report.status != S.RUNNING:
                return None
            if not report.documents.exists():  # a retry keeps the documents planned (and stored)
                main_symbol = report.cycle.document_symbol
                ReportDocument.objects.create(
                    report=report,
                    kind=ReportDocument.Kind.MAIN,
                    position=0,
                    symbol=main_symbol,
                    filename=documents.symbol_filename(main_symbol),
                    title=report.cycle.title,
                    weight=MAIN_WEIGHT_PER_REPLY * len(replies),
                )
                ReportDocument.objects.bulk_create(
                    ReportDocument(report=report, kind=ReportDocument.Kind.ADDENDUM, **spec) for spec in plan
                )
            pending = list(
                report.documents.filter(sha256="")
                .order_by("-weight", "position")
                .values_list("pk", flat=True)
            )
            total = report.documents.count()
            report.progress = 5
            report.stage = f"rendering document {total - len(pending) + 1} of {total}"
            report.heartbeat_at = timezone.now()
            report.log += _log_line(
                f"attempt {report.attempts}: {len(replies)} replies, {total} documents,"
                f" {len(pending)} to produce"
            )
            report.save(update_fields=["progress", "stage", "heartbeat_at", "log"])
    return Plan(report_id=report_id, pending=pending)


def _collect(report: Report) -> None:
    """Fix the report's inputs (first attempt only): what a retry compiles is the same."""
    cycle = report.cycle
    versions = latest_accepted_versions(cycle=cycle, cutoff=report.cutoff)
    report.instrument_version = cycle.instrument_version
    report.versions = sorted(
        (
            {"id": v.pk, "respondent": v.response.respondent.code, "number": v.number, "sha256": v.sha256}
            for v in versions
        ),
        key=lambda v: v["respondent"],
    )
    report.conclusions = selectors.cycle_conclusions(cycle=cycle)
    report.log = _log_line(
        f"collected {len(report.versions)} accepted versions as of {report.cutoff.isoformat()};"
        f" instrument {cycle.instrument_version}"
    )
    Report.objects.filter(pk=report.pk, status=S.RUNNING).update(
        instrument_version=report.instrument_version,
        versions=report.versions,
        conclusions=report.conclusions,
        log=report.log,
        heartbeat_at=timezone.now(),
    )


def _log_line(text: str) -> str:
    return f"{timezone.now():%Y-%m-%d %H:%M:%S} {text}\n"


def document_produce(*, document_id: int) -> bool:
    """Render (or reuse) one document and store it. True when it was the report's last
    pending document, so the caller finalizes. A no-op for a report no longer running."""
    document = ReportDocument.objects.select_related("report__cycle", "report__instrument_version").get(
        pk=document_id
    )
    report = document.report
    if report.status != S.RUNNING:
        return False
    if document.is_stored:
        return not report.documents.filter(sha256="").exists()
    Report.objects.filter(pk=report.pk, status=S.RUNNING).update(heartbeat_at=timezone.now())
    started = time.perf_counter()
    data = selectors.document_data(report=report, document=document)
    inputs = inputs_sha256(data)
    reused = selectors.reusable_document(report=report, inputs_sha256=inputs)
    if reused is not None:
        fields = {
            "file": reused.file.name,
            "sha256": reused.sha256,
            "size": reused.size,
            "pages": reused.pages,
            "reused_from": reused.reused_from or reused,
            "render_seconds": None,
        }
    else:
        rendered = render_document(data)
        seconds = time.perf_counter() - started
        sha256 = hashlib.sha256(rendered.content).hexdigest()
        path = document_path(document, sha256)
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(rendered.content))
        fields = {
            "file": path,
            "sha256": sha256,
            "size": len(rendered.content),
            "pages": rendered.pages,
            "reused_from": None,
            "render_seconds": round(seconds, 3),
        }
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != S.RUNNING:
            return False
        document = ReportDocument.objects.select_for_update().get(pk=document_id)
        if not document.is_stored:
            for key, value in fields.items():
                setattr(document, key, value)
            document.inputs_sha256 = inputs
            document.stored_at = timezone.now()
            document.save()
        total = report.documents.count()
        stored = report.documents.exclude(sha256="").count()
        report.progress = 5 + (90 * stored) // total
        report.stage = f"rendering document {stored + 1} of {total}" if stored < total else "finishing"
        report.heartbeat_at = timezone.now()
        report.save(update_fields=["progress", "stage", "heartbeat_at"])
    return stored == total


def report_finalize(*, report_id: int) -> Report | None:
    """Mark the report done once every document is stored (else None: not ready yet)."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status == S.DONE:
            return report
        if report.status != S.RUNNING:
            return None
        docs = list(report.documents.select_related("reused_from__report").order_by("position"))
        if not docs or any(not d.is_stored or not default_storage.exists(d.file.name) for d in docs):
            return None
        report.sha256 = hashlib.sha256(
            canonical_json([[d.filename, d.sha256] for d in docs]).encode("utf-8")
        ).hexdigest()
        report.pages = sum(d.pages for d in docs)
        for d in docs:
            if d.reused_from_id:
                how = f"reused from report #{d.reused_from.report_id}"
            else:
                how = f"rendered in {d.render_seconds or 0:.1f} s"
            report.log += _log_line(
                f"{d.symbol}: {d.pages} p., {d.size} bytes, sha256 {d.sha256},"
                f" inputs {d.inputs_sha256}; {how}"
            )
        report.log += _log_line(f"done: {report.pages} pages, sha256 {report.sha256}")
        report.status = S.DONE
        report.progress = 100
        report.stage = "done"
        report.error = ""
        report.finished_at = report.heartbeat_at = timezone.now()
        report.save()
        audit_record(
            actor=None,
            action="report.compiled",
            obj=report,
            data={"sha256": report.sha256, "pages": report.pages, "documents": [d.symbol for d in docs]},
        )
    return report


def report_fail(*, report_id: int, error: str) -> None:
    """Record a compile that will not be retried, with a clear error."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status not in (S.QUEUED, S.RUNNING):
            return
        report.status = S.FAILED
        report.error = error[:5000]
        report.stage = "failed"
        report.finished_at = report.heartbeat_at = timezone.now()
        report.log += _log_line(f"failed: {report.error}")
        report.save(update_fields=["status", "error", "stage", "finished_at", "heartbeat_at", "log"])
        audit_record(actor=None, action="report.failed", obj=report, data={"error": report.error[:500]})


def report_requeue(*, report_id: int, error: str) -> bool:
    """Put a running report back in the queue for a retry (the compile task failed)."""
    return bool(
        Report.objects.filter(pk=report_id, status=S.RUNNING).update(
            status=S.QUEUED,
            error=error[:5000],
            stage="waiting to retry",
            heartbeat_at=timezone.now(),
        )
    )


def reports_reconcile(*, now: datetime | None = None) -> list[int]:
    """Re-queue reports stuck queued (lost message) or running (killed worker); give up
    after MAX_ATTEMPTS. Returns the ids re-queued (the caller enqueues them)."""
    now = now or timezone.now()
    stuck_condition = Q(status=S.QUEUED, heartbeat_at__lt=now - STUCK_QUEUED_AFTER) | Q(
        status=S.RUNNING, heartbeat_at__lt=now - STUCK_RUNNING_AFTER
    )
    requeued = []
    for report_id in Report.objects.filter(stuck_condition).values_list("pk", flat=True):
        with transaction.atomic():
            report = Report.objects.select_for_update().filter(stuck_condition, pk=report_id).first()
            if report is None:
                continue
            if report.attempts >= MAX_ATTEMPTS:
                report_fail(
                    report_id=report_id,
                    error=f"Gave up after {report.attempts} attempts; the last stopped at: {report.stage}.",
                )
                continue
            report.status = S.QUEUED
            report.heartbeat_at = now
            report.stage = "queued again after the compile stopped responding"
            report.log += _log_line(report.stage)
            report.save(update_fields=["status", "heartbeat_at", "stage", "log"])
            requeued.append(report_id)
    return requeued


def report_compile_now(*, report: Report) -> Report:
    """The whole compile in this process: the compile_report command and the tests. The
    same steps as the Celery tasks, one after the other."""
    plan = report_start(report_id=report.pk)
    if plan is None:
        raise ApplicationError(_("This report is not waiting to be compiled."), code="not_queued")
    try:
        for document_id in plan.pending:
            document_produce(document_id=document_id)
        finished = report_finalize(report_id=report.pk)
    except Exception as error:
        report_fail(report_id=report.pk, error=f"{type(error).__name__}: {error}")
        raise
    if finished is None:
        raise ApplicationError(_("The report could not be finished."), code="not_finished")
    return finished
