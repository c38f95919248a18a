"""A database writer who does not hold the audit key cannot hide what they did: the four attacks of issue 11
(edit, delete, truncate with head roll-back, rewrite with re-hash) and a chain that falls behind an anchor are
each found by `xinyong audit verify --anchor`."""

from __future__ import annotations

import hashlib
import importlib
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from xinyong.audit import chain, keys
from xinyong.audit.models import AuditEvent, AuditHead
from xinyong.audit.services import (
    AuditItem,
    AuditKeyMismatch,
    anchor_load,
    audit_anchor_write,
    audit_record,
    audit_record_many,
    audit_verify,
)

pytestmark = pytest.mark.django_db


def _write_events(n: int, start: int = 0) -> None:
    with transaction.atomic():
        audit_record_many(
            actor=None,
            items=[
                AuditItem("test.event", object_type="test", object_id=str(i), summary=f"第{i}个事件", after={"n": i})
                for i in range(start, start + n)
            ],
        )


def _anchor(tmp_path: Path, name: str = "anchor.json") -> Path:
    """An anchor the auditor keeps: written by the command to a file of their own."""
    path = tmp_path / "auditor" / name
    call_command("audit", "anchor", "--output", str(path))
    return path


def _verify(*anchors: Path) -> str:
    """`xinyong audit verify [--anchor …]`; the error message when it fails, '' when the chain is intact."""
    args = [arg for path in anchors for arg in ("--anchor", str(path))]
    try:
        call_command("audit", "verify", *args)
    except CommandError as exc:
        return str(exc)
    return ""


def _plain_rehash(from_seq: int) -> None:
    """What a writer who knows the algorithm but not the key does after an edit: re-hash forward and move the
    head, here with plain SHA-256 (the old algorithm) since the key is out of reach."""
    prev = AuditEvent.objects.get(seq=from_seq - 1).hash if from_seq > 1 else chain.GENESIS
    for event in AuditEvent.objects.filter(seq__gte=from_seq).order_by("seq"):
        fields = chain.hashed_fields(
            seq=event.seq, occurred_at=event.occurred_at, actor_label=event.actor_label, action=event.action,
            object_type=event.object_type, object_id=event.object_id, summary=event.summary, before=event.before,
            after=event.after, request_id=event.request_id, ip=event.ip,
        )
        digest = hashlib.sha256((prev + "\n" + chain.canonical(fields)).encode()).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    AuditHead.objects.filter(id=1).update(hash=prev)


def test_an_intact_chain_verifies_with_and_without_its_anchor(tmp_path: Path) -> None:
    _write_events(5)
    anchor = _anchor(tmp_path)
    _write_events(3, start=5)
    assert _verify() == ""
    assert _verify(anchor) == ""


def test_attack_edit_is_detected(tmp_path: Path) -> None:
    _write_events(6)
    anchor = _anchor(tmp_path)
    AuditEvent.objects.filter(seq=3).update(summary="改过的摘要")
    message = _verify(anchor)
    assert "事件 #3 的内容与其哈希不符" in message


def test_attack_delete_is_detected(tmp_path: Path) -> None:
    _write_events(6)
    anchor = _anchor(tmp_path)
    AuditEvent.objects.filter(seq=4).delete()
    assert "事件 #4 缺失" in _verify(anchor)


def test_attack_truncate_with_head_rollback_is_detected_by_the_anchor(tmp_path: Path) -> None:
    _write_events(6)
    anchor = _anchor(tmp_path)  # covers #7, its own event
    kept = AuditEvent.objects.get(seq=4)
    AuditEvent.objects.filter(seq__gt=4).delete()
    AuditHead.objects.filter(id=1).update(seq=4, hash=kept.hash)
    # Alone, the cut chain is consistent: only an anchor kept outside the database shows what is missing.
    assert _verify() == ""
    message = _verify(anchor)
    assert "审计链只到事件 #4" in message and "记录了事件 #7" in message and "截断" in message


def test_attack_truncate_then_new_activity_is_detected_by_the_anchor(tmp_path: Path) -> None:
    _write_events(6)
    anchor = _anchor(tmp_path)
    kept = AuditEvent.objects.get(seq=4)
    AuditEvent.objects.filter(seq__gt=4).delete()
    AuditHead.objects.filter(id=1).update(seq=4, hash=kept.hash)
    _write_events(10, start=100)  # the platform carries on: the head passes the anchor again
    assert _verify() == ""
    message = _verify(anchor)
    assert "事件 #7 的哈希与锚点" in message and "改写" in message


def test_attack_rewrite_with_rehash_forward_is_detected(tmp_path: Path) -> None:
    _write_events(6)
    anchor = _anchor(tmp_path)
    AuditEvent.objects.filter(seq=2).update(after={"n": 999})
    _plain_rehash(2)
    assert "事件 #2 的内容与其哈希不符" in _verify()
    assert "事件 #2 的内容与其哈希不符" in _verify(anchor)


def test_unkeyed_events_appended_by_a_writer_are_refused() -> None:
    _write_events(3)
    head = AuditHead.objects.get(id=1)
    AuditEvent.objects.create(
        seq=4, occurred_at=AuditEvent.objects.get(seq=3).occurred_at, actor_label="system", action="test.forged",
        object_type="test", request_id="x", prev_hash=head.hash, hash="0" * 64,
    )
    _plain_rehash(4)
    AuditHead.objects.filter(id=1).update(seq=4)
    broken = audit_verify()
    assert broken is not None and broken.seq == 4


def test_anchor_is_audited_covers_its_own_event_and_lands_in_the_anchor_folder(settings: Any) -> None:
    _write_events(2)
    written = audit_anchor_write(actor=None)
    assert written.path.parent == Path(settings.XINYONG_AUDIT_ANCHOR_DIR)
    assert written.path.name.startswith("anchor-0000000003-")
    event = AuditEvent.objects.get(seq=3)
    assert event.action == "audit.anchor_written" and event.after["file"] == str(written.path)
    data = json.loads(written.path.read_text(encoding="utf-8"))
    assert data["seq"] == data["count"] == 3 and data["head_hash"] == event.hash
    assert data["public_key"] == keys.audit_key().public_key_hex
    assert written.path.stat().st_size < 1000


def test_anchor_command_prints_the_file_and_refuses_to_overwrite(tmp_path: Path, capsys: Any) -> None:
    _write_events(1)
    call_command("audit", "anchor")
    out = capsys.readouterr().out
    assert "已签发审计锚点：事件 #2" in out and "锚点文件：" in out
    path = _anchor(tmp_path)
    with pytest.raises(CommandError, match="锚点文件已存在"):
        call_command("audit", "anchor", "--output", str(path))


def test_no_anchor_is_signed_for_a_chain_cut_since_the_last_anchor() -> None:
    _write_events(5)
    audit_anchor_write(actor=None)  # #6, kept in the anchor folder
    kept = AuditEvent.objects.get(seq=3)
    AuditEvent.objects.filter(seq__gt=3).delete()
    AuditHead.objects.filter(id=1).update(seq=3, hash=kept.hash)
    with pytest.raises(CommandError, match=r"不签发锚点.*只到事件 #3"):
        call_command("audit", "anchor")


def test_a_forged_or_foreign_anchor_is_refused(tmp_path: Path) -> None:
    _write_events(3)
    path = _anchor(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["seq"] = data["count"] = 2  # a writer wishing the anchor were older
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data), encoding="utf-8")
    assert "签名不符" in _verify(forged)
    other = keys.derive("另一把密钥" * 8, source="测试")
    from xinyong.audit.anchors import anchor_make, anchor_text

    foreign = tmp_path / "foreign.json"
    anchor = anchor_make(other, seq=4, head_hash=data["head_hash"], count=4, created_at=AuditEvent.objects.get(seq=4).occurred_at)
    foreign.write_text(anchor_text(anchor), encoding="utf-8")
    assert "另一把审计密钥" in _verify(foreign)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json", encoding="utf-8")
    assert f"锚点文件 {garbage} 无效" in _verify(garbage)
    assert "无法读取锚点文件" in _verify(tmp_path / "missing.json")


def test_the_public_key_alone_checks_an_anchor(tmp_path: Path) -> None:
    """The auditor holds the public key (`xinyong audit key`), which checks anchors but cannot make one."""
    _write_events(2)
    path = _anchor(tmp_path)
    key = keys.audit_key()
    from xinyong.audit.anchors import anchor_parse

    anchor = anchor_parse(path.read_text(encoding="utf-8"), public_key=bytes.fromhex(key.public_key_hex),
                          key_id=key.key_id)
    assert anchor.seq == 3
    assert anchor_load(path) == anchor


def test_a_server_with_another_key_refuses_to_write_and_verify_says_why(settings: Any, tmp_path: Path) -> None:
    _write_events(2)
    settings.XINYONG_AUDIT_KEY = "别的服务器上的另一把密钥" * 4
    with pytest.raises(AuditKeyMismatch, match="拒绝写入"), transaction.atomic():
        audit_record(actor=None, action="test.event", object_type="test")
    broken = audit_verify()
    assert broken is not None and "密钥标识" in broken.reason and "XINYONG_AUDIT_KEY" in broken.reason


def test_key_from_the_environment_and_from_a_generated_file(settings: Any, tmp_path: Path) -> None:
    settings.XINYONG_AUDIT_KEY = ""
    settings.XINYONG_AUDIT_KEY_FILE = tmp_path / "keys" / "audit_key"
    assert keys.configured_key() is None
    generated = keys.audit_key()
    assert (tmp_path / "keys" / "audit_key").stat().st_mode & 0o777 == 0o600
    assert keys.audit_key() == generated  # generated once
    settings.XINYONG_AUDIT_KEY = "x" * 40
    assert keys.audit_key().key_id == keys.derive("x" * 40, source="").key_id != generated.key_id
    settings.XINYONG_AUDIT_KEY = "short"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="太短"):
        keys.audit_key()


def test_key_command_prints_the_public_key_and_creates_a_key_file(tmp_path: Path, capsys: Any) -> None:
    call_command("audit", "key")
    out = capsys.readouterr().out
    assert f"密钥标识：{keys.audit_key().key_id}" in out and "公钥" in out
    target = tmp_path / "etc" / "audit_key"
    call_command("audit", "key", "--create", str(target))
    assert target.stat().st_mode & 0o777 == 0o600 and len(target.read_text().strip()) >= 32
    with pytest.raises(CommandError, match="已存在"):
        call_command("audit", "key", "--create", str(target))


def _legacy_chain(n: int) -> None:
    """Events as the platform wrote them before the key: plain SHA-256 links, no key id on the head."""
    _write_events(n)
    _plain_rehash(1)
    AuditHead.objects.filter(id=1).update(key_id="")


def _upgrade() -> None:
    migration = importlib.import_module("xinyong.audit.migrations.0002_audit_key")
    migration.rekey_chain(apps, SimpleNamespace(connection=connection))


def test_upgrade_rekeys_an_intact_legacy_chain_and_records_it() -> None:
    _legacy_chain(5)
    legacy_head = AuditHead.objects.get(id=1).hash
    assert audit_verify() is not None  # the old hashes are not keyed
    _upgrade()
    assert audit_verify() is None
    event = AuditEvent.objects.get(seq=6)
    assert event.action == "audit.key_enabled" and event.before["head_hash"] == legacy_head
    assert AuditHead.objects.get(id=1).key_id == keys.audit_key().key_id
    _write_events(2, start=10)
    assert audit_verify() is None


def test_upgrade_leaves_a_broken_legacy_chain_broken_where_it_was() -> None:
    _legacy_chain(5)
    AuditEvent.objects.filter(seq=3).update(summary="升级前被改过")
    _upgrade()
    broken = audit_verify()
    assert broken is not None and broken.seq == 3
    assert not AuditEvent.objects.filter(action="audit.key_enabled").exists()


def _best_of_three(function: Any) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def test_verify_time_grows_linearly() -> None:
    _write_events(1500)
    small = _best_of_three(lambda: audit_verify())
    _write_events(4500, start=1500)
    large = _best_of_three(lambda: audit_verify())
    # Four times the events: about four times the time (chunked, one pass); a quadratic walk would take 16.
    assert large / small < 8, (small, large)


def test_deploy_check_wants_the_audit_key_apart_from_the_data(settings: Any, tmp_path: Path) -> None:
    from xinyong.audit.checks import audit_key_kept_apart

    settings.XINYONG_AUDIT_KEY = ""
    settings.DATA_DIR = tmp_path / "data"
    settings.XINYONG_AUDIT_KEY_FILE = tmp_path / "data" / "audit_key"
    assert [w.id for w in audit_key_kept_apart()] == ["xinyong_audit.W001"]
    apart = tmp_path / "etc" / "audit_key"
    keys.write_key_file(apart, keys.new_secret())
    settings.XINYONG_AUDIT_KEY_FILE = apart
    assert audit_key_kept_apart() == []
    apart.chmod(0o644)
    assert [w.id for w in audit_key_kept_apart()] == ["xinyong_audit.W002"]
    settings.XINYONG_AUDIT_KEY = "k" * 40
    assert audit_key_kept_apart() == []
