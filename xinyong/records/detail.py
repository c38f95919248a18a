"""One credit record as officers and departmental systems see it: fields as the catalog labels them, subject,
source unit, batch, versions, timeliness and status. The record page and the records API both read it here.

A natural person's document numbers are masked here as everywhere outside the subject page's registered look-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Q, QuerySet

from xinyong.access.pages import SUBJECT_VIEW_ROLES
from xinyong.audit.models import AuditEvent
from xinyong.catalog.models import Field
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import mask_person_id
from xinyong.intake.models import Batch
from xinyong.org.models import Role
from xinyong.org.selectors import roles_of, units_for_role
from xinyong.records.models import Record, RecordStatus, RecordVersion
from xinyong.records.revocation import may_revoke
from xinyong.subjects.selectors import subject_code

REVOKED_ACTION: Final = "records.revoked"


@dataclass(frozen=True)
class FieldValue:
    code: str
    name: str
    value: str
    masked: bool = False


@dataclass(frozen=True)
class VersionRow:
    version: int
    batch_id: int
    submitted_at: Any
    superseded_at: Any  # None for the current version
    changed: list[str] = field(default_factory=list)  # names of the fields this version changed

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


@dataclass
class RecordDetail:
    record: Record
    label: str
    fields: list[FieldValue]
    subject_code: str
    versions: list[VersionRow]
    events: list[AuditEvent]
    may_revoke: bool

    @property
    def revocation(self) -> AuditEvent | None:
        """The event that revoked the record (who, when), while it stays revoked."""
        if self.record.status != RecordStatus.REVOKED:
            return None
        return next((e for e in reversed(self.events) if e.action == REVOKED_ACTION), None)


@dataclass(frozen=True)
class RecordRow:
    record: Record
    label: str
    subject_code: str


# -- who may read a record ------------------------------------------------------------------------------------


def record_missing(record_id: object) -> Record.DoesNotExist:
    """The answer for a record that does not exist, and for one a departmental system may not see: the same words,
    so that the answer tells neither that the record exists nor whose it is."""
    return Record.DoesNotExist(f"信用记录 {record_id} 不存在，或不属于本部门")


def require_record_access(actor: Any, record: Record) -> None:
    """The credit office and the roles that look subjects up read every record; a reporter reads the records of
    the departments they report for; a departmental system's token only its own department's."""
    acts_for = getattr(actor, "acts_for_unit_id", None)
    if acts_for is not None:
        if record.source_unit_id == acts_for:
            return
        # A token does not learn that another department's record exists.
        raise record_missing(record.pk)
    if getattr(actor, "is_superuser", False):
        return
    roles = roles_of(actor)
    if roles & {role.value for role in SUBJECT_VIEW_ROLES}:
        return
    if (
        Role.REPORTER in roles
        and record.source_unit_id is not None
        and units_for_role(actor, Role.REPORTER).filter(pk=record.source_unit_id).exists()
    ):
        return
    raise XinyongError(ErrorCode.FORBIDDEN, "您只能查看本单位报送的信用记录。")


# -- one record -----------------------------------------------------------------------------------------------


def record_detail(*, actor: Any, record_id: int) -> RecordDetail:
    record = (
        Record.objects.select_related("category", "subject", "source_unit", "batch", "batch__department")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise record_missing(record_id)
    require_record_access(actor, record)
    specs = list(Field.objects.filter(category_id=record.category_id).order_by("position", "id"))
    sensitive = {spec.code for spec in specs if spec.sensitive}
    data = record.data if isinstance(record.data, dict) else {}
    fields = [
        FieldValue(spec.code, spec.name, _shown(data.get(spec.code), spec.code in sensitive), spec.code in sensitive)
        for spec in specs
        if data.get(spec.code) not in (None, "", [])
    ]
    known = {spec.code for spec in specs}
    # Cells of an older catalog version that the current one no longer names are still shown, under their code.
    fields += [FieldValue(code, code, _shown(value, False)) for code, value in data.items() if code not in known]
    older = list(RecordVersion.objects.filter(record=record).order_by("version"))
    names = {spec.code: spec.name for spec in specs}
    versions = _versions(record, older, names)
    events = list(
        AuditEvent.objects.filter(object_type=Record._meta.label, object_id=str(record.pk))
        .select_related("actor")
        .order_by("seq")
    )
    return RecordDetail(
        record=record,
        label=_label(record, sensitive),
        fields=fields,
        subject_code=subject_code(record.subject) if record.subject else "",
        versions=versions,
        events=events,
        may_revoke=may_revoke(actor, record),
    )


def _versions(record: Record, older: list[RecordVersion], names: dict[str, str]) -> list[VersionRow]:
    """Every version, newest first, each with the fields it changed from the one before."""
    chain: list[tuple[int, int, Any, Any, dict[str, Any]]] = [
        (v.version, v.batch_id, v.submitted_at, v.superseded_at, v.data if isinstance(v.data, dict) else {})
        for v in older
    ]
    chain.append(
        (record.version, record.batch_id, record.submitted_at, None, record.data if isinstance(record.data, dict) else {})
    )
    rows: list[VersionRow] = []
    previous: dict[str, Any] | None = None
    for version, batch_id, submitted_at, superseded_at, data in chain:
        changed: list[str] = []
        if previous is not None:
            codes = list(dict.fromkeys([*previous, *data]))
            changed = [names.get(code, code) for code in codes if previous.get(code) != data.get(code)]
        rows.append(VersionRow(version, batch_id, submitted_at, superseded_at, changed))
        previous = data
    return list(reversed(rows))


def _shown(value: Any, sensitive: bool) -> str:
    if isinstance(value, list):
        text = "、".join(str(v) for v in value)
    else:
        text = "" if value is None else str(value)
    return mask_person_id(text) if sensitive and text else text


def _label(record: Record, sensitive: set[str]) -> str:
    """The record's identifying values (document number, authority code), sensitive ones masked."""
    data = record.data if isinstance(record.data, dict) else {}
    parts = [
        _shown(data.get(code), code in sensitive)
        for code in record.category.key_fields or []
        if data.get(code) not in (None, "")
    ]
    if parts:
        return " / ".join(parts)
    return "—" if sensitive else record.key


# -- the records of a batch -----------------------------------------------------------------------------------


def batch_records(*, batch: Batch) -> QuerySet[Record]:
    """Records the batch created or revised: those whose current version came with it, and those it revised since
    superseded by a later batch. The caller has checked the user may see the batch."""
    earlier = RecordVersion.objects.filter(batch=batch).values("record_id")
    return (
        Record.objects.filter(Q(batch=batch) | Q(pk__in=earlier))
        .select_related("category", "subject")
        .order_by("id")
    )


def record_rows(records: list[Record]) -> list[RecordRow]:
    """Records with their labels for a list, in one more query whatever their number."""
    sensitive: dict[int, set[str]] = {}
    for category_id, code in Field.objects.filter(
        category_id__in={r.category_id for r in records}, sensitive=True
    ).values_list("category_id", "code"):
        sensitive.setdefault(category_id, set()).add(code)
    return [
        RecordRow(
            record,
            _label(record, sensitive.get(record.category_id, set())),
            subject_code(record.subject) if record.subject else "",
        )
        for record in records
    ]
