"""The application's database role: everything it needs, and no UPDATE or DELETE on the
append-only tables (versions, acknowledgements, audit log, history events), so even a
compromised application cannot rewrite history; the triggers stop the table owner too.

pgtrigger lets any session skip a trigger by listing it in the ``pgtrigger.ignore`` setting,
which no privilege controls. The history triggers (django-pghistory's events and the
append-only guards) are therefore watched by a guard trigger of our own, outside pgtrigger,
that refuses the statement when one of them is being ignored by a role that does not own
the table."""

from __future__ import annotations

from collections import defaultdict

import pghistory.trigger
import pgtrigger
from django.apps import apps
from django.db import connection
from psycopg2 import sql


def append_only_tables() -> list[str]:
    """Tables whose model protects every row against UPDATE and DELETE, unconditionally."""
    tables = []
    for model in apps.get_models():
        for trigger in getattr(model._meta, "triggers", []):
            if (
                isinstance(trigger, pgtrigger.Protect)
                and trigger.condition is None
                and "UPDATE" in str(trigger.operation)
                and "DELETE" in str(trigger.operation)
            ):
                tables.append(model._meta.db_table)
                break
        if model._meta.app_label == "pghistory" or model.__name__.endswith("Event"):
            if model._meta.db_table not in tables and hasattr(model, "pgh_obj"):
                tables.append(model._meta.db_table)
    return sorted(set(tables))


IGNORE_GUARD = "portal_history_ignore_guard"

# Row-level, before and after: a session could set pgtrigger.ignore from inside the
# statement (in its WHERE or RETURNING), after a statement-level check has run. Between a
# row's history trigger and the guard of the same timing, no statement code runs.
_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_history_ignore_guard() RETURNS TRIGGER AS $$
DECLARE
    ignored TEXT[];
BEGIN
    BEGIN
        ignored := NULLIF(CURRENT_SETTING('pgtrigger.ignore', TRUE), '')::TEXT[];
    EXCEPTION WHEN OTHERS THEN
        ignored := NULL;  -- as pgtrigger reads it: an unreadable value ignores nothing
    END;
    IF ignored && TG_ARGV::TEXT[] AND NOT pg_has_role(
        current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
    ) THEN
        RAISE EXCEPTION 'The history triggers of % cannot be ignored by role %.',
            TG_TABLE_NAME, current_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""


def history_triggers() -> dict[str, list[str]]:
    """Per table, the database names of the triggers that record history (pghistory's
    events) or keep it append-only (unconditional protection against UPDATE and DELETE)."""
    triggers: dict[str, list[str]] = defaultdict(list)
    for model, trigger in pgtrigger.registered():
        if isinstance(trigger, pghistory.trigger.Event) or (
            isinstance(trigger, pgtrigger.Protect) and model._meta.db_table in append_only_tables()
        ):
            triggers[model._meta.db_table].append(trigger.get_pgid(model))
    return {table: sorted(names) for table, names in sorted(triggers.items())}


def history_ignore_guard_install() -> dict[str, list[str]]:
    """(Re)install the guard on every table with history triggers. Run as the table owner."""
    guarded = history_triggers()
    with connection.cursor() as cursor:
        cursor.execute(_GUARD_FUNCTION)
        for table, names in guarded.items():
            arguments = sql.SQL(", ").join(sql.Literal(name) for name in names)
            for timing in ("BEFORE", "AFTER"):
                cursor.execute(
                    sql.SQL(
                        "CREATE OR REPLACE TRIGGER {trigger} {timing} INSERT OR UPDATE OR DELETE ON {table}"
                        " FOR EACH ROW EXECUTE FUNCTION {function}({arguments})"
                    ).format(
                        trigger=sql.Identifier(f"{IGNORE_GUARD}_{timing.lower()}"),
                        timing=sql.SQL(timing),
                        table=sql.Identifier(table),
                        function=sql.Identifier(IGNORE_GUARD),
                        arguments=arguments,
                    )
                )
    return guarded


def app_role_login(role: str, *, password: str) -> None:
    """Make ``role`` a login role with ``password``, creating it if it does not exist; it
    gets no other attribute (no superuser, no CREATEDB, no CREATEROLE, not the owner)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
        cursor.execute(
            sql.SQL("ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %s").format(
                sql.Identifier(role)
            ),
            [password],
        )


def app_role_grant(role: str) -> list[str]:
    """Grant ``role`` what the portal needs on the current database's public schema, then
    take UPDATE, DELETE and TRUNCATE back on the append-only tables."""
    protected = append_only_tables()
    with connection.cursor() as cursor:
        identifier = sql.Identifier(role)
        cursor.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), identifier
            )
        )
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(identifier))
        cursor.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
                identifier
            )
        )
        cursor.execute(
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(identifier)
        )
        for table in protected:
            cursor.execute(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(table), identifier
                )
            )
    history_ignore_guard_install()
    return protected
