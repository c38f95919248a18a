"""Indexes for the public search of organisation names (xinyong.portal.search_index reads them).

Not model state: they are vendor-specific, so `makemigrations` never sees them.

- PostgreSQL: a btree on `name COLLATE "C"` (exact name, and prefix as a code-point range, in index order) and a
  GIN index on the name's bigrams (every pair of adjacent characters, lower case), which finds a fragment of 2
  characters or more anywhere in a name: Chinese brand names (字号) are often 2 characters, below what pg_trgm
  can index, and no extension is needed.
- SQLite: a btree on `name` (BINARY is code-point order) and an FTS5 trigram table over the names of everything but
  natural persons, kept in step by triggers (about 17 µs per inserted subject on the 2-core reference machine).

The FTS5 table may be missing (no trigram tokenizer before SQLite 3.34): the search then scans, slower but with the
same answers.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

FTS = "subjects_subject_name_fts"
BIGRAMS = "subject_name_bigrams"

_POSTGRESQL = [
    'CREATE INDEX IF NOT EXISTS subject_name_c ON subjects_subject ((name COLLATE "C"))',
    # IMMUTABLE, so PostgreSQL can index it and fold it over a query's constant fragment.
    f"""CREATE OR REPLACE FUNCTION {BIGRAMS}(text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT coalesce(array_agg(DISTINCT substr(lower($1), i, 2)), '{{}}')
          FROM generate_series(1, length($1) - 1) AS i
        $$""",
    f"CREATE INDEX IF NOT EXISTS {BIGRAMS} ON subjects_subject USING gin ({BIGRAMS}(name))",
]

_SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(name, content='subjects_subject', content_rowid='id', tokenize='trigram')",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON subjects_subject WHEN new.kind <> 'natural_person' BEGIN
          INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name);
        END""",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON subjects_subject WHEN old.kind <> 'natural_person' BEGIN
          INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name);
        END""",
    # One trigger, so the old entry is always removed before the new one is added.
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF name, kind ON subjects_subject BEGIN
          INSERT INTO {FTS}({FTS}, rowid, name) SELECT 'delete', old.id, old.name WHERE old.kind <> 'natural_person';
          INSERT INTO {FTS}(rowid, name) SELECT new.id, new.name WHERE new.kind <> 'natural_person';
        END""",
    f"INSERT INTO {FTS}(rowid, name) SELECT id, name FROM subjects_subject WHERE kind <> 'natural_person'",
]


def _try(schema_editor, statements: list[str], what: str) -> None:
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            for sql in statements:
                schema_editor.execute(sql)
    except DatabaseError as exc:
        logger.warning("public search: %s not created (%s); searches by name fragment will scan", what, exc)


def forwards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in _POSTGRESQL:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS subject_name_binary ON subjects_subject (name)")
        _try(schema_editor, _SQLITE_FTS, "FTS5 trigram table")


def backwards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {BIGRAMS}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {BIGRAMS}(text)")
        schema_editor.execute("DROP INDEX IF EXISTS subject_name_c")
    elif vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}")
        schema_editor.execute("DROP INDEX IF EXISTS subject_name_binary")


class Migration(migrations.Migration):
    dependencies = [("subjects", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
