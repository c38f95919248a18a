"""The open API of the portal under /api/v1/public/: the same selectors as the public pages, as JSON.

No token is needed. A government system that sends its token (`Authorization: Bearer …`) and a `purpose` to
`subjects/{code}` gets the internal view: every record of the subject, whatever its publicity, with full
identifiers; each such look-up is written to the audit trail first.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja import Path as PathParam
from ninja.errors import AuthenticationError, HttpError

from xinyong.access.api import ErrorOut, require_scope
from xinyong.access.models import ApiToken, TokenScope
from xinyong.access.purposes import (
    CASE_REFERENCE_MAX_LENGTH,
    clean_case_reference,
    lookup_purposes,
    purpose_of,
)
from xinyong.access.tokens import bearer_secret, token_authenticate
from xinyong.core.params import MAX_PAGE, object_id
from xinyong.portal import selectors
from xinyong.portal.lists import MAX_PAGES as MAX_LIST_PAGES
from xinyong.portal.lists import entry_out, lists_browse, subject_entries
from xinyong.portal.selectors import (
    API_PAGE_SIZE_MAX,
    API_RECORDS_CAP,
    MAX_PAGES,
    PAGE_SIZE,
    QUERY_MAX,
    RecordFilters,
    RecordPage,
)
from xinyong.portal.services import internal_lookup
from xinyong.records.models import Record
from xinyong.subjects.models import Subject, SubjectKind

router = Router(tags=["信用信息公示"])

_KIND_LABELS = dict(SubjectKind.choices)


# -- schemas -----------------------------------------------------------------------------------------------


class PingOut(Schema):
    status: Literal["ok"]


class HitLinks(Schema):
    api: str | None = Field(description="该组织的接口地址（按统一社会信用代码）；无代码时为空")
    page: str = Field(description="该组织的公示页面")


class SearchHitOut(Schema):
    id: int
    name: str
    uscc: str | None
    kind: str
    kind_label: str
    match: str = Field(description="code 代码一致 / name 名称一致 / prefix 名称开头一致 / contains 名称包含")
    match_label: str
    published_records: int = Field(description="公示中的信息条数")
    links: HitLinks


class SearchOut(Schema):
    query: str
    mode: str = Field(description="code 按代码 / name 按名称 / refused 不提供的查询（自然人证件号码）/ empty 空")
    total: int = Field(description=f"可翻阅的结果数（不超过 {selectors.SEARCH_CAP}）")
    capped: bool = Field(description="结果超过上限、只列出前面部分时为 true")
    page: int
    pages: int
    page_size: int
    notice: str
    results: list[SearchHitOut]


class PublicityOut(Schema):
    state: str = Field(description="public 公示中 / objection 异议中")
    state_label: str
    end: dt.date | None = Field(description="公示截止日期（当日仍公示）")


class FieldOut(Schema):
    code: str
    name: str
    value: str


class RecordOut(Schema):
    id: int
    category: str
    category_name: str
    decision_date: dt.date | None
    document_number: str
    kind: str = Field(description="处罚类别 / 许可类别，多个以顿号分隔")
    authority: str
    party_name: str
    party_is_person: bool = Field(description="行政相对人为自然人时为 true（证件号码已遮蔽）")
    source_unit: str
    publicity: PublicityOut
    fields: list[FieldOut] = Field(description="公示字段（自然人证件号码等已遮蔽）")


class RecordListOut(Schema):
    total: int = Field(description=f"可翻阅的条数（不超过 {API_RECORDS_CAP}）")
    capped: bool
    page: int
    pages: int
    page_size: int
    results: list[RecordOut]


class CategoryTotalOut(Schema):
    code: str
    name: str
    total: int


class InternalRecordOut(Schema):
    id: int
    category: str
    category_name: str
    version: int
    decision_date: dt.date | None
    status: str = Field(description="active 有效 / revoked 已撤销 / repaired 已信用修复")
    status_label: str
    status_reason: str
    severity: str
    publicity_regime: str
    publicity_end: dt.date | None
    under_objection: bool
    in_public_view: bool = Field(description="当前是否在公示中")
    source_unit: str
    fields: list[FieldOut] = Field(description="全部字段，未遮蔽")


class ListEntryOut(Schema):
    list: str = Field(description="名单编码，如 court_defaulter")
    list_name: str
    list_type: str = Field(description="black 黑名单 / red 红名单 / watch 重点关注名单")
    name: str
    uscc: str
    decision_document: str
    recognising_department: str
    legal_basis: str
    published_on: dt.date | None
    planned_exit: dt.date | None


class ListEntriesOut(Schema):
    total: int
    page: int
    pages: int
    results: list[ListEntryOut]


class SubjectOut(Schema):
    view: Literal["public", "internal"]
    id: int
    name: str
    uscc: str | None
    kind: str
    kind_label: str
    legal_rep: str
    established_on: dt.date | None
    address: str
    id_type: str | None = Field(default=None, description="仅内部视图：自然人证件类型")
    id_number: str | None = Field(default=None, description="仅内部视图：自然人证件号码（完整）")
    total: int = Field(description="公示中（内部视图：全部）的信息条数")
    shown: int
    categories: list[CategoryTotalOut]
    records: list[RecordOut]
    internal_records: list[InternalRecordOut] | None = Field(default=None, description="仅内部视图")
    lists: list[ListEntryOut] = Field(default_factory=list, description="所在的红黑名单（名单期限内）")


# -- endpoints ---------------------------------------------------------------------------------------------


@router.get("/ping", response=PingOut, url_name="public_ping", summary="连通性检查")
def ping(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/search",
    response={200: SearchOut, 400: ErrorOut},
    url_name="public_search",
    summary="查询组织（统一社会信用代码或名称中的文字）",
    description=(
        "按统一社会信用代码（18 位，大小写、全角半角均可）精确查询，或按名称中的文字查询。排序：代码一致、名称一致、"
        f"名称开头一致、名称包含。每页 {PAGE_SIZE} 个，最多 {MAX_PAGES} 页。只查询组织（含有统一社会信用代码的个体工商户），"
        "不提供自然人的查询。"
    ),
)
def search(
    request: HttpRequest,
    q: str = Query(..., max_length=QUERY_MAX, description="统一社会信用代码，或名称中的文字（至少 2 个字）"),
    page: int = Query(1, ge=1, le=MAX_PAGES),
) -> dict[str, Any]:
    result = selectors.search_subjects(q, page=page, clamp=False)
    return {
        "query": result.query,
        "mode": result.mode,
        "total": result.total,
        "capped": result.capped,
        "page": result.page,
        "pages": result.pages,
        "page_size": result.page_size,
        "notice": result.notice,
        "results": [
            {
                "id": hit.id,
                "name": hit.name,
                "uscc": hit.uscc,
                "kind": hit.kind,
                "kind_label": hit.kind_label,
                "match": hit.match,
                "match_label": hit.match_label,
                "published_records": hit.published,
                "links": {
                    "api": reverse("api:public_subject", kwargs={"code": hit.uscc}) if hit.uscc else None,
                    "page": reverse("portal:subject", args=[hit.id]),
                },
            }
            for hit in result.hits
        ],
    }


@router.get(
    "/subjects/{code}",
    response={200: SubjectOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="public_subject",
    summary="组织及其公示信息（按统一社会信用代码）",
    description=(
        "不带令牌：组织的登记信息和公示中的信息，按类别。带有“查询主体内部信息”权限的部门系统令牌（Authorization: "
        "Bearer <令牌>），选择查询事由 purpose（规定的事由编码之一）并填写案件或事项编号 case_reference：内部视图——"
        "该主体的全部信息（含已过公示期、已撤销、已修复的），证件号码不遮蔽，code 也可以是自然人的证件号码；每次查询记入"
        "个人信息查询登记和审计日志。查询事由："
        + "、".join(f"{code}（{label}）" for code, label in lookup_purposes().choices())
    ),
    openapi_extra={"security": [{}, {"TokenAuth": []}]},
)
def subject(
    request: HttpRequest,
    code: str = PathParam(..., max_length=64, description="统一社会信用代码（内部视图也可为自然人证件号码）"),
    purpose: str | None = Query(None, max_length=40, description="查询事由编码（仅内部视图，必填）"),
    case_reference: str | None = Query(
        None, max_length=CASE_REFERENCE_MAX_LENGTH, description="案件或事项编号（仅内部视图，必填）"
    ),
) -> dict[str, Any]:
    token = _optional_token(request)
    if token is not None:
        return _internal_subject(token, code, purpose, case_reference)
    try:
        found = selectors.public_subject(uscc=code)
    except Subject.DoesNotExist as exc:
        raise Http404("未找到该统一社会信用代码对应的组织，或该主体不在公示范围内。") from exc
    page = selectors.subject_page(found)
    return {
        **_subject_out(found, view="public"),
        "total": page.total,
        "shown": page.shown,
        "categories": [{"code": g.code, "name": g.name, "total": g.total} for g in page.groups],
        "records": [
            _record_out(p)
            for p in selectors.record_pages(page.records, layouts=page.layouts, public_subject_ids={found.pk})
        ],
        "lists": [entry_out(e) for e in subject_entries(found)],
    }


@router.get(
    "/lists",
    response={200: ListEntriesOut, 400: ErrorOut},
    url_name="public_lists",
    summary="红黑名单（名单期限内的组织）",
    description="list 可为名单编码（如 court_defaulter）或 black、red、watch；q 为组织名称片段或统一社会信用代码。",
)
def lists(
    request: HttpRequest,
    list_code: Annotated[str, Query(alias="list", max_length=64, description="名单编码或名单类型")] = "",
    q: str = Query("", max_length=50),
    page: int = Query(1, ge=1, le=MAX_LIST_PAGES),
) -> dict[str, Any]:
    listing = lists_browse(kind=list_code.strip(), query=q, page=page)
    return {
        "total": listing.total,
        "page": listing.page,
        "pages": listing.pages,
        "results": [entry_out(e) for e in listing.rows],
    }


@router.get(
    "/records",
    response={200: RecordListOut, 400: ErrorOut},
    url_name="public_records",
    summary="双公示信息（公示中的行政许可、行政处罚等）",
    description=(
        f"按决定日期由近及远。page_size 最大 {API_PAGE_SIZE_MAX}；最多可翻阅前 {API_RECORDS_CAP} 条，更多请缩小筛选范围。"
    ),
)
def records(
    request: HttpRequest,
    category: str = Query("", max_length=64, description="信息类别编码，如 admin_penalty、admin_license"),
    department: str = Query("", max_length=64, description="数据来源单位编码"),
    kind: str = Query("", max_length=50, description="处罚类别或许可类别，如 罚款、普通"),
    date_from: Annotated[dt.date | None, Query(alias="from", description="决定日期起（含）")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to", description="决定日期止（含）")] = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(PAGE_SIZE, ge=1, le=API_PAGE_SIZE_MAX),
) -> dict[str, Any]:
    if (page - 1) * page_size >= API_RECORDS_CAP:
        raise HttpError(400, f"最多只能翻阅前 {API_RECORDS_CAP} 条，请用类别、部门或日期缩小范围。")
    if date_from and date_to and date_from > date_to:
        raise HttpError(400, "决定日期的起始日期晚于截止日期。")
    filters = RecordFilters(
        category=category.strip(), department=department.strip(), kind=kind.strip(), date_from=date_from,
        date_to=date_to,
    )
    listing = selectors.records_browse(
        filters, page=page, page_size=page_size, cap=API_RECORDS_CAP, clamp=False, with_fields=True
    )
    return {
        "total": listing.total,
        "capped": listing.capped,
        "page": listing.page,
        "pages": listing.pages,
        "page_size": listing.page_size,
        "results": [_record_out(p) for p in listing.details],
    }


@router.get(
    "/records/{record_id}",
    response={200: RecordOut, 400: ErrorOut, 404: ErrorOut},
    url_name="public_record",
    summary="一条公示信息",
)
def record(request: HttpRequest, record_id: int = object_id("信息编号")) -> dict[str, Any]:
    try:
        page = selectors.record_page(record_id=record_id)
    except Record.DoesNotExist as exc:
        raise Http404("该信息不存在，或已不在公示期内。") from exc
    return _record_out(page)


# -- helpers -----------------------------------------------------------------------------------------------


def _optional_token(request: HttpRequest) -> ApiToken | None:
    """The token of a government system, when one is sent; a token sent but not valid is refused, not ignored."""
    if "HTTP_AUTHORIZATION" not in request.META:
        return None
    raw = bearer_secret(request)
    token = token_authenticate(raw) if raw else None
    if token is None:
        raise AuthenticationError()
    return token


def _internal_subject(
    token: ApiToken, code: str, purpose: str | None, case_reference: str | None
) -> dict[str, Any]:
    # Scope, purpose and case first: without them the platform does not even say whether the subject exists.
    require_scope(token, TokenScope.LOOKUP)
    purpose_code = purpose_of(purpose).code
    reference = clean_case_reference(case_reference)
    try:
        found = selectors.internal_subject(code)
    except Subject.DoesNotExist as exc:
        raise Http404("未找到该代码对应的信用主体。") from exc
    internal_lookup(token=token, subject=found, purpose_code=purpose_code, case_reference=reference)
    file = selectors.internal_records(found)
    return {
        **_subject_out(found, view="internal"),
        "id_type": found.id_type or None,
        "id_number": found.id_number,
        "total": file.total,
        "shown": len(file.records),
        "categories": [{"code": code, "name": name, "total": n} for code, name, n in file.categories],
        "records": [],
        "internal_records": [
            {
                "id": item.record.pk,
                "category": item.record.category_code,
                "category_name": item.record.category.name,
                "version": item.record.version,
                "decision_date": item.record.decision_date,
                "status": item.record.status,
                "status_label": item.record.get_status_display(),
                "status_reason": item.record.status_reason,
                "severity": item.record.severity,
                "publicity_regime": item.record.publicity_regime,
                "publicity_end": item.record.publicity_end,
                "under_objection": item.record.under_objection,
                "in_public_view": item.in_public_view,
                "source_unit": item.record.source_unit.name if item.record.source_unit else "",
                "fields": [{"code": f.code, "name": f.name, "value": f.value} for f in item.fields],
            }
            for item in file.records
        ],
    }


def _subject_out(found: Subject, *, view: str) -> dict[str, Any]:
    return {
        "view": view,
        "id": found.pk,
        "name": found.name,
        "uscc": found.uscc,
        "kind": found.kind,
        "kind_label": str(_KIND_LABELS.get(found.kind, found.kind)),
        "legal_rep": found.legal_rep,
        "established_on": found.established_on,
        "address": found.address,
    }


def _record_out(page: RecordPage) -> dict[str, Any]:
    s = page.summary
    return {
        "id": s.id,
        "category": s.category_code,
        "category_name": s.category_name,
        "decision_date": s.decision_date,
        "document_number": s.document_number,
        "kind": s.kind,
        "authority": s.authority,
        "party_name": s.party_name,
        "party_is_person": s.party_is_person,
        "source_unit": s.source_unit,
        "publicity": {"state": s.state, "state_label": s.state_label, "end": s.publicity_end},
        "fields": [{"code": f.code, "name": f.name, "value": f.value} for f in page.fields],
    }
