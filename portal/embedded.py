"""The embedded default: a real PostgreSQL started from the ``pgserver`` package.

Used only when ``DEBUG`` is on and no ``DATABASE_URL`` / ``CELERY_BROKER_URL`` is set, so a
fresh machine runs the portal, its Celery worker and its tests with no server installed.
The same PostgreSQL also carries the Celery broker, through kombu's SQLAlchemy transport,
in a database of its own. Production always names its servers in the environment.
"""

from __future__ import annotations

import os
import signal
import time
from functools import cache
from pathlib import Path

DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR", Path(__file__).resolve().parent.parent / ".data"))
BROKER_DATABASE = "broker"


@cache
def _server():
    # pgserver's platformdirs warns when a container has no XDG_RUNTIME_DIR; give it ours.
    runtime = DATA_DIR / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pgserver

    pgdata = DATA_DIR / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so the web server, the worker
    # and the test runner share one instance; `make stop` shuts it down.
    return pgserver.get_server(pgdata, cleanup_mode=None)


def database_url() -> str:
    """URL of the embedded server's ``portal`` database (created on first use)."""
    server = _server()
    _ensure_database(server, "portal")
    return f"postgres:///portal?host={server.pgdata}&user=postgres"


def broker_url() -> str:
    """kombu SQLAlchemy transport URL on the embedded server's ``broker`` database."""
    server = _server()
    _ensure_database(server, BROKER_DATABASE)
    return f"sqla+postgresql+psycopg2://postgres@/{BROKER_DATABASE}?host={server.pgdata}"


def _ensure_database(server, name: str) -> None:
    # ``name`` is one of this module's constants, never input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608  # nosec B608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{name}";')


def stop(timeout: float = 30) -> bool:
    """Shut the embedded server down (PostgreSQL's fast shutdown: SIGINT to the postmaster),
    whoever started it. pgserver itself stops a server only when the process asking is the
    last one it knows of, which a killed web server or worker never unregisters from."""
    pid_file = DATA_DIR / "pg" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)
    except (OSError, ValueError, IndexError):
        return False  # not running
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False
