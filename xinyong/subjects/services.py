"""Writes to the subject registry. Bulk paths are set-based: one query per kind of look-up, one insert."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.db import connection, transaction

from xinyong.access.models import Lookup
from xinyong.access.services import lookup_register
from xinyong.audit.services import audit_record, snapshot
from xinyong.core import clock
from xinyong.core.bulk import insert_rows
from xinyong.core.identifiers import uscc_entity_hint
from xinyong.core.names import org_name_key
from xinyong.subjects.models import PartyCategory, Subject, SubjectKind, SubjectName
from xinyong.subjects.selectors import mask_identifier, require_subject_access

_KIND_BY_HINT = {
    "企业": SubjectKind.ENTERPRISE,
    "农民专业合作社": SubjectKind.ENTERPRISE,
    "个体工商户": SubjectKind.INDIVIDUAL_BUSINESS,
    "机关": SubjectKind.GOVERNMENT,
    "事业单位": SubjectKind.INSTITUTION,
    "社会团体": SubjectKind.SOCIAL_ORG,
    "民办非企业单位": SubjectKind.SOCIAL_ORG,
    "基金会": SubjectKind.SOCIAL_ORG,
    "社会组织": SubjectKind.SOCIAL_ORG,
    "村民委员会": SubjectKind.VILLAGE,
    "居民委员会": SubjectKind.VILLAGE,
    "农村集体经济组织": SubjectKind.VILLAGE,
}

_KIND_BY_LABEL = {label: value for value, label in SubjectKind.choices}


@dataclass(frozen=True)
class SubjectRef:
    """What a row says about its subject; `key()` is how rows and stored subjects meet."""

    party_category: str
    name: str
    uscc: str | None = None
    id_type: str = ""
    id_number: str | None = None
    legal_rep: str = ""
    kind_label: str = ""
    established_on: dt.date | None = None
    address: str = ""

    def key(self) -> tuple[str, str]:
        if self.uscc:
            return ("uscc", self.uscc)
        return ("person", f"{self.id_type}|{self.id_number}")

    def kind(self) -> str:
        if self.kind_label in _KIND_BY_LABEL:
            return _KIND_BY_LABEL[self.kind_label]
        if self.party_category == PartyCategory.NATURAL:
            return SubjectKind.NATURAL_PERSON
        if self.party_category == PartyCategory.INDIVIDUAL_BUSINESS:
            return SubjectKind.INDIVIDUAL_BUSINESS
        hint = uscc_entity_hint(self.uscc) if self.uscc else ""
        if hint in _KIND_BY_HINT:
            return _KIND_BY_HINT[hint]
        # Labels like 农村集体经济组织（村级） or 军队事业单位: the longest known word inside decides.
        for word in sorted(_KIND_BY_HINT, key=len, reverse=True):
            if word in hint:
                return _KIND_BY_HINT[word]
        return SubjectKind.OTHER_ORG


def subjects_resolve(refs: list[SubjectRef], *, update_registry: bool = False) -> dict[tuple[str, str], int]:
    """Subject ids for the rows' subjects, registering the unknown ones in one insert.

    With `update_registry` (registry categories) the row is the authority: names, legal representatives and
    dates are updated and a changed name is kept in the name history.
    """
    wanted: dict[tuple[str, str], SubjectRef] = {}
    for ref in refs:
        wanted[ref.key()] = ref
    now = clock.now()
    if not update_registry:
        ids = _ids_of(list(wanted))
        ids.update(_insert_subjects([ref for key, ref in wanted.items() if key not in ids], now))
        return ids
    found = {_key_of(subject): subject for subject in _subjects_of(list(wanted))}
    created = _insert_subjects([ref for key, ref in wanted.items() if key not in found], now)
    _update_from_registry(wanted, found, now=now)
    return {**{key: subject.pk for key, subject in found.items()}, **created}


def _key_of(subject: Subject) -> tuple[str, str]:
    return ("uscc", subject.uscc) if subject.uscc else ("person", f"{subject.id_type}|{subject.id_number}")


def _subjects_of(keys: list[tuple[str, str]]) -> list[Subject]:
    usccs = [code for kind, code in keys if kind == "uscc"]
    numbers = [code.split("|", 1)[1] for kind, code in keys if kind == "person"]
    subjects = [s for chunk in _chunks(usccs, 900) for s in Subject.objects.filter(uscc__in=chunk)]
    subjects += [s for chunk in _chunks(numbers, 900) for s in Subject.objects.filter(id_number__in=chunk)]
    return subjects


def _ids_of(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of known subjects, without building model instances (imports look up thousands at a time)."""
    ids: dict[tuple[str, str], int] = {}
    usccs = [code for kind, code in keys if kind == "uscc"]
    for chunk in _chunks(usccs, 900):
        for pk, uscc in Subject.objects.filter(uscc__in=chunk).values_list("pk", "uscc"):
            ids[("uscc", uscc or "")] = pk
    numbers = [code.split("|", 1)[1] for kind, code in keys if kind == "person"]
    for chunk in _chunks(numbers, 900):
        for pk, id_type, number in Subject.objects.filter(id_number__in=chunk).values_list("pk", "id_type", "id_number"):
            ids[("person", f"{id_type}|{number}")] = pk
    return ids


_SUBJECT_COLUMNS = (
    "kind", "name", "name_key", "uscc", "id_type", "id_number", "legal_rep", "established_on", "address",
    "created_at", "updated_at",
)
_NAME_COLUMNS = ("subject_id", "name", "name_key", "valid_from", "valid_to", "source")


def _insert_subjects(refs: list[SubjectRef], now: dt.datetime) -> dict[tuple[str, str], int]:
    """Register new subjects and their first name with two prepared INSERTs; their ids are read back by code.

    The ORM's bulk_create spent most of an import's subject work building SQL in Python.
    """
    if not refs:
        return {}
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    rows = [_new_subject_row(ref, stamp) for ref in refs]
    insert_rows(Subject._meta.db_table, _SUBJECT_COLUMNS, rows)
    ids = _ids_of([ref.key() for ref in refs])
    names = [(ids[ref.key()], row[1], row[2], None, None, "首次登记") for ref, row in zip(refs, rows, strict=True)]
    insert_rows(SubjectName._meta.db_table, _NAME_COLUMNS, names)
    return ids


def _new_subject_row(ref: SubjectRef, stamp: Any) -> tuple[Any, ...]:
    subject = _new_subject(ref)
    return (
        subject.kind, subject.name, subject.name_key, subject.uscc, subject.id_type, subject.id_number,
        subject.legal_rep, connection.ops.adapt_datefield_value(subject.established_on), subject.address, stamp, stamp,
    )


def _new_subject(ref: SubjectRef) -> Subject:
    return Subject(
        kind=ref.kind(),
        name=ref.name,
        name_key=org_name_key(ref.name) if ref.party_category != PartyCategory.NATURAL else ref.name,
        uscc=ref.uscc or None,
        id_type=ref.id_type if not ref.uscc else "",
        id_number=ref.id_number if not ref.uscc else None,
        legal_rep=ref.legal_rep,
        established_on=ref.established_on,
        address=ref.address,
    )


def _update_from_registry(
    wanted: dict[tuple[str, str], SubjectRef], found: dict[tuple[str, str], Subject], *, now: dt.datetime
) -> None:
    changed: list[Subject] = []
    renamed: list[SubjectName] = []
    for key, ref in wanted.items():
        subject = found.get(key)
        if subject is None:
            continue
        before = (subject.name, subject.legal_rep, subject.established_on, subject.address, subject.kind)
        if ref.name and ref.name != subject.name:
            SubjectName.objects.filter(subject=subject, valid_to__isnull=True).update(valid_to=now.date())
            renamed.append(
                SubjectName(
                    subject=subject, name=ref.name, name_key=org_name_key(ref.name), valid_from=now.date(),
                    source="登记信息更新",
                )
            )
            subject.name = ref.name
            subject.name_key = org_name_key(ref.name)
        subject.legal_rep = ref.legal_rep or subject.legal_rep
        subject.established_on = ref.established_on or subject.established_on
        subject.address = ref.address or subject.address
        if ref.kind_label:
            subject.kind = ref.kind()
        if before != (subject.name, subject.legal_rep, subject.established_on, subject.address, subject.kind):
            subject.updated_at = now
            changed.append(subject)
    Subject.objects.bulk_update(
        changed, ["name", "name_key", "legal_rep", "established_on", "address", "kind", "updated_at"], batch_size=2000
    )
    SubjectName.objects.bulk_create(renamed, batch_size=2000)


@transaction.atomic
def subject_rename(*, subject: Subject, name: str, valid_from: dt.date, source: str, actor: Any) -> Subject:
    before = snapshot(subject, ["name", "name_key"])
    SubjectName.objects.filter(subject=subject, valid_to__isnull=True).update(valid_to=valid_from)
    subject.name = name
    subject.name_key = org_name_key(name)
    subject.updated_at = clock.now()
    subject.save(update_fields=["name", "name_key", "updated_at"])
    SubjectName.objects.create(subject=subject, name=name, name_key=subject.name_key, valid_from=valid_from, source=source)
    audit_record(
        actor=actor, action="subjects.renamed", obj=subject, summary=f"主体更名：{before['name']} → {name}",
        before=before, after=snapshot(subject, ["name", "name_key"]),
    )
    return subject


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


PERSON_VIEWED_ACTION: Final = "subjects.person_viewed"


def person_lookup(*, subject: Subject, user: Any, purpose_code: str, case_reference: str) -> Lookup:
    """Register that `user` looks at the person's full document number, with a lawful purpose and the case it is
    for (个人信息查询使用登记). Call it before showing the number."""
    require_subject_access(user)
    return lookup_register(
        actor=user,
        unit=getattr(user, "unit", None),
        subject_id=subject.pk,
        subject_name=subject.name,
        subject_kind=subject.kind,
        subject_code_masked=mask_identifier(subject.id_number),
        what="查看自然人证件号码",
        purpose_code=purpose_code,
        case_reference=case_reference,
        action=PERSON_VIEWED_ACTION,
    )
