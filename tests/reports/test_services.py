"""The compile's state machine and its guarantees: one compile per cycle, a claim taken once,
no half report marked done, retries with a clear error, reconciling stuck reports, and
published reports that the database refuses to change."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from portal.errors import Conflict, PermissionDenied
from portal.models import AuditEntry
from reports import services, tasks
from reports.models import CycleConclusions, Report, ReportDocument
from responses.selectors import latest_accepted_versions
from tests.reports.conftest import stored_report


def test_it_allows_one_compile_per_cycle_at_a_time(
    open_cycle, reviewer, secadmin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.report_request(cycle=open_cycle, user=reviewer)
    assert len(callbacks) == 1  # the compile task, queued once the request commits
    assert (first.status, first.stage, first.requested_by) == ("queued", "queued", reviewer)
    with pytest.raises(Conflict):
        services.report_request(cycle=open_cycle, user=secadmin)
    # The database refuses a second active compile even without the service's check.
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(cycle=open_cycle, status=Report.Status.RUNNING, cutoff=timezone.now())
    services.report_fail(report_id=first.pk, error="stopped by the test")
    assert services.report_request(cycle=open_cycle, user=secadmin, enqueue=False).status == "queued"


@pytest.mark.parametrize("person", ["corr_fra", "corr_ken", "commission"])
def test_it_lets_only_the_secretariat_ask_for_a_compile(open_cycle, person, request):
    with pytest.raises(PermissionDenied):
        services.report_request(cycle=open_cycle, user=request.getfixturevalue(person))
    assert not Report.objects.exists()


def test_it_claims_a_queued_report_once(open_cycle, reviewer):
    report = services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    plan = services.report_start(report_id=report.pk)
    assert plan is not None and len(plan.pending) == 1  # no reply yet: the main report only
    assert services.report_start(report_id=report.pk) is None
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("running", 1)


def test_it_never_marks_a_half_report_done_and_resumes_after_a_killed_worker(small_cycle, reviewer):
    report = services.report_request(cycle=small_cycle, user=reviewer, enqueue=False)
    plan = services.report_start(report_id=report.pk)
    assert len(plan.pending) == 3  # the report, and an addendum for each of France's and Kenya's groups
    services.document_produce(document_id=plan.pending[0])
    first = ReportDocument.objects.get(pk=plan.pending[0])
    # The worker dies here: the finalize finds documents missing and leaves the report running.
    assert services.report_finalize(report_id=report.pk) is None
    report.refresh_from_db()
    assert (report.status, report.sha256) == ("running", "")

    assert services.reports_reconcile() == []  # not stuck yet
    later = timezone.now() + datetime.timedelta(hours=1)
    assert services.reports_reconcile(now=later) == [report.pk]
    report.refresh_from_db()
    assert report.status == "queued"

    done = services.report_compile_now(report=report)
    assert (done.status, done.progress, done.stage, done.attempts) == ("done", 100, "done", 2)
    assert ReportDocument.objects.get(pk=first.pk).stored_at == first.stored_at  # not rendered again
    assert all(d.is_stored for d in done.documents.all())
    assert done.pages == sum(d.pages for d in done.documents.all())
    versions = latest_accepted_versions(cycle=small_cycle, cutoff=done.cutoff)
    assert done.versions == sorted(
        (
            {"id": v.pk, "respondent": v.response.respondent.code, "number": v.number, "sha256": v.sha256}
            for v in versions
        ),
        key=lambda v: v["respondent"],
    )
    assert done.instrument_version == small_cycle.instrument_version
    assert "done:" in done.log and AuditEntry.objects.filter(action="report.compiled").exists()


def test_it_leaves_out_versions_created_after_the_cutoff(small_cycle, reviewer):
    before = datetime.datetime(1998, 1, 1, tzinfo=datetime.UTC)
    report = services.report_request(cycle=small_cycle, user=reviewer, cutoff=before, enqueue=False)
    plan = services.report_start(report_id=report.pk)
    report.refresh_from_db()
    assert report.versions == [] and len(plan.pending) == 1


def test_it_retries_a_failing_render_and_then_fails_with_a_clear_error(open_cycle, reviewer):
    report = services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    plan = services.report_start(report_id=report.pk)
    with mock.patch(
        "reports.services.compile.render_document", side_effect=RuntimeError("no fonts")
    ) as render:
        tasks.render_document.apply(args=[plan.pending[0]])
    assert render.call_count == 1 + tasks.MAX_RETRIES
    report.refresh_from_db()
    assert report.status == "failed" and report.stage == "failed"
    assert report.error == "Rendering E/CN.15/1999/3 failed after 4 attempts: RuntimeError: no fonts"


def test_it_queues_a_compile_again_when_collecting_fails_then_gives_up(open_cycle, reviewer):
    report = services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    with mock.patch("reports.services.compile._collect", side_effect=OSError("database gone")) as collect:
        tasks.compile_report.apply(args=[report.pk])
    assert collect.call_count == 1 + tasks.MAX_RETRIES
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("failed", 4)
    assert report.error == "Starting the compile failed: OSError: database gone"


def test_it_reconciles_stuck_reports_through_the_beat_task(open_cycle, reviewer):
    report = services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    with mock.patch.object(tasks.compile_report, "delay") as delay:
        assert tasks.reconcile_stuck_reports.apply().get() == 1
    delay.assert_called_once_with(report.pk)


def test_it_gives_up_on_a_report_that_keeps_getting_stuck(open_cycle, reviewer):
    report = services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    Report.objects.filter(pk=report.pk).update(
        status="running",
        attempts=4,
        stage="rendering document 3 of 9",
        heartbeat_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert services.reports_reconcile() == []
    report.refresh_from_db()
    assert report.status == "failed"
    assert report.error == "Gave up after 4 attempts; the last stopped at: rendering document 3 of 9."


def test_it_publishes_a_done_report_which_the_database_then_refuses_to_change(
    open_cycle, reviewer, commission
):
    report = stored_report(open_cycle)
    with pytest.raises(PermissionDenied):
        services.report_publish(report=report, user=commission)
    report = services.report_publish(report=report, user=reviewer)
    assert report.published and report.published_by == reviewer
    assert AuditEntry.objects.filter(action="report.published", object_id=str(report.pk)).exists()
    for sql in [
        "UPDATE reports_report SET stage = 'tampered' WHERE id = %s",
        "UPDATE reports_report SET published = false WHERE id = %s",
        "DELETE FROM reports_report WHERE id = %s",
        "UPDATE reports_reportdocument SET sha256 = 'tampered' WHERE report_id = %s",
        "DELETE FROM reports_reportdocument WHERE report_id = %s",
    ]:
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [report.pk])
    with pytest.raises(Exception, match="already published"):
        services.report_publish(report=report, user=reviewer)


def test_it_publishes_only_a_done_report(open_cycle, reviewer):
    report = services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    with pytest.raises(Exception, match="Only a compiled report"):
        services.report_publish(report=report, user=reviewer)


def test_it_saves_the_conclusions_for_the_next_compile(open_cycle, reviewer, corr_fra):
    with pytest.raises(PermissionDenied):
        services.conclusions_save(cycle=open_cycle, text="No.", user=corr_fra)
    services.conclusions_save(cycle=open_cycle, text="First.\r\n\r\nSecond.", user=reviewer)
    assert CycleConclusions.objects.get(cycle=open_cycle).text == "First.\n\nSecond."
    report = services.report_request(cycle=open_cycle, user=reviewer, enqueue=False)
    services.report_start(report_id=report.pk)
    report.refresh_from_db()
    assert report.conclusions == "First.\n\nSecond."
