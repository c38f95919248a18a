"""Backup and restore of a whole installation: the database, the original files of every import (MEDIA_ROOT), the
generated secret key, the audit key and the audit anchors, with a manifest of checksums and the chain's head.

Safe behaviour chosen for restore:
- the manifest's checksums are checked for every file before anything is touched;
- a target that is not empty (the database has tables, MEDIA_ROOT has files, or another audit key file is in
  place) is refused; with `force`, its current state is first saved, by the same backup, to
  `$XINYONG_DATA_DIR/backups/before-restore-<time>/`, and only then replaced;
- anchors are merged, never deleted or overwritten: a newer anchor kept in the anchor folder must still be
  there after the restore, to tell a stale restore (`xinyong audit verify --anchor`).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from xinyong.audit import keys
from xinyong.audit.anchors import latest_anchor_file
from xinyong.audit.services import anchor_folder, audit_head, audit_record
from xinyong.core import clock
from xinyong.core.clock import LOCAL_TZ
from xinyong.ops import databases
from xinyong.ops.manifest import (
    ANCHOR_FOLDER,
    AUDIT_KEY_FILE,
    DATABASE_FILES,
    MANIFEST_NAME,
    MEDIA_FOLDER,
    SECRET_KEY_FILE,
    BackupError,
    FileEntry,
    Manifest,
    copy_with_digest,
    file_digest,
    files_under,
    manifest_from_json,
)

__all__ = ["BackupError", "BackupResult", "RestoreResult", "backup_create", "backup_restore"]

_VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _secret_key_file() -> Path:
    # Only the key the embedded mode generated lives in a file; SECRET_KEY from the environment is not backed up.
    return Path(settings.DATA_DIR) / "secret_key"


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _migrations_current() -> bool:
    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def _audit_ready() -> bool:
    return "audit_audithead" in databases.table_names() and _migrations_current()


def _when(value: str) -> str:
    return f"{dt.datetime.fromisoformat(value).astimezone(LOCAL_TZ):%Y-%m-%d %H:%M:%S}"


@dataclass
class BackupResult:
    directory: Path
    manifest: Manifest
    seconds: float
    manifest_sha256: str

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.manifest.files)


def backup_create(*, directory: Path, actor: Any = None, include_audit_key: bool = True) -> BackupResult:
    """Back the installation up into a new, empty folder. The backup itself is an audit event, inside the backup."""
    started = time.perf_counter()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"备份目录不是空目录：{directory}（请指定一个新目录，备份不覆盖已有文件）")
    vendor = databases.vendor()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)  # it holds keys and personal data
    key = keys.audit_key()
    if _audit_ready():
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="ops.backup_created",
                object_type="ops.backup",
                summary=f"数据备份到 {directory.resolve()}",
                after={"directory": str(directory.resolve()), "database": vendor},
            )
    files: list[FileEntry] = []
    database_file = directory / DATABASE_FILES[vendor]
    head = databases.dump(database_file)
    database_file.chmod(0o600)
    files.append(FileEntry(DATABASE_FILES[vendor], *file_digest(database_file)))
    # Files after the database: every original the database names was stored before its row was committed.
    for folder, name in ((_media_root(), MEDIA_FOLDER), (anchor_folder(), ANCHOR_FOLDER)):
        for path in files_under(folder):
            relative = f"{name}/{path.relative_to(folder).as_posix()}"
            files.append(FileEntry(relative, *copy_with_digest(path, directory / relative)))
    secret_key = _secret_key_file()
    if secret_key.is_file():
        files.append(FileEntry(SECRET_KEY_FILE, *copy_with_digest(secret_key, directory / SECRET_KEY_FILE, mode=0o600)))
    key_included = include_audit_key and not keys.from_environment()
    if key_included:
        source = keys.key_file()
        files.append(FileEntry(AUDIT_KEY_FILE, *copy_with_digest(source, directory / AUDIT_KEY_FILE, mode=0o600)))
    manifest = Manifest(
        created_at=clock.now().isoformat(timespec="microseconds"),
        vendor=vendor,
        head_seq=head[0] if head else 0,
        head_hash=head[1] if head else "",
        audit_key_id=key.key_id,
        audit_key_included=key_included,
        secret_key_included=secret_key.is_file(),
        files=files,
    )
    # Written last: a folder without a manifest is an unfinished backup, which restore refuses.
    manifest_path = directory / MANIFEST_NAME
    manifest_path.write_text(manifest.to_json(), encoding="utf-8")
    return BackupResult(directory, manifest, time.perf_counter() - started, file_digest(manifest_path)[1])


@dataclass
class RestoreResult:
    manifest: Manifest
    saved_to: Path | None
    media_files: int
    anchors_added: int
    anchors_kept: list[str]
    latest_anchor: Path | None
    restore_event: bool
    seconds: float
    notes: list[str] = field(default_factory=list)


def _read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(f"{directory} 中没有 {MANIFEST_NAME}：不是备份目录，或备份没有完成")
    try:
        return manifest_from_json(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise BackupError("备份清单 manifest.json 不是 UTF-8 文本") from exc


def _check_files(directory: Path, manifest: Manifest) -> None:
    for entry in manifest.files:
        path = directory / entry.path
        if not path.is_file():
            raise BackupError(f"备份文件缺失：{entry.path}")
        size, digest = file_digest(path)
        if size != entry.size or digest != entry.sha256:
            raise BackupError(f"备份文件的校验和与清单不符：{entry.path}（文件损坏或被改动，拒绝恢复）")


def _backup_key(directory: Path, manifest: Manifest) -> keys.AuditKey | None:
    if not manifest.audit_key_included:
        return None
    key = keys.derive((directory / AUDIT_KEY_FILE).read_text(encoding="utf-8").strip(), source="备份中的审计密钥")
    if key.key_id != manifest.audit_key_id:
        raise BackupError("备份中的审计密钥与清单记录的密钥标识不符，拒绝恢复")
    return key


def _key_conflict(manifest: Manifest, backup_key: keys.AuditKey | None) -> bool:
    """Whether a key file other than the backup's is in place (replaced with force). Refuses what force cannot fix."""
    current = keys.configured_key()
    if keys.from_environment():
        assert current is not None
        if current.key_id != manifest.audit_key_id:
            raise BackupError(
                f"环境变量 XINYONG_AUDIT_KEY 的审计密钥（标识 {current.key_id}）与备份时的（标识 "
                f"{manifest.audit_key_id}）不同：恢复后审计链无法校验。请配置备份时的审计密钥后再恢复"
            )
        return False
    if current is not None and current.key_id == manifest.audit_key_id:
        return False
    if backup_key is None:
        raise BackupError(
            f"备份不含审计密钥（备份时来自环境变量），当前配置的密钥与备份时的（标识 {manifest.audit_key_id}）"
            "不同或不存在：请先配置备份时的审计密钥（XINYONG_AUDIT_KEY 或 XINYONG_AUDIT_KEY_FILE）再恢复"
        )
    return current is not None


def _merge_anchors(directory: Path, manifest: Manifest) -> tuple[int, list[str]]:
    """Copy the backup's anchors that the anchor folder lacks; never delete or overwrite one that is there."""
    folder = anchor_folder()
    added, kept = 0, []
    for entry in manifest.under(ANCHOR_FOLDER):
        target = folder / entry.path.removeprefix(ANCHOR_FOLDER + "/")
        if target.exists():
            if file_digest(target)[1] != entry.sha256:
                kept.append(str(target))
            continue
        copy_with_digest(directory / entry.path, target)
        added += 1
    return added, kept


def backup_restore(*, directory: Path, force: bool = False, actor: Any = None) -> RestoreResult:
    """Restore a backup made by `backup_create`. Stop the application servers and workers first."""
    started = time.perf_counter()
    manifest = _read_manifest(directory)
    current_vendor = databases.vendor()
    if manifest.vendor != current_vendor:
        raise BackupError(
            f"备份来自 {_VENDOR_NAMES[manifest.vendor]} 数据库，当前配置的是 {_VENDOR_NAMES[current_vendor]}："
            "不能直接恢复（请按备份时的 DATABASE_URL 配置）"
        )
    _check_files(directory, manifest)
    backup_key = _backup_key(directory, manifest)
    occupied = []
    if not databases.is_empty():
        occupied.append("数据库中已有数据表")
    if files_under(_media_root()):
        occupied.append(f"原始文件目录 {_media_root()} 中已有文件")
    if _key_conflict(manifest, backup_key):
        occupied.append(f"已有另一把审计密钥 {keys.key_file()}")
    saved_to = None
    if occupied:
        if not force:
            raise BackupError(
                f"恢复目标不是空的（{'；'.join(occupied)}），拒绝覆盖。确需覆盖请加 --force："
                "当前数据会先完整备份到数据目录下的 backups/ 中，再被替换"
            )
        stamp = clock.now().astimezone(LOCAL_TZ).strftime("%Y%m%dT%H%M%S")
        saved_to = Path(settings.DATA_DIR) / "backups" / f"before-restore-{stamp}"
        backup_create(directory=saved_to, actor=actor, include_audit_key=not keys.from_environment())
        databases.clear()
        shutil.rmtree(_media_root(), ignore_errors=True)
    databases.load(directory / manifest.database_file)
    media = manifest.under(MEDIA_FOLDER)
    for entry in media:
        copy_with_digest(directory / entry.path, _media_root() / entry.path.removeprefix(MEDIA_FOLDER + "/"))
    notes = []
    if manifest.secret_key_included:
        copy_with_digest(directory / SECRET_KEY_FILE, _secret_key_file(), mode=0o600)
    else:
        notes.append("备份时 SECRET_KEY 来自环境变量，未包含在备份中：请继续使用原来的 SECRET_KEY。")
    if backup_key is not None and not keys.from_environment():
        current = keys.configured_key()
        if current is None or current.key_id != backup_key.key_id:
            keys.key_file().unlink(missing_ok=True)
            copy_with_digest(directory / AUDIT_KEY_FILE, keys.key_file(), mode=0o600)
    anchors_added, anchors_kept = _merge_anchors(directory, manifest)
    restore_event = False
    if not _audit_ready():
        notes.append("恢复的数据库结构早于当前程序：请先运行 xinyong setup 升级数据库结构。")
    else:
        if audit_head() != (manifest.head_seq, manifest.head_hash):
            raise BackupError(
                f"恢复后的审计链头（#{audit_head()[0]}）与备份清单记录的（#{manifest.head_seq}）不符：备份有误"
            )
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="ops.restored",
                object_type="ops.backup",
                summary=f"从备份恢复（备份于 {_when(manifest.created_at)}，审计链至事件 #{manifest.head_seq}）",
                after={
                    "directory": str(directory.resolve()),
                    "backup_created_at": manifest.created_at,
                    "head_seq": manifest.head_seq,
                    "head_hash": manifest.head_hash,
                    "saved_to": str(saved_to) if saved_to else None,
                },
            )
        restore_event = True
    return RestoreResult(
        manifest=manifest,
        saved_to=saved_to,
        media_files=len(media),
        anchors_added=anchors_added,
        anchors_kept=anchors_kept,
        latest_anchor=latest_anchor_file(anchor_folder()),
        restore_event=restore_event,
        seconds=time.perf_counter() - started,
        notes=notes,
    )
