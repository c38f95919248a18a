"""The manifest of a backup: what each file is, its size and SHA-256, and the audit chain's head at backup time.

Pure values and file digests; `xinyong.ops.backup` does the copying.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

FORMAT = "xinyong-backup/1"
MANIFEST_NAME = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
SECRET_KEY_FILE = "keys/secret_key"
AUDIT_KEY_FILE = "keys/audit_key"
MEDIA_FOLDER = "media"
ANCHOR_FOLDER = "anchors"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on, with the reason in Chinese for the operator."""


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str
    vendor: str
    head_seq: int
    head_hash: str
    audit_key_id: str
    audit_key_included: bool
    secret_key_included: bool
    files: list[FileEntry] = field(default_factory=list)
    format: str = FORMAT

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.vendor]

    def under(self, folder: str) -> list[FileEntry]:
        return [f for f in self.files if f.path.startswith(folder + "/")]

    def entry(self, path: str) -> FileEntry | None:
        return next((f for f in self.files if f.path == path), None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"


def manifest_from_json(text: str) -> Manifest:
    """A manifest read back, its paths checked: a crafted backup must not write outside the data folder."""
    try:
        data: dict[str, Any] = json.loads(text)
        if data.get("format") != FORMAT:
            raise BackupError(f"不是 xinyong 备份的清单（格式应为 {FORMAT}）")
        files = [FileEntry(path=str(f["path"]), size=int(f["size"]), sha256=str(f["sha256"])) for f in data["files"]]
        manifest = Manifest(
            created_at=str(data["created_at"]),
            vendor=str(data["vendor"]),
            head_seq=int(data["head_seq"]),
            head_hash=str(data["head_hash"]),
            audit_key_id=str(data["audit_key_id"]),
            audit_key_included=bool(data["audit_key_included"]),
            secret_key_included=bool(data["secret_key_included"]),
            files=files,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError("备份清单 manifest.json 不完整或字段有误") from exc
    if manifest.vendor not in DATABASE_FILES:
        raise BackupError(f"备份清单中的数据库类型未知：{manifest.vendor}")
    if manifest.entry(manifest.database_file) is None:
        raise BackupError(f"备份清单中没有数据库文件 {manifest.database_file}")
    for entry in files:
        if not is_safe_path(entry.path):
            raise BackupError(f"备份清单中的文件路径不允许：{entry.path}")
    return manifest


def is_safe_path(path: str) -> bool:
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in {"", ".", ".."} for part in pure.parts) or "\\" in path:
        return False
    known = {*DATABASE_FILES.values(), SECRET_KEY_FILE, AUDIT_KEY_FILE}
    return path in known or (pure.parts[0] in {MEDIA_FOLDER, ANCHOR_FOLDER} and len(pure.parts) > 1)


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def copy_with_digest(source: Path, target: Path, *, mode: int | None = None) -> tuple[int, str]:
    """Copy a file and return its size and SHA-256, read once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    if mode is not None:
        target.chmod(mode)
    else:
        shutil.copystat(source, target)
    return size, digest.hexdigest()


def files_under(folder: Path) -> list[Path]:
    """Every regular file below a folder, in a stable order (symbolic links are not followed)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
