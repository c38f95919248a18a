from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from xinyong.audit import chain
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_record, audit_verify
from xinyong.org.models import Unit


def _write_events(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_record(
                actor=None, action="test.event", object_type="test", object_id=str(i), summary=f"第{i}个事件",
                before={"n": i}, after={"n": i + 1, "名称": "测试"},
            )


@pytest.mark.django_db
def test_intact_chain_verifies() -> None:
    _write_events(5)
    assert audit_verify() is None
    call_command("audit", "verify")


@pytest.mark.django_db
def test_edited_event_is_detected() -> None:
    _write_events(5)
    # Tampering straight in the database, bypassing every service.
    AuditEvent.objects.filter(seq=3).update(after={"n": 999})
    broken = audit_verify()
    assert broken is not None
    assert broken.seq == 3
    assert "篡改" in broken.reason
    with pytest.raises(CommandError, match="#3"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_deleted_event_in_the_middle_is_detected() -> None:
    _write_events(5)
    AuditEvent.objects.filter(seq=2).delete()
    broken = audit_verify()
    assert broken is not None and broken.seq == 2
    assert "删除" in broken.reason


@pytest.mark.django_db
def test_deleted_newest_event_is_detected() -> None:
    _write_events(4)
    AuditEvent.objects.filter(seq=4).delete()
    broken = audit_verify()
    assert broken is not None and broken.seq == 4


@pytest.mark.django_db
def test_an_edit_rehashed_without_the_key_is_detected_at_the_edited_event() -> None:
    _write_events(4)
    event = AuditEvent.objects.get(seq=2)
    fields = chain.hashed_fields(
        seq=2, occurred_at=event.occurred_at, actor_label=event.actor_label, action=event.action,
        object_type=event.object_type, object_id=event.object_id, summary="改过的摘要", before=event.before,
        after=event.after, request_id=event.request_id, ip=event.ip,
    )
    # The writer knows the algorithm, not the key: a plain SHA-256 (the old algorithm) and a guessed key both fail.
    for forged in (
        hashlib.sha256((event.prev_hash + "\n" + chain.canonical(fields)).encode()).hexdigest(),
        chain.EventMac(b"g" * 32)(event.prev_hash, fields),
    ):
        AuditEvent.objects.filter(seq=2).update(summary="改过的摘要", hash=forged)
        broken = audit_verify()
        assert broken is not None and broken.seq == 2
        assert "重新计算过哈希" in broken.reason


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="x", object_type="t")


@pytest.mark.django_db
def test_service_write_and_its_event_share_one_transaction() -> None:
    from xinyong.org.services import org_load_config

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        org_load_config()
        raise Boom
    assert not Unit.objects.exists()
    assert not AuditEvent.objects.exists()


def test_find_break_on_plain_values() -> None:
    mac = chain.EventMac(b"k" * 32)
    events: list[Any] = []
    prev = chain.GENESIS
    for seq in (1, 2, 3):
        fields = {"seq": seq, "action": "a"}
        digest = mac(prev, fields)
        events.append(chain.ChainedEvent(seq=seq, fields=fields, prev_hash=prev, hash=digest))
        prev = digest
    assert chain.find_break(events, mac=mac, head_seq=3, head_hash=prev) is None
    assert chain.find_break(events[:2], mac=mac, head_seq=3, head_hash=prev) is not None
    swapped = [events[0], events[2]]
    assert chain.find_break(swapped, mac=mac, head_seq=3, head_hash=prev) is not None
    # Another key: every event fails, the first one first.
    other = chain.EventMac(b"o" * 32)
    assert chain.find_break(events, mac=other, head_seq=3, head_hash=prev) == chain.Break(
        1, "事件 #1 的内容与其哈希不符（已被篡改或重新计算过哈希）"
    )


def test_find_break_against_checkpoints_on_plain_values() -> None:
    mac = chain.EventMac(b"k" * 32)
    events: list[Any] = []
    prev = chain.GENESIS
    for seq in range(1, 6):
        fields = {"seq": seq}
        digest = mac(prev, fields)
        events.append(chain.ChainedEvent(seq=seq, fields=fields, prev_hash=prev, hash=digest))
        prev = digest
    at3 = chain.Checkpoint(seq=3, hash=events[2].hash, label="锚点甲")
    assert chain.find_break(events, mac=mac, head_seq=5, head_hash=prev, checkpoints=[at3]) is None
    # Truncated to #2 with the head moved back: consistent alone, not against the checkpoint of #3.
    cut = chain.find_break(events[:2], mac=mac, head_seq=2, head_hash=events[1].hash)
    assert cut is None
    cut = chain.find_break(events[:2], mac=mac, head_seq=2, head_hash=events[1].hash, checkpoints=[at3])
    assert cut is not None and cut.seq == 3 and "锚点甲记录了事件 #3" in cut.reason and "截断" in cut.reason
    # A checkpoint of another chain at #3 (a restore of different data, or a rewrite by a key holder).
    other = chain.Checkpoint(seq=3, hash="f" * 64, label="锚点乙")
    forked = chain.find_break(events, mac=mac, head_seq=5, head_hash=prev, checkpoints=[other])
    assert forked is not None and forked.seq == 3 and "锚点乙" in forked.reason


@pytest.mark.django_db(transaction=True)
def test_cli_audit_verify_exit_codes(tmp_path: Any) -> None:
    """The console command exits 0 on an intact chain and non-zero naming the event on a broken one."""
    env = {"XINYONG_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    db = tmp_path / "audit.sqlite3"
    env["DATABASE_URL"] = f"sqlite:///{db}"
    run = [sys.executable, "-m", "xinyong.cli"]
    subprocess.run([*run, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*run, "org", "load"], env=env, check=True, capture_output=True)
    ok = subprocess.run([*run, "audit", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "审计链完整" in ok.stdout
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_auditevent SET summary = 'x' WHERE seq = 2")
    bad = subprocess.run([*run, "audit", "verify"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0
    assert "#2" in bad.stderr


@pytest.mark.django_db
def test_many_events_appended_at_once_chain_in_order_and_verify() -> None:
    from xinyong.audit.services import AuditItem, audit_record_many

    with transaction.atomic():
        audit_record(actor=None, action="test.first", object_type="test", object_id="0")
        made = audit_record_many(
            actor=None,
            items=[AuditItem("test.many", object_type="test", object_id=str(i), after={"i": i}) for i in range(1, 6)],
        )
        audit_record(actor=None, action="test.last", object_type="test", object_id="6")
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.object_id for e in events] == [str(i) for i in range(7)]
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 7))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert [e.hash for e in made] == [e.hash for e in events[1:6]]
    assert audit_verify() is None
    AuditEvent.objects.filter(object_id="3").update(after={"i": 33})
    assert audit_verify() is not None
