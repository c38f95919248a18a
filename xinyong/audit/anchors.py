"""Anchors: signed checkpoints of the audit chain's head, kept outside the database (like Certificate
Transparency's signed tree heads).

An anchor says "the chain had `count` events and event #`seq` hashed to `head_hash` at `created_at`", signed with
Ed25519. Ed25519 rather than an HMAC so that the auditor can check an anchor with the public key alone
(`xinyong audit key` prints it), which does not let anyone forge events or anchors; and an anchor can be handed
to a third party. Files are JSON; the signature covers the canonical JSON of every other field.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from xinyong.audit.chain import Checkpoint, canonical
from xinyong.audit.keys import AuditKey
from xinyong.core.clock import LOCAL_TZ

FORMAT = "xinyong-audit-anchor/1"
_FIELDS = ("format", "seq", "count", "head_hash", "created_at", "key_id", "public_key")


class AnchorError(Exception):
    """An anchor that cannot be used, with the reason in Chinese."""


@dataclass(frozen=True)
class Anchor:
    format: str
    seq: int
    count: int
    head_hash: str
    created_at: str
    key_id: str
    public_key: str
    signature: str

    def signed_part(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}

    @property
    def label(self) -> str:
        moment = dt.datetime.fromisoformat(self.created_at).astimezone(LOCAL_TZ)
        return f"锚点（{moment:%Y-%m-%d %H:%M:%S} 签发，事件 #{self.seq}）"

    def checkpoint(self) -> Checkpoint:
        return Checkpoint(seq=self.seq, hash=self.head_hash, label=self.label)


def anchor_make(key: AuditKey, *, seq: int, head_hash: str, count: int, created_at: dt.datetime) -> Anchor:
    unsigned: dict[str, Any] = {
        "format": FORMAT,
        "seq": seq,
        "count": count,
        "head_hash": head_hash,
        "created_at": created_at.isoformat(timespec="microseconds"),
        "key_id": key.key_id,
        "public_key": key.public_key_hex,
    }
    signature = key.signer.sign(canonical(unsigned).encode("utf-8")).hex()
    return Anchor(**unsigned, signature=signature)


def anchor_text(anchor: Anchor) -> str:
    return json.dumps(asdict(anchor), ensure_ascii=False, indent=2) + "\n"


def anchor_parse(text: str, *, public_key: bytes, key_id: str) -> Anchor:
    """An anchor read from its file and checked against the platform's public key."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AnchorError("不是锚点文件（不是 JSON）") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AnchorError(f"不是锚点文件（格式应为 {FORMAT}）")
    try:
        anchor = Anchor(**{name: data[name] for name in (*_FIELDS, "signature")})
        valid = (
            isinstance(anchor.seq, int)
            and anchor.seq >= 1
            and anchor.count == anchor.seq
            and len(anchor.head_hash) == 64
            and dt.datetime.fromisoformat(anchor.created_at).tzinfo is not None
        )
        signature = bytes.fromhex(anchor.signature)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnchorError("锚点文件不完整或字段有误") from exc
    if not valid:
        raise AnchorError("锚点文件不完整或字段有误")
    if anchor.key_id != key_id or anchor.public_key != public_key.hex():
        raise AnchorError(f"锚点由另一把审计密钥签发（密钥标识 {anchor.key_id}，当前为 {key_id}）")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature, canonical(anchor.signed_part()).encode("utf-8")
        )
    except InvalidSignature as exc:
        raise AnchorError("签名不符：锚点文件被改动过，或不是本平台签发的") from exc
    return anchor


def anchor_file_name(*, seq: int, created_at: dt.datetime) -> str:
    return f"anchor-{seq:010d}-{created_at.astimezone(LOCAL_TZ):%Y%m%dT%H%M%S}.json"


def latest_anchor_file(folder: Path) -> Path | None:
    """The anchor file of the highest seq in a folder (names sort by seq, then time)."""
    if not folder.is_dir():
        return None
    names = sorted(p for p in folder.glob("anchor-*.json") if p.is_file())
    return names[-1] if names else None
