"""Backups: ``pg_dump`` of the database (custom format) and a tar of the media files, and
their restore. Uses the PostgreSQL 16 client tools shipped in the pgserver package, which
read both 15 and 16 servers."""

from __future__ import annotations

import importlib.util
import os
import subprocess  # nosec B404
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connections

# Found without importing pgserver, which would start looking for a runtime directory.
BIN = Path(importlib.util.find_spec("pgserver").origin).resolve().parent / "pginstall" / "bin"


def libpq_environment(alias: str = "default", database: str | None = None) -> dict[str, str]:
    """The connection of a Django database alias as libpq environment variables."""
    params = connections[alias].get_connection_params()
    environment = dict(os.environ)
    mapping = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        # The name of libpq's variable, not a password.
        "password": "PGPASSWORD",  # nosec B105
        "dbname": "PGDATABASE",
    }
    for key, variable in mapping.items():
        if params.get(key):
            environment[variable] = str(params[key])
    if database:
        environment["PGDATABASE"] = database
    return environment


def database_dump(target: Path, alias: str = "default") -> Path:
    subprocess.run(  # nosec B603
        [str(BIN / "pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
        env=libpq_environment(alias),
        check=True,
        capture_output=True,
    )
    return target


def database_restore(source: Path, database: str, alias: str = "default") -> None:
    """Restore a dump into ``database``, which must exist and be empty."""
    subprocess.run(  # nosec B603
        [
            str(BIN / "pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={database}",
            str(source),
        ],
        env=libpq_environment(alias, database),
        check=True,
        capture_output=True,
    )


def media_archive(target: Path) -> Path:
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target, "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname="media")
    return target


def media_extract(source: Path, destination: Path) -> None:
    with tarfile.open(source, "r:gz") as archive:
        archive.extractall(destination, filter="data")
