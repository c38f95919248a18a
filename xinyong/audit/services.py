"""Writing and verifying the audit trail. Every service that changes data calls `audit_record` in its transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from xinyong.audit import chain, context
from xinyong.audit.models import AuditEvent, AuditHead
from xinyong.core import clock

# An arbitrary constant key for the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 7_263_021


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
    acting = context.current()
    head = _lock_chain()
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
            hash=chain.event_hash(prev, fields),
        )
        prev = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    head.seq = seq
    head.hash = prev
    head.save(update_fields=["seq", "hash"])
    return events


def _stored_events() -> Iterator[chain.ChainedEvent]:
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        fields = chain.hashed_fields(
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor_label=event.actor_label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            summary=event.summary,
            before=event.before,
            after=event.after,
            request_id=event.request_id,
            ip=event.ip,
        )
        yield chain.ChainedEvent(seq=event.seq, fields=fields, prev_hash=event.prev_hash, hash=event.hash)


def audit_verify() -> chain.Break | None:
    head = AuditHead.objects.filter(id=1).first()
    return chain.find_break(
        _stored_events(),
        head_seq=head.seq if head else 0,
        head_hash=head.hash if head else chain.GENESIS,
    )


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
