"""Reads of the public portal (信用公示): search, subject pages, 双公示 browsing, record details, counts.

Every record shown comes through `xinyong.records.selectors.published_records` (the one rule for what the public
may see). The public finds organisations only: a natural person appears as the party of a published decision,
with identifiers masked, and is never searchable by name or number. Every list is paged with a cap.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.lookups import Contains, Exact

from xinyong.catalog.models import Category, CategoryKind, Disclosure
from xinyong.core import clock
from xinyong.core.identifiers import (
    USCC_ALPHABET,
    classify_party_code,
    is_valid_uscc,
    mask_person_id,
    normalize_code,
)
from xinyong.org.models import Unit
from xinyong.portal import search_index
from xinyong.portal.layouts import (
    Layout,
    internal_fields,
    is_person_party,
    layouts_for,
    public_fields,
    scrub_numbers,
    text_of,
)
from xinyong.records.models import Record
from xinyong.records.selectors import publicity_state, published_records
from xinyong.subjects.models import Subject, SubjectKind

PAGE_SIZE: Final = 20
MAX_PAGES: Final = 50
# At most this many hits of a search or rows of a browse are reachable; narrower terms find the rest.
SEARCH_CAP: Final = PAGE_SIZE * MAX_PAGES
BROWSE_CAP: Final = PAGE_SIZE * MAX_PAGES
API_PAGE_SIZE_MAX: Final = 100
API_RECORDS_CAP: Final = 10_000
SUBJECT_RECORDS_SHOWN: Final = 200
NAME_MIN: Final = 2
QUERY_MAX: Final = 100
RECENT_DAYS: Final = 30
LATEST_SHOWN: Final = 10
OVERVIEW_CACHE_SECONDS: Final = 600

_USCC_CHARS: Final = frozenset(USCC_ALPHABET)
# Characters the search never matches on: LIKE wildcards and their escape, and controls.
_DROPPED: Final = str.maketrans("", "", "%_\\")


class MatchKind(StrEnum):
    CODE = "code"
    NAME = "name"
    PREFIX = "prefix"
    CONTAINS = "contains"


MATCH_LABELS: Final = {
    MatchKind.CODE: "统一社会信用代码一致",
    MatchKind.NAME: "名称一致",
    MatchKind.PREFIX: "名称开头一致",
    MatchKind.CONTAINS: "名称包含",
}
_KIND_LABELS: Final = dict(SubjectKind.choices)


class SearchMode(StrEnum):
    EMPTY = "empty"
    CODE = "code"
    NAME = "name"
    REFUSED = "refused"


# -- search ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    id: int
    name: str
    uscc: str | None
    kind: str
    match: MatchKind
    published: int = 0

    @property
    def kind_label(self) -> str:
        return str(_KIND_LABELS.get(self.kind, self.kind))

    @property
    def match_label(self) -> str:
        return MATCH_LABELS[self.match]


@dataclass(frozen=True)
class SearchResult:
    query: str  # what the page shows back: never a person's full document number
    mode: SearchMode
    hits: list[SearchHit]
    total: int
    capped: bool
    page: int
    pages: int
    page_size: int
    notice: str = ""


def normalise_query(text: str) -> str:
    """NFKC (full-width to half-width), no LIKE wildcards or controls, spaces collapsed, at most QUERY_MAX."""
    text = unicodedata.normalize("NFKC", text or "").translate(_DROPPED)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())[:QUERY_MAX]


def _looks_like_code(code: str) -> bool:
    return len(code) == 18 and all(ch in _USCC_CHARS for ch in code)


def _name_variants(text: str) -> set[str]:
    # Imported names are NFKC (half-width brackets) but names typed in elsewhere keep the full-width ones.
    variants = {text, text.replace("(", "（").replace(")", "）")}
    return {v for v in variants if v}


def search_subjects(
    query: str, *, page: int = 1, page_size: int = PAGE_SIZE, clamp: bool = True, on: dt.date | None = None
) -> SearchResult:
    """Organisations by USCC (exact; any case or width) or by a fragment of the name.

    Ranked: exact code, exact name, name prefix, name contains (shorter names first). At most SEARCH_CAP hits;
    `capped` says there were more. With `clamp` a page past the end shows the last page.
    """
    text = normalise_query(query)
    code = normalize_code(text)
    if not text:
        return SearchResult("", SearchMode.EMPTY, [], 0, False, 1, 0, page_size)
    if _looks_like_code(code) and classify_party_code(code) == "person":
        return SearchResult(
            mask_person_id(code), SearchMode.REFUSED, [], 0, False, 1, 0, page_size,
            notice="信用信息公示不提供按自然人证件号码查询。自然人的行政处罚、行政许可信息只在相应决定的公示中出现。",
        )
    if _looks_like_code(code):
        valid = is_valid_uscc(code)
        # A mistyped person's number is not echoed in full either.
        shown = code if valid else scrub_numbers(code)
        rows = list(search_index.public_subjects().filter(uscc=code).values_list(*search_index.ROW_FIELDS))
        ranked = [(row, MatchKind.CODE) for row in rows]
        notice = ""
        if not rows:
            notice = (
                f"未找到统一社会信用代码为 {shown} 的组织。"
                if valid
                else f"“{shown}”不是有效的统一社会信用代码（校验不通过），请核对后重新输入。"
            )
        return _search_page(shown, SearchMode.CODE, ranked, page, page_size, clamp, on, notice)
    text = scrub_numbers(text)  # long numbers (an old 15-digit ID) are not echoed either, nor searched for
    if len(text) < NAME_MIN:
        return SearchResult(
            text, SearchMode.NAME, [], 0, False, 1, 0, page_size,
            notice=f"请至少输入 {NAME_MIN} 个字的名称，或完整的 18 位统一社会信用代码。",
        )
    variants = _name_variants(text)
    seen: set[int] = set()
    ranked = []
    # A name equal to the query sorts first among the names it starts (code-point order): one index range
    # gives both the exact and the prefix tiers.
    starting = search_index.prefix_rows(variants, limit=SEARCH_CAP + 1)
    exact = [row for row in starting if row[1] in variants]
    prefix = [row for row in starting if row[1] not in variants]
    contains = search_index.contains_rows(variants, limit=SEARCH_CAP + 1 + len(starting))
    contains.sort(key=lambda row: (len(row[1]), row[1], row[0]))
    for rows, match in ((exact, MatchKind.NAME), (prefix, MatchKind.PREFIX), (contains, MatchKind.CONTAINS)):
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                ranked.append((row, match))
    notice = "" if ranked else f"未找到名称中含有“{text}”的组织。"
    return _search_page(text, SearchMode.NAME, ranked, page, page_size, clamp, on, notice)


def _search_page(
    query: str,
    mode: SearchMode,
    ranked: list[tuple[search_index.Row, MatchKind]],
    page: int,
    page_size: int,
    clamp: bool,
    on: dt.date | None,
    notice: str,
) -> SearchResult:
    capped = len(ranked) > SEARCH_CAP
    ranked = ranked[:SEARCH_CAP]
    total = len(ranked)
    pages = math.ceil(total / page_size) if total else 0
    page = max(page, 1)
    if clamp:
        page = min(page, max(pages, 1))
    chosen = ranked[(page - 1) * page_size : page * page_size]
    counts = _published_counts([row[0] for row, _ in chosen], on)
    hits = [
        SearchHit(id=row[0], name=row[1], uscc=row[2], kind=row[3], match=match, published=counts.get(row[0], 0))
        for row, match in chosen
    ]
    if capped:
        notice = f"符合条件的组织超过 {SEARCH_CAP} 个，只列出前 {SEARCH_CAP} 个；请输入更完整的名称。"
    return SearchResult(query, mode, hits, total, capped, page, pages, page_size, notice)


def _published_counts(subject_ids: list[int], on: dt.date | None) -> dict[int, int]:
    if not subject_ids:
        return {}
    rows = (
        published_records(on)
        .filter(subject_id__in=subject_ids)
        .values("subject_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["subject_id"]: row["n"] for row in rows}


# -- records as the public reads them ----------------------------------------------------------------------


# CSS class of each state the public can meet (a published record is 公示中 or 异议中).
_STATE_CLASSES: Final = {"公示中": "public", "异议中": "objection"}


@dataclass(frozen=True)
class RecordSummary:
    """A published record as a line of a list: what identifies the decision, never a person's number."""

    id: int
    category_code: str
    category_name: str
    decision_date: dt.date | None
    document_number: str
    kind: str
    authority: str
    party_name: str
    party_is_person: bool
    subject_id: int | None  # set only when the party has a public subject page
    source_unit: str
    state_label: str  # 公示中 / 异议中, as xinyong.records.selectors.publicity_state says
    publicity_end: dt.date | None

    @property
    def state(self) -> str:
        return _STATE_CLASSES.get(self.state_label, "other")


def _summary(record: Record, layout: Layout, *, public_subject: bool, on: dt.date | None) -> RecordSummary:
    data = record.data if isinstance(record.data, dict) else {}
    person = is_person_party(layout, data)
    unit = record.source_unit
    return RecordSummary(
        id=record.pk,
        category_code=record.category_code,
        category_name=record.category.name,
        decision_date=record.decision_date,
        document_number=scrub_numbers(text_of(data.get(layout.document_number))) if layout.document_number else "",
        kind=text_of(data.get(layout.kind_field)) if layout.kind_field else "",
        authority=scrub_numbers(text_of(data.get(layout.authority_field))) if layout.authority_field else "",
        party_name=scrub_numbers(text_of(data.get(layout.party_name))) if layout.party_name else "",
        party_is_person=person,
        subject_id=record.subject_id if (public_subject and not person) else None,
        source_unit=(unit.short_name or unit.name) if unit else "",
        state_label=publicity_state(record, on),
        publicity_end=record.publicity_end,
    )


def _public_subject_ids(subject_ids: Iterable[int | None]) -> set[int]:
    ids = {pk for pk in subject_ids if pk}
    if not ids:
        return set()
    return set(search_index.public_subjects().filter(pk__in=ids).values_list("pk", flat=True))


def _layouts_of(records: list[Record], known: dict[int, Layout] | None = None) -> dict[int, Layout]:
    layouts = dict(known or {})
    missing = {r.category_id: r.category for r in records if r.category_id not in layouts}
    if missing:
        layouts.update(layouts_for(missing.values()))
    return layouts


def _summaries(
    records: list[Record],
    *,
    on: dt.date | None,
    public_subject_ids: set[int] | None = None,
    layouts: dict[int, Layout] | None = None,
) -> list[RecordSummary]:
    layouts = _layouts_of(records, layouts)
    if public_subject_ids is None:
        public_subject_ids = _public_subject_ids(r.subject_id for r in records)
    return [
        _summary(r, layouts[r.category_id], public_subject=r.subject_id in public_subject_ids, on=on)
        for r in records
    ]


# -- a subject's page --------------------------------------------------------------------------------------


@dataclass
class CategoryGroup:
    code: str
    name: str
    total: int
    rows: list[RecordSummary] = field(default_factory=list)


@dataclass(frozen=True)
class SubjectPage:
    subject: Subject
    groups: list[CategoryGroup]
    records: list[Record]  # those shown, in the groups' order
    total: int
    shown: int
    layouts: dict[int, Layout]  # of the records' categories, for `record_pages` of the same records

    @property
    def kind_label(self) -> str:
        return str(_KIND_LABELS.get(self.subject.kind, self.subject.kind))


def public_subject(*, subject_id: int | None = None, uscc: str | None = None) -> Subject:
    """An organisation the public may look at, by id or USCC; raises Subject.DoesNotExist otherwise."""
    subjects = search_index.public_subjects()
    if subject_id is not None:
        found = subjects.filter(pk=subject_id).first()
    else:
        found = subjects.filter(uscc=normalize_code(uscc or "")).first()
    if found is None:
        raise Subject.DoesNotExist("该组织不存在，或不在公示范围内。")
    return found


def subject_page(subject: Subject, *, on: dt.date | None = None) -> SubjectPage:
    """An organisation's published records by category (newest first), in a constant number of queries."""
    published = published_records(on).filter(subject=subject)
    counts = {
        row["category_code"]: row["n"]
        for row in published.values("category_code").annotate(n=Count("id")).order_by()
    }
    records = list(
        published.select_related("category", "source_unit").order_by("category_code", "-decision_date", "-id")[
            :SUBJECT_RECORDS_SHOWN
        ]
    )
    layouts = _layouts_of(records)
    groups: dict[str, CategoryGroup] = {}
    for summary in _summaries(records, on=on, public_subject_ids={subject.pk}, layouts=layouts):
        group = groups.get(summary.category_code)
        if group is None:
            group = groups[summary.category_code] = CategoryGroup(
                summary.category_code, summary.category_name, counts.get(summary.category_code, 0)
            )
        group.rows.append(summary)
    return SubjectPage(
        subject=subject,
        groups=list(groups.values()),
        records=records,
        total=sum(counts.values()),
        shown=len(records),
        layouts=layouts,
    )


# -- one record --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownField:
    code: str
    name: str
    value: str


@dataclass(frozen=True)
class RecordPage:
    summary: RecordSummary
    fields: list[ShownField]
    person: bool


def record_page(*, record_id: int, on: dt.date | None = None) -> RecordPage:
    """A published record's public fields; raises Record.DoesNotExist when it is not in public view."""
    record = published_records(on).select_related("category", "source_unit").filter(pk=record_id).first()
    if record is None:
        raise Record.DoesNotExist("该信息不存在，或已不在公示期内。")
    return record_pages([record], on=on)[0]


def record_pages(
    records: list[Record],
    *,
    on: dt.date | None = None,
    layouts: dict[int, Layout] | None = None,
    public_subject_ids: set[int] | None = None,
) -> list[RecordPage]:
    """Public pages of published records (the caller got them from `published_records`)."""
    layouts = _layouts_of(records, layouts)
    public_ids = _public_subject_ids(r.subject_id for r in records) if public_subject_ids is None else public_subject_ids
    pages = []
    for record in records:
        layout = layouts[record.category_id]
        data = record.data if isinstance(record.data, dict) else {}
        person = is_person_party(layout, data)
        shown = [ShownField(spec.code, spec.name, text) for spec, text in public_fields(layout, data, person=person)]
        summary = _summary(record, layout, public_subject=record.subject_id in public_ids, on=on)
        pages.append(RecordPage(summary=summary, fields=shown, person=person))
    return pages


# -- 双公示 browsing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFilters:
    category: str = ""
    department: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class RecordList:
    rows: list[RecordSummary]
    details: list[RecordPage]  # with every public field, when asked for
    total: int
    capped: bool
    page: int
    pages: int
    page_size: int


@dataclass(frozen=True)
class BrowseOptions:
    categories: list[tuple[str, str]]
    departments: list[tuple[str, str]]
    kinds: list[tuple[str, list[str]]]  # (category name, its kinds), for a grouped drop-down
    catalog: list[Category]  # the public record categories
    layouts: dict[int, Layout]


def public_categories() -> list[Category]:
    """The public record categories (the newest version of each code)."""
    chosen: dict[str, Category] = {}
    for category in Category.objects.filter(
        disclosure=Disclosure.PUBLIC, kind=CategoryKind.RECORD, is_active=True
    ).order_by("code", "-version"):
        chosen.setdefault(category.code, category)
    return list(chosen.values())


def browse_options() -> BrowseOptions:
    categories = public_categories()
    layouts = layouts_for(categories)
    units = (
        Unit.objects.filter(provided_categories__in=[c.pk for c in categories], is_active=True)
        .distinct()
        .order_by("sort_order", "code")
    )
    return BrowseOptions(
        categories=[(c.code, c.name) for c in categories],
        departments=[(u.code, u.short_name or u.name) for u in units],
        kinds=[(c.name, list(layouts[c.pk].kind_choices)) for c in categories if layouts[c.pk].kind_choices],
        catalog=categories,
        layouts=layouts,
    )


def _kind_condition(kind: str, categories: list[Category], layouts: dict[int, Layout]) -> Q:
    """Records whose kind field holds `kind`: the value of a choice, or one element of a multiple choice."""
    condition = Q(pk__in=[])
    for category in categories:
        layout = layouts[category.pk]
        if layout.kind_field and kind in layout.kind_choices:
            condition |= Q(category_code=category.code) & Q(_holds(layout.kind_field, kind))
    return condition


def _holds(code: str, value: str) -> Any:
    """The JSON field `code` of a record's data is `value` or a list with `value` in it."""
    column = '"records_record"."data"'
    if connection.vendor == "postgresql":
        # jsonb containment: a list contains the string as an element, a string contains itself.
        return RawSQL(f"({column} -> %s) @> to_jsonb(%s::text)", [code, value], output_field=BooleanField())
    if connection.vendor == "sqlite":
        # json_each walks a list's elements (or the one string) and decodes the \u escapes SQLite keeps.
        return RawSQL(
            f"EXISTS (SELECT 1 FROM json_each({column}, %s) WHERE value = %s)",
            [f'$."{code}"', value],
            output_field=BooleanField(),
        )
    text = KT(f"data__{code}")
    return Exact(text, value) | Contains(text, f'"{value}"') | Contains(text, json.dumps(value))


def records_browse(
    filters: RecordFilters,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    cap: int = BROWSE_CAP,
    clamp: bool = True,
    on: dt.date | None = None,
    options: BrowseOptions | None = None,
    with_fields: bool = False,
) -> RecordList:
    """Published records, newest decisions first, filtered; at most `cap` rows reachable.

    `options` (from `browse_options`) saves reading the catalog again when the caller has it already.
    """
    records = _filtered(filters, on, options).order_by("-decision_date", "-id")
    # Counted in the page's order, so the database plans both alike: with an index on the decision date both
    # stop after `cap` rows instead of the count reading every published record.
    total_seen = records[: cap + 1].count()
    capped = total_seen > cap
    total = min(total_seen, cap)
    pages = math.ceil(total / page_size) if total else 0
    page = max(page, 1)
    if clamp:
        page = min(page, max(pages, 1))
    start = (page - 1) * page_size
    end = min(start + page_size, cap)
    chosen: list[Record] = []
    if start < end:
        chosen = list(
            records.select_related("category", "source_unit")[start:end]
        )
    layouts = options.layouts if options else None
    details = record_pages(chosen, on=on, layouts=layouts) if with_fields else []
    rows = [d.summary for d in details] if with_fields else _summaries(chosen, on=on, layouts=layouts)
    return RecordList(rows, details, total, capped, page, pages, page_size)


def _filtered(filters: RecordFilters, on: dt.date | None, options: BrowseOptions | None) -> QuerySet[Record]:
    records = published_records(on)
    if filters.category:
        records = records.filter(category_code=filters.category)
    if filters.department:
        records = records.filter(source_unit__code=filters.department)
    if filters.date_from:
        records = records.filter(decision_date__gte=filters.date_from)
    if filters.date_to:
        records = records.filter(decision_date__lte=filters.date_to)
    if filters.kind:
        catalog = options.catalog if options else public_categories()
        layouts = options.layouts if options else layouts_for(catalog)
        categories = [c for c in catalog if not filters.category or c.code == filters.category]
        records = records.filter(_kind_condition(filters.kind, categories, layouts))
    return records


# -- home --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    code: str
    name: str
    published: int
    recent: int


def publicity_counts(on: dt.date | None = None) -> list[CategoryCount]:
    """Records in public view per public category, and those decided in the last RECENT_DAYS days.

    Counting a million records takes a while, so the figures are kept for OVERVIEW_CACHE_SECONDS; the records
    themselves are never cached (a record leaves public view the moment its period ends).
    """
    day = on or clock.today()
    key = f"portal:counts:{day.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    since = day - dt.timedelta(days=RECENT_DAYS)
    rows = {
        row["category_code"]: row
        for row in published_records(day)
        .values("category_code")
        .annotate(published=Count("id"), recent=Count("id", filter=Q(decision_date__gte=since)))
        .order_by()
    }
    counts = [
        CategoryCount(
            c.code, c.name, rows.get(c.code, {}).get("published", 0), rows.get(c.code, {}).get("recent", 0)
        )
        for c in public_categories()
    ]
    cache.set(key, counts, OVERVIEW_CACHE_SECONDS)
    return counts


def latest_records(*, limit: int = LATEST_SHOWN, on: dt.date | None = None) -> list[RecordSummary]:
    """The records that entered public view last (newest stored first: the primary key's order, no sort)."""
    records = list(published_records(on).select_related("category", "source_unit").order_by("-id")[:limit])
    return _summaries(records, on=on)



# -- the internal view (government systems with a token and a stated purpose) ------------------------------


@dataclass(frozen=True)
class InternalRecord:
    record: Record
    fields: list[ShownField]
    in_public_view: bool


def internal_subject(code: str) -> Subject:
    """Any subject by USCC or by a person's document number; raises Subject.DoesNotExist."""
    number = normalize_code(code or "")
    found = Subject.objects.filter(Q(uscc=number) | Q(id_number=number)).order_by("id").first() if number else None
    if found is None:
        raise Subject.DoesNotExist("未找到该代码对应的信用主体。")
    return found


@dataclass(frozen=True)
class InternalFile:
    records: list[InternalRecord]  # at most SUBJECT_RECORDS_SHOWN
    total: int
    categories: list[tuple[str, str, int]]  # code, name, number of records


def internal_records(subject: Subject, *, on: dt.date | None = None) -> InternalFile:
    """All records of a subject, whatever their status or publicity, unmasked."""
    records_qs = Record.objects.filter(subject=subject)
    per_category = list(
        records_qs.values("category_code").annotate(n=Count("id"), name=Max("category__name")).order_by("category_code")
    )
    records = list(
        records_qs.select_related("category", "source_unit").order_by("category_code", "-decision_date", "-id")[
            :SUBJECT_RECORDS_SHOWN
        ]
    )
    public_ids = set(published_records(on).filter(pk__in=[r.pk for r in records]).values_list("pk", flat=True))
    layouts = layouts_for({r.category_id: r.category for r in records}.values())
    items = [
        InternalRecord(
            record=r,
            fields=[
                ShownField(spec.code, spec.name, text)
                for spec, text in internal_fields(layouts[r.category_id], r.data if isinstance(r.data, dict) else {})
            ],
            in_public_view=r.pk in public_ids,
        )
        for r in records
    ]
    return InternalFile(
        records=items,
        total=sum(row["n"] for row in per_category),
        categories=[(row["category_code"], row["name"], row["n"]) for row in per_category],
    )
