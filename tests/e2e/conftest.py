"""Browser tests: Debian's Chromium driven by Playwright against a live portal (web server
and a real Celery worker as separate processes) on a database of its own, seeded with the
demo. Screenshots of each step go to test-artifacts/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from psycopg2 import sql

from tests.conftest import database_url

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DEMO_PASSWORD = "e2e demo passphrase 2026"

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_portal(django_db_setup, django_db_blocker, tmp_path_factory):
    """The portal as its users meet it: migrated and seeded database, runserver, worker."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs Debian's chromium)")
    database = f"portal_e2e_{os.getpid()}"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    port = _free_port()
    media = tmp_path_factory.mktemp("media")
    environment = {
        **os.environ,
        "DEBUG": "True",
        "DATABASE_URL": database_url(database),
        "MEDIA_ROOT": str(media),
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "AXES_FAILURE_LIMIT": "50",
    }
    manage = [sys.executable, "manage.py"]
    cwd = settings.BASE_DIR
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--password", DEMO_PASSWORD]):
        subprocess.run(
            manage + command, env=environment, cwd=cwd, check=True, capture_output=True, timeout=600
        )
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "live-portal.log", "w")  # noqa: SIM115 (closed at teardown)
    processes = [
        subprocess.Popen(
            manage + ["runserver", f"127.0.0.1:{port}", "--noreload"],
            env=environment,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
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
                "--loglevel=INFO",
                "-n",
                f"e2e-{port}@%h",
            ],
            env=environment,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        ),
    ]
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base)
    try:
        yield {"url": base, "env": environment, "database": database}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )


def wait_healthy(base: str, timeout: float = 60) -> None:
    """Until the portal at ``base`` answers /healthz (which queries its database)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310 (our own loopback server)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def launch_chromium(playwright):
    """Debian's Chromium, headless, quiet (no background traffic)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread while the browser is open, and
    # Django refuses the ORM beside one; allow it for these modules only, and not beyond.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_portal):
    contexts = []

    def open_page(locale: str = "en-GB", viewport=None):
        context = browser.new_context(
            base_url=live_portal["url"], locale=locale, viewport=viewport or {"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    # Evaluated through the browser's debugging protocol: the page's CSP (no inline scripts)
    # stays in force for everything else.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", tags)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]
