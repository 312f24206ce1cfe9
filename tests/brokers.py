"""Redis as the tests' broker for real Celery workers: the configured one, or a redis-server
started for the run when the configured broker is another (the embedded default, kombu's
SQLAlchemy transport), so that a fresh machine's `make test` runs these tests too."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.servers import free_port, stop


def answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.ConnectionError:
        return False


@contextlib.contextmanager
def redis_server(directory: Path, *, configured: str) -> Iterator[str]:
    """A redis-server on a free loopback port, keeping nothing on disk; stopped after."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            f"these tests need Redis: the broker is {configured.split(':')[0]}:… and there is"
            " no redis-server binary on PATH to start one"
        )
    port = free_port()
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)]
        + ["--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "redis.log"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 30
        while not answers(url):
            assert server.poll() is None, (directory / "redis.log").read_text()
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.2)
        yield url
    finally:
        stop(server)


def publish_to(url: str) -> None:
    """Point this process's Celery publisher at another broker (its connection pools anew)."""
    from kombu import pools

    from portal.celery import app

    pools.reset()  # kombu's registry of connection and producer pools
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    # The Redis options production gives (socket timeouts: a silent broker must not hang).
    app.conf.broker_transport_options = (
        settings.REDIS_BROKER_TRANSPORT_OPTIONS
        if url.startswith("redis")
        else settings.CELERY_BROKER_TRANSPORT_OPTIONS
    )
    # Celery prefers a CELERY_BROKER_URL in the environment to broker_url; publishers
    # connect to broker_write_url, which is read from the configuration first.
    app.conf.broker_write_url = url
