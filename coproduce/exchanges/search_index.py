"""The database side of listing search.

SQLite: an FTS5 table with the trigram tokenizer mirrors ``Listing.search_text`` through
triggers (an external-content table, so the text is stored once).
PostgreSQL: the pg_trgm extension, a GIN trigram index on ``search_text`` and a GIN index on
its English full-text vector. See ``coproduce/exchanges/search.py`` for how they are used.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "exchanges_listing_fts"

_SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS exchanges_listing_fts USING fts5("
    "search_text, content='exchanges_listing', content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER IF NOT EXISTS exchanges_listing_fts_ai AFTER INSERT ON exchanges_listing
    BEGIN INSERT INTO exchanges_listing_fts(rowid, search_text)
    VALUES (new.id, new.search_text); END""",
    """CREATE TRIGGER IF NOT EXISTS exchanges_listing_fts_ad AFTER DELETE ON exchanges_listing
    BEGIN INSERT INTO exchanges_listing_fts(exchanges_listing_fts, rowid, search_text)
    VALUES ('delete', old.id, old.search_text); END""",
    """CREATE TRIGGER IF NOT EXISTS exchanges_listing_fts_au AFTER UPDATE OF search_text
    ON exchanges_listing
    BEGIN INSERT INTO exchanges_listing_fts(exchanges_listing_fts, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
    INSERT INTO exchanges_listing_fts(rowid, search_text)
    VALUES (new.id, new.search_text); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS exchanges_listing_fts_ai",
    "DROP TRIGGER IF EXISTS exchanges_listing_fts_ad",
    "DROP TRIGGER IF EXISTS exchanges_listing_fts_au",
    "DROP TABLE IF EXISTS exchanges_listing_fts",
]
_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS exchanges_listing_trgm ON exchanges_listing "
    "USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS exchanges_listing_fts ON exchanges_listing "
    "USING gin (to_tsvector('english'::regconfig, search_text))",
]
_POSTGRES_DROP = [
    "DROP INDEX IF EXISTS exchanges_listing_trgm",
    "DROP INDEX IF EXISTS exchanges_listing_fts",
]


def search_index_create(connection: BaseDatabaseWrapper) -> None:
    statements = {"sqlite": _SQLITE, "postgresql": _POSTGRES}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "sqlite":
            # After SQLite rebuilt the table the mirror may be stale: rebuild it from the content.
            cursor.execute(
                "INSERT INTO exchanges_listing_fts(exchanges_listing_fts) VALUES ('rebuild')"
            )


def search_index_drop(connection: BaseDatabaseWrapper) -> None:
    statements = {"sqlite": _SQLITE_DROP, "postgresql": _POSTGRES_DROP}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def search_index_after_migrate(using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    connection = connections[using]
    if (
        connection.vendor == "sqlite"
        and "exchanges_listing" in connection.introspection.table_names()
    ):
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'exchanges_listing_fts_ai'")
            if cursor.fetchone() is not None:
                return
        search_index_create(connection)
