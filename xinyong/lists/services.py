"""Writes of the lists app: loading lists and memoranda, the entry lifecycle (认定—发布—移出), the check, its
outcomes and dismissals. Every change is audited in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction
from django.db.models import QuerySet

from xinyong.audit.services import actor_label_of, audit_record
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import normalize_code, validate_person_id, validate_uscc
from xinyong.lists import matching, monitoring, screening
from xinyong.lists.models import (
    CheckLog,
    CheckOutcome,
    Dismissal,
    EntryStatus,
    ExitReason,
    ListEntry,
    ListKind,
    ListType,
    Matter,
    Measure,
    MeasureNature,
    Memorandum,
)
from xinyong.lists.penalties import record_hits_many
from xinyong.lists.results import CheckResult, RecordHit
from xinyong.lists.retrieval import Party
from xinyong.org.models import Unit
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

RULES_DIR = Path(__file__).resolve().parent / "rules"
_REASON_MAX = 500
_BATCH_COMMIT_ROWS = 500


def _required(value: str, label: str, max_length: int = _REASON_MAX) -> str:
    text = (value or "").strip()
    if not text:
        raise XinyongError(ErrorCode.REQUIRED, f"请填写{label}。")
    if len(text) > max_length:
        raise XinyongError(ErrorCode.TOO_LONG, f"{label}最多{max_length}个字，实际{len(text)}个字。")
    return text


def column_length(model: type[models.Model], field: str) -> int:
    """The length of a text column: what is longer cannot be stored (PostgreSQL refuses it, SQLite would not)."""
    column = model._meta.get_field(field)
    assert isinstance(column, models.CharField) and column.max_length is not None
    return column.max_length


def _matter(value: str) -> str:
    if value not in Matter.values:
        choices = "、".join(f"{m.value}（{m.label}）" for m in Matter)
        raise XinyongError(ErrorCode.UNKNOWN_MATTER, f"未知的办理事项“{value}”，可选：{choices}")
    return value


# --------------------------------------------------------------------------------------------------------
# rules as data
# --------------------------------------------------------------------------------------------------------


@transaction.atomic
def lists_load(*, actor: Any = None, rules_dir: Path = RULES_DIR) -> dict[str, int]:
    """Create or update the list kinds and memoranda from the shipped YAML (idempotent)."""
    kinds_spec = yaml.safe_load((rules_dir / "list_kinds.yaml").read_text(encoding="utf-8"))["kinds"]
    memo_spec = yaml.safe_load((rules_dir / "memoranda.yaml").read_text(encoding="utf-8"))["memoranda"]
    kinds: dict[str, ListKind] = {}
    for item in kinds_spec:
        if item["list_type"] not in ListType.values:
            raise XinyongError(ErrorCode.BAD_CHOICE, f"名单{item['code']}的类型“{item['list_type']}”无效")
        if not str(item.get("legal_basis", "")).strip():
            raise XinyongError(ErrorCode.NO_LEGAL_BASIS, f"名单{item['code']}缺少认定依据")
        values = {
            k: item.get(k)
            for k in (
                "name",
                "list_type",
                "recognising_department",
                "legal_basis",
                "exit_rule",
                "period_years",
                "source",
                "effective_from",
            )
        }
        values["exit_rule"] = values["exit_rule"] or ""
        kind, _ = ListKind.objects.update_or_create(code=item["code"], defaults=values)
        kinds[kind.code] = kind
    known = {k.code: k for k in ListKind.objects.all()}
    measures = 0
    for memo in memo_spec:
        missing = [code for code in memo["kinds"] if code not in known]
        if missing:
            raise XinyongError(
                ErrorCode.UNKNOWN_LIST, f"备忘录{memo['number']}引用了未知名单：{'、'.join(missing)}"
            )
        memorandum, _ = Memorandum.objects.update_or_create(
            number=memo["number"],
            defaults={k: memo[k] for k in ("title", "issued_on", "issuing_bodies", "source")},
        )
        memorandum.kinds.set([known[code] for code in memo["kinds"]])
        seen = []
        for item in memo["measures"]:
            if item["nature"] not in MeasureNature.values:
                raise XinyongError(ErrorCode.BAD_CHOICE, f"{memo['number']} 措施{item['code']}的性质无效")
            # No generalised punishment: a measure without a legal basis is refused, not shipped.
            if not str(item.get("legal_basis", "")).strip():
                raise XinyongError(
                    ErrorCode.NO_LEGAL_BASIS, f"{memo['number']} 措施{item['code']}缺少法律依据"
                )
            bad = [m for m in item["matters"] if m not in Matter.values]
            if bad:
                raise XinyongError(
                    ErrorCode.UNKNOWN_MATTER, f"{memo['number']} 措施{item['code']}的事项无效：{bad}"
                )
            condition = dict(item.get("record_condition") or {})
            if condition and not {"category", "within_years"} <= condition.keys():
                raise XinyongError(
                    ErrorCode.BAD_CHOICE, f"{memo['number']} 措施{item['code']}的触发条件须写明类别和年限"
                )
            if not condition and not memo["kinds"]:
                raise XinyongError(
                    ErrorCode.UNKNOWN_LIST, f"{memo['number']} 措施{item['code']}既无适用名单也无触发条件"
                )
            Measure.objects.update_or_create(
                memorandum=memorandum,
                code=item["code"],
                defaults={
                    **{k: item[k] for k in ("nature", "text", "legal_basis", "matters", "executing_departments")},
                    "record_condition": condition,
                },
            )
            seen.append(item["code"])
            measures += 1
        memorandum.measures.exclude(code__in=seen).delete()
    counts = {"kinds": len(kinds), "memoranda": len(memo_spec), "measures": measures}
    audit_record(
        actor=actor,
        action="lists.rules_loaded",
        object_type="lists.rules",
        summary="载入名单类别和联合奖惩备忘录",
        after=counts,
    )
    return counts


# --------------------------------------------------------------------------------------------------------
# entry lifecycle
# --------------------------------------------------------------------------------------------------------


def _entry_state(entry: ListEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind.code,
        "name": entry.name,
        "uscc": entry.uscc,
        "status": entry.status,
        "decision_document": entry.decision_document,
        "published_on": str(entry.published_on) if entry.published_on else None,
        "planned_exit": str(entry.planned_exit) if entry.planned_exit else None,
        "exit_reason": entry.exit_reason,
    }


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def entry_recognise(
    *,
    actor: Any,
    kind: ListKind | str,
    name: str,
    decision_document: str,
    uscc: str = "",
    person_id: str = "",
    subject: Subject | None = None,
    recognising_department: str = "",
    legal_basis: str = "",
    notice_date: dt.date | None = None,
    objection_days: int = 0,
    planned_exit: dt.date | None = None,
) -> ListEntry:
    """认定: record the decision and the notice to the subject; the entry produces no hits until published."""
    if isinstance(kind, str):
        found = ListKind.objects.filter(code=kind).first()
        if found is None:
            raise XinyongError(ErrorCode.UNKNOWN_LIST, f"未知的名单“{kind}”")
        kind = found
    name = _required(name, "列入名称", column_length(ListEntry, "name"))
    # A wrong digit would make the entry hit another subject, or nobody: the checksums decide.
    code = validate_uscc(uscc) if uscc else ""
    person = validate_person_id(person_id, today=clock.today()).number if person_id else ""
    if subject is None and code:
        subject = Subject.objects.filter(uscc=code).first()
    notice = notice_date or clock.today()
    entry = ListEntry.objects.create(
        kind=kind,
        subject=subject,
        name=name,
        name_key=matching.match_keys(name)[0] if name else "",
        uscc=code,
        person_id=person,
        decision_document=_required(decision_document, "认定文书号", column_length(ListEntry, "decision_document")),
        recognising_department=recognising_department or kind.recognising_department,
        # The list's own basis applies unless the decision names a narrower one.
        legal_basis=legal_basis or kind.legal_basis,
        notice_date=notice,
        objection_end=notice + dt.timedelta(days=objection_days) if objection_days else None,
        planned_exit=planned_exit,
        status=EntryStatus.RECOGNISED,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor, action="lists.entry_recognised", obj=entry, summary=str(entry), after=_entry_state(entry)
    )
    return entry


@transaction.atomic
def entry_publish(*, actor: Any, entry: ListEntry, published_on: dt.date | None = None) -> ListEntry:
    """发布: from then on (and until its exit) the entry produces hits."""
    entry = ListEntry.objects.select_for_update().select_related("kind").get(pk=entry.pk)
    if entry.status != EntryStatus.RECOGNISED:
        raise XinyongError(
            ErrorCode.LIST_ENTRY_STATE, f"该条目当前状态为“{entry.get_status_display()}”，不能发布"
        )
    day = published_on or clock.today()
    if entry.objection_end and day <= entry.objection_end:
        raise XinyongError(
            ErrorCode.LIST_ENTRY_STATE, f"异议期至{entry.objection_end:%Y-%m-%d}，异议期届满后方可发布"
        )
    before = _entry_state(entry)
    entry.status = EntryStatus.PUBLISHED
    entry.published_on = day
    if entry.planned_exit is None and entry.kind.period_years:
        entry.planned_exit = _add_years(day, entry.kind.period_years)
    entry.save(update_fields=["status", "published_on", "planned_exit"])
    monitoring.entries_changed(entries=[entry])
    audit_record(
        actor=actor,
        action="lists.entry_published",
        obj=entry,
        summary=str(entry),
        before=before,
        after=_entry_state(entry),
    )
    return entry


@transaction.atomic
def entry_exit(*, actor: Any, entry: ListEntry, reason: str, note: str = "") -> ListEntry:
    """移出: on expiry, on performance, on repair (or the decision revoked); the reason is required."""
    if reason not in ExitReason.values:
        raise XinyongError(ErrorCode.BAD_CHOICE, "请选择移出原因：" + "、".join(ExitReason.labels))
    entry = ListEntry.objects.select_for_update().select_related("kind").get(pk=entry.pk)
    if entry.status == EntryStatus.EXITED:
        raise XinyongError(ErrorCode.LIST_ENTRY_STATE, "该条目已移出")
    if reason != ExitReason.EXPIRY:
        note = _required(note, "移出说明")
    before = _entry_state(entry)
    entry.status = EntryStatus.EXITED
    entry.exited_at = clock.now()
    entry.exit_reason = reason
    entry.exit_note = note.strip()
    entry.save(update_fields=["status", "exited_at", "exit_reason", "exit_note"])
    monitoring.entries_changed(entries=[entry])
    audit_record(
        actor=actor,
        action="lists.entry_exited",
        obj=entry,
        summary=f"{entry}（{entry.get_exit_reason_display()}）",
        before=before,
        after=_entry_state(entry),
    )
    return entry


# --------------------------------------------------------------------------------------------------------
# the check
# --------------------------------------------------------------------------------------------------------


def _party(code: str | None, name: str | None) -> Party:
    code = normalize_code(code).replace("-", "") if code else ""
    name = (name or "").strip()
    if not code and not name:
        raise XinyongError(ErrorCode.REQUIRED, "请填写主体名称或统一社会信用代码（身份证件号码）。")
    if len(code) > column_length(CheckLog, "query_code"):
        raise XinyongError(
            ErrorCode.TOO_LONG,
            f"统一社会信用代码（身份证件号码）最多{column_length(CheckLog, 'query_code')}个字符，实际{len(code)}个。",
        )
    if len(name) > column_length(CheckLog, "query_name"):
        raise XinyongError(
            ErrorCode.TOO_LONG, f"主体名称最多{column_length(CheckLog, 'query_name')}个字，实际{len(name)}个字。"
        )
    return Party(code, name)


def _stored_hits(result: screening.Screened, records: list[RecordHit]) -> list[dict[str, Any]]:
    """What the check log keeps of the answer: enough to show it again after the entries have changed."""
    return [
        {"entry_id": h.entry.pk, "score": h.score, "list": h.entry.kind.code, "reasons": h.reasons}
        for h in result.hits
    ] + [
        {"record_id": h.record.pk, "score": 1.0, "category": h.record.category_code, "reasons": h.reasons}
        for h in records
    ]


def _check_many(
    *, actor: Any, matter: str, purpose: str, parties: Sequence[Party], batch_ref: str, department: Unit | None
) -> list[CheckResult]:
    """The checks of `parties` for one matter, screened together and logged (not audited: the callers are)."""
    subjects = screening.resolve_subjects([(p.code, p.name) for p in parties])
    parties = [Party(p.code, p.name, subject) for p, subject in zip(parties, subjects, strict=True)]
    screened = screening.screen(parties, matter)
    found_records = record_hits_many(subjects=subjects, matter=matter)
    stored = [_stored_hits(result, records) for result, records in zip(screened, found_records, strict=True)]
    now = clock.now()
    label = actor_label_of(actor)
    logs = CheckLog.objects.bulk_create(
        [
            CheckLog(
                actor=actor if getattr(actor, "pk", None) else None,
                actor_label=label,
                department=department if department is not None else getattr(actor, "unit", None),
                checked_at=now,
                matter=matter,
                purpose=purpose,
                query_name=party.name,
                query_code=party.code,
                subject=party.subject,
                batch_ref=batch_ref,
                hits=hits,
                hit_count=len(hits),
            )
            for party, hits in zip(parties, stored, strict=True)
        ]
    )
    return [
        CheckResult(log=log, subject=party.subject, hits=result.hits, dismissed=result.dismissed, record_hits=records)
        for log, party, result, records in zip(logs, parties, screened, found_records, strict=True)
    ]


@transaction.atomic
def check_subject(
    *,
    actor: Any,
    matter: str,
    purpose: str,
    code: str | None = None,
    name: str | None = None,
    batch_ref: str = "",
    department: Unit | None = None,
) -> CheckResult:
    """One check (联合奖惩核查): the hits with scores and reasons, and the measures for this matter; logged."""
    matter = _matter(matter)
    purpose = _required(purpose, "查询事由", column_length(CheckLog, "purpose"))
    party = _party(code, name)
    result = _check_many(
        actor=actor, matter=matter, purpose=purpose, parties=[party], batch_ref=batch_ref, department=department
    )[0]
    log = result.log
    audit_record(
        actor=actor,
        action="lists.checked",
        obj=log,
        summary=f"{Matter(matter).label}核查：{party.name or party.code}，命中{log.hit_count}条",
        after={"matter": matter, "purpose": purpose, "name": party.name, "code": party.code, "hits": log.hits},
    )
    return result


def check_batch(
    *, actor: Any, matter: str, purpose: str, rows: Sequence[tuple[str, str]]
) -> list[CheckResult]:
    """A list of (name, code) checked under one batch reference, screened a chunk at a time.

    Committed a chunk at a time: one commit per check would cost more than the check itself, one for ten
    thousand names would hold the database's write lock for the whole batch.
    """
    matter = _matter(matter)
    purpose = _required(purpose, "查询事由", column_length(CheckLog, "purpose"))
    ref = uuid.uuid4().hex[:12]
    parties = [_party(code, name) for name, code in rows if (name or "").strip() or (code or "").strip()]
    department = getattr(actor, "unit", None)
    results: list[CheckResult] = []
    for start in range(0, len(parties), _BATCH_COMMIT_ROWS):
        with transaction.atomic():
            chunk = _check_many(
                actor=actor,
                matter=matter,
                purpose=purpose,
                parties=parties[start : start + _BATCH_COMMIT_ROWS],
                batch_ref=ref,
                department=department,
            )
            # One event per chunk names every check in it: the check logs hold the rest.
            audit_record(
                actor=actor,
                action="lists.batch_checked",
                object_type="lists.batch",
                object_id=ref,
                summary=f"{Matter(matter).label}批量核查 {ref}：第{start + 1}–{start + len(chunk)}个主体，"
                f"命中{sum(1 for r in chunk if r.any_hit)}个",
                after={
                    "matter": matter,
                    "purpose": purpose,
                    "checks": [r.log.pk for r in chunk],
                    "hits": {r.log.pk: r.log.hits for r in chunk if r.any_hit},
                },
            )
            results.extend(chunk)
    return results


# --------------------------------------------------------------------------------------------------------
# closing the loop
# --------------------------------------------------------------------------------------------------------


def _hit_entry_ids(log: CheckLog) -> set[int]:
    return {int(h["entry_id"]) for h in log.hits if "entry_id" in h}


def _hit_record_ids(log: CheckLog) -> set[int]:
    return {int(h["record_id"]) for h in log.hits if "record_id" in h}


@transaction.atomic
def outcome_record(
    *,
    actor: Any,
    check_log: CheckLog,
    entry: ListEntry | None = None,
    applied: bool,
    measure: Measure | None = None,
    reason: str = "",
    record: Record | None = None,
) -> CheckOutcome:
    """Feedback (反馈): a measure applied, or not applied with a reason, for a list hit or a record hit."""
    if (entry is None) == (record is None):
        raise XinyongError(ErrorCode.BAD_CHOICE, "请指明反馈针对的名单条目或信用记录")
    if entry is not None:
        if entry.pk not in _hit_entry_ids(check_log):
            raise XinyongError(ErrorCode.BAD_CHOICE, "该名单条目不在本次核查的命中结果中")
        if measure is not None and not measure.memorandum.kinds.filter(pk=entry.kind_id).exists():
            raise XinyongError(ErrorCode.BAD_CHOICE, "该措施不适用于此名单")
    else:
        assert record is not None
        if record.pk not in _hit_record_ids(check_log):
            raise XinyongError(ErrorCode.BAD_CHOICE, "该信用记录不在本次核查的命中结果中")
        if measure is not None and not measure.record_condition:
            raise XinyongError(ErrorCode.BAD_CHOICE, "该措施不适用于信用记录")
    reason = reason.strip()
    if not applied:
        reason = _required(reason, "未实施措施的理由")
    outcome, _created = CheckOutcome.objects.update_or_create(
        check_log=check_log,
        entry=entry,
        record=record,
        measure=measure,
        defaults={
            "applied": applied,
            "reason": reason,
            "actor": actor if getattr(actor, "pk", None) else None,
            "recorded_at": clock.now(),
        },
    )
    audit_record(
        actor=actor,
        action="lists.outcome_recorded",
        obj=outcome,
        summary=f"核查{check_log.pk}：{entry.name if entry else record.key if record else ''} "
        f"{'已实施' if applied else '未实施'}{('：' + measure.text) if measure else ''}",
        after={
            "check": check_log.pk,
            "entry": entry.pk if entry else None,
            "record": record.pk if record else None,
            "measure": measure.pk if measure else None,
            "applied": applied,
            "reason": reason,
        },
    )
    return outcome


@transaction.atomic
def dismissal_create(*, actor: Any, check_log: CheckLog, entry: ListEntry, reason: str) -> Dismissal:
    """误报排除: this entry is not the party of this check; later checks of the same party skip it."""
    if entry.pk not in _hit_entry_ids(check_log):
        raise XinyongError(ErrorCode.BAD_CHOICE, "该名单条目不在本次核查的命中结果中")
    reason = _required(reason, "排除理由")
    stored = next(h for h in check_log.hits if int(h.get("entry_id", 0)) == entry.pk)
    if screening.decided_by_identifier(list(stored.get("reasons", []))):
        raise XinyongError(ErrorCode.BAD_CHOICE, "该条目按统一社会信用代码或证件号码命中，不能作为误报排除")
    keys = screening.query_keys(Party(check_log.query_code, check_log.query_name, check_log.subject))
    made = None
    for key in keys:
        dismissal, _ = Dismissal.objects.update_or_create(
            entry=entry,
            query_key=key,
            defaults={
                "subject": check_log.subject,
                "reason": reason,
                "actor": actor if getattr(actor, "pk", None) else None,
                "dismissed_at": clock.now(),
            },
        )
        made = made or dismissal
    assert made is not None  # a check always has a code or a name
    audit_record(
        actor=actor,
        action="lists.hit_dismissed",
        obj=made,
        summary=f"排除误报：{check_log.query_name or check_log.query_code} ≠ {entry.name}",
        after={"check": check_log.pk, "entry": entry.pk, "keys": keys, "reason": reason},
    )
    return made


def entries_due_for_exit(*, today: dt.date | None = None) -> QuerySet[ListEntry]:
    """Published entries past their planned exit date, for the expiry run."""
    day = today or clock.today()
    return ListEntry.objects.filter(status=EntryStatus.PUBLISHED, planned_exit__lte=day)


def entries_expire(*, actor: Any, note: str) -> int:
    """期满移出: every published entry whose planned exit date has come (they stopped hitting that day already)."""
    done = 0
    for entry in entries_due_for_exit():
        entry_exit(actor=actor, entry=entry, reason=ExitReason.EXPIRY, note=note)
        done += 1
    return done
