"""PostgreSQL: the public name search's bigram GIN index (migration 0002) without a pending list
(`xinyong.core.indexes.gin_without_pending_list` says why)."""

from __future__ import annotations

from django.db import migrations

from xinyong.core.indexes import gin_default, gin_without_pending_list

INDEX = "subject_name_bigrams"


class Migration(migrations.Migration):
    dependencies = [("subjects", "0003_id_number_index")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: gin_without_pending_list(editor, INDEX),
            lambda apps, editor: gin_default(editor, INDEX),
            elidable=False,
        )
    ]
