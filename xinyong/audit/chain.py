"""Pure hashing of audit events: each event's hash covers its content and the previous event's hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    payload = prev_hash + "\n" + _canonical(dict(fields))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hashed_fields(
    *,
    seq: int,
    occurred_at: dt.datetime,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    before: Any,
    after: Any,
    request_id: str,
    ip: str | None,
) -> dict[str, Any]:
    # Timestamps are hashed in UTC ISO form so the value survives a round trip through any database.
    return {
        "seq": seq,
        "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "summary": summary,
        "before": before,
        "after": after,
        "request_id": request_id,
        "ip": ip,
    }


@dataclass(frozen=True)
class ChainedEvent:
    seq: int
    fields: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def find_break(events: Iterable[ChainedEvent], *, head_seq: int, head_hash: str) -> Break | None:
    """The first event where the chain does not hold, or None when it is intact up to the head."""
    expected_prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return Break(expected_seq, f"事件 #{expected_seq} 缺失（已被删除）")
        if event.prev_hash != expected_prev:
            return Break(event.seq, f"事件 #{event.seq} 的前一哈希与链不符（之前的事件被删除或篡改）")
        if event_hash(event.prev_hash, event.fields) != event.hash:
            return Break(event.seq, f"事件 #{event.seq} 的内容与其哈希不符（已被篡改）")
        expected_prev = event.hash
        expected_seq += 1
    last_seq = expected_seq - 1
    if last_seq != head_seq or (head_seq and expected_prev != head_hash):
        if last_seq < head_seq:
            return Break(last_seq + 1, f"事件 #{last_seq + 1} 至 #{head_seq} 缺失（已被删除）")
        return Break(head_seq, f"审计链头记录的最新事件为 #{head_seq}，与事件表不符")
    return None
