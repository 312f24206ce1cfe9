"""Faults with real processes: a Celery worker killed in the middle of a compile, a task
delivered twice, the broker down when a report is asked for. The workers are separate
processes on the test database and a Redis broker database of their own.

The faults are those of the production broker, Redis. When the configured broker is
another (the embedded default: kombu's SQLAlchemy transport), these tests start a
redis-server of their own on a free loopback port and publish to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.db import connection

from reports import services as report_services
from reports.models import Report
from tests.brokers import publish_to
from tests.conftest import database_url
from tests.reports.conftest import build_cycle

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.worker]


@pytest.fixture(scope="module")
def redis_url(redis_broker_url):
    """This module publishes to the Redis broker (the configured one or the run's own)."""
    publish_to(redis_broker_url)
    yield redis_broker_url
    publish_to(settings.CELERY_BROKER_URL)


@pytest.fixture
def broker(redis_url):
    """The broker the tests publish to; the workers started here consume from it too."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield redis_url
    client.flushdb()


def _start_worker(broker_url: str, media: str, name: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DEBUG": "True",
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
        "CELERY_BROKER_URL": broker_url,
        # A short visibility timeout stands in for "the broker notices the lost worker".
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "MEDIA_ROOT": media,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "celery,reports",
            "-c",
            "2",
            "-n",
            f"{name}@%h",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        env=environment,
        cwd=settings.BASE_DIR,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _kill(worker)


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _requeue_as_beat_would_later() -> None:
    """What the beat reconciler does once a report has been stuck past its limit."""
    from datetime import timedelta

    from django.utils import timezone

    from reports.tasks import compile_report

    for report_id in report_services.reports_reconcile(now=timezone.now() + timedelta(hours=1)):
        compile_report.delay(report_id)


def _report(report_id: int) -> Report:
    return Report.objects.get(pk=report_id)


def test_a_worker_killed_mid_compile_leaves_exactly_one_completed_report(people, broker, tmp_path):
    cycle = build_cycle(people=people, codes=["FRA", "KEN", "BRA", "JPN", "POL"], slug="fault-kill")
    worker = _start_worker(broker, str(tmp_path), "first")
    try:
        report = report_services.report_request(cycle=cycle, user=people["reviewer"])
        _wait_for(lambda: _report(report.pk).status == "running", 60, "the compile to start")
        _kill(worker)  # SIGKILL: no chance to acknowledge, clean up or mark anything
        killed = _report(report.pk)
        assert killed.status != "done"
        worker = _start_worker(broker, str(tmp_path), "second")
        # The broker gives the unacknowledged message to the new worker once its visibility
        # timeout passes; if that is not enough, beat's reconciler requeues the stuck report.
        try:
            _wait_for(lambda: _report(report.pk).status == "done", 60, "redelivery")
        except AssertionError:
            _requeue_as_beat_would_later()
            _wait_for(lambda: _report(report.pk).status == "done", 180, "the compile to complete")
    finally:
        _stop(worker)
    done = Report.objects.filter(cycle=cycle, status="done")
    assert done.count() == 1
    report = done.get()
    assert report.documents.count() >= 2 and all(d.sha256 for d in report.documents.all())
    assert not Report.objects.filter(cycle=cycle, status__in=["queued", "running"]).exists()


def test_the_broker_down_when_a_report_is_asked_for_queues_it_and_it_completes_later(
    people, broker, tmp_path
):
    cycle = build_cycle(people=people, codes=["FRA", "KEN"], slug="fault-broker")
    publish_to("redis://127.0.0.1:1/0")  # nothing listens there: the broker is down
    try:
        report = report_services.report_request(cycle=cycle, user=people["reviewer"])
    finally:
        publish_to(broker)
    assert _report(report.pk).status == "queued"  # the request is recorded; the page says queued
    worker = _start_worker(broker, str(tmp_path), "later")
    try:
        _requeue_as_beat_would_later()
        _wait_for(lambda: _report(report.pk).status == "done", 180, "the queued compile to complete")
    finally:
        _stop(worker)
    assert Report.objects.filter(cycle=cycle, status="done").count() == 1


def test_tasks_delivered_again_have_their_effects_once(people, broker, tmp_path):
    """A broker that delivers a message again (after its visibility timeout, or because the
    first worker died after doing the work) finds the work done and changes nothing."""
    from reports.tasks import compile_report, finalize_report, render_document

    cycle = build_cycle(people=people, codes=["FRA", "KEN"], slug="fault-redelivery")
    worker = _start_worker(broker, str(tmp_path), "once")
    try:
        report = report_services.report_request(cycle=cycle, user=people["reviewer"])
        _wait_for(lambda: _report(report.pk).status == "done", 180, "the compile")
        done = _report(report.pk)
        before = sorted(done.documents.values_list("symbol", "sha256", "file"))
        log_before = done.log
        # Every message of the compile, delivered once more.
        compile_report.delay(report.pk)
        for document_id in done.documents.values_list("pk", flat=True):
            render_document.delay(document_id)
        finalize_report.delay(report.pk)
        time.sleep(8)  # the worker has long consumed them: each finds its work done
        _wait_for(lambda: not redis.Redis.from_url(broker).llen("reports"), 30, "the queue to drain")
    finally:
        _stop(worker)
    after = _report(report.pk)
    assert after.status == "done"
    assert sorted(after.documents.values_list("symbol", "sha256", "file")) == before
    assert Report.objects.filter(cycle=cycle).count() == 1
    assert after.finished_at == done.finished_at and after.sha256 == done.sha256
    assert after.log.count("done") == log_before.count("done")
