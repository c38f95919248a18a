"""Rows kept for the department's reviewer instead of stored as records (review before publication, see
`xinyong.intake.review`). Used by the import path and by corrections, inside their transactions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from xinyong.core import clock
from xinyong.core.timeliness import Timeliness
from xinyong.intake.models import Batch, RejectedRow, StagedRow
from xinyong.records.selectors import keys_owned_by_others
from xinyong.records.services import RecordDraft, UpsertResult

TimelinessOf = Callable[[dt.date | None, dt.date], Timeliness]


def stage_drafts(
    *,
    batch: Batch,
    drafts: Sequence[RecordDraft],
    source_unit_id: int | None,
    submitted_on: dt.date,
    timeliness_of: TimelinessOf,
    corrected_row: RejectedRow | None = None,
) -> UpsertResult:
    """Keep a batch's accepted rows for review. A row for another unit's decision is refused now, as it would be
    without review (returned in `refused`). Runs inside the batch's transaction."""
    result = UpsertResult()
    foreign = keys_owned_by_others(
        category_code=batch.category.code, keys=[d.key for d in drafts], unit_id=source_unit_id
    )
    now = clock.now()
    staged: list[StagedRow] = []
    for draft in drafts:
        if draft.key in foreign:
            result.refused.append(draft)
            continue
        timing = timeliness_of(draft.decision_date, submitted_on)
        staged.append(
            StagedRow(
                batch=batch,
                row_number=draft.row_number,
                key=draft.key,
                data=draft.data,
                subject_id=draft.subject_id,
                decision_date=draft.decision_date,
                deadline=timing.deadline,
                corrected_row=corrected_row,
                staged_at=now,
            )
        )
    StagedRow.objects.bulk_create(staged, batch_size=2000)
    result.staged = len(staged)
    return result
