"""Celery tasks of the reports queue (settings route ``reports.tasks.*`` to "reports").

Just another interface to the services: they take ids, call one service, and own retries.
Every task is idempotent and acknowledged late, so a message redelivered after a worker died
does the work again or finds it done.

The fan-out is a group of ``render_document`` tasks, one per document; the join is counted in
the database (the task that stores the last document queues ``finalize_report``), so it needs
no result backend and survives a restart of the workers.
"""

from __future__ import annotations

import logging

from celery import group, shared_task

from reports import services
from reports.models import Report, ReportDocument

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
RETRY_COUNTDOWN = 5  # seconds, doubled on each retry


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _countdown(task) -> int:
    return RETRY_COUNTDOWN * 2**task.request.retries


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def compile_report(self, report_id: int) -> None:
    """Claim the report, collect its inputs, and fan out one render task per document."""
    try:
        plan = services.report_start(report_id=report_id)
        if plan is not None and plan.pending:
            group(render_document.si(document_id) for document_id in plan.pending).apply_async()
        elif plan is not None:
            finalize_report.delay(report_id)
    except Report.DoesNotExist:
        logger.warning("Report %s does not exist; nothing to compile.", report_id)
    except Exception as error:
        if self.request.retries < self.max_retries:
            services.report_requeue(report_id=report_id, error=f"Retrying after: {_describe(error)}")
            raise self.retry(exc=error, countdown=_countdown(self)) from error
        logger.exception("Compiling report %s failed.", report_id)
        services.report_fail(report_id=report_id, error=f"Starting the compile failed: {_describe(error)}")
    # plan None: another delivery has the report, or it is no longer queued.


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def render_document(self, document_id: int) -> None:
    """Render or reuse one document; the one that stores the last queues the finalize."""
    try:
        last = services.document_produce(document_id=document_id)
    except ReportDocument.DoesNotExist:
        logger.warning("Report document %s does not exist; nothing to render.", document_id)
        return
    except Exception as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=_countdown(self)) from error
        logger.exception("Rendering report document %s failed.", document_id)
        document = ReportDocument.objects.get(pk=document_id)
        services.report_fail(
            report_id=document.report_id,
            error=f"Rendering {document.symbol} failed after {self.request.retries + 1} attempts: "
            f"{_describe(error)}",
        )
        return
    if last:
        finalize_report.delay(ReportDocument.objects.values_list("report_id", flat=True).get(pk=document_id))


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def finalize_report(self, report_id: int) -> None:
    """Mark the report done once all its documents are stored."""
    try:
        services.report_finalize(report_id=report_id)
    except Exception as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=_countdown(self)) from error
        logger.exception("Finishing report %s failed.", report_id)
        services.report_fail(report_id=report_id, error=f"Finishing failed: {_describe(error)}")


@shared_task
def reconcile_stuck_reports() -> int:
    """Celery beat, every few minutes: queue again the reports stuck queued or running."""
    requeued = services.reports_reconcile()
    for report_id in requeued:
        compile_report.delay(report_id)
    return len(requeued)
