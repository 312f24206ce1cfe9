"""PostgreSQL restarted while correspondents autosave: the clients retry, nothing is lost.

The portal runs as in production (``DEBUG=False``, gunicorn with two worker processes,
persistent connections with health checks) on a PostgreSQL server of its own, started from
the pgserver package, so that stopping and crashing that server leaves the test's own
database alone. Two kinds of client save answers while it goes down:

- HTTP clients in threads, retrying as the questionnaire page does (on a network error, a
  5xx or a reply without JSON, with a growing delay), through a clean stop with a few
  seconds of outage and a crash (``pg_ctl stop -m immediate``, recovery from the WAL);
- the questionnaire page itself in Chromium: typed while the database is down, it shows
  "Not saved — retrying", keeps the text, and saves it once the database is back.

Figures of each run go to ``test-artifacts/database-restart.json``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest
import requests
from django.conf import settings
from django.test import Client

from portal.backup import BIN, libpq_environment
from questionnaires.definition import iter_questions
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, _free_port, launch_chromium, wait_healthy

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.e2e]

DATABASE = "portal"
OUTAGE_SECONDS = 3


@dataclass
class PrivatePostgres:
    """A PostgreSQL server for this module only, which the tests stop, crash and restart."""

    server: object
    socket_dir: str

    def url(self, database: str = DATABASE) -> str:
        return f"postgres:///{database}?host={self.socket_dir}&user=postgres"

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def running(self) -> bool:
        try:
            self._pg_ctl("status")
        except subprocess.CalledProcessError:
            return False
        return True

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-w", "-m", mode, "stop")

    def start(self) -> None:
        # The options pgserver starts it with: no TCP, a socket in its directory.
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start")

    def migrate(self, environment: dict) -> None:
        self.server.psql(f'CREATE DATABASE "{DATABASE}";')
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            env=environment,
            cwd=settings.BASE_DIR,
            check=True,
            capture_output=True,
            timeout=600,
        )

    def load(self, dump: Path) -> None:
        """Replace the rows of the portal's database with those of ``dump``. Rows only: the
        schema comes from the migrations (the test server's dump of it may carry options of
        that server which another one refuses)."""
        with psycopg2.connect(self.url()) as db, db.cursor() as cursor:
            cursor.execute(
                "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename <> 'django_migrations'"
            )
            cursor.execute(f"TRUNCATE {cursor.fetchone()[0]} RESTART IDENTITY CASCADE")  # noqa: S608
        db.close()
        restore = subprocess.run(
            [
                str(BIN / "pg_restore"),
                "--data-only",
                "--disable-triggers",  # the append-only triggers would refuse the copy
                "--exit-on-error",
                f"--dbname={self.url()}",
                str(dump),
            ],
            capture_output=True,
            text=True,
        )
        assert restore.returncode == 0, restore.stderr

    def answers(self, response_id: int) -> dict[str, object]:
        with psycopg2.connect(self.url()) as db, db.cursor() as cursor:
            cursor.execute(
                "SELECT question_code, value FROM responses_draftanswer WHERE response_id = %s", [response_id]
            )
            rows = dict(cursor.fetchall())
        db.close()
        return rows


@pytest.fixture(scope="module")
def private_postgres(tmp_path_factory):
    # pgserver reads its runtime directory when imported.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("run")))
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
    postgres = PrivatePostgres(server=server, socket_dir=str(server.get_postmaster_info().socket_dir))
    yield postgres
    if not postgres.running():  # a failed test may leave it stopped; cleanup expects it running
        postgres.start()
    server.cleanup()


@pytest.fixture(scope="module")
def production_portal(private_postgres, tmp_path_factory):
    """gunicorn as in production (DEBUG off, persistent connections) on the private server."""
    port = _free_port()
    static = tmp_path_factory.mktemp("static")
    secret_key = secrets.token_urlsafe(64)
    environment = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secret_key,
        "HISTORY_SEAL_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": private_postgres.url(),
        "CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15",
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        "STATIC_ROOT": str(static),
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        # Plain HTTP on loopback: no TLS to redirect to or to mark cookies for.
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
    }
    private_postgres.migrate(environment)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=environment,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        timeout=300,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "database-restart-server.log", "w")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        env=environment,
        cwd=settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield {"url": f"http://127.0.0.1:{port}", "secret_key": secret_key}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _dump_rows(target: Path) -> Path:
    """The rows of the test database (the migrations' bookkeeping aside)."""
    subprocess.run(
        [
            str(BIN / "pg_dump"),
            "--format=custom",
            "--data-only",
            "--exclude-table-data=django_migrations",
            f"--file={target}",
        ],
        env=libpq_environment(),
        check=True,
        capture_output=True,
    )
    return target


def _session_cookie(person) -> str:
    client = Client()
    client.force_login(person)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def restored(private_postgres, production_portal, response_fra, corr_fra, corr_fra_2, tmp_path, settings):
    """The test database (cycle, France's draft, its two correspondents and their sessions)
    copied into the private server that the production portal uses."""
    # Sessions are signed, and bound to the password hash, with the server's secret key.
    settings.SECRET_KEY = production_portal["secret_key"]
    cookies = {"corr_fra": _session_cookie(corr_fra), "corr_fra_2": _session_cookie(corr_fra_2)}
    private_postgres.load(_dump_rows(tmp_path / "portal.dump"))
    wait_healthy(production_portal["url"])
    return {"response": response_fra, "cookies": cookies, "base": production_portal["url"]}


def _record(name: str, figures: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "database-restart.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known[name] = figures
    path.write_text(json.dumps(known, indent=2, sort_keys=True))


# --- HTTP clients ------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: Counter = field(default_factory=Counter)
    retry_after: set = field(default_factory=set)
    latest: dict = field(default_factory=dict)  # question code -> last value the server accepted
    given_up: list = field(default_factory=list)

    def count(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1


def _autosaving_client(base, cookie, response_id, codes, name, stop, tally: Tally) -> None:
    """Saves its questions in turn, each value new, until told to stop; every save is
    retried until the server accepts it, as the questionnaire page does."""
    http = requests.Session()
    # Django's CSRF check compares the cookie with the header; any 32-letter secret will do.
    csrf = secrets.token_hex(16)
    http.cookies.set(settings.SESSION_COOKIE_NAME, cookie, domain="127.0.0.1")
    http.cookies.set(settings.CSRF_COOKIE_NAME, csrf, domain="127.0.0.1")
    revisions = dict.fromkeys(codes, 0)
    round_ = 0
    while not stop.is_set():
        round_ += 1
        for code in codes:
            value = f"{name} round {round_} {code}"
            attempts = 0
            give_up_at = time.monotonic() + 60
            while True:
                attempts += 1
                try:
                    reply = http.post(
                        f"{base}/responses/{response_id}/answers/{code}/",
                        data={code: value, "base_revision": revisions[code]},
                        headers={"Accept": "application/json", "X-CSRFToken": csrf},
                        timeout=15,
                    )
                except requests.RequestException:
                    tally.count("network error")
                else:
                    data = reply.json() if "json" in reply.headers.get("Content-Type", "") else None
                    if reply.status_code == 200 and data and code in data["saved"]:
                        revisions[code] = data["saved"][code]
                        tally.count("saved" if attempts == 1 else "saved after retry")
                        with tally.lock:
                            tally.latest[code] = value
                        break
                    tally.count(f"HTTP {reply.status_code}")
                    if reply.status_code == 503:
                        with tally.lock:
                            tally.retry_after.add(reply.headers.get("Retry-After"))
                    elif reply.status_code < 500:
                        tally.given_up.append((code, reply.status_code, reply.text[:300]))
                        return
                if time.monotonic() > give_up_at:
                    tally.given_up.append((code, "timeout", ""))
                    return
                time.sleep(min(2.0, 0.2 * 2 ** (attempts - 1)))


def test_autosaves_retried_through_database_restart_and_crash_lose_nothing(restored, private_postgres):
    response = restored["response"]
    texts = [
        q.code
        for q in iter_questions(response.cycle.instrument_version.definition)
        if q.type in ("short_text", "long_text")
    ][:24]
    assert len(texts) == 24
    people = ["corr_fra", "corr_fra_2"] * 2
    tally = Tally()
    stop = threading.Event()
    clients = [
        threading.Thread(
            target=_autosaving_client,
            args=(
                restored["base"],
                restored["cookies"][people[i]],
                response.pk,
                texts[i::4],
                f"client {i}",
                stop,
                tally,
            ),
        )
        for i in range(4)
    ]
    for client in clients:
        client.start()
    # Saving before the fault; on a loaded machine the first saves may take a while.
    started = time.monotonic()
    while tally.outcomes["saved"] < len(clients) and time.monotonic() - started < 60:
        time.sleep(0.2)
    time.sleep(1)
    saved_before = tally.outcomes["saved"]

    private_postgres.stop("fast")  # a restart with an outage: connections end, new ones refused
    time.sleep(OUTAGE_SECONDS)
    private_postgres.start()
    time.sleep(3)
    private_postgres.stop("immediate")  # a crash: no checkpoint, recovery from the WAL
    private_postgres.start()
    time.sleep(3)
    stop.set()
    for client in clients:
        client.join(timeout=120)

    stored = private_postgres.answers(response.pk)
    lost = {
        code: (value, stored.get(code)) for code, value in tally.latest.items() if stored.get(code) != value
    }
    figures = {
        "clients": len(clients),
        "questions": len(texts),
        "outage_seconds": OUTAGE_SECONDS,
        "outcomes": dict(tally.outcomes),
        "retry_after": sorted(v for v in tally.retry_after if v),
        "acknowledged_answers_checked": len(tally.latest),
        "lost": len(lost),
        "given_up": len(tally.given_up),
    }
    _record("http_clients", figures)
    print("database restart, HTTP clients:", json.dumps(figures))

    assert not tally.given_up, tally.given_up
    assert saved_before > 0  # the clients were saving before the fault
    assert tally.outcomes["saved after retry"] > 0  # the fault was met, and retried through
    assert len(tally.latest) == len(texts)
    assert lost == {}
    # While the database was away the portal said so: 503 with Retry-After, never a bare 500.
    assert tally.outcomes["HTTP 500"] == 0
    assert tally.outcomes["HTTP 503"] > 0
    assert tally.retry_after == {"5"}


# --- The questionnaire page ---------------------------------------------------------------


def test_questionnaire_page_keeps_typing_through_a_database_outage_and_saves_it(restored, private_postgres):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs Debian's chromium)")
    response = restored["response"]
    long_texts = [
        q.code for q in iter_questions(response.cycle.instrument_version.definition) if q.type == "long_text"
    ]
    # Chromium starts only now, and ends before the test database is reset: Playwright runs an
    # event loop in this thread, and Django refuses the ORM (and would give code under a loop a
    # connection of its own) beside one.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            figures = _type_through_outage(browser, restored, private_postgres, long_texts)
        finally:
            browser.close()
    _record("questionnaire_page", figures)
    assert figures["shown_while_down"].startswith("Not saved")
    assert figures["overall_while_down"] == "unsaved"
    assert figures["stored"] == figures["typed"]


def _type_through_outage(browser, restored, private_postgres, long_texts: list[str]) -> dict:
    response_id = restored["response"].pk
    context = browser.new_context(base_url=restored["base"], locale="en-GB")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": restored["cookies"]["corr_fra"],
                "url": restored["base"],
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        page.goto(f"/responses/{response_id}/")
        visible = (c for c in long_texts if page.locator(f'.question[data-code="{c}"] textarea').is_visible())
        code = next(visible)
        question = page.locator(f'.question[data-code="{code}"]')
        state = question.locator("[data-save-state]")
        typed = "Typed while the database was restarting; kept and saved afterwards."

        private_postgres.stop("fast")
        started = time.monotonic()
        try:
            question.locator("textarea").fill(typed)
            question.locator("textarea").blur()
            page.wait_for_function(
                "el => el.dataset.state === 'retrying'", arg=state.element_handle(), timeout=20000
            )
            shown_while_down = state.inner_text()
            overall_while_down = page.locator("#save-status").get_attribute("data-state")
            ARTIFACTS.mkdir(exist_ok=True)
            question.screenshot(path=str(ARTIFACTS / "database-restart-retrying.png"))
            time.sleep(OUTAGE_SECONDS)
            assert question.locator("textarea").input_value() == typed  # kept in the field
        finally:
            private_postgres.start()
        page.wait_for_function(
            "el => el.dataset.state === 'saved'", arg=state.element_handle(), timeout=60000
        )
        seconds_to_saved = round(time.monotonic() - started, 1)
        assert page.locator("#save-status").get_attribute("data-state") == "saved"
        stored = private_postgres.answers(response_id)
    finally:
        context.close()
    return {
        "question": code,
        "typed": typed,
        "stored": stored.get(code),
        "shown_while_down": shown_while_down,
        "overall_while_down": overall_while_down,
        "seconds_from_outage_to_saved": seconds_to_saved,
    }
