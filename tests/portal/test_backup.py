"""A backup restores into a fresh database whose every version still verifies."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from psycopg2 import sql

from portal.backup import media_extract
from responses import services
from responses.models import ResponseVersion
from responses.selectors import draft_revision_get
from tests.conftest import database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RESTORED = f"portal_restore_check_{os.getpid()}"  # one per test process


def test_a_backup_restores_and_every_version_verifies(filled_fra, corr_fra, reviewer, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    services.response_submit(
        response=filled_fra, user=corr_fra, base_revision=draft_revision_get(response=filled_fra)
    )
    services.secretariat_amendment_create(
        response=filled_fra,
        user=reviewer,
        answers={"contact.1.authority": "Ministry of Justice"},
        reason="Official name.",
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.response_amend(response=filled_fra, user=corr_fra)
    attachment = services.attachment_upload(
        response=filled_fra,
        question_code="a.1.organized_crime_texts",
        upload=SimpleUploadedFile("law.txt", b"Law No. 2004-204"),
        user=corr_fra,
    )
    call_command("backup", str(tmp_path / "backup"))
    dump = next((tmp_path / "backup").glob("portal-*.dump"))
    media = next((tmp_path / "backup").glob("media-*.tar.gz"))

    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(RESTORED)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(RESTORED)))
    try:
        from portal.backup import database_restore

        database_restore(dump, RESTORED)
        environment = {**os.environ, "DEBUG": "True", "DATABASE_URL": database_url(RESTORED)}
        result = subprocess.run(
            [sys.executable, "manage.py", "verify_history"],
            env=environment,
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        versions = ResponseVersion.objects.count()
        assert f"{versions} versions of 1 respondents verified." in result.stdout
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(RESTORED))
            )

    restored_media = tmp_path / "restored"
    media_extract(media, restored_media)
    restored_file = restored_media / "media" / attachment.file.name
    import hashlib

    assert hashlib.sha256(restored_file.read_bytes()).hexdigest() == attachment.sha256
