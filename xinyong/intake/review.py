"""Review before publication (报送审核): a department's batches of the categories its configuration names wait for
its reviewer (部门审核员), who approves them (they become records, public and exported from then on) or sends them
back with a reason.

Waiting rows are staged, not stored as records: nothing of them is public, exported, checked against or counted
as delivered. Timeliness is measured at approval: a batch approved after its rows' deadline (7 working days after
the decision for 双公示) is late, as the assessment counts it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction

from xinyong.audit.services import audit_record
from xinyong.core import clock, workdays
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.reasons import clean_reason
from xinyong.core.timeliness import Timeliness, timeliness
from xinyong.intake.corrections import actor_name, record_ids_by_key, rejected_rows_replace
from xinyong.intake.models import Batch, RejectedRow, ReviewStatus, StagedRow, StagedRowStatus
from xinyong.intake.ownership import not_owner_row
from xinyong.intake.schema import schema_of
from xinyong.org.models import Role
from xinyong.org.selectors import require_role
from xinyong.records.services import RecordDraft, UpsertResult, records_upsert
from xinyong.records.signals import records_changed

REASON_MAX_LENGTH = 300

TimelinessOf = Callable[[dt.date | None, dt.date], Timeliness]


def _timeliness_of(batch: Batch) -> TimelinessOf:
    schema = schema_of(batch.category)
    calendar = workdays.get_calendar()
    cycle = schema.cycle_workdays if schema.cycle_kind == "workdays_after_decision" else None

    def of(decision: dt.date | None, first_submitted: dt.date) -> Timeliness:
        return timeliness(calendar, decision=decision, workdays=cycle, submitted_on=first_submitted)

    return of


def _locked_batch(batch: Batch) -> Batch:
    locked = Batch.objects.select_for_update(of=("self",)).select_related("category", "department").get(pk=batch.pk)
    if locked.review_status != ReviewStatus.PENDING:
        raise XinyongError(
            ErrorCode.REVIEW_STATE,
            f"批次 {locked.pk} 的审核状态是“{locked.get_review_status_display()}”，没有待审核的数据。",
        )
    return locked


def batch_approve(*, batch: Batch, actor: Any) -> UpsertResult:
    """The reviewer approves a waiting batch: its rows become records (new or new versions), public from now."""
    with transaction.atomic():
        batch = _locked_batch(batch)
        require_role(actor, Role.REVIEWER, batch.department)
        pending = list(StagedRow.objects.filter(batch=batch, status=StagedRowStatus.PENDING).order_by("row_number"))
        now = clock.now()
        drafts = [RecordDraft(s.row_number, s.key, s.data, s.subject_id, s.decision_date) for s in pending]
        counts = records_upsert(
            batch=batch,
            category=batch.category,
            source_unit_id=batch.department_id,
            submitted_at=now,
            drafts=drafts,
            timeliness_of=_timeliness_of(batch),
        )
        refused = {d.key for d in counts.refused}
        _refuse(batch, [s for s in pending if s.key in refused])
        records = record_ids_by_key(batch.category, sorted({s.key for s in pending if s.key not in refused}))
        for row in pending:
            row.status = StagedRowStatus.REFUSED if row.key in refused else StagedRowStatus.APPROVED
            row.resolved_at = now
            row.record_id = None if row.key in refused else records.get(row.key)
        StagedRow.objects.bulk_update(pending, ["status", "resolved_at", "record"], batch_size=1000)
        # Corrections that waited here now point at the record they became, as corrections without review do.
        corrected = [
            RejectedRow(pk=row.corrected_row_id, record_id=row.record_id)
            for row in pending
            if row.corrected_row_id and row.record_id
        ]
        RejectedRow.objects.bulk_update(corrected, ["record"], batch_size=1000)
        _mark(batch, ReviewStatus.APPROVED, actor=actor, at=now)
        Batch.objects.filter(pk=batch.pk).update(
            late=batch.late + counts.late,
            accepted=max(batch.accepted - len(refused), 0),
            rejected=batch.rejected + len(refused),
        )
        rejected_rows_replace(batch=batch, keys={s.key for s in pending if s.key not in refused})
        if counts.created or counts.revised:
            records_changed.send(
                sender=Batch, category_code=batch.category.code, batch=batch, record_ids=None, actor=actor
            )
        audit_record(
            actor=actor,
            action="intake.batch_approved",
            obj=batch,
            summary=f"审核通过批次 {batch.pk}（{batch.category.name}：{batch.original_name}），公开 "
            f"{len(pending) - len(refused)} 条，其中超期 {counts.late} 条"[:300],
            before={"review_status": ReviewStatus.PENDING.value},
            after={
                "review_status": ReviewStatus.APPROVED.value,
                "approved": len(pending) - len(refused),
                "created": counts.created,
                "revised": counts.revised,
                "late": counts.late,
                "refused": len(refused),
            },
        )
    return counts


def batch_return(*, batch: Batch, reason: str, actor: Any) -> Batch:
    """The reviewer sends a waiting batch back with a reason: nothing is published; the rows stay on the batch
    page, and the department sends a corrected file (the same file again is accepted once more)."""
    text = clean_reason(
        reason, label="退回原因", missing="请填写退回原因，说明需要报送部门核实或更正的内容。", max_length=REASON_MAX_LENGTH
    )
    with transaction.atomic():
        batch = _locked_batch(batch)
        require_role(actor, Role.REVIEWER, batch.department)
        now = clock.now()
        returned = StagedRow.objects.filter(batch=batch, status=StagedRowStatus.PENDING).update(
            status=StagedRowStatus.RETURNED, resolved_at=now
        )
        _mark(batch, ReviewStatus.RETURNED, actor=actor, at=now, reason=text)
        audit_record(
            actor=actor,
            action="intake.batch_returned",
            obj=batch,
            summary=f"退回批次 {batch.pk}（{batch.category.name}：{batch.original_name}）：{text}"[:300],
            before={"review_status": ReviewStatus.PENDING.value},
            after={"review_status": ReviewStatus.RETURNED.value, "returned": returned, "reason": text},
        )
    return batch


def _mark(batch: Batch, status: ReviewStatus, *, actor: Any, at: dt.datetime, reason: str = "") -> None:
    batch.review_status = status
    batch.reviewed_at = at
    batch.reviewed_by = actor if getattr(actor, "pk", None) and hasattr(actor, "username") else None
    batch.reviewed_by_label = actor_name(actor)[:150]
    batch.review_reason = reason
    batch.save(update_fields=["review_status", "reviewed_at", "reviewed_by", "reviewed_by_label", "review_reason"])


def _refuse(batch: Batch, rows: list[StagedRow]) -> None:
    """Rows whose decision another unit reported while they waited: held back like any refused row."""
    schema = schema_of(batch.category)
    held = [not_owner_row(schema, row.row_number, row.data) for row in rows]
    RejectedRow.objects.bulk_create(
        [RejectedRow(batch=batch, row_number=number, values=values, errors=errors) for number, values, errors in held]
    )
