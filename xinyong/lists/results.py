"""What a check returns, as the services, the pages and the CLI see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xinyong.audit.services import actor_label_of
from xinyong.lists.models import CheckLog, Dismissal, ListEntry, Measure
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
            "measures": [
                {
                    "id": m.pk,
                    "nature": m.nature,
                    "text": m.text,
                    "legal_basis": m.legal_basis,
                    "executing_departments": m.executing_departments,
                    "memorandum": m.memorandum.number,
                }
                for m in self.measures
            ],
            "dismissed": None
            if self.dismissal is None
            else {"reason": self.dismissal.reason, "by": actor_label_of(self.dismissal.actor)},
        }


@dataclass
class CheckResult:
    log: CheckLog
    subject: Subject | None
    hits: list[CheckHit] = field(default_factory=list)
    dismissed: list[CheckHit] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.log.pk,
            "matter": self.log.matter,
            "query": {"name": self.log.query_name, "code": self.log.query_code},
            "subject": None if self.subject is None else {"id": self.subject.pk, "name": self.subject.name},
            "hits": [hit.as_dict() for hit in self.hits],
            "dismissed": [hit.as_dict() for hit in self.dismissed],
        }
