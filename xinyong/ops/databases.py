"""Dumping and loading the whole database: SQLite's online backup API, PostgreSQL's pg_dump / pg_restore.

Each dump is one consistent snapshot, and the audit chain's head is read from that same snapshot, so that the
manifest names exactly the head the backup holds.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection, transaction

from xinyong.ops.manifest import BackupError

_HEAD_SQL = "SELECT seq, hash FROM audit_audithead WHERE id = 1"


def vendor() -> str:
    if connection.vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"不支持备份这种数据库：{connection.vendor}")
    return connection.vendor


def table_names() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def is_empty() -> bool:
    return not table_names()


def dump(target: Path) -> tuple[int, str] | None:
    """Write the database to `target`; the audit head (seq, hash) of the same snapshot, None without audit tables."""
    if vendor() == "sqlite":
        return _sqlite_dump(target)
    return _postgres_dump(target)


def load(source: Path) -> None:
    """Replace the (empty or cleared) database by a dump."""
    if vendor() == "sqlite":
        _sqlite_load(source)
    else:
        _postgres_load(source)
    connection.close()


def clear() -> None:
    """Drop every table, view, sequence and function of the database's schema (not those of extensions), so
    that a dump loads into a clean one. Only called after the current state was saved."""
    if vendor() == "sqlite":
        return  # the online backup replaces every page of the target
    outside_extensions = (
        "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
    )
    quote = connection.ops.quote_name
    kinds = {"v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE", "r": "TABLE", "p": "TABLE", "S": "SEQUENCE"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND "
            + outside_extensions.format(oid="c.oid")
        )
        found = cursor.fetchall()
        for kind, statement in kinds.items():
            names = [quote(name) for name, relkind in found if relkind == kind]
            if names:
                cursor.execute(f"DROP {statement} IF EXISTS {', '.join(names)} CASCADE")
        cursor.execute(
            "SELECT p.oid::regprocedure::text, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND " + outside_extensions.format(oid="p.oid")
        )
        for signature, prokind in cursor.fetchall():
            routine = {"p": "PROCEDURE", "a": "AGGREGATE"}.get(prokind, "FUNCTION")
            cursor.execute(f"DROP {routine} IF EXISTS {signature} CASCADE")


# -- SQLite ---------------------------------------------------------------------------------------------------


def _sqlite_connection() -> sqlite3.Connection:
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _sqlite_dump(target: Path) -> tuple[int, str] | None:
    # One step of the online backup is one read transaction: a consistent copy while the platform keeps writing.
    with contextlib.closing(sqlite3.connect(target)) as copy:
        _sqlite_connection().backup(copy)
        try:
            row = copy.execute(_HEAD_SQL).fetchone()
        except sqlite3.OperationalError:
            return None
    return (int(row[0]), str(row[1])) if row else (0, "0" * 64)


def _sqlite_load(source: Path) -> None:
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as dump_file:
        dump_file.backup(_sqlite_connection())


# -- PostgreSQL -----------------------------------------------------------------------------------------------


def _client_arguments() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    arguments = []
    if settings.get("HOST"):
        arguments += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        arguments += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        arguments += ["--username", str(settings["USER"])]
    arguments += ["--dbname", str(settings["NAME"])]
    environment = dict(os.environ)
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings["PASSWORD"])
    sslmode = (settings.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        environment["PGSSLMODE"] = str(sslmode)
    return arguments, environment


def _run(program: str, arguments: list[str], environment: dict[str, str]) -> None:
    try:
        done = subprocess.run([program, *arguments], env=environment, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(
            f"找不到 {program}：请安装 PostgreSQL 客户端（Debian：postgresql-client），版本不低于数据库服务器"
        ) from exc
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-3:]
        raise BackupError(f"{program} 失败（退出码 {done.returncode}）：{' '.join(detail)}")


def _postgres_dump(target: Path) -> tuple[int, str] | None:
    # The head is read in the snapshot that pg_dump is then told to use: both see exactly the same data.
    arguments, environment = _client_arguments()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        cursor.execute("SELECT to_regclass('audit_audithead') IS NOT NULL")
        head: tuple[int, str] | None = None
        if cursor.fetchone()[0]:
            cursor.execute(_HEAD_SQL)
            row = cursor.fetchone()
            head = (int(row[0]), str(row[1])) if row else (0, "0" * 64)
        _run("pg_dump", ["--format=custom", f"--snapshot={snapshot}", "--file", str(target), *arguments], environment)
    return head


def _postgres_load(source: Path) -> None:
    arguments, environment = _client_arguments()
    # Owners and grants of the source server may not exist here: the restoring role owns what it creates.
    _run(
        "pg_restore",
        ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", *arguments, str(source)],
        environment,
    )
