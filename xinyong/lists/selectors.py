"""Reads of lists, memoranda and checks. Which entries count is decided here, at query time, by the one clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from xinyong.core import clock
from xinyong.core.identifiers import classify_party_code, normalize_code
from xinyong.lists.models import CheckLog, CheckOutcome, EntryStatus, ListEntry, Measure, Memorandum
from xinyong.lists.results import CheckHit, CheckResult, RecordHit
from xinyong.records.models import Record


def active_entries() -> QuerySet[ListEntry]:
    """Entries that produce hits now: published, not exited, and not past their planned exit date.

    An entry past its planned exit stops counting at once, before anyone runs the exit service for it.
    """
    today = clock.today()
    return ListEntry.objects.filter(status=EntryStatus.PUBLISHED).filter(
        Q(planned_exit__isnull=True) | Q(planned_exit__gt=today)
    )


def is_active(entry: ListEntry, today: dt.date | None = None) -> bool:
    """The rule of `active_entries` for one entry already loaded (retrieval fetches a handful by id)."""
    return is_active_state(entry.status, entry.planned_exit, today or clock.today())


def is_active_state(status: str, planned_exit: dt.date | None, today: dt.date) -> bool:
    return status == EntryStatus.PUBLISHED and (planned_exit is None or planned_exit > today)


def measures_for(*, kind_ids: Iterable[int], matter: str) -> dict[int, list[Measure]]:
    """Per list kind, the measures of its memoranda that apply to `matter` (a handful of rows: filtered here,
    because SQLite cannot look inside a JSON list)."""
    ids = set(kind_ids)
    found: dict[int, list[Measure]] = {kind_id: [] for kind_id in ids}
    if not ids:
        return found
    through = Memorandum.kinds.through
    by_memo: dict[int, list[int]] = {}
    for kind_id, memo_id in through.objects.filter(listkind_id__in=ids).values_list(
        "listkind_id", "memorandum_id"
    ):
        by_memo.setdefault(memo_id, []).append(kind_id)
    rows = (
        Measure.objects.filter(memorandum_id__in=by_memo)
        .select_related("memorandum")
        .order_by("memorandum__issued_on", "code")
    )
    for measure in rows:
        if matter in measure.matters:
            for kind_id in by_memo[measure.memorandum_id]:
                found[kind_id].append(measure)
    return found


def check_logs(*, actor: Any = None) -> QuerySet[CheckLog]:
    logs = CheckLog.objects.select_related("actor", "subject")
    return logs if actor is None else logs.filter(actor=actor)


def check_result_of(log: CheckLog) -> CheckResult:
    """A past check as it was answered: the entries it hit (even if they have left their list since), with
    the scores and reasons it gave, the measures for its matter, and the outcomes recorded so far."""
    ids = [int(h["entry_id"]) for h in log.hits if "entry_id" in h]
    entries = ListEntry.objects.select_related("kind").in_bulk(ids)
    measures = measures_for(kind_ids={e.kind_id for e in entries.values()}, matter=log.matter)
    hits = [
        CheckHit(
            entries[int(h["entry_id"])],
            float(h["score"]),
            list(h.get("reasons", [])),
            measures.get(entries[int(h["entry_id"])].kind_id, []),
        )
        for h in log.hits
        if "entry_id" in h and int(h["entry_id"]) in entries
    ]
    return CheckResult(log=log, subject=log.subject, hits=hits, record_hits=_record_hits_of(log))


def record_measures(matter: str) -> list[Measure]:
    """The measures that a subject's own records trigger in `matter` (see `penalties`)."""
    return [
        m
        for m in Measure.objects.exclude(record_condition={}).select_related("memorandum")
        if matter in m.matters and m.record_condition
    ]


def _record_hits_of(log: CheckLog) -> list[RecordHit]:
    stored = [h for h in log.hits if "record_id" in h]
    if not stored:
        return []
    records = Record.objects.in_bulk([int(h["record_id"]) for h in stored])
    measures = [m for m in record_measures(log.matter)]
    return [
        RecordHit(
            record=records[int(h["record_id"])],
            reasons=list(h.get("reasons", [])),
            measures=[m for m in measures if m.record_condition.get("category") == h.get("category")],
        )
        for h in stored
        if int(h["record_id"]) in records
    ]


def outcomes_of(log: CheckLog) -> list[CheckOutcome]:
    return list(log.outcomes.select_related("entry", "measure", "actor").order_by("recorded_at", "pk"))


def batch_logs(*, batch_ref: str) -> list[CheckLog]:
    return list(
        CheckLog.objects.filter(batch_ref=batch_ref).select_related("actor", "subject").order_by("pk")
    )


ENTRIES_PAGE_LIMIT = 200


@dataclass
class EntriesPage:
    rows: list[ListEntry]
    total: int
    limit: int
    counts: dict[str, int]


def entries_page(*, kind: str = "", status: str = "", query: str = "") -> EntriesPage:
    """The entries list of 名单管理: newest first, filtered by list, status and a name fragment or an exact code."""
    entries = ListEntry.objects.all()
    if kind:
        entries = entries.filter(kind__code=kind)
    text = normalize_code(query) if query else ""
    if text:
        if classify_party_code(text) == "unknown":
            entries = entries.filter(name__contains=query.strip())
        else:
            # Two indexed look-ups: an OR of the two makes SQLite scan the table.
            ids = {*ListEntry.objects.filter(uscc=text).values_list("pk", flat=True)}
            ids |= {*ListEntry.objects.filter(person_id=text).values_list("pk", flat=True)}
            entries = entries.filter(pk__in=ids)
    counts = {row["status"]: row["n"] for row in entries.values("status").annotate(n=Count("id")).order_by()}
    if status:
        entries = entries.filter(status=status)
    rows = list(entries.select_related("kind").order_by("-pk")[:ENTRIES_PAGE_LIMIT])
    total = counts.get(status, 0) if status else sum(counts.values())
    return EntriesPage(rows=rows, total=total, limit=ENTRIES_PAGE_LIMIT, counts=counts)
