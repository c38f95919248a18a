"""The audit key: events are hashed with an HMAC whose key is kept outside the database.

An existing chain, hashed with plain SHA-256, is re-established under the key when the database is upgraded: its
old links are checked first, and each event of the intact part gets its keyed hash. From then on the verifier
accepts keyed hashes only, so a database writer cannot slip in unkeyed events, and no "keyed from" mark exists
that such a writer could move. The change is itself an audit event that names the old head's hash. A part of the
old chain that was already broken is left as it was, so that `xinyong audit verify` still names its first problem.
"""

import datetime as dt
import hashlib
import json
import uuid

from django.db import migrations, models

GENESIS = "0" * 64
_CHUNK = 2000


def _fields(event, seq=None):
    # The hashed fields as chain.hashed_fields had them when this migration was written.
    return {
        "seq": event.seq if seq is None else seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "ip": event.ip,
    }


def _canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _legacy_hash(prev_hash, fields):
    return hashlib.sha256((prev_hash + "\n" + _canonical(fields)).encode("utf-8")).hexdigest()


def rekey_chain(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditHead = apps.get_model("audit", "AuditHead")
    head = AuditHead.objects.filter(id=1).first()
    if head is None or not AuditEvent.objects.exists():
        return
    from xinyong.audit.keys import audit_key
    from xinyong.core import clock

    key = audit_key()
    legacy_prev, keyed_prev, expected_seq, intact = GENESIS, GENESIS, 1, True
    # Chunks by seq, each read whole before it is updated: SQLite gives no isolation between a running read and
    # writes to the same table on one connection.
    with schema_editor.connection.cursor() as cursor:
        while intact:
            chunk = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:_CHUNK])
            if not chunk:
                break
            updates = []
            for event in chunk:
                fields = _fields(event)
                if (
                    event.seq != expected_seq
                    or event.prev_hash != legacy_prev
                    or _legacy_hash(event.prev_hash, fields) != event.hash
                ):
                    intact = False
                    break
                keyed = key.mac(keyed_prev, fields)
                updates.append((keyed_prev, keyed, event.seq))
                legacy_prev, keyed_prev, expected_seq = event.hash, keyed, expected_seq + 1
            cursor.executemany("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", updates)
    last_seq = expected_seq - 1
    intact = intact and last_seq == head.seq and legacy_prev == head.hash
    head.key_id = key.key_id
    if not intact:
        head.save(update_fields=["key_id"])
        return
    now = clock.now()
    seq = last_seq + 1
    record = AuditEvent(
        seq=seq,
        occurred_at=now,
        actor_label="system",
        action="audit.key_enabled",
        object_type="audit.chain",
        object_id="",
        summary=f"审计链启用密钥：事件 #1–#{last_seq} 按原哈希链校验完整后改用密钥计算",
        before={"head_seq": last_seq, "head_hash": legacy_prev},
        after={"head_seq": last_seq, "head_hash": keyed_prev, "key_id": key.key_id},
        request_id=uuid.uuid4().hex,
        ip=None,
        prev_hash=keyed_prev,
    )
    record.hash = key.mac(keyed_prev, _fields(record))
    record.save()
    head.seq, head.hash = seq, record.hash
    head.save(update_fields=["seq", "hash", "key_id"])


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='audithead',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.RunPython(rekey_chain, migrations.RunPython.noop),
    ]
