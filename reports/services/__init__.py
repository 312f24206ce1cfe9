"""Writes of the reports domain. Pages, the API, tasks and the command call these only."""

from reports.services.compile import (
    Plan,
    document_produce,
    report_compile_now,
    report_fail,
    report_finalize,
    report_request,
    report_requeue,
    report_start,
    reports_reconcile,
)
from reports.services.publish import conclusions_save, report_publish

__all__ = [
    "Plan",
    "conclusions_save",
    "document_produce",
    "report_compile_now",
    "report_fail",
    "report_finalize",
    "report_publish",
    "report_request",
    "report_requeue",
    "report_start",
    "reports_reconcile",
]
