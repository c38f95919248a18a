"""Lists through the intake path: rows of the black_list and red_list categories become list entries.

A list file (the court's 失信被执行人 file from the city platform, a department's own list) is imported like any
other file: checked row by row, held back when wrong, stored as versioned records. Each stored record is then
mirrored here as a `ListEntry` in the same transaction: 认定 from 认定日期, 发布 from 发布日期 (an entry not yet
published produces no hits), 移出 from 移出日期 and 移出原因, or when the record is revoked. A later file that
revises the record revises the entry; every change is audited and re-screens the watched subjects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from xinyong.audit.services import AuditItem, audit_record, audit_record_many
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.lists import matching, monitoring
from xinyong.lists.models import EntryStatus, ExitReason, ListEntry, ListKind, ListType
from xinyong.lists.services import _add_years, _entry_state
from xinyong.records.models import Record, RecordStatus

# Catalog category → the list types its rows may name.
LIST_CATEGORIES: dict[str, frozenset[str]] = {
    "black_list": frozenset({ListType.BLACK, ListType.WATCH}),
    "red_list": frozenset({ListType.RED}),
}
_EXIT_REASONS = {label: value for value, label in ExitReason.choices}
_CHUNK = 2000


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def _values(record: Record, kind: ListKind, today: dt.date) -> dict[str, Any]:
    """The entry a list record describes, as of `today`."""
    data = record.data
    recognised = _date(data.get("MD_RDRQ"))
    published = _date(data.get("MD_FBRQ"))
    exited = _date(data.get("MD_YCRQ"))
    planned = _date(data.get("MD_YXQZ"))
    if planned is None and published and kind.period_years:
        planned = _add_years(published, kind.period_years)
    name = str(data.get("MD_ZTMC", ""))
    values: dict[str, Any] = {
        "kind": kind,
        "subject_id": record.subject_id,
        "name": name,
        "name_key": matching.match_keys(name)[0] if name else "",
        "uscc": str(data.get("MD_TYSHXYDM", "")),
        "person_id": str(data.get("MD_ZJHM", "")) if not data.get("MD_TYSHXYDM") else "",
        "decision_document": str(data.get("MD_RDWSH", "")),
        "recognising_department": str(data.get("MD_RDBM", "")) or kind.recognising_department,
        "legal_basis": str(data.get("MD_RDYJ", "")) or kind.legal_basis,
        "notice_date": recognised,
        "published_on": published if published and published <= today else None,
        "planned_exit": planned,
        "status": EntryStatus.PUBLISHED if published and published <= today else EntryStatus.RECOGNISED,
        "exited_at": None,
        "exit_reason": "",
        "exit_note": "",
    }
    if record.status == RecordStatus.REVOKED:
        values.update(
            status=EntryStatus.EXITED,
            exited_at=record.updated_at,
            exit_reason=ExitReason.REVOKED,
            exit_note=record.status_reason or "名单信息记录已撤销",
        )
    elif exited is not None:
        values.update(
            status=EntryStatus.EXITED,
            exited_at=dt.datetime.combine(exited, dt.time(), tzinfo=clock.LOCAL_TZ),
            exit_reason=_EXIT_REASONS.get(str(data.get("MD_YCYY", "")), ExitReason.EXPIRY),
            exit_note=str(data.get("BZ", "")) or f"按{record.category_code}报送信息移出",
        )
    return values


def entries_sync(*, records: Iterable[Record], actor: Any) -> list[ListEntry]:
    """Create or revise the entry of each list record; returns the entries that changed."""
    records = list(records)
    if not records:
        return []
    allowed = LIST_CATEGORIES[records[0].category_code]
    kinds = {kind.name: kind for kind in ListKind.objects.filter(list_type__in=allowed)}
    existing = {
        entry.record_id: entry
        for entry in ListEntry.objects.select_related("kind").filter(record__in=[r.pk for r in records])
    }
    today = clock.today()
    changed: list[ListEntry] = []
    created: list[ListEntry] = []
    for record in records:
        kind = kinds.get(str(record.data.get("MD_MDMC", "")))
        if kind is None:
            # The catalog's choices and list_kinds.yaml disagree: a configuration error, not a clerk's.
            raise XinyongError(
                ErrorCode.UNKNOWN_LIST,
                f"记录{record.key}的名单“{record.data.get('MD_MDMC')}”不在名单类别中，请核对名单配置",
            )
        values = _values(record, kind, today)
        entry = existing.get(record.pk)
        if entry is None:
            created.append(ListEntry(record=record, created_at=clock.now(), **values))
            continue
        before = _entry_state(entry)
        was_active = entry.status == EntryStatus.PUBLISHED
        if all(getattr(entry, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(entry, name, value)
        entry.save()
        audit_record(
            actor=actor,
            action="lists.entry_revised",
            obj=entry,
            summary=f"{entry}（报送更新）",
            before=before,
            after=_entry_state(entry),
        )
        if was_active or entry.status != EntryStatus.RECOGNISED:
            changed.append(entry)
    # New entries go in together, each with its own audit event, under one lock of the audit chain.
    ListEntry.objects.bulk_create(created, batch_size=500)
    if any(entry.pk is None for entry in created):  # SQLite before 3.35 returns no ids
        created = list(ListEntry.objects.select_related("kind").filter(record__in=[e.record_id for e in created]))
    audit_record_many(
        actor=actor,
        items=[
            AuditItem("lists.entry_imported", obj=entry, summary=f"{entry}（报送导入）", after=_entry_state(entry))
            for entry in created
        ],
    )
    changed += created
    monitoring.entries_changed(entries=changed)
    return changed


def _records_of(category_code: str, batch: Any, record_ids: list[int] | None) -> QuerySet[Record]:
    records = Record.objects.filter(category_code=category_code)
    return records.filter(batch=batch) if batch is not None else records.filter(pk__in=record_ids or [])


def on_records_changed(
    sender: Any, *, category_code: str, batch: Any, record_ids: list[int] | None, actor: Any, **_: Any
) -> None:
    """Receiver of `records_changed`: mirror list records, chunk by chunk (a court file has many rows)."""
    if category_code not in LIST_CATEGORIES:
        return
    ids = list(_records_of(category_code, batch, record_ids).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), _CHUNK):
        entries_sync(records=Record.objects.filter(pk__in=ids[start : start + _CHUNK]).order_by("pk"), actor=actor)
