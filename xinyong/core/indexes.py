"""Vendor-specific indexes: settings that migrations apply (not model state), and whether an optional one exists."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection


def gin_without_pending_list(schema_editor: Any, index: str) -> None:
    """PostgreSQL: a GIN index that takes new entries at once instead of in its pending list.

    With GIN's default fastupdate, new entries wait in an unsorted pending list (up to gin_pending_list_limit,
    4 MB) until a vacuum merges them, and every search reads the whole list: after a bulk load a fragment search
    took 11 ms instead of 0.2 ms on the 2-core reference machine. Inserting straight into the index costs a little
    more per row, once; searches are many.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = off)")
    # Turning it off does not merge what is already pending.
    schema_editor.execute(f"SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = '{index}'")


def gin_default(schema_editor: Any, index: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {index} RESET (fastupdate)")


_sqlite_tables: dict[tuple[str, str], bool] = {}


def sqlite_table_exists(table: str) -> bool:
    """Whether a migration could create an SQLite table it may have to skip (an FTS5 trigram table needs SQLite
    ≥ 3.34); asked once per database and table."""
    key = (str(connection.settings_dict.get("NAME")), table)
    found = _sqlite_tables.get(key)
    if found is None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
                found = cursor.fetchone() is not None
        except DatabaseError:
            found = False
        _sqlite_tables[key] = found
    return found
