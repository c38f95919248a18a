"""Pure keyed hashing of audit events and the check of a chain against its head and its anchors.

Each event's hash is an HMAC-SHA256, under a key kept outside the database, of the previous event's hash and the
event's content: someone who can write the database but does not hold the key can neither edit an event nor
re-hash the chain forward after one. Cutting the newest events off (and moving the head back) keeps a chain
consistent, so that is found by comparing with anchors: checkpoints of the head kept outside the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


class EventMac:
    """The keyed hash of events. The HMAC's key schedule is done once and copied per event (imports hash
    tens of thousands of events at a time)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the audit MAC key must have at least 32 bytes")
        self._base = hmac.new(key, digestmod=hashlib.sha256)

    def __call__(self, prev_hash: str, fields: Mapping[str, Any]) -> str:
        mac = self._base.copy()
        mac.update((prev_hash + "\n" + canonical(dict(fields))).encode("utf-8"))
        return mac.hexdigest()


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
class Checkpoint:
    """What an anchor says: the event at `seq` hashed to `hash`. `label` names the anchor in messages."""

    seq: int
    hash: str
    label: str


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def find_break(
    events: Iterable[ChainedEvent],
    *,
    mac: EventMac,
    head_seq: int,
    head_hash: str,
    checkpoints: Sequence[Checkpoint] = (),
) -> Break | None:
    """The first place where the chain does not hold, or None when it is intact up to its head and agrees with
    every checkpoint. Linear in the events, which are read once in seq order."""
    expected = {c.seq: c for c in checkpoints}
    expected_prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return Break(expected_seq, f"事件 #{expected_seq} 缺失（已被删除）")
        if event.prev_hash != expected_prev:
            return Break(event.seq, f"事件 #{event.seq} 的前一哈希与链不符（之前的事件被删除或篡改）")
        if mac(event.prev_hash, event.fields) != event.hash:
            return Break(event.seq, f"事件 #{event.seq} 的内容与其哈希不符（已被篡改或重新计算过哈希）")
        checkpoint = expected.get(event.seq)
        if checkpoint is not None and checkpoint.hash != event.hash:
            return Break(
                event.seq,
                f"事件 #{event.seq} 的哈希与{checkpoint.label}记录的不符："
                "该锚点之后审计链被改写，或数据库被恢复为另一份数据",
            )
        expected_prev = event.hash
        expected_seq += 1
    last_seq = expected_seq - 1
    if last_seq != head_seq or (head_seq and expected_prev != head_hash):
        if last_seq < head_seq:
            return Break(last_seq + 1, f"事件 #{last_seq + 1} 至 #{head_seq} 缺失（已被删除）")
        return Break(head_seq, f"审计链头记录的最新事件为 #{head_seq}，与事件表不符")
    beyond = [c for c in checkpoints if c.seq > last_seq]
    if beyond:
        latest = max(beyond, key=lambda c: c.seq)
        return Break(
            last_seq + 1,
            f"审计链只到事件 #{last_seq}，而{latest.label}记录了事件 #{latest.seq}："
            "最新的事件被删除（截断并回退了链头），或数据库被恢复到该锚点之前的备份",
        )
    return None
