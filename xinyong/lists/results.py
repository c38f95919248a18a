"""What a check returns, as the services, the pages and the CLI see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xinyong.audit.services import actor_label_of
from xinyong.lists.models import CheckLog, Dismissal, ListEntry, Measure
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


@dataclass
class CheckHit:
    entry: ListEntry
    score: float
    reasons: list[dict[str, str]]
    measures: list[Measure]
    dismissal: Dismissal | None = None

    @property
    def explanation(self) -> str:
        return "；".join(r["text"] for r in self.reasons)

    def as_dict(self) -> dict[str, Any]:
        entry = self.entry
        return {
            "entry_id": entry.pk,
            "list": entry.kind.code,
            "list_name": entry.kind.name,
            "list_type": entry.kind.list_type,
            "name": entry.name,
            "uscc": entry.uscc,
            "decision_document": entry.decision_document,
            "recognising_department": entry.recognising_department,
            "published_on": str(entry.published_on) if entry.published_on else None,
            "planned_exit": str(entry.planned_exit) if entry.planned_exit else None,
            "score": self.score,
            "reasons": self.reasons,
            "explanation": self.explanation,
            "measures": [_measure_dict(m) for m in self.measures],
            "dismissed": None
            if self.dismissal is None
            else {"reason": self.dismissal.reason, "by": actor_label_of(self.dismissal.actor)},
        }


def _measure_dict(m: Measure) -> dict[str, Any]:
    return {
        "id": m.pk,
        "nature": m.nature,
        "text": m.text,
        "legal_basis": m.legal_basis,
        "executing_departments": m.executing_departments,
        "memorandum": m.memorandum.number,
    }


@dataclass
class RecordHit:
    """A subject's own record (e.g. a serious penalty) that a measure for this matter names."""

    record: Record
    reasons: list[dict[str, str]]
    measures: list[Measure]

    @property
    def explanation(self) -> str:
        return "；".join(r["text"] for r in self.reasons)

    @property
    def title(self) -> str:
        data = self.record.data
        return str(data.get("CF_WSH") or data.get("XK_WSH") or self.record.key)

    def as_dict(self) -> dict[str, Any]:
        record = self.record
        return {
            "record_id": record.pk,
            "category": record.category_code,
            "document": self.title,
            "decision_date": str(record.decision_date) if record.decision_date else None,
            "score": 1.0,
            "reasons": self.reasons,
            "explanation": self.explanation,
            "measures": [_measure_dict(m) for m in self.measures],
        }


@dataclass
class CheckResult:
    log: CheckLog
    subject: Subject | None
    hits: list[CheckHit] = field(default_factory=list)
    dismissed: list[CheckHit] = field(default_factory=list)
    record_hits: list[RecordHit] = field(default_factory=list)

    @property
    def any_hit(self) -> bool:
        return bool(self.hits or self.record_hits)

    def as_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.log.pk,
            "matter": self.log.matter,
            "query": {"name": self.log.query_name, "code": self.log.query_code},
            "subject": None if self.subject is None else {"id": self.subject.pk, "name": self.subject.name},
            "hits": [hit.as_dict() for hit in self.hits],
            "record_hits": [hit.as_dict() for hit in self.record_hits],
            "dismissed": [hit.as_dict() for hit in self.dismissed],
        }
