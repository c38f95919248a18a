"""PostgreSQL: the entry-key bigram GIN index (migration 0003) without a pending list: a check's fragment look-up
read the pending list a list import left behind (`xinyong.core.indexes.gin_without_pending_list`)."""

from __future__ import annotations

from django.db import migrations

from xinyong.core.indexes import gin_default, gin_without_pending_list

INDEX = "lists_entry_key_bigrams"


class Migration(migrations.Migration):
    dependencies = [("lists", "0003_entry_key_search"), ("subjects", "0004_gin_without_pending_list")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: gin_without_pending_list(editor, INDEX),
            lambda apps, editor: gin_default(editor, INDEX),
            elidable=False,
        )
    ]
