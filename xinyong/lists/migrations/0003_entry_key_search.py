"""Indexes that find the list entries whose name key contains a fragment (xinyong.lists.retrieval reads them).

Not model state: they are vendor-specific, so `makemigrations` never sees them.

- PostgreSQL: a GIN index on the key's bigrams, with the bigram function of the public search
  (subjects migration 0002): a key containing the fragment holds all of the fragment's bigrams.
- SQLite: an FTS5 trigram table over the keys, kept in step by triggers. It may be missing (no trigram tokenizer
  before SQLite 3.34): retrieval then skips the fragment path for lack of an index, rather than scan a million rows.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

FTS = "lists_listentry_key_fts"
BIGRAMS = "subject_name_bigrams"

_POSTGRESQL = [f"CREATE INDEX IF NOT EXISTS lists_entry_key_bigrams ON lists_listentry USING gin ({BIGRAMS}(name_key))"]

_SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(name_key, content='lists_listentry', content_rowid='id', tokenize='trigram')",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON lists_listentry BEGIN
          INSERT INTO {FTS}(rowid, name_key) VALUES (new.id, new.name_key);
        END""",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON lists_listentry BEGIN
          INSERT INTO {FTS}({FTS}, rowid, name_key) VALUES ('delete', old.id, old.name_key);
        END""",
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF name_key ON lists_listentry BEGIN
          INSERT INTO {FTS}({FTS}, rowid, name_key) VALUES ('delete', old.id, old.name_key);
          INSERT INTO {FTS}(rowid, name_key) VALUES (new.id, new.name_key);
        END""",
    f"INSERT INTO {FTS}(rowid, name_key) SELECT id, name_key FROM lists_listentry",
]


def forwards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in _POSTGRESQL:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                for sql in _SQLITE_FTS:
                    schema_editor.execute(sql)
        except DatabaseError as exc:
            logger.warning("list entries: FTS5 trigram table not created (%s); fragment retrieval is off", exc)


def backwards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS lists_entry_key_bigrams")
    elif vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}")


class Migration(migrations.Migration):
    dependencies = [("lists", "0002_imports_watch_penalties"), ("subjects", "0002_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
