"""The container's health check passes under the production settings, and nothing else
gets past host validation or the HTTPS redirect because of it.

The portal runs as in the image (gunicorn, DEBUG off, a Host allowlist that does not include
the loopback address the check asks); the check is the exact command of the Dockerfile."""

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.servers import gunicorn_running, production_environment

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)
CHECKED_URL = "http://127.0.0.1:8000/healthz"


def dockerfile_healthcheck() -> list[str]:
    """The exec form of the Dockerfile's HEALTHCHECK CMD, continuation lines joined."""
    text = (BASE / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(r"^HEALTHCHECK\b.*?\bCMD\s+(\[.*\])\s*$", text, re.MULTILINE)
    assert match, "the Dockerfile has no HEALTHCHECK in exec form"
    return json.loads(match.group(1))


@pytest.fixture
def production_portal(tmp_path):
    def ready(port: int) -> bool:
        _get(port, "/", "portal.example.org")
        _get(port, "/healthz", f"127.0.0.1:{port}")  # warm: the check's own timeout is 4 s
        return True

    with gunicorn_running(
        production_environment(tmp_path), log_path=tmp_path / "gunicorn.log", ready=ready
    ) as port:
        yield port


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
