"""Figures of joint reward and punishment for the assessment (2.1–2.3, 4.2, 5.1): checks by department and
matter, hits, outcomes recorded and still missing, and the cases worth reporting as typical cases (典型案例).

A hit counts as answered when an outcome was recorded for it in that check; a typical case is a check in which
a measure was applied.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from xinyong.core import clock
from xinyong.lists.models import CheckLog, CheckOutcome, Matter
from xinyong.org.models import Unit

NO_DEPARTMENT = "（未关联部门）"


@dataclass
class Row:
    department: str
    matter: str
    checks: int = 0
    checks_with_hits: int = 0
    hits: int = 0
    answered: int = 0

    @property
    def missing(self) -> int:
        return self.hits - self.answered

    def counts(self) -> dict[str, int]:
        return {
            "checks": self.checks,
            "checks_with_hits": self.checks_with_hits,
            "hits": self.hits,
            "outcomes_recorded": self.answered,
            "outcomes_missing": self.missing,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "matter": self.matter,
            "matter_name": Matter(self.matter).label,
            **self.counts(),
        }


@dataclass
class Figures:
    year: int
    rows: list[Row] = field(default_factory=list)
    typical_cases: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> Row:
        total = Row(department="合计", matter="")
        for row in self.rows:
            total.checks += row.checks
            total.checks_with_hits += row.checks_with_hits
            total.hits += row.hits
            total.answered += row.answered
        return total

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "rows": [row.as_dict() for row in self.rows],
            "total": self.total.counts(),
            "typical_cases": self.typical_cases,
        }


def _hit_keys(log: CheckLog) -> set[tuple[str, int]]:
    return {("entry", int(h["entry_id"])) if "entry_id" in h else ("record", int(h["record_id"])) for h in log.hits}


def check_figures(*, year: int, department: Unit | None = None, case_limit: int = 50) -> Figures:
    start, end = clock.year_bounds(year)
    logs = CheckLog.objects.filter(checked_at__gte=start, checked_at__lt=end).select_related("department")
    if department is not None:
        logs = logs.filter(department=department)
    answered: dict[int, set[tuple[str, int]]] = defaultdict(set)
    applied: dict[int, list[CheckOutcome]] = defaultdict(list)
    outcomes = CheckOutcome.objects.filter(check_log__in=logs.filter(hit_count__gt=0)).select_related(
        "measure", "entry__kind", "record"
    )
    for outcome in outcomes:
        key = ("entry", outcome.entry_id) if outcome.entry_id else ("record", int(outcome.record_id or 0))
        answered[outcome.check_log_id].add(key)
        if outcome.applied:
            applied[outcome.check_log_id].append(outcome)
    rows: dict[tuple[str, str], Row] = {}
    cases: list[dict[str, Any]] = []
    for log in logs.order_by("checked_at", "pk").iterator(chunk_size=2000):
        name = log.department.name if log.department else NO_DEPARTMENT
        row = rows.setdefault((name, log.matter), Row(department=name, matter=log.matter))
        row.checks += 1
        if not log.hit_count:
            continue
        keys = _hit_keys(log)
        row.checks_with_hits += 1
        row.hits += len(keys)
        row.answered += len(keys & answered[log.pk])
        for outcome in applied[log.pk]:
            if len(cases) < case_limit:
                cases.append(
                    {
                        "check_id": log.pk,
                        "checked_at": log.checked_at.astimezone(clock.LOCAL_TZ).isoformat(),
                        "department": name,
                        "matter": Matter(log.matter).label,
                        "subject": log.party_label,
                        "hit": outcome.entry.kind.name if outcome.entry else "信用记录",
                        "measure": outcome.measure.text if outcome.measure else "",
                        "note": outcome.reason,
                    }
                )
    ordered = sorted(rows.values(), key=lambda r: (r.department, list(Matter.values).index(r.matter)))
    return Figures(year=year, rows=ordered, typical_cases=cases)
