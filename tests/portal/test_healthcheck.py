"""The container's health check passes under the production settings, and nothing else
gets past host validation or the HTTPS redirect because of it.

The portal runs as in the image (gunicorn, DEBUG off, a Host allowlist that does not include
the loopback address the check asks); the check is the exact command of the Dockerfile."""

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from tests.conftest import database_url

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)
CHECKED_URL = "http://127.0.0.1:8000/healthz"


def dockerfile_healthcheck() -> list[str]:
    """The exec form of the Dockerfile's HEALTHCHECK CMD, continuation lines joined."""
    text = (BASE / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(r"^HEALTHCHECK\b.*?\bCMD\s+(\[.*\])\s*$", text, re.MULTILINE)
    assert match, "the Dockerfile has no HEALTHCHECK in exec form"
    return json.loads(match.group(1))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def production_portal(tmp_path):
    port = _free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)},
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "HISTORY_SEAL_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        env=environment,
        cwd=BASE,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # Ready once a worker answers anything (gunicorn accepts connections before its worker
    # has loaded Django).
    deadline = time.monotonic() + 90
    while True:
        try:
            _get(port, "/", "portal.example.org")
            _get(port, "/healthz", f"127.0.0.1:{port}")  # warm: the check's own timeout is 4 s
            break
        except OSError:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
    try:
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _get(port: int, path: str, host: str) -> http.client.HTTPResponse:
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection_.request("GET", path, headers={"Host": host})
    response = connection_.getresponse()
    response.read()
    connection_.close()
    return response


def test_the_compose_web_service_runs_the_same_check():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    assert compose["services"]["web"]["healthcheck"]["test"] == ["CMD", *dockerfile_healthcheck()]


def test_the_dockerfile_health_check_passes_under_production_settings(production_portal):
    command = dockerfile_healthcheck()
    script = command[-1]
    assert CHECKED_URL in script
    # The image serves on 8000; this test's server on a free port of a shared machine.
    command[-1] = script.replace(CHECKED_URL, f"http://127.0.0.1:{production_portal}/healthz")
    result = subprocess.run(
        command,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_other_paths_on_a_wrong_host_are_still_refused(production_portal):
    wrong = f"127.0.0.1:{production_portal}"
    for path in ("/", "/accounts/login/", "/healthz/", "/api/v1/", "/static/../healthz"):
        assert _get(production_portal, path, wrong).status == 400, path


def test_an_allowed_host_is_still_sent_to_https(production_portal):
    response = _get(production_portal, "/", "portal.example.org")
    assert response.status == 301
    assert response.getheader("Location") == "https://portal.example.org/"
