"""Writes to the subject registry. Bulk paths are set-based: one query per kind of look-up, one insert."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from xinyong.audit.services import audit_record, snapshot
from xinyong.core import clock
from xinyong.core.identifiers import uscc_entity_hint
from xinyong.core.names import org_name_key
from xinyong.subjects.models import PartyCategory, Subject, SubjectKind, SubjectName

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
    usccs = [key[1] for key in wanted if key[0] == "uscc"]
    found: dict[tuple[str, str], Subject] = {}
    for chunk in _chunks(usccs, 900):
        for subject in Subject.objects.filter(uscc__in=chunk):
            found[("uscc", subject.uscc or "")] = subject
    numbers = [wanted[key].id_number for key in wanted if key[0] == "person"]
    for chunk in _chunks([n for n in numbers if n], 900):
        for subject in Subject.objects.filter(id_number__in=chunk):
            found[("person", f"{subject.id_type}|{subject.id_number}")] = subject
    now = clock.now()
    missing = [ref for key, ref in wanted.items() if key not in found]
    created = Subject.objects.bulk_create([_new_subject(ref, now) for ref in missing], batch_size=2000)
    for ref, subject in zip(missing, created, strict=True):
        found[ref.key()] = subject
    if created:
        SubjectName.objects.bulk_create(
            [SubjectName(subject=s, name=s.name, name_key=s.name_key, source="首次登记") for s in created],
            batch_size=2000,
        )
    if update_registry:
        _update_from_registry(wanted, found, created_ids={s.pk for s in created}, now=now)
    return {key: subject.pk for key, subject in found.items()}


def _new_subject(ref: SubjectRef, now: dt.datetime) -> Subject:
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
        created_at=now,
        updated_at=now,
    )


def _update_from_registry(
    wanted: dict[tuple[str, str], SubjectRef],
    found: dict[tuple[str, str], Subject],
    *,
    created_ids: set[int],
    now: dt.datetime,
) -> None:
    changed: list[Subject] = []
    renamed: list[SubjectName] = []
    for key, ref in wanted.items():
        subject = found[key]
        if subject.pk in created_ids:
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
