"""Backup and restore round trips on the configured database (SQLite, or PostgreSQL with pg_dump / pg_restore) and
into a fresh installation; a stale restore is told by `audit verify` with a later anchor."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_anchor_write, audit_head, audit_verify
from xinyong.intake.services import import_file
from xinyong.intake.tests.test_import import COMPANY, HEADER, _csv, _row, _unit
from xinyong.ops.backup import BackupError, backup_create, backup_restore
from xinyong.ops.manifest import MANIFEST_NAME


@pytest.fixture
def installation(settings: Any, tmp_path: Path) -> Path:
    """A data folder of its own: originals, anchors, the generated secret key and audit key."""
    data = tmp_path / "data"
    data.mkdir()
    settings.DATA_DIR = data
    settings.MEDIA_ROOT = data / "media"
    settings.XINYONG_AUDIT_ANCHOR_DIR = data / "anchors"
    settings.XINYONG_AUDIT_KEY = ""
    settings.XINYONG_AUDIT_KEY_FILE = data / "audit_key"
    (data / "secret_key").write_text("测试用的密钥-" + "s" * 50, encoding="utf-8")
    return data


def _import(tmp_path: Path, name: str, documents: range) -> None:
    rows = [_row(f"利港测试{n}有限公司", "法人及非法人组织", COMPANY, f"澄利综执罚〔2026〕{n}号", "2026-05-06")
            for n in documents]
    result = import_file(path=_csv(tmp_path / name, rows), category_code="admin_penalty", department=_unit())
    assert result.accepted == len(documents)


def _tables(*, cursor: Any = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (sorted), through Django's connection or a given DB-API cursor on SQLite."""
    rows = {}
    if cursor is None:
        with connection.cursor() as own:
            return _tables(cursor=own)
    if isinstance(cursor, sqlite3.Cursor):
        names = [r[0] for r in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall()]
    else:
        names = connection.introspection.table_names(cursor)
    for name in sorted(names):
        cursor.execute(f'SELECT * FROM "{name}"')
        rows[name] = sorted(cursor.fetchall(), key=_row_order)
    return rows


def _row_order(row: tuple[Any, ...]) -> tuple[int, str]:
    # By id where the first column is one (the audit trail then reads in seq order), otherwise by the whole row.
    return (row[0] if isinstance(row[0], int) else 0, repr(row))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _split_audit(tables: dict[str, list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    tables.pop("audit_audithead")
    return tables.pop("audit_auditevent")


@pytest.mark.django_db(transaction=True)
def test_round_trip_restores_every_table_and_every_file(installation: Path, reference_data: Any,
                                                       tmp_path: Path) -> None:
    _import(tmp_path, "第一批.csv", range(1, 6))
    audit_anchor_write(actor=None)
    backup = tmp_path / "backup"
    result = backup_create(directory=backup)
    assert result.manifest.head_seq == audit_head()[0]
    assert AuditEvent.objects.get(seq=audit_head()[0]).action == "ops.backup_created"
    at_backup = _tables()
    head_at_backup = audit_head()
    media, anchors = _files(installation / "media"), _files(installation / "anchors")
    assert media and anchors
    assert (backup / "keys" / "audit_key").stat().st_mode & 0o777 == 0o600

    # Later work, then the restore: refused while the target has data, done with --force (the later state saved).
    _import(tmp_path, "第二批.csv", range(6, 9))
    with pytest.raises(BackupError, match="恢复目标不是空的"):
        backup_restore(directory=backup)
    restored = backup_restore(directory=backup, force=True)

    after = _tables()
    events_at_backup, events_after = _split_audit(at_backup), _split_audit(after)
    assert after == at_backup  # every other table, row for row
    # The audit trail: the backup's events, then one event saying the restore happened.
    assert events_after[: len(events_at_backup)] == events_at_backup
    assert len(events_after) == len(events_at_backup) + 1
    assert AuditEvent.objects.order_by("-seq").first().action == "ops.restored"  # type: ignore[union-attr]
    assert audit_head()[0] == head_at_backup[0] + 1
    assert audit_verify() is None
    assert _files(installation / "media") == media  # the second file is gone from here…
    assert restored.saved_to is not None and (restored.saved_to / MANIFEST_NAME).is_file()
    saved = json.loads((restored.saved_to / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert len([f for f in saved["files"] if f["path"].startswith("media/")]) == len(media) + 1  # …and kept there
    assert _files(installation / "anchors") == anchors


@pytest.mark.django_db(transaction=True)
def test_a_stale_restore_is_told_by_verify_with_a_later_anchor(installation: Path, reference_data: Any,
                                                               tmp_path: Path) -> None:
    _import(tmp_path, "第一批.csv", range(1, 4))
    backup = tmp_path / "backup-t1"
    call_command("backup", str(backup), stdout=io.StringIO())  # T1
    _import(tmp_path, "第二批.csv", range(4, 8))  # more changes
    later = audit_anchor_write(actor=None)  # T2, in the anchor folder; the auditor keeps a copy
    kept_by_auditor = tmp_path / "auditor" / later.path.name
    kept_by_auditor.parent.mkdir()
    kept_by_auditor.write_bytes(later.path.read_bytes())
    call_command("audit", "verify", "--anchor", str(kept_by_auditor), stdout=io.StringIO())

    out = io.StringIO()
    call_command("restore", str(backup), "--force", stdout=out)
    assert "恢复完成" in out.getvalue()
    assert f"xinyong audit verify --anchor {later.path}" in out.getvalue()  # the newer anchor survived the restore
    assert later.path.is_file()
    call_command("audit", "verify", stdout=io.StringIO())  # alone, the restored chain is consistent
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", "--anchor", str(kept_by_auditor), stdout=io.StringIO())
    message = str(failed.value)
    assert f"记录了事件 #{later.anchor.seq}" in message and "数据库被恢复到该锚点之前的备份" in message
    with pytest.raises(CommandError, match="不签发锚点"):
        call_command("audit", "anchor", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_unfinished_backup_is_refused_before_anything_changes(installation: Path,
                                                                           reference_data: Any,
                                                                           tmp_path: Path) -> None:
    _import(tmp_path, "第一批.csv", range(1, 3))
    backup = tmp_path / "backup"
    backup_create(directory=backup)
    with pytest.raises(BackupError, match="备份目录不是空目录"):
        backup_create(directory=backup)
    before = _tables()
    original = next((backup / "media").rglob("*.csv"))
    original.write_bytes(original.read_bytes() + b"x")
    with pytest.raises(BackupError, match=re.escape(f"校验和与清单不符：media/{original.relative_to(backup / 'media')}")):
        backup_restore(directory=backup, force=True)
    manifest_path = backup / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"].append({"path": "../../etc/cron.d/x", "size": 1, "sha256": "0" * 64})
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BackupError, match="文件路径不允许"):
        backup_restore(directory=backup, force=True)
    manifest["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest["files"].pop()
    manifest["files"].append({"path": "database.sqlite3" if connection.vendor != "sqlite" else "database.pgdump",
                              "size": 1, "sha256": "0" * 64})
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BackupError, match="不能直接恢复"):
        backup_restore(directory=backup, force=True)
    manifest_path.unlink()
    with pytest.raises(BackupError, match=r"没有 manifest\.json"):
        backup_restore(directory=backup, force=True)
    assert _tables() == before


@pytest.mark.django_db(transaction=True)
def test_a_restore_under_another_audit_key_is_refused(installation: Path, reference_data: Any, settings: Any,
                                                      tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    backup_create(directory=backup)
    settings.XINYONG_AUDIT_KEY = "生产环境的另一把审计密钥" * 3
    with pytest.raises(BackupError, match=r"XINYONG_AUDIT_KEY 的审计密钥.*不同"):
        backup_restore(directory=backup, force=True)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xinyong.cli", *args], env=env, capture_output=True, text=True)


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINYONG_", "DATABASE_URL", "SECRET_KEY"))}
    env.update({"XINYONG_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'xinyong.sqlite3'}"})
    return env


def test_restore_into_a_fresh_installation_on_sqlite(tmp_path: Path) -> None:
    """`xinyong backup` in one data folder, `xinyong restore` in an empty one: every table and file comes back."""
    source, target, backup = tmp_path / "source", tmp_path / "target", tmp_path / "backup"
    env = _env(source)
    assert _run(env, "setup").returncode == 0
    unit_name, unit_uscc = "综合执法局（含安全监督科）", "11320281179685395R"  # the shipped organisation file
    row = ["利港测试有限公司", "法人及非法人组织", COMPANY, "", "", "澄利综执罚〔2026〕1号", "未按规定设置消防安全标志",
           "经查属实", "《中华人民共和国消防法》第六十条", "警告、罚款", "警告并处罚款", "1.5", "2026-05-06",
           unit_name, unit_uscc, unit_name, unit_uscc]
    with (tmp_path / "处罚.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, row])
    path = tmp_path / "处罚.csv"
    done = _run(env, "import", str(path), "--category", "admin_penalty", "--department", "zhzfj", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["accepted"] == 1, done.stdout + done.stderr
    assert _run(env, "audit", "anchor").returncode == 0
    made = _run(env, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert "备份完成" in made.stdout and "审计链至事件 #" in made.stdout

    restored = _run(_env(target), "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    anchor = next((target / "anchors").glob("anchor-*.json"))
    assert f"下一步：请运行 xinyong audit verify --anchor {anchor}" in restored.stdout
    with sqlite3.connect(source / "xinyong.sqlite3") as a, sqlite3.connect(target / "xinyong.sqlite3") as b:
        before, after = _tables(cursor=a.cursor()), _tables(cursor=b.cursor())
    events_before, events_after = _split_audit(before), _split_audit(after)
    assert after == before and before["records_record"]
    assert events_after[: len(events_before)] == events_before and len(events_after) == len(events_before) + 1
    for folder in ("media", "anchors"):
        assert _files(target / folder) == _files(source / folder) != {}
    for name in ("secret_key", "audit_key"):
        assert (target / name).read_bytes() == (source / name).read_bytes()
    assert (target / "audit_key").stat().st_mode & 0o777 == 0o600
    verified = _run(_env(target), "audit", "verify", "--anchor", str(anchor))
    assert verified.returncode == 0, verified.stderr
    again = _run(_env(target), "restore", str(backup))
    assert again.returncode != 0 and "恢复目标不是空的" in again.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only")
def test_restore_into_a_fresh_postgresql_database(installation: Path, reference_data: Any, tmp_path: Path) -> None:
    """pg_dump in one database, `xinyong restore` into an empty one: every table comes back."""
    import psycopg

    _import(tmp_path, "第一批.csv", range(1, 4))
    audit_anchor_write(actor=None)
    backup = tmp_path / "backup"
    backup_create(directory=backup)
    source = connection.settings_dict
    scratch = f"{source['NAME']}_restore"
    server = f"postgres://{source['USER']}@{source['HOST']}:{source['PORT']}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    try:
        env = _env(tmp_path / "target")
        env["DATABASE_URL"] = f"{server}/{scratch}"
        restored = _run(env, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        connection.close()
        tables = {}
        for name in (source["NAME"], scratch):
            with psycopg.connect(f"{server}/{name}") as raw, raw.cursor() as cursor:
                tables[name] = _tables(cursor=cursor)
        before, after = tables[source["NAME"]], tables[scratch]
        events_before, events_after = _split_audit(before), _split_audit(after)
        assert after == before and before["records_record"]
        assert events_after[: len(events_before)] == events_before and len(events_after) == len(events_before) + 1
        verified = _run(env, "audit", "verify", "--anchor", str(next((tmp_path / "target" / "anchors").iterdir())))
        assert verified.returncode == 0, verified.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
