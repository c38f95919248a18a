"""Writes to credit records. The same decision submitted again becomes a new version of one record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from xinyong.audit.services import audit_record
from xinyong.core import clock
from xinyong.core.clock import LOCAL_TZ
from xinyong.core.timeliness import Timeliness
from xinyong.records.models import Record, RecordStatus, RecordVersion

TimelinessOf = Callable[[dt.date | None, dt.date], Timeliness]


@dataclass(frozen=True)
class RecordDraft:
    row_number: int
    key: str
    data: dict[str, Any]
    subject_id: int | None
    decision_date: dt.date | None


@dataclass
class UpsertResult:
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    late: int = 0
    warnings: list[tuple[int, str]] = field(default_factory=list)


def records_upsert(
    *,
    batch: Any,
    category: Any,
    source_unit_id: int | None,
    submitted_at: dt.datetime,
    drafts: list[RecordDraft],
    timeliness_of: TimelinessOf,
) -> UpsertResult:
    """Store a batch's accepted rows: new keys are inserted, known keys get a new version. Set-based.

    Timeliness is measured from a record's first submission: a correction neither makes a late record on time
    nor an on-time record late, but a corrected decision date moves the deadline.
    Runs inside the batch's transaction (the caller's); the batch's audit event covers these writes.
    """
    now = clock.now()
    submitted_on = submitted_at.astimezone(LOCAL_TZ).date()
    existing: dict[str, Record] = {}
    keys = [draft.key for draft in drafts]
    for start in range(0, len(keys), 900):
        for record in Record.objects.filter(category_code=category.code, key__in=keys[start : start + 900]):
            existing[record.key] = record
    result = UpsertResult()
    new_rows: list[tuple[RecordDraft, Timeliness]] = []
    revised: list[Record] = []
    history: list[RecordVersion] = []
    for draft in drafts:
        found = existing.get(draft.key)
        first_submitted = found.submitted_at.astimezone(LOCAL_TZ).date() if found else submitted_on
        timing = timeliness_of(draft.decision_date, first_submitted)
        if timing.warning:
            result.warnings.append((draft.row_number, timing.warning))
        result.late += int(timing.is_late)
        if found is None:
            new_rows.append((draft, timing))
            continue
        record = found
        # A revoked record stays revoked when a department sends the decision again (e.g. in a full monthly
        # dump): only an explicit service call brings it back.
        if record.data == draft.data:
            result.unchanged += 1
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
        record.version += 1
        record.data = draft.data
        record.subject_id = draft.subject_id
        record.batch = batch
        record.decision_date = draft.decision_date
        record.deadline = timing.deadline
        record.is_late = timing.is_late
        record.late_workdays = timing.late_workdays
        record.updated_at = now
        revised.append(record)
    _insert_records(
        new_rows, category=category, batch=batch, source_unit_id=source_unit_id, submitted_at=submitted_at, now=now
    )
    RecordVersion.objects.bulk_create(history, batch_size=2000)
    Record.objects.bulk_update(
        revised,
        [
            "version", "data", "subject_id", "batch", "decision_date", "deadline", "is_late", "late_workdays",
            "updated_at",
        ],
        batch_size=2000,
    )
    result.created, result.revised = len(new_rows), len(revised)
    return result


_INSERT_FIELDS = (
    "category_id", "category_code", "subject_id", "source_unit_id", "batch_id", "key", "version", "data",
    "decision_date", "submitted_at", "deadline", "is_late", "late_workdays", "status", "status_reason", "created_at",
    "updated_at", "severity", "publicity_regime", "publicity_end", "under_objection",
)


def _insert_records(
    rows: list[tuple[RecordDraft, Timeliness]],
    *,
    category: Any,
    batch: Any,
    source_unit_id: int | None,
    submitted_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """One prepared INSERT run over all rows: the ORM's bulk_create spends most of a large import in Python."""
    if not rows:
        return
    ops = connection.ops
    submitted, created = ops.adapt_datetimefield_value(submitted_at), ops.adapt_datetimefield_value(now)
    active = RecordStatus.ACTIVE.value
    params = [
        (
            category.pk, category.code, draft.subject_id, source_unit_id, batch.pk, draft.key, 1,
            ops.adapt_json_value(draft.data, None), ops.adapt_datefield_value(draft.decision_date), submitted,
            ops.adapt_datefield_value(timing.deadline), timing.is_late, timing.late_workdays, active, "", created,
            created, "", "", None, False,
        )
        for draft, timing in rows
    ]
    columns = ", ".join(ops.quote_name(name) for name in _INSERT_FIELDS)
    marks = ", ".join(["%s"] * len(_INSERT_FIELDS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {Record._meta.db_table} ({columns}) VALUES ({marks})", params)


@transaction.atomic
def record_revoke(*, record: Record, reason: str, actor: Any) -> Record:
    """Take a record out of use (撤销) with a reason; it stays in the database with its history."""
    before = {"status": record.status, "status_reason": record.status_reason}
    record.status = RecordStatus.REVOKED
    record.status_reason = reason
    record.updated_at = clock.now()
    record.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="records.revoked",
        obj=record,
        summary=f"撤销记录 {record.key}：{reason}",
        before=before,
        after={"status": record.status, "status_reason": reason},
    )
    return record
