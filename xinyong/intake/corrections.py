"""Rows held back for correction (待更正数据): corrected in the browser, replaced by a later file, or discarded.

Nothing is lost: a held-back row keeps its original cells and errors whatever becomes of it, and keeps how it left
quarantine: who handled it and when, the reason of a discard, the later batch that replaced it and the record it
became. A correction is checked by the same `RowValidator` and stored by the same `records_upsert` as a file's
rows, in one transaction with its audit event.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_record
from xinyong.catalog.models import Category
from xinyong.core import clock, workdays
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.reasons import clean_reason
from xinyong.core.timeliness import Timeliness, timeliness
from xinyong.intake.columns import ColumnPlan, units_by_name
from xinyong.intake.models import Batch, BatchChannel, RejectedRow, RejectedRowStatus, ReviewStatus
from xinyong.intake.ownership import AuthorityCheck, not_owner_error
from xinyong.intake.schema import Schema, schema_of

# Private helpers of the import path, so that a correction is checked and keyed exactly as a file's row is.
from xinyong.intake.services import _cycle_workdays, _jsonable, _record_key, _subject_ref
from xinyong.intake.staging import stage_drafts
from xinyong.intake.validation import CheckedRow, RowValidator
from xinyong.org.authority import AuthorityScope
from xinyong.org.models import Role, Unit
from xinyong.org.selectors import authority_scope, require_role, reviewed_categories
from xinyong.records.models import Record
from xinyong.records.selectors import keys_owned_by_others
from xinyong.records.services import RecordDraft, records_upsert
from xinyong.records.signals import records_changed
from xinyong.subjects.services import subjects_resolve

REASON_MAX_LENGTH = 300
MASK = "******"
# What a row keeps of how it left quarantine (see `RejectedRow`).
RESOLUTION_FIELDS = ("resolved_at", "resolved_by", "resolved_by_label", "resolution_reason", "record")


class CorrectionErrorCode(StrEnum):
    """Stable codes of the correction workflow (to join `xinyong.core.errors.ErrorCode`)."""

    ROW_NOT_PENDING = "E_ROW_NOT_PENDING"
    REASON_REQUIRED = "E_REASON_REQUIRED"


def _error(code: CorrectionErrorCode, message: str) -> XinyongError:
    return XinyongError(cast(ErrorCode, code), message)


@dataclass(frozen=True)
class FieldError:
    field: str  # the field's code ("" when the error is about the row as a whole)
    label: str
    code: str
    message: str


@dataclass
class CorrectionOutcome:
    """Accepted (with the record it became) or not (with the new errors; nothing was stored)."""

    accepted: bool
    errors: list[FieldError] = field(default_factory=list)
    record: Record | None = None
    created: bool = False
    # The corrected row waits for the department's reviewer (review before publication); no record yet.
    staged: bool = False


# -- one row's cells, as the form shows them ---------------------------------------------------------------


def row_cells(row: RejectedRow) -> dict[str, str]:
    """The row's cells by field code, as text a clerk can edit."""
    values = row.values if isinstance(row.values, dict) else {}
    return {str(code): _text(value) for code, value in values.items()}


def row_field_errors(row: RejectedRow, schema: Schema) -> list[FieldError]:
    """The row's stored errors, placed on their fields (errors store the field's name; the form needs its code)."""
    by_name = {spec.name: spec.code for spec in schema.fields}
    out: list[FieldError] = []
    for item in row.errors if isinstance(row.errors, list) else []:
        if not isinstance(item, dict):
            continue
        label = str(item.get("field", ""))
        out.append(
            FieldError(by_name.get(label, ""), label, str(item.get("code", "")), str(item.get("message", "")))
        )
    return out


def row_schema(row: RejectedRow) -> Schema:
    """The catalog version the row's batch was checked against."""
    return schema_of(row.batch.category)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    return str(value)


# -- correcting one row ------------------------------------------------------------------------------------


def rejected_row_correct(*, row: RejectedRow, values: Mapping[str, object], actor: Any) -> CorrectionOutcome:
    """Check a held-back row again with the clerk's corrections; store it as a record when it passes.

    `values` are cells by field code; cells not given keep the row's original content, an empty one clears it.
    A row that still fails stores nothing and answers the new errors. One transaction, one audit event.
    """
    with transaction.atomic():
        row = _locked(row)
        batch = row.batch
        require_role(actor, Role.REPORTER, batch.department)
        _require_pending(row)
        schema = schema_of(batch.category)
        cells = _corrected_cells(row, values, schema, batch.department)
        now = clock.now()
        checked = _validator(schema, now).check(cells)
        if checked.ok and (refusal := AuthorityCheck(schema, _scope(batch.department)).error(checked)):
            checked.errors.append(refusal)
        if checked.ok and keys_owned_by_others(
            category_code=batch.category.code, keys=[_record_key(schema, checked)], unit_id=batch.department_id
        ):
            checked.errors.append(not_owner_error(schema, checked.values))
        if not checked.ok:
            return CorrectionOutcome(
                accepted=False,
                errors=[FieldError(e.field, e.label, str(e.code), e.message) for e in checked.errors],
            )
        key = _record_key(schema, checked)
        existed = Record.objects.filter(category_code=batch.category.code, key=key).exists()
        staged = batch.category.code in reviewed_categories(batch.department)
        record = _store(batch, schema, checked, key, row_number=row.row_number, submitted_at=now, staged_from=row
                        if staged else None)
        if record is not None:
            records_changed.send(
                sender=RejectedRow, category_code=batch.category.code, batch=None, record_ids=[record.pk],
                actor=actor,
            )
        before_values = row.values if isinstance(row.values, dict) else {}
        row.status = RejectedRowStatus.CORRECTED
        _mark_resolved(row, actor=actor, at=now, record=record)
        row.save(update_fields=["status", *RESOLUTION_FIELDS])
        outcome = "更正后通过校验，待部门审核员审核后公开" if staged else f"更正后通过校验，{'更新' if existed else '新增'}记录"
        audit_record(
            actor=actor,
            action="intake.row_corrected",
            obj=row,
            summary=f"批次 {batch.pk} 第{row.row_number}行{outcome} {key}"[:300],
            before={"status": RejectedRowStatus.PENDING.value, "errors": row.errors},
            after={
                "status": row.status,
                "resolved_by": row.resolved_by_label,
                "batch": batch.pk,
                "record": record.pk if record else None,
                "record_key": key,
                "record_version": record.version if record else None,
                "staged": staged,
                "changed": _changes(schema, before_values, _jsonable(cells)),
            },
        )
    return CorrectionOutcome(accepted=True, record=record, created=not existed and not staged, staged=staged)


def _scope(department: Unit | None) -> AuthorityScope | None:
    return authority_scope(department) if department else None


def _locked(row: RejectedRow) -> RejectedRow:
    return (
        RejectedRow.objects.select_for_update(of=("self",))
        .select_related("batch", "batch__category", "batch__department")
        .get(pk=row.pk)
    )


def _require_pending(row: RejectedRow) -> None:
    if row.status != RejectedRowStatus.PENDING:
        raise _error(
            CorrectionErrorCode.ROW_NOT_PENDING,
            f"第{row.row_number}行的状态是“{row.get_status_display()}”，不能再更正或作废。",
        )


def actor_name(actor: Any) -> str:
    """Who handled a row, as the batch page shows it: a person's name, a departmental system, or 系统."""
    if actor is None:
        return "系统"
    if getattr(actor, "acts_for_unit_id", None) is not None:
        return f"接口：{getattr(actor, 'name', '')}"
    name = getattr(actor, "display_name", "") or getattr(actor, "username", "")
    return str(name or actor)


def _mark_resolved(
    row: RejectedRow, *, actor: Any, at: dt.datetime, record: Record | None = None, reason: str = ""
) -> None:
    row.resolved_at = at
    row.resolved_by = actor if getattr(actor, "pk", None) and hasattr(actor, "username") else None
    row.resolved_by_label = actor_name(actor)[:150]
    row.resolution_reason = reason
    row.record = record


def channel_name(channel: str) -> str:
    return str(dict(BatchChannel.choices).get(channel, channel))


def _validator(schema: Schema, now: dt.datetime) -> RowValidator:
    # The form shows every field, so every column counts as present; the correction is submitted now.
    return RowValidator(
        schema,
        submitted_on=now.astimezone(clock.LOCAL_TZ).date(),
        present_columns=frozenset(spec.code for spec in schema.fields),
    )


def _corrected_cells(
    row: RejectedRow, values: Mapping[str, object], schema: Schema, department: Unit | None
) -> dict[str, object]:
    known = {spec.code for spec in schema.fields}
    cells: dict[str, object] = {code: value for code, value in row_cells(row).items() if code in known}
    for code, value in values.items():
        if code in known:
            cells[code] = value
    cells = {code: value for code, value in cells.items() if value not in (None, "")}
    # Completed as a file's rows are: the department as data source, an authority's code from its name.
    for rule in schema.rules:
        if rule.get("rule") == "default_from_department" and department and rule["field"] not in cells:
            value = getattr(department, rule["attribute"], "")
            if value:
                cells[rule["field"]] = value
    plan = ColumnPlan(
        present=frozenset(known),
        codes_from_names=[
            (rule["name_field"], rule["code_field"])
            for rule in schema.rules
            if rule.get("rule") == "unit_code_from_name"
        ],
        usccs_from_ids=[
            (rule["id_field"], rule["uscc_field"])
            for rule in schema.rules
            if rule.get("rule") == "uscc_from_id_column"
        ],
    )
    if plan.codes_from_names or plan.usccs_from_ids:
        cells = plan.complete(cells, units_by_name(list(Unit.objects.exclude(uscc=""))))
    return cells


def _store(
    batch: Batch,
    schema: Schema,
    checked: CheckedRow,
    key: str,
    *,
    row_number: int,
    submitted_at: dt.datetime,
    staged_from: RejectedRow | None = None,
) -> Record | None:
    """Store the corrected row as a record, or, in a reviewed category (`staged_from`), keep it for the reviewer
    and put the batch back in the review queue."""
    decision = checked.dates.get(schema.decision_date_field) if schema.decision_date_field else None
    ref = _subject_ref(schema, checked)
    subject_id = None
    if ref is not None:
        subject_id = subjects_resolve([ref], update_registry=schema.is_registry).get(ref.key())
    calendar = workdays.get_calendar()
    cycle = _cycle_workdays(schema)

    def timeliness_of(decision: dt.date | None, first_submitted: dt.date) -> Timeliness:
        return timeliness(calendar, decision=decision, workdays=cycle, submitted_on=first_submitted)

    draft = RecordDraft(row_number, key, checked.values, subject_id, decision)
    if staged_from is not None:
        stage_drafts(
            batch=batch,
            drafts=[draft],
            source_unit_id=batch.department_id,
            submitted_on=submitted_at.astimezone(clock.LOCAL_TZ).date(),
            timeliness_of=timeliness_of,
            corrected_row=staged_from,
        )
        Batch.objects.filter(pk=batch.pk).update(review_status=ReviewStatus.PENDING)
        return None
    # Timeliness counts from when valid data arrived: a correction made after the deadline is late.
    records_upsert(
        batch=batch,
        category=batch.category,
        source_unit_id=batch.department_id,
        submitted_at=submitted_at,
        drafts=[draft],
        timeliness_of=timeliness_of,
    )
    return Record.objects.get(category_code=batch.category.code, key=key)


def _changes(schema: Schema, before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What the clerk changed, for the audit trail; personal document numbers are masked."""
    changed: dict[str, Any] = {}
    for spec in schema.fields:
        old, new = _text(before.get(spec.code)), _text(after.get(spec.code))
        if old != new:
            changed[spec.code] = {
                "before": MASK if spec.sensitive and old else old,
                "after": MASK if spec.sensitive and new else new,
            }
    return changed


# -- discarding one row ------------------------------------------------------------------------------------


def rejected_row_discard(*, row: RejectedRow, reason: str, actor: Any) -> RejectedRow:
    """Give up a held-back row that will not be corrected (a duplicate, a row sent by mistake), with a reason."""
    reason = clean_reason(
        reason,
        label="作废原因",
        missing="请填写作废原因。",
        max_length=REASON_MAX_LENGTH,
        missing_code=cast(ErrorCode, CorrectionErrorCode.REASON_REQUIRED),
    )
    with transaction.atomic():
        row = _locked(row)
        require_role(actor, Role.REPORTER, row.batch.department)
        _require_pending(row)
        row.status = RejectedRowStatus.DISCARDED
        _mark_resolved(row, actor=actor, at=clock.now(), reason=reason)
        row.save(update_fields=["status", *RESOLUTION_FIELDS])
        audit_record(
            actor=actor,
            action="intake.row_discarded",
            obj=row,
            summary=f"作废批次 {row.batch_id} 第{row.row_number}行：{reason}"[:300],
            before={"status": RejectedRowStatus.PENDING.value},
            after={"status": row.status, "resolved_by": row.resolved_by_label, "batch": row.batch_id, "reason": reason},
        )
    return row


# -- a corrected file replaces held-back rows ---------------------------------------------------------------


def rejected_rows_replace(*, batch: Batch, keys: Collection[str] | None = None) -> int:
    """Mark `replaced` the pending rows of the department's earlier batches of this category that this batch
    has now delivered as accepted records (same document number and authority code).

    Runs at the end of `import_file`'s transaction (the caller's). `keys` are the record keys this batch
    accepted; without them, the records this batch created or revised are used (which misses rows the batch
    delivered unchanged). Rows without a usable key, or whose key this batch did not deliver, stay pending.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rejected_rows_replace must run inside the batch's transaction")
    category = batch.category
    pending = (
        RejectedRow.objects.filter(
            status=RejectedRowStatus.PENDING,
            batch__category__code=category.code,
            batch__department=batch.department_id,
        )
        .exclude(batch=batch)
        .order_by("batch_id", "row_number")
        .values_list("pk", "batch__category_id", "values")
    )
    # Only the rows' ids are kept, by key: a department's earlier batches may hold hundreds of thousands of
    # held-back rows (a whole file of bad rows), which as objects would take gigabytes at every later import.
    by_key: dict[str, list[int]] = defaultdict(list)
    validators: dict[int, tuple[Schema, RowValidator]] = {}
    now = clock.now()
    for pk, category_id, values in pending.iterator(chunk_size=500):
        if category_id not in validators:
            schema = schema_of(Category.objects.get(pk=category_id))
            validators[category_id] = (schema, _validator(schema, now))
        schema, validator = validators[category_id]
        key = _key_of(schema, validator, values)
        if key:
            by_key[key].append(pk)
    if not by_key:
        return 0
    delivered = _delivered(batch, category, list(by_key), keys)
    key_of_row = {pk: key for key in delivered for pk in by_key[key]}
    if not key_of_row:
        return 0
    record_ids = record_ids_by_key(category, sorted(delivered))
    submitter = batch.submitted_by if batch.submitted_by_id else None
    label = actor_name(submitter) if submitter else f"{channel_name(batch.channel)}报送（批次 {batch.pk}）"
    replaced: list[dict[str, Any]] = []
    ids = sorted(key_of_row)
    for start in range(0, len(ids), 2000):
        rows = list(
            RejectedRow.objects.filter(pk__in=ids[start : start + 2000])
            .only("pk", "batch_id", "row_number", "status", *RESOLUTION_FIELDS, "replaced_by")
            .order_by("batch_id", "row_number")
        )
        for row in rows:
            row.status = RejectedRowStatus.REPLACED
            row.resolved_at = now
            row.resolved_by = submitter
            row.resolved_by_label = label[:150]
            row.resolution_reason = ""
            row.record_id = record_ids.get(key_of_row[row.pk])
            row.replaced_by = batch
            replaced.append({"id": row.pk, "batch": row.batch_id, "row": row.row_number, "record": row.record_id})
        RejectedRow.objects.bulk_update(rows, ["status", *RESOLUTION_FIELDS, "replaced_by"], batch_size=500)
    replaced.sort(key=lambda item: (item["batch"], item["row"]))
    audit_record(
        actor=None,
        action="intake.rows_replaced",
        obj=batch,
        summary=f"批次 {batch.pk} 重新报送了 {len(replaced)} 行待更正数据，原待更正行标记为“已被新文件替换”",
        after={"batch": batch.pk, "replaced": replaced},
    )
    return len(replaced)


def _key_of(schema: Schema, validator: RowValidator, values: Mapping[str, Any] | None) -> str:
    """The record key of a held-back row's values when every key field is readable, else ""."""
    if not schema.key_fields:
        return ""
    cells = {code: value for code, value in (values or {}).items() if value not in (None, "")}
    checked = validator.check(cells)
    if any(not checked.values.get(code) for code in schema.key_fields):
        return ""
    return _record_key(schema, checked)


def record_ids_by_key(category: Category, keys: list[str]) -> dict[str, int]:
    """Record ids of a category by key, 900 keys a query (SQLite's parameter limit in older builds)."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), 900):
        found.update(
            Record.objects.filter(category_code=category.code, key__in=keys[start : start + 900]).values_list(
                "key", "pk"
            )
        )
    return found


def _delivered(batch: Batch, category: Category, wanted: list[str], keys: Collection[str] | None) -> set[str]:
    if keys is not None:
        return {key for key in wanted if key in keys}
    found: set[str] = set()
    for start in range(0, len(wanted), 900):
        found.update(
            Record.objects.filter(
                category_code=category.code, batch=batch, key__in=wanted[start : start + 900]
            ).values_list("key", flat=True)
        )
    return found


# -- reads -------------------------------------------------------------------------------------------------


def rejected_row_get(*, batch: Batch, row_id: int) -> RejectedRow:
    row = (
        RejectedRow.objects.select_related("batch", "batch__category", "batch__department")
        .filter(pk=row_id, batch=batch)
        .first()
    )
    if row is None:
        raise RejectedRow.DoesNotExist(f"批次 {batch.pk} 中没有编号为 {row_id} 的待更正数据")
    return row


def rejected_row_history(row: RejectedRow) -> QuerySet[AuditEvent]:
    """What happened to the row (corrected, discarded with its reason), from the audit trail."""
    return AuditEvent.objects.filter(object_type=RejectedRow._meta.label, object_id=str(row.pk)).order_by(
        "seq"
    )
