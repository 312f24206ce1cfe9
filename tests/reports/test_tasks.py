"""A compile through a real Celery worker, on the real broker (CELERY_BROKER_URL), queued by
the request as the page and the API queue it. (In production the reports queue is "reports";
the test routes it to a queue of its own.)"""

from __future__ import annotations

import time
import uuid

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker

from portal.celery import app
from portal.demo import seed_people
from reports import services
from reports.models import Report
from tests.conftest import PASSWORD
from tests.reports.conftest import build_cycle


@pytest.fixture
def private_reports_queue():
    """Route the reports tasks to a queue of this test's own, so that no other worker on the
    same broker (another test session's, an end-to-end portal's) takes its messages."""
    queue = f"reports-test-{uuid.uuid4().hex[:12]}"
    # A publisher of its own too: an earlier test may have closed the shared connection pools.
    app.amqp._producer_pool = None
    kombu.pools.reset()
    routes = app.conf.task_routes
    app.conf.task_routes = {"reports.tasks.*": {"queue": queue}}
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)  # a cached property built from the routes
    yield queue
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.queue_delete(queue)
        if hasattr(channel, "client"):  # Redis keeps the queue's bindings under keys of their own
            channel.client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


@pytest.mark.worker
# Serialized rollback, like every transactional test of the suite: its flush must not re-run
# post_migrate, or the next test's restored snapshot would meet the content types twice.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_compiles_through_a_real_celery_worker(private_reports_queue, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    people = seed_people(password=PASSWORD)
    cycle = build_cycle(people=people, codes=["FRA", "KEN", "BRA"], long_words=30)
    with start_worker(
        app, queues=[private_reports_queue, "celery"], perform_ping_check=False, shutdown_timeout=30
    ):
        report = services.report_request(cycle=cycle, user=people["secadmin"])  # queued on commit
        deadline = time.monotonic() + 120
        seen = set()
        while time.monotonic() < deadline:
            report.refresh_from_db()
            seen.add(report.stage)
            if report.status in (Report.Status.DONE, Report.Status.FAILED):
                break
            time.sleep(0.2)
    assert report.status == Report.Status.DONE, report.error or report.stage
    assert (report.progress, report.stage, report.attempts) == (100, "done", 1)
    documents = list(report.documents.order_by("position"))
    assert [d.symbol for d in documents] == [
        "E/CN.15/1999/3",
        "E/CN.15/1999/3/Add.1",  # Kenya: African States
        "E/CN.15/1999/3/Add.2",  # Brazil: Latin American and Caribbean States
        "E/CN.15/1999/3/Add.3",  # France: Western European and other States
    ]
    assert all(d.is_stored and d.render_seconds and d.pages > 0 for d in documents)
    assert report.pages == sum(d.pages for d in documents)
    assert any(stage.startswith("rendering document") for stage in seen), seen
