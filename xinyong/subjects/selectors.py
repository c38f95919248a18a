"""Reads of the subject registry for officers: search, a subject's file, and the register of person look-ups.

A natural person's identifier is personal information: lists and pages show it masked; the full number is shown
only after the officer states a lawful purpose and a case reference, and that look-up is registered first
(`xinyong.subjects.services.person_lookup`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Q, QuerySet

from xinyong.access.pages import SUBJECT_VIEW_ROLES
from xinyong.catalog.models import Field
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import mask_person_id
from xinyong.org.selectors import roles_of
from xinyong.records.models import Record
from xinyong.subjects.models import Subject, SubjectKind, SubjectName

# A subject page lists at most this many records; the rest are counted, not shown.
RECORDS_SHOWN: Final = 500

_USCC_CHARS = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


def require_subject_access(user: Any) -> None:
    if getattr(user, "is_superuser", False):
        return
    if roles_of(user) & {role.value for role in SUBJECT_VIEW_ROLES}:
        return
    labels = "、".join(role.label for role in SUBJECT_VIEW_ROLES)
    raise XinyongError(ErrorCode.FORBIDDEN, f"查询信用主体需要以下角色之一：{labels}，请联系信用办管理员。")


def mask_identifier(number: str | None) -> str:
    """A person's document number as lists show it (the rule lives in xinyong.core.identifiers)."""
    if not number:
        return ""
    return mask_person_id(number)


def shows_person_id(subject: Subject) -> bool:
    """True when the subject's code on screen is a person's document number (to be masked)."""
    return not subject.uscc and bool(subject.id_number)


def subject_code(subject: Subject) -> str:
    """The code lists show: the USCC, or the masked document number of a person."""
    if subject.uscc:
        return subject.uscc
    return mask_identifier(subject.id_number)


def normalise_query(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def looks_like_uscc(text: str) -> bool:
    upper = text.upper()
    return len(upper) == 18 and all(ch in _USCC_CHARS for ch in upper)


def subject_search(*, user: Any, query: str = "") -> QuerySet[Subject]:
    """Subjects by USCC (exact, any case) or by a fragment of the current or a former name; all when empty."""
    require_subject_access(user)
    text = normalise_query(query)
    subjects = Subject.objects.all()
    if not text:
        return subjects.order_by("name", "id")
    if looks_like_uscc(text):
        return subjects.filter(uscc__iexact=text).order_by("name", "id")
    former = SubjectName.objects.filter(name__icontains=text).values("subject_id")
    return subjects.filter(Q(name__icontains=text) | Q(id__in=former)).order_by("name", "id")


@dataclass(frozen=True)
class RecordRow:
    record: Record
    label: str  # the record's identifying values (document number, authority…), sensitive ones masked


@dataclass
class RecordGroup:
    category_code: str
    category_name: str
    rows: list[RecordRow] = field(default_factory=list)


@dataclass
class SubjectFile:
    subject: Subject
    is_person: bool
    code: str
    names: list[SubjectName]
    groups: list[RecordGroup]
    record_count: int
    records_shown: int


def subject_file(*, user: Any, subject_id: int) -> SubjectFile:
    """A subject's registry data, name history and records by category, in a constant number of queries."""
    require_subject_access(user)
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        raise Subject.DoesNotExist(f"信用主体 {subject_id} 不存在")
    names = list(SubjectName.objects.filter(subject=subject).order_by("valid_from", "id"))
    records_qs = Record.objects.filter(subject=subject)
    record_count = records_qs.count()
    records = list(
        records_qs.select_related("category", "source_unit").order_by(
            "category__name", "category_code", "-decision_date", "-id"
        )[:RECORDS_SHOWN]
    )
    sensitive: set[tuple[int, str]] = set(
        Field.objects.filter(category_id__in={r.category_id for r in records}, sensitive=True).values_list(
            "category_id", "code"
        )
    )
    groups: dict[str, RecordGroup] = {}
    for record in records:
        group = groups.setdefault(record.category_code, RecordGroup(record.category_code, record.category.name))
        group.rows.append(RecordRow(record, _record_label(record, sensitive)))
    return SubjectFile(
        subject=subject,
        is_person=subject.kind == SubjectKind.NATURAL_PERSON or shows_person_id(subject),
        code=subject_code(subject),
        names=names,
        groups=list(groups.values()),
        record_count=record_count,
        records_shown=len(records),
    )


def _record_label(record: Record, sensitive: set[tuple[int, str]]) -> str:
    data = record.data if isinstance(record.data, dict) else {}
    parts: list[str] = []
    for code in record.category.key_fields or []:
        value = data.get(code)
        if value in (None, ""):
            continue
        text = str(value)
        parts.append(mask_identifier(text) if (record.category_id, code) in sensitive else text)
    if parts:
        return " / ".join(parts)
    # Without key fields to show, the stored key is shown only when no sensitive field could be in it.
    has_sensitive = any(cat == record.category_id for cat, _ in sensitive)
    return "—" if has_sensitive else record.key
