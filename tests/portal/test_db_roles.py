"""The application's own database role cannot rewrite history, whatever the code does."""

import pgtrigger
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


def _pgid(table: str, name: str) -> str:
    for model, trigger in pgtrigger.registered():
        if model._meta.db_table == table and trigger.name == name:
            return trigger.get_pgid(model)
    raise LookupError(name)


def _user_events(person) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_userevent WHERE pgh_obj_id = %s", [person.pk])
        return cursor.fetchone()[0]


def test_the_app_role_cannot_skip_the_history_of_people(app_role, corr_fra):
    call_command("grant_app_role", app_role)
    history = _pgid("portal_user", "update_update")
    before = _user_events(corr_fra)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app_role}")
        cursor.execute("UPDATE portal_user SET position = 'Director' WHERE id = %s", [corr_fra.pk])
        cursor.execute("SAVEPOINT recorded")
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + history + "}"])
        with pytest.raises(ProgrammingError, match="cannot be ignored by role portal_app_test"):
            cursor.execute("UPDATE portal_user SET position = 'Minister' WHERE id = %s", [corr_fra.pk])
        cursor.execute("ROLLBACK TO SAVEPOINT recorded")
        # Set from inside the statement itself, after any statement-level check would run.
        with pytest.raises(ProgrammingError, match="cannot be ignored"):
            cursor.execute(
                "UPDATE portal_user SET position = 'Minister' WHERE id = %s"
                " RETURNING set_config('pgtrigger.ignore', %s, true)",
                [corr_fra.pk, "{" + history + "}"],
            )
        cursor.execute("ROLLBACK TO SAVEPOINT recorded")
        cursor.execute("RESET ROLE")
    assert _user_events(corr_fra) == before + 1  # the one update made without ignoring


def test_the_app_role_cannot_skip_the_append_only_guard(app_role, corr_fra):
    call_command("grant_app_role", app_role)
    entry = audit_record(actor=corr_fra, action="test", obj=corr_fra)
    guard = _pgid("portal_auditentry", "audit_append_only")
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT UPDATE ON portal_auditentry TO {app_role}")  # as if granted by mistake
        cursor.execute(f"SET ROLE {app_role}")
        cursor.execute("SAVEPOINT before_update")
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + guard + "}"])
        with pytest.raises(ProgrammingError, match="cannot be ignored"):
            cursor.execute("UPDATE portal_auditentry SET action = 'rewritten' WHERE id = %s", [entry.pk])
        cursor.execute("ROLLBACK TO SAVEPOINT before_update")
        cursor.execute("RESET ROLE")


def test_the_owner_and_other_triggers_can_still_be_ignored(app_role, corr_fra):
    call_command("grant_app_role", app_role)
    history = _pgid("portal_user", "update_update")
    published = _pgid("questionnaires_instrumentversion", "published_definition_immutable")
    before = _user_events(corr_fra)
    with connection.cursor() as cursor:
        # The owner (here the test's own role) may: migrations and repairs do.
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + history + "}"])
        cursor.execute("UPDATE portal_user SET position = 'Director' WHERE id = %s", [corr_fra.pk])
        # The application may skip a trigger that is not history: translations of a
        # published instrument are loaded past its definition guard.
        cursor.execute(f"SET ROLE {app_role}")
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + published + "}"])
        cursor.execute(
            "UPDATE questionnaires_instrumentversion SET definition = definition WHERE status <> 'draft'"
        )
        assert cursor.rowcount > 0
        cursor.execute("RESET ROLE")
    assert _user_events(corr_fra) == before


# Committed, so that a connection of the new role sees the role and its grants.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_grant_app_role_creates_a_login_role_from_the_environment(monkeypatch):
    from django.db import connections

    role = "portal_app_login_test"
    monkeypatch.setenv("APP_DB_PASSWORD", "a password for the application role")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
    try:
        call_command("grant_app_role", role, "--login-password-env", "APP_DB_PASSWORD")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolcanlogin, rolsuper, rolcreaterole, rolpassword IS NOT NULL"
                " FROM pg_authid WHERE rolname = %s",
                [role],
            )
            assert cursor.fetchone() == (True, False, False, True)
        # Its own connection, as web, worker and beat make it.
        settings_dict = {**connections["default"].settings_dict}
        settings_dict.update(USER=role, PASSWORD="a password for the application role")
        app = connections["default"].__class__(settings_dict, alias="app_role_check")
        try:
            with app.cursor() as cursor:
                cursor.execute("SELECT current_user, count(*) >= 0 FROM portal_user")
                assert cursor.fetchone() == (role, True)
        finally:
            app.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def test_grant_app_role_refuses_a_missing_password_variable(monkeypatch):
    from django.core.management import CommandError

    monkeypatch.delenv("APP_DB_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="APP_DB_PASSWORD is not set"):
        call_command("grant_app_role", "portal_app_test", "--login-password-env", "APP_DB_PASSWORD")


def test_compose_migrates_as_the_owner_and_runs_the_app_as_its_role():
    from pathlib import Path

    import yaml
    from django.conf import settings

    services = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())["services"]
    owner = services["db"]["environment"]["POSTGRES_USER"]
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_URL"].startswith(f"postgres://{owner}:${{POSTGRES_PASSWORD")
    script = " ".join(migrate["command"])
    assert script.index("migrate --noinput") < script.index(
        "grant_app_role portal_app --login-password-env APP_DB_PASSWORD"
    )
    for name in ("web", "worker", "beat"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgres://portal_app:${APP_DB_PASSWORD"), name
        assert "POSTGRES_PASSWORD" not in str(services[name]["environment"]), name
