# The API token model moves from intake to access. Its table stays where it is (`intake_apitoken`): this
# migration only tells Django's state that the model now belongs here; intake 0005 drops it from intake's state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("intake", "0004_resolution_backfill"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="系统名称")),
                        ("token_hash", models.CharField(max_length=64, unique=True, verbose_name="令牌哈希（SHA-256）")),
                        ("prefix", models.CharField(max_length=16, verbose_name="令牌前缀")),
                        ("created_at", models.DateTimeField(verbose_name="创建时间")),
                        ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="最近使用时间")),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="吊销时间")),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="创建人")),
                        ("department", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="api_tokens", to="org.unit", verbose_name="报送部门")),
                    ],
                    options={
                        "verbose_name": "接口令牌",
                        "verbose_name_plural": "接口令牌",
                        "ordering": ["department", "name", "id"],
                        "db_table": "intake_apitoken",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
