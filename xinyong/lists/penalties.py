"""Record hits: measures that a subject's own credit records trigger without any list (e.g. a supplier's
重大违法记录 in the three years before a procurement), as each measure's `record_condition` says.

Only a subject identified by its code (or an unambiguous registered name) is looked up: a name that merely
resembles a penalised company must not bar anyone. Revoked and repaired records never count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyong.core import clock
from xinyong.lists.results import RecordHit
from xinyong.lists.selectors import record_measures
from xinyong.records.models import Record, RecordStatus
from xinyong.subjects.models import Subject


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part for part in str(value or "").replace("，", "、").split("、") if part]


def _why(record: Record, condition: dict[str, Any]) -> list[dict[str, str]]:
    """The reasons this record meets the condition; empty when it does not."""
    data = record.data
    reasons = []
    kinds = set(_as_list(data.get(condition.get("kind_field", ""))))
    wanted = [k for k in condition.get("kinds_any", []) if k in kinds]
    if wanted:
        reasons.append({"code": "penalty_kind", "text": f"处罚类别含“{'、'.join(wanted)}”"})
    minimum = condition.get("fine_at_least")
    if minimum is not None:
        try:
            fine = Decimal(str(data.get(condition.get("fine_field", ""), "")))
        except InvalidOperation:
            fine = None
        if fine is not None and fine >= Decimal(str(minimum)):
            reasons.append({"code": "fine_amount", "text": f"罚款{fine}万元，达到{minimum}万元"})
    return reasons


def record_hits_many(*, subjects: Sequence[Subject | None], matter: str | None) -> list[list[RecordHit]]:
    """Per subject, its records that trigger a measure for `matter`, each with the measures and the reasons: one
    query per measure and 500 subjects."""
    if not matter or all(subject is None for subject in subjects):
        return [[] for _subject in subjects]
    measures = record_measures(matter)
    today = clock.today()
    ids = sorted({subject.pk for subject in subjects if subject is not None})
    found: dict[int, dict[int, RecordHit]] = defaultdict(dict)
    for measure in measures:
        condition = measure.record_condition
        since = _years_before(today, int(condition["within_years"]))
        label = condition.get("label", "")
        for start in range(0, len(ids), 500):
            records = Record.objects.filter(
                subject_id__in=ids[start : start + 500],
                category_code=condition["category"],
                status=RecordStatus.ACTIVE,
                decision_date__gte=since,
                decision_date__lte=today,
            ).order_by("-decision_date", "pk")
            for record in records:
                reasons = _why(record, condition)
                if not reasons:
                    continue
                reasons = [
                    {"code": "subject_linked", "text": "该信用主体本人的信用记录"},
                    *reasons,
                    {
                        "code": "within_years",
                        "text": f"决定日期{record.decision_date:%Y-%m-%d}在核查日前{condition['within_years']}年内"
                        + (f"，属于{label}" if label else ""),
                    },
                ]
                assert record.subject_id is not None
                hit = found[record.subject_id].setdefault(
                    record.pk, RecordHit(record=record, reasons=reasons, measures=[])
                )
                hit.measures.append(measure)
    return [[] if subject is None else list(found[subject.pk].values()) for subject in subjects]
