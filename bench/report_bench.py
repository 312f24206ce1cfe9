"""Benchmark of the report compile at the scale of every Member State.

    python bench/report_bench.py [--workers 2] [--keep-db]

Needs DATABASE_URL (PostgreSQL; the benchmark creates and drops its own database next to it,
named <name>_bench) and CELERY_BROKER_URL (a broker that no other reports worker listens to).

In one run it:
1. seeds a full cycle into the separate database through the portal's services: the 193
   Member States and 20 organizations and institutes, each with an accepted response of
   realistic length (every visible question answered; long answers of 1-3 paragraphs);
2. starts real Celery worker processes on the "reports" queue (``celery -A portal worker -Q
   reports -c 1``, one per worker, its process recycled above 1 GB; their output goes to
   a temporary directory) and samples their memory;
3. compiles the report through the page's path (``report_request`` -> task on commit) and
   waits for it;
4. amends one respondent's reply (amend, save, submit, accept) and compiles again;
5. prints the wall time of the full compile, the sum of its documents' single-pass render
   times, their ratio to (sum / workers), the recompile time, and the peak memory per worker.

Targets: full compile within 1.25 x (sum / workers); recompile within 25 % of a full compile;
peak worker memory under 1.5 GB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ORGANIZATIONS = 20
AMENDED = "FRA"
TARGET_RATIO = 1.25
TARGET_RECOMPILE = 0.25
TARGET_MEMORY_MB = 1536
MAX_MEMORY_PER_CHILD_KB = 1_000_000  # recycle a worker's process after a task above ~1 GB


def bench_database(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'portal'}_bench"
    return urlunparse(parsed._replace(path=f"/{name}")), name


def recreate_database(url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg2

    parsed = urlparse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parsed.username or "postgres",
        password=parsed.password or None,
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def seed(long_words: int):
    """The cycle and its accepted responses, through the services the pages use."""
    import datetime

    from portal.demo import seed_people
    from portal.models import Respondent
    from portal.services import focal_point_register
    from questionnaires.models import InstrumentVersion
    from questionnaires.services import cycle_create, cycle_open, instruments_load
    from tests.reports.factories import accepted_version, answers_for

    instruments_load()
    people = seed_people(password="benchmark only, not a real password")
    secadmin = people["secadmin"]
    version = InstrumentVersion.objects.get(instrument__code="1997-34", number=1)
    states = list(Respondent.objects.filter(kind=Respondent.Kind.MEMBER_STATE, is_active=True))
    others = list(Respondent.objects.exclude(kind=Respondent.Kind.MEMBER_STATE).filter(is_active=True))
    respondents = states + others[:ORGANIZATIONS]
    cycle = cycle_create(
        slug="bench-1997-34",
        title="Implementation of the United Nations Declaration on Crime and Public Security",
        instrument_version=version,
        session_number=8,
        session_year=1999,
        document_symbol="E/CN.15/1999/3",
        agenda_item=5,
        opens_on=datetime.date(1998, 3, 1),
        deadline=datetime.date(1998, 12, 31),
        session_start=datetime.date(1999, 4, 27),
        session_end=datetime.date(1999, 5, 6),
        respondents=respondents,
        user=secadmin,
    )
    cycle = cycle_open(cycle=cycle, user=secadmin, notify=False)
    characters = 0
    for index, respondent in enumerate(respondents):
        person = focal_point_register(
            respondent=respondent,
            email=f"focal-{respondent.code.lower()}@bench.invalid",
            communication=f"Note verbale {respondent.code}/1998/1",
            by=secadmin,
        ).person
        answers = answers_for(version.definition, seed=index, long_words=long_words)
        characters += sum(len(str(value)) for value in answers.values())
        accepted_version(
            cycle=cycle, respondent=respondent, person=person, reviewer=people["reviewer"], answers=answers
        )
        if (index + 1) % 50 == 0:
            print(f"  seeded {index + 1} of {len(respondents)} responses", flush=True)
    return cycle, people, len(respondents), characters


def amend(cycle, people) -> None:
    """One respondent's amendment through the correspondent's path, accepted again."""
    from portal.models import Designation
    from responses.models import Response
    from responses.selectors import draft_revision_get
    from responses.services import draft_save, response_accept, response_amend, response_submit

    response = Response.objects.get(cycle=cycle, respondent__code=AMENDED)
    person = Designation.objects.active().get(respondent=response.respondent, kind="focal_point").person
    response_amend(response=response, user=person)
    response.refresh_from_db()
    result = draft_save(
        response=response,
        user=person,
        answers={"g.6.measures_summary": "An independent anti-corruption agency was created by law in 1998."},
        base_revision=response.draft_revision,
    )
    assert result.ok, result.errors
    response_submit(response=response, user=person, base_revision=draft_revision_get(response=response))
    response_accept(response=response, user=people["reviewer"])


class Workers:
    """Celery worker processes on the reports queue, with their memory sampled."""

    def __init__(self, count: int, env: dict, logs: Path):
        self.logs = [(logs / f"worker-{index}.log").open("wb") for index in range(1, count + 1)]
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "-Q",
                    "reports",
                    "-c",
                    "1",
                    "-n",
                    f"bench{index}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "WARNING",
                    f"--max-memory-per-child={MAX_MEMORY_PER_CHILD_KB}",
                ],
                cwd=ROOT,
                env=env,
                stdout=self.logs[index - 1],
                stderr=subprocess.STDOUT,
            )
            for index in range(1, count + 1)
        ]
        self.peak_mb = [0.0] * count
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_ready(self, app, timeout: float = 60) -> None:
        names = {f"bench{i}@" for i in range(1, len(self.processes) + 1)}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1)
            ready = {name.split("@")[0] + "@" for reply in replies for name in reply}
            if names <= ready:
                self._sampler.start()
                return
        raise SystemExit("The workers did not start.")

    def _sample(self) -> None:
        import psutil

        processes = [psutil.Process(p.pid) for p in self.processes]
        while not self._stop.is_set():
            for index, process in enumerate(processes):
                try:
                    family = [process, *process.children(recursive=True)]
                    rss = sum(member.memory_info().rss for member in family)
                except psutil.Error:
                    continue
                self.peak_mb[index] = max(self.peak_mb[index], rss / 2**20)
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()


def compile_once(cycle, user, *, timeout: float = 1800):
    """Ask for a compile as the page does; wait for it. Returns the report and its wall time."""
    from reports import services
    from reports.models import Report

    started = time.perf_counter()
    report = services.report_request(cycle=cycle, user=user)  # the task is queued on commit
    while time.perf_counter() - started < timeout:
        report.refresh_from_db()
        if report.status in (Report.Status.DONE, Report.Status.FAILED):
            break
        time.sleep(0.1)
    wall = time.perf_counter() - started
    if report.status != Report.Status.DONE:
        raise SystemExit(f"The compile did not finish: {report.status} {report.stage} {report.error}")
    return report, wall


def render_serially(report) -> tuple[dict[str, float], bool]:
    """Each document of the report rendered again, alone, in this process: its single-pass
    render time without another render competing for the machine; and whether the bytes are
    the same as the compile's."""
    import hashlib

    from reports import selectors
    from reports.renderers import render_document

    seconds, identical = {}, True
    for document in report.documents.order_by("position"):
        started = time.perf_counter()
        rendered = render_document(selectors.document_data(report=report, document=document))
        seconds[document.symbol] = time.perf_counter() - started
        identical &= hashlib.sha256(rendered.content).hexdigest() == document.sha256
    return seconds, identical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--long-words", type=int, default=220, help="Upper length of long answers, in words.")
    parser.add_argument(
        "--keep-db", action="store_true", help="Keep the benchmark database and documents afterwards."
    )
    options = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL")
    if not base_url or not os.environ.get("CELERY_BROKER_URL"):
        raise SystemExit("Set DATABASE_URL and CELERY_BROKER_URL (the benchmark uses its own database).")
    url, name = bench_database(base_url)
    scratch = Path(tempfile.mkdtemp(prefix="report-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(scratch / "media"),  # the documents, kept out of the development media
        "DEBUG": os.environ.get("DEBUG", "True"),
        "EMAIL_URL": "dummymail://",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    print(f"Database {name}: creating and migrating", flush=True)
    recreate_database(base_url, name)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from portal.celery import app

    seconds = time.perf_counter()
    cycle, people, replies, characters = seed(options.long_words)
    print(
        f"Seeded {replies} accepted responses ({characters / replies / 1000:.0f} k characters each on "
        f"average) in {time.perf_counter() - seconds:.0f} s",
        flush=True,
    )

    with app.connection_for_write() as connection:
        try:
            connection.default_channel.queue_purge("reports")
        except Exception:  # noqa: S110 (never declared: nothing to purge)
            pass
    print(f"Workers' logs and the documents: {scratch}", flush=True)
    workers = Workers(options.workers, env, scratch)
    try:
        workers.wait_ready(app)
        load_before = os.getloadavg()[0]
        full, full_wall = compile_once(cycle, people["secadmin"])
        load_after = os.getloadavg()[0]
        documents = list(full.documents.order_by("position"))
        render_sum = sum(d.render_seconds or 0 for d in documents)
        amend(cycle, people)
        again, again_wall = compile_once(cycle, people["secadmin"])
        print("Rendering each document again, alone, for its single-pass time", flush=True)
        serial, identical = render_serially(full)
        rerendered = [d.symbol for d in again.documents.order_by("position") if d.reused_from_id is None]
    finally:
        workers.stop()
        if not options.keep_db:
            from django.db import connections

            connections.close_all()
            recreate_database(base_url, name, drop_only=True)
            shutil.rmtree(scratch / "media", ignore_errors=True)

    serial_sum = sum(serial.values())
    ratio = full_wall / (serial_sum / options.workers)
    share = again_wall / full_wall
    print()
    print(f"{'Document':<24}{'pages':>6}{'render alone (s)':>18}{'in the compile (s)':>20}")
    for d in documents:
        print(f"{d.symbol:<24}{d.pages:>6}{serial[d.symbol]:>18.1f}{d.render_seconds:>20.1f}")
    print()
    print(f"Replies compiled: {replies}; {len(documents)} documents, {full.pages} pages")
    print(
        f"Machine: {os.cpu_count()} CPUs; load average {load_before:.1f} before the full compile and "
        f"{load_after:.1f} after (the workers add {options.workers})"
    )
    print(f"Full compile with {options.workers} workers (wall): {full_wall:.1f} s")
    print(
        f"Sum of single-pass render times: {serial_sum:.1f} s alone ({render_sum:.1f} s inside the compile)"
    )
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"Wall / (sum / {options.workers} workers): {ratio:.2f} (target <= {TARGET_RATIO}: {verdict})")
    print(f"Each document rendered again alone gives the same bytes: {'yes' if identical else 'NO'}")
    verdict = "met" if share <= TARGET_RECOMPILE else "NOT met"
    print(
        f"Recompile after one amendment (wall): {again_wall:.1f} s = {share:.0%} of the full compile"
        f" (target <= {TARGET_RECOMPILE:.0%}: {verdict})"
    )
    print(f"  rendered again: {', '.join(rerendered)}; the other {len(documents) - len(rerendered)} reused")
    for index, peak in enumerate(workers.peak_mb, start=1):
        verdict = "met" if peak < TARGET_MEMORY_MB else "NOT met"
        print(
            f"Peak memory of worker {index} (RSS of all its processes): {peak:.0f} MB"
            f" (target < {TARGET_MEMORY_MB} MB: {verdict})"
        )


if __name__ == "__main__":
    main()
