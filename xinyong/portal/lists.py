"""Red and black lists in public view (名单公示): the entries that produce hits now, organisations only.

Natural persons on a list (e.g. court defaulters) are not shown here: the portal offers no public look-up of
persons; the court publishes its own list. Which entries count is `xinyong.lists.selectors.active_entries`, so an
entry leaves public view the moment it leaves its list.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from xinyong.core.identifiers import classify_party_code, mask_person_id
from xinyong.lists.models import ListEntry, ListKind, ListType
from xinyong.lists.selectors import active_entries
from xinyong.subjects.models import Subject

PAGE_SIZE = 20
MAX_PAGES = 50


@dataclass
class ListPage:
    kinds: list[ListKind]
    kind: str
    query: str
    rows: list[ListEntry] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    capped: bool = False


def public_entries() -> QuerySet[ListEntry]:
    return active_entries().exclude(uscc="").select_related("kind", "subject")


def lists_browse(*, kind: str = "", query: str = "", page: int = 1, page_size: int = PAGE_SIZE) -> ListPage:
    kinds = list(ListKind.objects.order_by("list_type", "code"))
    entries = public_entries()
    if kind in {k.code for k in kinds}:
        entries = entries.filter(kind__code=kind)
    elif kind in ListType.values:
        entries = entries.filter(kind__list_type=kind)
    else:
        kind = ""
    query = unicodedata.normalize("NFKC", query).strip()[:50]
    if query and classify_party_code(query) == "person":
        # No public look-up of persons: the number is neither searched nor shown back.
        return ListPage(kinds, kind, mask_person_id(query))
    if query:
        entries = entries.filter(name__contains=query) if len(query) != 18 else entries.filter(uscc=query.upper())
    cap = page_size * MAX_PAGES
    total = entries.count()
    pages = max(1, math.ceil(min(total, cap) / page_size))
    page = min(max(page, 1), pages)
    rows = list(entries.order_by("-published_on", "-id")[(page - 1) * page_size : page * page_size])
    return ListPage(kinds, kind, query, rows, total, page, pages, total > cap)


def subject_entries(subject: Subject) -> list[ListEntry]:
    """The lists an organisation is on now, for its public page."""
    # One query, no DISTINCT (each entry is one row): both databases OR the two indexes.
    by_link_or_code = Q(subject=subject) | Q(uscc=subject.uscc) if subject.uscc else Q(subject=subject)
    return list(public_entries().filter(by_link_or_code).order_by("kind__list_type", "-published_on", "-id"))


def entry_out(entry: ListEntry) -> dict[str, Any]:
    return {
        "list": entry.kind.code,
        "list_name": entry.kind.name,
        "list_type": entry.kind.list_type,
        "name": entry.name,
        "uscc": entry.uscc,
        "decision_document": entry.decision_document,
        "recognising_department": entry.recognising_department,
        "legal_basis": entry.legal_basis,
        "published_on": entry.published_on,
        "planned_exit": entry.planned_exit,
    }
