"""Set-based inserts for large imports: COPY on PostgreSQL, one prepared INSERT run on SQLite.

The ORM's bulk_create builds SQL in Python for every row; for hundreds of thousands of rows that, not the
database, is the limit. Values must already be adapted for the database (`connection.ops.adapt_*`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
