"""Writes to credit records. The same decision submitted again becomes a new version of one record."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from xinyong.audit.services import audit_record
from xinyong.catalog.models import Category
from xinyong.core import clock
from xinyong.core.bulk import insert_rows
from xinyong.core.clock import LOCAL_TZ
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.reasons import clean_reason
from xinyong.core.timeliness import Timeliness
from xinyong.org.models import Role, Unit
from xinyong.org.selectors import require_role
from xinyong.records.models import Record, RecordStatus, RecordVersion
from xinyong.records.publicity import (
    PublicityCalculator,
    PublicityRules,
    PublicityTerm,
    calculator_for,
    load_rules,
)
from xinyong.records.signals import records_changed

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
    # (row, message): a 公示截止期 outside the rules, a decision older than every publicity rule, …
    publicity_warnings: list[tuple[int, str]] = field(default_factory=list)
    # Drafts not stored because their decision belongs to another unit (the record is left as it was).
    refused: list[RecordDraft] = field(default_factory=list)
    # Drafts kept for the department's reviewer instead of stored (review before publication).
    staged: int = 0


def records_upsert(
    *,
    batch: Any,
    category: Any,
    source_unit_id: int | None,
    submitted_at: dt.datetime,
    drafts: list[RecordDraft],
    timeliness_of: TimelinessOf,
    publicity_rules: PublicityRules | None = None,
) -> UpsertResult:
    """Store a batch's accepted rows: new keys are inserted, known keys get a new version. Set-based.

    Timeliness is measured from a record's first submission: a correction neither makes a late record on time
    nor an on-time record late, but a corrected decision date moves the deadline.
    Runs inside the batch's transaction (the caller's); the batch's audit event covers these writes.
    Each new or revised record gets its publicity term (severity, rule version, last public day) from the rules.
    A record belongs to the unit that first reported it: a draft for another unit's record is refused (returned in
    `refused`, nothing written), whatever its content.
    """
    now = clock.now()
    submitted_on = submitted_at.astimezone(LOCAL_TZ).date()
    existing: dict[str, Record] = {}
    keys = [draft.key for draft in drafts]
    for start in range(0, len(keys), 900):
        for record in Record.objects.filter(category_code=category.code, key__in=keys[start : start + 900]):
            existing[record.key] = record
    result = UpsertResult()
    term_of = calculator_for(category.publicity_rule, rules=publicity_rules)
    new_rows: list[tuple[RecordDraft, Timeliness, PublicityTerm]] = []
    revised: list[Record] = []
    history: list[RecordVersion] = []
    for draft in drafts:
        found = existing.get(draft.key)
        if found is not None and found.source_unit_id != source_unit_id:
            result.refused.append(draft)
            continue
        first_submitted = found.submitted_at.astimezone(LOCAL_TZ).date() if found else submitted_on
        timing = timeliness_of(draft.decision_date, first_submitted)
        if timing.warning:
            result.warnings.append((draft.row_number, timing.warning))
        result.late += int(timing.is_late)
        if found is not None and found.data == draft.data:
            # A revoked record stays revoked when a department sends the decision again (e.g. in a full monthly
            # dump): only an explicit service call brings it back.
            result.unchanged += 1
            continue
        term = term_of(draft.data, draft.decision_date)
        if term.warning:
            result.publicity_warnings.append((draft.row_number, term.warning))
        if found is None:
            new_rows.append((draft, timing, term))
            continue
        record = found
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
        record.severity, record.publicity_regime, record.publicity_end = term.severity, term.regime, term.end
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
            "severity", "publicity_regime", "publicity_end", "updated_at",
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
    rows: list[tuple[RecordDraft, Timeliness, PublicityTerm]],
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
            created, term.severity, term.regime, ops.adapt_datefield_value(term.end), False,
        )
        for draft, timing, term in rows
    ]
    insert_rows(Record._meta.db_table, _INSERT_FIELDS, params)


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
    records_changed.send(
        sender=Record, category_code=record.category_code, batch=None, record_ids=[record.pk], actor=actor
    )
    return record


TRANSFER_REASON_MAX_LENGTH = 300


@transaction.atomic
def records_transfer(
    *,
    to_unit: Unit,
    reason: str,
    actor: Any,
    record: Record | None = None,
    from_unit: Unit | None = None,
    category_code: str | None = None,
) -> int:
    """The credit office moves records to another owning unit (变更记录归属): one record, or every record of a
    unit (of one category, when given), e.g. after a reorganisation. From then on only the new owner (or the
    credit office) may revise or revoke them. One audit event; returns how many records moved."""
    require_role(actor, Role.CREDIT_ADMIN)
    text = clean_reason(
        reason,
        label="变更原因",
        missing="请填写变更归属的原因（如：机构改革，原单位职责划入新单位）。",
        max_length=TRANSFER_REASON_MAX_LENGTH,
    )
    if (record is None) == (from_unit is None):
        raise XinyongError(ErrorCode.REQUIRED, "请指定一条记录，或指定原归属单位（可再限定信息类别），二者择一。")
    # Only the records' rows are locked: the owner's code comes through an outer join PostgreSQL will not lock.
    locked = Record.objects.select_for_update(of=("self",))
    if record is not None:
        chosen = locked.filter(pk=record.pk)
    else:
        chosen = locked.filter(source_unit=from_unit)
        if category_code:
            chosen = chosen.filter(category_code=category_code)
    moving = list(chosen.exclude(source_unit=to_unit).values_list("pk", "source_unit__code"))
    if not moving:
        raise XinyongError(ErrorCode.REQUIRED, f"没有需要变更归属的记录（记录已属于{to_unit.name}，或条件下没有记录）。")
    ids = [pk for pk, _ in moving]
    for start in range(0, len(ids), 500):
        Record.objects.filter(pk__in=ids[start : start + 500]).update(source_unit=to_unit)
    previous = sorted({code or "" for _, code in moving})
    where = f"记录 {record.key}" if record is not None else f"{from_unit.name if from_unit else ''}的 {len(ids)} 条记录"
    audit_record(
        actor=actor,
        action="records.transferred",
        obj=record,
        object_type="" if record is not None else "records.Record",
        object_id="" if record is not None else f"unit:{from_unit.code if from_unit else ''}",
        summary=f"变更归属：{where} 划归{to_unit.name}。原因：{text}"[:300],
        before={"source_units": previous},
        after={
            "source_unit": to_unit.code,
            "count": len(ids),
            "category": category_code or (record.category_code if record is not None else None),
            "records": ids[:1000],
            "reason": text,
        },
    )
    return len(ids)


@dataclass
class PublicityRecomputeResult:
    examined: int = 0
    changed: int = 0
    # Records per rule version ("" for none) before and after, for the audit event and the operator.
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (record id, message)


@transaction.atomic
def record_publicity_recompute(
    *, actor: Any, category_code: str | None = None, rules: PublicityRules | None = None
) -> PublicityRecomputeResult:
    """Recompute every stored publicity term (all records, or one category's) after the rules changed.

    Set-based: terms are computed in Python from the stored data, then one UPDATE per distinct new term and
    chunk of ids. Revoked and repaired records are recomputed too (their terms are history), and stay out of
    public view by their status. One audit event records the counts and the rules file's checksum.
    """
    rules = rules or load_rules()
    categories = Category.objects.all()
    if category_code:
        categories = categories.filter(code=category_code)
        if not categories.exists():
            raise XinyongError(ErrorCode.UNKNOWN_CATEGORY, f"没有编码为“{category_code}”的信息类别")
    result = PublicityRecomputeResult()
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    changes: defaultdict[tuple[str, str, dt.date | None], list[int]] = defaultdict(list)
    for category in categories:
        term_of = PublicityCalculator(category.publicity_rule, rules=rules)
        stored = Record.objects.filter(category_id=category.pk).values_list(
            "pk", "data", "decision_date", "severity", "publicity_regime", "publicity_end"
        )
        for pk, data, decision, severity, regime, end in stored.iterator(chunk_size=2000):
            result.examined += 1
            term = term_of(data, decision)
            before[regime] += 1
            after[term.regime] += 1
            if term.warning:
                result.warnings.append((pk, term.warning))
            if (term.severity, term.regime, term.end) != (severity, regime, end):
                changes[(term.severity, term.regime, term.end)].append(pk)
    now = clock.now()
    for (severity, regime, end), pks in changes.items():
        result.changed += len(pks)
        for start in range(0, len(pks), 500):
            Record.objects.filter(pk__in=pks[start : start + 500]).update(
                severity=severity, publicity_regime=regime, publicity_end=end, updated_at=now
            )
    result.before, result.after = dict(sorted(before.items())), dict(sorted(after.items()))
    audit_record(
        actor=actor,
        action="records.publicity_recomputed",
        object_type="records.Record",
        object_id=category_code or "*",
        summary=f"重新计算公示期限（{category_code or '全部类别'}）：检查 {result.examined} 条，变更 {result.changed} 条",
        before={"regimes": result.before},
        after={
            "regimes": result.after,
            "examined": result.examined,
            "changed": result.changed,
            "rules_version": rules.version,
            "rules_sha256": rules.sha256,
        },
    )
    return result
