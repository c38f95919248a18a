"""Writes to credit records. The same decision submitted again becomes a new version of one record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from xinyong.audit.services import audit_record
from xinyong.core import clock
from xinyong.records.models import Record, RecordStatus, RecordVersion


@dataclass(frozen=True)
class RecordDraft:
    key: str
    data: dict[str, Any]
    subject_id: int | None
    decision_date: dt.date | None
    deadline: dt.date | None
    late_workdays: int


@dataclass(frozen=True)
class UpsertCounts:
    created: int
    revised: int
    unchanged: int


def records_upsert(
    *, batch: Any, category: Any, source_unit_id: int | None, submitted_at: dt.datetime, drafts: list[RecordDraft]
) -> UpsertCounts:
    """Store a batch's accepted rows: new keys are inserted, known keys get a new version. Set-based.

    Runs inside the batch's transaction (the caller's); the batch's audit event covers these writes.
    """
    now = clock.now()
    existing: dict[str, Record] = {}
    keys = [draft.key for draft in drafts]
    for start in range(0, len(keys), 900):
        for record in Record.objects.filter(category_code=category.code, key__in=keys[start : start + 900]):
            existing[record.key] = record
    new_records: list[Record] = []
    revised: list[Record] = []
    history: list[RecordVersion] = []
    unchanged = 0
    for draft in drafts:
        found = existing.get(draft.key)
        if found is None:
            new_records.append(
                Record(
                    category=category,
                    category_code=category.code,
                    subject_id=draft.subject_id,
                    source_unit_id=source_unit_id,
                    batch=batch,
                    key=draft.key,
                    data=draft.data,
                    decision_date=draft.decision_date,
                    submitted_at=submitted_at,
                    deadline=draft.deadline,
                    late_workdays=draft.late_workdays,
                    created_at=now,
                    updated_at=now,
                )
            )
            continue
        record = found
        if record.data == draft.data and record.status == RecordStatus.ACTIVE:
            unchanged += 1
            continue
        history.append(
            RecordVersion(
                record=record,
                version=record.version,
                data=record.data,
                batch_id=record.batch_id,
                submitted_at=record.submitted_at,
                superseded_at=now,
            )
        )
        # Timeliness stays that of the first submission: a correction does not make a late record on time.
        record.version += 1
        record.data = draft.data
        record.subject_id = draft.subject_id
        record.batch = batch
        record.decision_date = draft.decision_date
        record.status = RecordStatus.ACTIVE
        record.status_reason = ""
        record.updated_at = now
        revised.append(record)
    Record.objects.bulk_create(new_records, batch_size=2000)
    RecordVersion.objects.bulk_create(history, batch_size=2000)
    Record.objects.bulk_update(
        revised,
        ["version", "data", "subject_id", "batch", "decision_date", "status", "status_reason", "updated_at"],
        batch_size=2000,
    )
    return UpsertCounts(created=len(new_records), revised=len(revised), unchanged=unchanged)


@transaction.atomic
def record_revoke(*, record: Record, reason: str, actor: Any) -> Record:
    """Take a record out of use (撤销) with a reason; it stays in the database with its history."""
    before = {"status": record.status, "status_reason": record.status_reason}
    record.status = RecordStatus.REVOKED
    record.status_reason = reason
    record.updated_at = clock.now()
    record.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(
        actor=actor, action="records.revoked", obj=record, summary=f"撤销记录 {record.key}：{reason}",
        before=before, after={"status": record.status, "status_reason": reason},
    )
    return record
