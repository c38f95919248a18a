"""Reads behind the pages, each scoped by the user's roles and in a constant number of queries.

Subject reads live in `xinyong.subjects.selectors`; what is here composes the other apps' tables for screens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Count, Prefetch, QuerySet

from xinyong.audit import chain
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.catalog.models import Category, Field
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.models import CalendarYear
from xinyong.core.workdays import (
    MAX_DECLARABLE_YEAR,
    MIN_DECLARABLE_YEAR,
    PACKAGE_YEARS,
    DayInfo,
    get_calendar,
    unknown_year_error,
)
from xinyong.intake.models import Batch, RejectedRow, RejectedRowStatus, StagedRow
from xinyong.org.models import LeadingGroupRole, LiaisonOfficer, Position, Role, Unit
from xinyong.org.selectors import (
    authority_scopes,
    require_role,
    reviewed_categories,
    roles_of,
    unit_tree,
    units_for_role,
)
from xinyong.records.models import Record
from xinyong.subjects.models import Subject, SubjectKind
from xinyong.subjects.selectors import mask_identifier

PAGE_SIZE: Final = 50


def _forbidden(message: str) -> XinyongError:
    return XinyongError(ErrorCode.FORBIDDEN, message)


# -- scope of the intake pages ----------------------------------------------------------------------------


def department_unit_ids(user: Any) -> set[int]:
    """Units where the user reports or reviews (with the units below them)."""
    ids: set[int] = set()
    for role in (Role.REPORTER, Role.REVIEWER):
        ids.update(units_for_role(user, role).values_list("id", flat=True))
    return ids


def batch_scope(user: Any) -> set[int] | None:
    """The departments whose batches the user may see; None means every batch (the credit office)."""
    if getattr(user, "is_superuser", False):
        return None
    roles = roles_of(user)
    if Role.CREDIT_ADMIN in roles:
        return None
    if not roles & {Role.REPORTER, Role.REVIEWER}:
        raise _forbidden("查看报送批次需要信用办管理员、部门报送员或部门审核员角色。")
    return department_unit_ids(user)


def _scoped_batches(scope: set[int] | None) -> QuerySet[Batch]:
    batches = Batch.objects.select_related("category", "department", "submitted_by")
    if scope is not None:
        batches = batches.filter(department_id__in=scope)
    return batches.order_by("-submitted_at", "-id")


@dataclass
class BatchBrowser:
    """The batch list of one user: the scope is worked out once, then filtered as the page asks."""

    scope: set[int] | None

    def batches(self, *, department: Unit | None = None, category_code: str = "") -> QuerySet[Batch]:
        batches = _scoped_batches(self.scope)
        if department is not None:
            batches = batches.filter(department=department)
        if category_code:
            batches = batches.filter(category__code=category_code)
        return batches

    def units(self) -> QuerySet[Unit]:
        """The departments the user may filter on."""
        units = Unit.objects.all() if self.scope is None else Unit.objects.filter(id__in=self.scope)
        return units.order_by("sort_order", "code")

    @staticmethod
    def categories() -> list[tuple[str, str]]:
        """(code, name) of every category, once per code (the newest version's name)."""
        seen: dict[str, str] = {}
        for code, name in Category.objects.order_by("code", "-version").values_list("code", "name"):
            seen.setdefault(code, name)
        return sorted(seen.items(), key=lambda item: item[0])


def batch_browser(*, user: Any) -> BatchBrowser:
    return BatchBrowser(scope=batch_scope(user))


def batch_get(*, user: Any, batch_id: int) -> Batch:
    scope = batch_scope(user)
    batch = Batch.objects.select_related("category", "department", "submitted_by").filter(pk=batch_id).first()
    if batch is None:
        raise Batch.DoesNotExist(f"报送批次 {batch_id} 不存在")
    if scope is not None and batch.department_id not in scope:
        raise _forbidden("您只能查看本单位的报送批次。")
    return batch


@dataclass(frozen=True)
class RowError:
    field: str
    message: str
    code: str


@dataclass(frozen=True)
class RejectedRowView:
    row: RejectedRow
    party: str
    errors: list[RowError]


def rejected_rows(*, batch: Batch) -> QuerySet[RejectedRow]:
    return RejectedRow.objects.filter(batch=batch).order_by("row_number", "id")


def rejected_row_views(*, batch: Batch, rows: list[RejectedRow]) -> list[RejectedRowView]:
    """Rows with their errors as a clerk reads them: row number of their file, field, message."""
    name_field = str((batch.category.subject_mapping or {}).get("name", ""))
    views: list[RejectedRowView] = []
    for row in rows:
        values = row.values if isinstance(row.values, dict) else {}
        errors = [
            RowError(str(e.get("field", "")), str(e.get("message", "")), str(e.get("code", "")))
            for e in (row.errors if isinstance(row.errors, list) else [])
            if isinstance(e, dict)
        ]
        views.append(RejectedRowView(row, str(values.get(name_field, "")) if name_field else "", errors))
    return views


@dataclass(frozen=True)
class StagedRowView:
    row: StagedRow
    party: str
    label: str


def staged_row_views(*, batch: Batch, rows: list[StagedRow]) -> list[StagedRowView]:
    """Rows waiting for review as the reviewer reads them; persons' document numbers masked."""
    name_field = str((batch.category.subject_mapping or {}).get("name", ""))
    key_fields = [str(code) for code in batch.category.key_fields or []]
    sensitive = set(batch.category.fields.filter(sensitive=True).values_list("code", flat=True))
    views = []
    for row in rows:
        data = row.data if isinstance(row.data, dict) else {}
        parts = [str(data.get(code, "")) for code in key_fields]
        label = " / ".join(
            mask_identifier(part) if code in sensitive else part for code, part in zip(key_fields, parts, strict=True)
        )
        views.append(StagedRowView(row, str(data.get(name_field, "")) if name_field else "", label))
    return views


@dataclass
class DepartmentDesk:
    units: list[Unit]
    recent_batches: list[Batch]
    pending_count: int
    pending_rows: list[RejectedRow]


def department_desk(*, user: Any, limit: int = 10) -> DepartmentDesk:
    """The home page of a reporter or reviewer: their department's recent batches and rows to correct."""
    ids = department_unit_ids(user)
    pending = RejectedRow.objects.filter(status=RejectedRowStatus.PENDING, batch__department_id__in=ids)
    return DepartmentDesk(
        units=list(Unit.objects.filter(id__in=ids).order_by("sort_order", "code")),
        recent_batches=list(_scoped_batches(ids)[:limit]),
        pending_count=pending.count(),
        pending_rows=list(
            pending.select_related("batch", "batch__category").order_by("-batch__submitted_at", "row_number")[:limit]
        ),
    )


# -- the credit office's overview -------------------------------------------------------------------------


@dataclass
class Overview:
    units: int
    subjects: int
    subjects_by_kind: list[tuple[str, int]]
    records: int
    records_by_category: list[tuple[str, int]]
    batches_this_month: int
    pending_rows: int
    late_records: int
    recent_batches: list[Batch]


def month_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(clock.LOCAL_TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def overview(*, user: Any, recent: int = 10) -> Overview:
    require_role(user, Role.CREDIT_ADMIN)
    kind_labels = dict(SubjectKind.choices)
    by_kind = [
        (kind_labels.get(row["kind"], row["kind"]), row["n"])
        for row in Subject.objects.values("kind").annotate(n=Count("id")).order_by("-n", "kind")
    ]
    by_category = [
        (row["category__name"], row["n"])
        for row in Record.objects.values("category__name").annotate(n=Count("id")).order_by("-n", "category__name")
    ]
    return Overview(
        units=Unit.objects.filter(is_active=True).count(),
        subjects=sum(n for _, n in by_kind),
        subjects_by_kind=by_kind,
        records=sum(n for _, n in by_category),
        records_by_category=by_category,
        batches_this_month=Batch.objects.filter(submitted_at__gte=month_start(clock.now())).count(),
        pending_rows=RejectedRow.objects.filter(status=RejectedRowStatus.PENDING).count(),
        late_records=Record.objects.filter(is_late=True).count(),
        recent_batches=list(_scoped_batches(None)[:recent]),
    )


# -- organisation -----------------------------------------------------------------------------------------


@dataclass
class UnitNode:
    unit: Unit
    depth: int
    current: list[LiaisonOfficer] = field(default_factory=list)
    history: list[LiaisonOfficer] = field(default_factory=list)
    # Delegated reporting (the authorities it may report for, in words) and the categories it reviews first.
    reports_for: str = ""
    reviewed: list[str] = field(default_factory=list)


@dataclass
class OrgOverview:
    nodes: list[UnitNode]
    positions: list[Position]
    group_unit: Unit | None


_POSITION_ORDER = {value: index for index, value in enumerate(LeadingGroupRole.values)}


def org_overview() -> OrgOverview:
    """The unit tree with each unit's liaison officers (current and past) and the leading group, in 3 queries."""
    by_unit: dict[int, UnitNode] = {}
    nodes: list[UnitNode] = []
    names = dict(Category.objects.order_by("code", "version").values_list("code", "name"))
    scopes = authority_scopes()
    for unit, depth in unit_tree():
        node = UnitNode(unit, depth)
        if unit.reports_for:
            node.reports_for = scopes[unit.pk].describe()
        node.reviewed = [names.get(code, code) for code in reviewed_categories(unit)]
        by_unit[unit.pk] = node
        nodes.append(node)
    for officer in LiaisonOfficer.objects.order_by("unit_id", "-start_date", "-id"):
        owner = by_unit.get(officer.unit_id)
        if owner is not None:
            (owner.current if officer.end_date is None else owner.history).append(officer)
    positions = sorted(
        Position.objects.select_related("group", "holder_unit"),
        key=lambda p: (p.group_id, _POSITION_ORDER.get(p.role, 99), p.pk),
    )
    return OrgOverview(nodes=nodes, positions=positions, group_unit=positions[0].group if positions else None)


# -- catalog ----------------------------------------------------------------------------------------------


def category_list() -> QuerySet[Category]:
    return (
        Category.objects.annotate(field_count=Count("fields"))
        .prefetch_related(Prefetch("owner_units", queryset=Unit.objects.order_by("sort_order", "code")))
        .order_by("code", "-version")
    )


@dataclass
class CategoryPage:
    category: Category
    fields: list[Field]
    owners: list[Unit]
    versions: list[Category]


def category_page(*, category_id: int) -> CategoryPage:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise Category.DoesNotExist(f"信息类别 {category_id} 不存在")
    return CategoryPage(
        category=category,
        fields=list(category.fields.order_by("position", "id")),
        owners=list(category.owner_units.order_by("sort_order", "code")),
        versions=list(Category.objects.filter(code=category.code).order_by("-version")),
    )


# -- working-day calendar ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidaySpan:
    name: str
    first: dt.date
    last: dt.date
    days: int


@dataclass
class CalendarPage:
    year: int
    known: bool
    notice: str
    source: str
    holidays: list[HolidaySpan]
    makeup_days: list[DayInfo]
    special_days: list[DayInfo]
    workday_count: int | None
    known_years: list[int]

    @property
    def known_years_text(self) -> str:
        """Known years as ranges, e.g. "2004—2026年、2028年"."""
        spans: list[list[int]] = []
        for year in self.known_years:
            if spans and year == spans[-1][1] + 1:
                spans[-1][1] = year
            else:
                spans.append([year, year])
        return "、".join(f"{a}年" if a == b else f"{a}—{b}年" for a, b in spans)


def calendar_year(*, year: int | None = None) -> CalendarPage:
    """A year's holidays and make-up working days; an unknown year is said so, never guessed."""
    if year is None or not MIN_DECLARABLE_YEAR <= year <= MAX_DECLARABLE_YEAR:
        year = clock.today().year
    calendar = get_calendar()
    known = calendar.is_year_known(year)
    days = calendar.special_days(year)
    declared = CalendarYear.objects.filter(year=year).first()
    if year in PACKAGE_YEARS:
        source = "国务院办公厅当年部分节假日安排的通知（内置法定日历）"
    elif declared is not None:
        source = declared.source
    else:
        source = ""
    workday_count = calendar.count_workdays(dt.date(year - 1, 12, 31), dt.date(year, 12, 31)) if known else None
    return CalendarPage(
        year=year,
        known=known,
        notice="" if known else unknown_year_error(year).message,
        source=source,
        holidays=_holiday_spans(days),
        makeup_days=[d for d in days if d.is_workday],
        special_days=days,
        workday_count=workday_count,
        known_years=sorted(set(PACKAGE_YEARS) | set(calendar.known_years)),
    )


def _holiday_spans(days: list[DayInfo]) -> list[HolidaySpan]:
    spans: list[HolidaySpan] = []
    for info in days:
        if info.is_workday:
            continue
        name = info.name or "休息日"
        last = spans[-1] if spans else None
        if last is not None and last.name == name and (info.date - last.last).days == 1:
            spans[-1] = HolidaySpan(name, last.first, info.date, last.days + 1)
        else:
            spans.append(HolidaySpan(name, info.date, info.date, 1))
    return spans


# -- audit trail ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditStatus:
    intact: bool
    events: int
    broken: chain.Break | None


def _audit_status() -> AuditStatus:
    broken = audit_verify()
    return AuditStatus(intact=broken is None, events=AuditEvent.objects.count(), broken=broken)


def _events(*, action: str = "", object_type: str = "", object_id: str = "") -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor")
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id.strip())
    return events.order_by("-seq")


@dataclass
class AuditLog:
    """The audit pages of an auditor or credit admin (the role is checked once, when this is made)."""

    status: AuditStatus
    actions: list[str]
    object_types: list[str]

    @staticmethod
    def events(*, action: str = "", object_type: str = "", object_id: str = "") -> QuerySet[AuditEvent]:
        return _events(action=action, object_type=object_type, object_id=object_id)


def audit_log(*, user: Any) -> AuditLog:
    """The verify result of the whole hash chain, and the actions and object types there are to filter on."""
    require_role(user, Role.AUDITOR)
    return AuditLog(
        status=_audit_status(),
        actions=list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()),
        object_types=list(
            AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
        ),
    )


@dataclass
class AuditDesk:
    status: AuditStatus
    latest: list[AuditEvent]


def audit_desk(*, user: Any, limit: int = 10) -> AuditDesk:
    require_role(user, Role.AUDITOR)
    return AuditDesk(status=_audit_status(), latest=list(_events()[:limit]))
