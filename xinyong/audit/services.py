"""Writing and verifying the audit trail. Every service that changes data calls `audit_record` in its transaction."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model

from xinyong.audit import chain, context, keys
from xinyong.audit.anchors import (
    Anchor,
    AnchorError,
    anchor_file_name,
    anchor_make,
    anchor_parse,
    anchor_text,
    latest_anchor_file,
)
from xinyong.audit.models import AuditEvent, AuditHead
from xinyong.core import clock

# An arbitrary constant key for the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 7_263_021


class AuditKeyMismatch(RuntimeError):
    """The server's audit key is not the one the chain is hashed with: writing would fork the chain."""


def _lock_chain() -> AuditHead:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1, defaults={"seq": 0, "hash": chain.GENESIS})
    return head


def actor_label_of(actor: Any) -> str:
    if actor is None:
        return "system"
    username = getattr(actor, "username", None)
    return f"user:{username}" if username else str(actor)


@dataclass(frozen=True)
class AuditItem:
    """One event of `audit_record_many`."""

    action: str
    obj: Model | None = None
    object_type: str = ""
    object_id: str = ""
    summary: str = ""
    before: Any = None
    after: Any = None


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the transaction of the change it records."""
    item = AuditItem(action, obj, object_type, object_id, summary, before, after)
    return audit_record_many(actor=actor, items=[item])[0]


def audit_record_many(*, actor: Any, items: Sequence[AuditItem]) -> list[AuditEvent]:
    """Append events in order under one lock of the chain and one insert (a list file of thousands of entries).
    Must run inside the transaction of the changes they record."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change")
    if not items:
        return []
    key = keys.audit_key()
    acting = context.current()
    head = _lock_chain()
    if head.key_id and head.key_id != key.key_id:
        raise AuditKeyMismatch(
            f"当前审计密钥（{key.source}，密钥标识 {key.key_id}）与审计链使用的密钥（标识 {head.key_id}）不同："
            "拒绝写入，以免审计链分叉。请配置原来的审计密钥（XINYONG_AUDIT_KEY 或 XINYONG_AUDIT_KEY_FILE）"
        )
    label = actor_label_of(actor)
    actor_ref = actor if getattr(actor, "pk", None) else None
    occurred_at = clock.now()
    seq, prev = head.seq, head.hash
    events: list[AuditEvent] = []
    for item in items:
        object_type, object_id = item.object_type, item.object_id
        if item.obj is not None:
            object_type = object_type or item.obj._meta.label
            object_id = object_id or str(item.obj.pk)
        seq += 1
        fields = chain.hashed_fields(
            seq=seq,
            occurred_at=occurred_at,
            actor_label=label,
            action=item.action,
            object_type=object_type,
            object_id=object_id,
            summary=item.summary,
            before=item.before,
            after=item.after,
            request_id=acting.request_id,
            ip=acting.ip,
        )
        # The stored JSON must hash the same after a database round trip, so store what was hashed.
        event = AuditEvent(
            seq=seq,
            occurred_at=occurred_at,
            actor=actor_ref,
            actor_label=label,
            action=item.action,
            object_type=object_type,
            object_id=object_id,
            summary=item.summary,
            before=fields["before"],
            after=fields["after"],
            request_id=acting.request_id,
            ip=acting.ip,
            prev_hash=prev,
            hash=key.mac(prev, fields),
        )
        prev = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    head.seq = seq
    head.hash = prev
    head.key_id = key.key_id
    head.save(update_fields=["seq", "hash", "key_id"])
    return events


_HASHED_COLUMNS = (
    "seq", "occurred_at", "actor_label", "action", "object_type", "object_id", "summary", "before", "after",
    "request_id", "ip", "prev_hash", "hash",
)


def _stored_events() -> Iterator[chain.ChainedEvent]:
    # Plain rows in chunks: memory stays flat and no model instance is built per event.
    rows = AuditEvent.objects.order_by("seq").values_list(*_HASHED_COLUMNS)
    for seq, occurred_at, actor, action, otype, oid, summary, before, after, rid, ip, prev, digest in rows.iterator(
        chunk_size=5000
    ):
        fields = chain.hashed_fields(
            seq=seq,
            occurred_at=occurred_at,
            actor_label=actor,
            action=action,
            object_type=otype,
            object_id=oid,
            summary=summary,
            before=before,
            after=after,
            request_id=rid,
            ip=ip,
        )
        yield chain.ChainedEvent(seq=seq, fields=fields, prev_hash=prev, hash=digest)


def audit_verify(*, checkpoints: Sequence[chain.Checkpoint] = ()) -> chain.Break | None:
    """The first problem of the stored chain, with its key and against the given anchors' checkpoints."""
    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, chain.GENESIS)
    key = keys.configured_key()
    if key is None:
        if head_seq or checkpoints or AuditEvent.objects.exists():
            return chain.Break(1, f"找不到审计密钥（{keys.key_file()}）：无法校验审计链")
        return None
    broken = chain.find_break(
        _stored_events(), mac=key.mac, head_seq=head_seq, head_hash=head_hash, checkpoints=checkpoints
    )
    if head is not None and head.key_id and head.key_id != key.key_id:
        hint = (
            f"当前审计密钥（{key.source}，密钥标识 {key.key_id}）与写入审计链的密钥（标识 {head.key_id}）不同，"
            "请检查 XINYONG_AUDIT_KEY / XINYONG_AUDIT_KEY_FILE"
        )
        return chain.Break(broken.seq if broken else head_seq, f"{hint}；{broken.reason}" if broken else hint)
    return broken


def audit_head() -> tuple[int, str]:
    head = AuditHead.objects.filter(id=1).first()
    return (head.seq, head.hash) if head else (0, chain.GENESIS)


# -- anchors ----------------------------------------------------------------------------------------------


def anchor_folder() -> Path:
    return Path(settings.XINYONG_AUDIT_ANCHOR_DIR)


def anchor_load(path: Path) -> Anchor:
    """An anchor file checked against this platform's audit key; AnchorError names the file and the reason."""
    key = keys.configured_key()
    if key is None:
        raise AnchorError(f"找不到审计密钥（{keys.key_file()}）：无法核对锚点 {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AnchorError(f"无法读取锚点文件 {path}：{exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise AnchorError(f"锚点文件 {path} 无效：不是 UTF-8 文本") from exc
    try:
        return anchor_parse(text, public_key=key.public_key, key_id=key.key_id)
    except AnchorError as exc:
        raise AnchorError(f"锚点文件 {path} 无效：{exc}") from exc


def _write_new_file(path: Path, text: str) -> None:
    """Write a file that must not exist yet, whole or not at all (an anchor is never overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError as exc:
        raise AnchorError(f"锚点文件已存在，不覆盖：{path}") from exc
    except OSError as exc:
        raise AnchorError(f"无法写入锚点文件 {path}：{exc.strerror}") from exc
    finally:
        temporary.unlink(missing_ok=True)


@dataclass(frozen=True)
class AnchorWritten:
    path: Path
    anchor: Anchor
    previous: Path | None


def audit_anchor_write(*, actor: Any, output: Path | None = None) -> AnchorWritten:
    """Sign the chain's head into an anchor file outside the database. The chain is verified first, against the
    newest anchor of the anchor folder, so that a new anchor never vouches for a cut or rewritten chain. The
    anchor covers its own audit event (written in the same transaction, before the file)."""
    folder = anchor_folder()
    previous = latest_anchor_file(folder)
    checkpoints = [anchor_load(previous).checkpoint()] if previous else []
    broken = audit_verify(checkpoints=checkpoints)
    if broken is not None:
        raise AnchorError(f"审计链已被破坏，不签发锚点：{broken.reason}")
    key = keys.audit_key()
    with transaction.atomic():
        head = _lock_chain()
        now = clock.now()
        seq = head.seq + 1
        path = output or folder / anchor_file_name(seq=seq, created_at=now)
        event = audit_record(
            actor=actor,
            action="audit.anchor_written",
            object_type="audit.anchor",
            object_id=str(seq),
            summary=f"签发审计锚点（事件 #{seq}）",
            after={"file": str(path), "key_id": key.key_id},
        )
        anchor = _anchor_at(key, seq=event.seq, head_hash=event.hash, when=now)
        # Written last, inside the transaction: if the file cannot be written, the event is not kept either.
        _write_new_file(path, anchor_text(anchor))
    return AnchorWritten(path=path, anchor=anchor, previous=previous)


def _anchor_at(key: keys.AuditKey, *, seq: int, head_hash: str, when: dt.datetime) -> Anchor:
    return anchor_make(key, seq=seq, head_hash=head_hash, count=seq, created_at=when)


def snapshot(obj: Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-friendly copy of a model's concrete fields, for before/after in events."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _jsonable(getattr(obj, name)) for name in names}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
