"""The version history resists its own database owner: a change made with the public hash
algorithm recomputed, and a newest version deleted, both make verify_history fail.

The attacks run as the owner of the tables, in raw SQL, past the append-only trigger the
owner may disable; verify_history runs as its own process, as an operator would run it."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from responses import services
from responses.hashing import answers_sha256, version_seal, version_sha256
from responses.models import ResponseVersion
from responses.selectors import draft_revision_get
from tests.conftest import database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _verify_history() -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DEBUG": "True",
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "verify_history"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )


def _as_owner(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE responses_responseversion DISABLE TRIGGER USER")
        try:
            cursor.execute(statement, params)
        finally:
            cursor.execute("ALTER TABLE responses_responseversion ENABLE TRIGGER USER")


def _submit(response, person):
    return services.response_submit(
        response=response, user=person, base_revision=draft_revision_get(response=response)
    )


def _two_versions(filled_fra, corr_fra):
    _submit(filled_fra, corr_fra)
    services.response_amend(response=filled_fra, user=corr_fra)
    services.draft_save(
        response=filled_fra,
        user=corr_fra,
        answers={"contact.1.authority": "Ministry of the Interior"},
        base_revision=filled_fra.draft_revision,
    )
    _submit(filled_fra, corr_fra)
    assert list(filled_fra.versions.values_list("number", flat=True)) == [1, 2]


def test_it_passes_an_untouched_history(filled_fra, corr_fra):
    _two_versions(filled_fra, corr_fra)
    result = _verify_history()
    assert result.returncode == 0, result.stderr
    assert "2 versions of 1 respondents verified." in result.stdout


def test_it_detects_answers_changed_with_the_chain_recomputed(filled_fra, corr_fra):
    _two_versions(filled_fra, corr_fra)
    # Rewrite v1's answers, then every hash after it with the public algorithm.
    previous = ""
    for version in ResponseVersion.objects.filter(response=filled_fra).order_by("number"):
        answers = version.answers
        if version.number == 1:
            answers = {**answers, "a.1.organized_crime": "no"}
        content = answers_sha256(answers)
        sha256 = version_sha256(
            previous_sha256=previous,
            respondent_code="FRA",
            cycle_slug=filled_fra.cycle.slug,
            number=version.number,
            kind=version.kind,
            author=version.author.username,
            reason=version.reason,
            created_at=version.created_at.isoformat(),
            content_sha256=content,
        )
        _as_owner(
            "UPDATE responses_responseversion SET answers = %s::jsonb, content_sha256 = %s,"
            " previous_sha256 = %s, sha256 = %s WHERE id = %s",
            [json.dumps(answers), content, previous, sha256, version.pk],
        )
        previous = sha256

    result = _verify_history()

    assert result.returncode != 0
    assert "FRA test-1997-34 v1: the seal does not match" in result.stderr
    assert "FRA test-1997-34 v2: the seal does not match" in result.stderr


def test_it_detects_a_seal_made_with_another_key(filled_fra, corr_fra):
    _two_versions(filled_fra, corr_fra)
    version = ResponseVersion.objects.get(response=filled_fra, number=2)
    forged = version_seal(version.sha256, key="a guess at the key that is not the key")
    _as_owner("UPDATE responses_responseversion SET seal = %s WHERE id = %s", [forged, version.pk])

    result = _verify_history()

    assert result.returncode != 0
    assert "FRA test-1997-34 v2: the seal does not match" in result.stderr
    assert "v1:" not in result.stderr


def test_it_detects_the_latest_version_deleted(filled_fra, corr_fra):
    _two_versions(filled_fra, corr_fra)
    _as_owner("DELETE FROM responses_responseversion WHERE response_id = %s AND number = 2", [filled_fra.pk])

    result = _verify_history()

    assert result.returncode != 0
    assert "FRA test-1997-34 v2: missing (the response has 2 versions)" in result.stderr


def test_it_detects_the_accepted_version_deleted(filled_fra, corr_fra, reviewer):
    _submit(filled_fra, corr_fra)
    services.response_accept(response=filled_fra, user=reviewer)
    with connection.cursor() as cursor:  # the response forgets it ever had a version, too
        cursor.execute(
            "UPDATE responses_response SET latest_version_number = 0 WHERE id = %s", [filled_fra.pk]
        )
        cursor.execute("DELETE FROM responses_answersearchentry WHERE response_id = %s", [filled_fra.pk])
    _as_owner("DELETE FROM responses_responseversion WHERE response_id = %s", [filled_fra.pk])

    result = _verify_history()

    assert result.returncode != 0
    assert "FRA test-1997-34 v1: the accepted version is missing" in result.stderr


def test_the_migration_seals_the_versions_made_before_the_seal(filled_fra, corr_fra):
    from django.db.migrations.executor import MigrationExecutor

    _two_versions(filled_fra, corr_fra)
    before, sealed = ("responses", "0005_reminder"), ("responses", "0006_version_seal")
    executor = MigrationExecutor(connection)
    executor.migrate([before])  # the seal column goes, as on a database from before it
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([sealed])

    seals = dict(ResponseVersion.objects.values_list("sha256", "seal"))
    assert len(seals) == 2
    assert all(seal == version_seal(sha256) for sha256, seal in seals.items())
    result = _verify_history()
    assert result.returncode == 0, result.stderr
