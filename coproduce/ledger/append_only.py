"""Database triggers that make ledger transfers append-only, on PostgreSQL and SQLite.

UPDATE and DELETE of a transfer row are refused by the database itself, whatever the caller.

The one exception is emptying the whole database (``manage.py flush``, which test teardown
uses). PostgreSQL flushes with TRUNCATE, which row triggers do not see. SQLite flushes with
``DELETE FROM`` on every table, so on SQLite the delete trigger asks a function registered on
each Django connection, ``ledger_flush_in_progress()``, which is true only while Django's
flush runs on that connection. Any other connection (the sqlite3 shell, another program)
has no such function, so its DELETE fails too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

TABLE = "ledger_transfer"
MESSAGE = "ledger transfers are append-only; record a reversal instead"

POSTGRESQL_CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION ledger_transfer_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $$;
    """,
    f"DROP TRIGGER IF EXISTS ledger_transfer_append_only ON {TABLE};",
    f"""
    CREATE TRIGGER ledger_transfer_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION ledger_transfer_refuse_change();
    """,
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS ledger_transfer_append_only ON {TABLE};",
    "DROP FUNCTION IF EXISTS ledger_transfer_refuse_change();",
]

SQLITE_CREATE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS ledger_transfer_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE refused)'); END;
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS ledger_transfer_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT ledger_flush_in_progress()
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE refused)'); END;
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_transfer_no_update;",
    "DROP TRIGGER IF EXISTS ledger_transfer_no_delete;",
]


def triggers_create(schema_connection: BaseDatabaseWrapper) -> None:
    statements = POSTGRESQL_CREATE if schema_connection.vendor == "postgresql" else SQLITE_CREATE
    if schema_connection.vendor not in ("postgresql", "sqlite"):
        return
    with schema_connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def triggers_drop(schema_connection: BaseDatabaseWrapper) -> None:
    statements = POSTGRESQL_DROP if schema_connection.vendor == "postgresql" else SQLITE_DROP
    if schema_connection.vendor not in ("postgresql", "sqlite"):
        return
    with schema_connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


FLUSHING_ATTRIBUTE = "_ledger_flush_in_progress"


def _wrap_flush(wrapper: BaseDatabaseWrapper) -> None:
    ops: Any = wrapper.ops
    if getattr(ops, "_ledger_flush_wrapped", False):
        return
    original: Callable[[list[str]], None] = ops.execute_sql_flush

    def execute_sql_flush(sql_list: list[str]) -> None:
        setattr(wrapper, FLUSHING_ATTRIBUTE, True)
        try:
            original(sql_list)
        finally:
            setattr(wrapper, FLUSHING_ATTRIBUTE, False)

    ops.execute_sql_flush = execute_sql_flush
    ops._ledger_flush_wrapped = True


def sqlite_connection_prepare(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Give each SQLite connection the function the delete trigger asks (see the module doc)."""
    if connection.vendor != "sqlite":
        return
    _wrap_flush(connection)
    connection.connection.create_function(
        "ledger_flush_in_progress",
        0,
        lambda: 1 if getattr(connection, FLUSHING_ATTRIBUTE, False) else 0,
    )


def connect_signals() -> None:
    connection_created.connect(sqlite_connection_prepare, dispatch_uid="ledger_sqlite_flush")


def triggers_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    schema_connection = connections[using]
    if schema_connection.vendor != "sqlite":
        return
    if TABLE in schema_connection.introspection.table_names():
        triggers_create(schema_connection)
