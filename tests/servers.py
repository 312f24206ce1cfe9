"""The portal as production runs it (gunicorn, DEBUG off), for tests that must see what a
real server does with hosts, proxies and health checks."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.conftest import database_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Production settings on the test database, with fresh secrets; ``overrides`` win."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")},
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "HISTORY_SEAL_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    environment.update(overrides)
    return environment


@contextlib.contextmanager
def gunicorn_running(
    environment: dict[str, str],
    *,
    log_path: Path,
    ready: Callable[[int], bool],
    extra_args: tuple[str, ...] = (),
    timeout: float = 90,
) -> Iterator[int]:
    """gunicorn serving the portal on a free loopback port, yielded once ``ready(port)`` is
    true (gunicorn accepts connections before its worker has loaded Django); stopped after."""
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                *extra_args,
            ],
            env=environment,
            cwd=settings.BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if ready(port):
                    break
            except OSError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"gunicorn did not start: {log_path.read_text()}"
            time.sleep(0.3)
        yield port
    finally:
        stop(process)


def stop(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """End a server the tests started: politely, then for sure."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
