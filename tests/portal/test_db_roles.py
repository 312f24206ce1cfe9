"""The application's own database role cannot rewrite history, whatever the code does."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.utils import ProgrammingError

from portal.db_roles import append_only_tables
from portal.services import audit_record

pytestmark = pytest.mark.django_db

ROLE = "portal_app_test"


@pytest.fixture
def app_role():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {ROLE}")  # left by an interrupted run
        cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    yield ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"DROP OWNED BY {ROLE}")
        cursor.execute(f"DROP ROLE {ROLE}")


def test_the_append_only_tables_are_found_from_the_models():
    tables = append_only_tables()
    for table in ("responses_responseversion", "responses_versionacknowledgement", "portal_auditentry"):
        assert table in tables
    assert "portal_userevent" in tables  # trigger-based history of people
    assert "responses_draftanswer" not in tables


def test_the_app_role_may_insert_but_not_update_or_delete_history(app_role, corr_fra):
    call_command("grant_app_role", app_role)
    entry = audit_record(actor=corr_fra, action="test", obj=corr_fra)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app_role}")
        cursor.execute(
            "INSERT INTO portal_auditentry (created_at, action, object_type, object_id, data)"
            " VALUES (now(), 'inserted as app', 'x', '1', '{}')"
        )
        cursor.execute("UPDATE portal_user SET position = 'Director' WHERE id = %s", [corr_fra.pk])
        cursor.execute("SAVEPOINT before_update")
        with pytest.raises(ProgrammingError, match="permission denied"):
            cursor.execute("UPDATE portal_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
        cursor.execute("ROLLBACK TO SAVEPOINT before_update")
        with pytest.raises(ProgrammingError, match="permission denied"):
            cursor.execute("DELETE FROM responses_responseversion")
        cursor.execute("ROLLBACK TO SAVEPOINT before_update")
        cursor.execute("RESET ROLE")
