"""The application's database role: everything it needs, and no UPDATE or DELETE on the
append-only tables (versions, acknowledgements, audit log, history events), so even a
compromised application cannot rewrite history; the triggers stop the table owner too."""

from __future__ import annotations

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
    return protected
