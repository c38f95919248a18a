"""Reads of the organisation, and the role checks every service and selector applies."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.org.authority import AuthorityScope, UnitFacts, scope_of
from xinyong.org.models import Role, RoleGrant, Unit


def unit_tree() -> list[tuple[Unit, int]]:
    """All units in tree order with their depth, from one query."""
    units = list(Unit.objects.select_related("parent").order_by("sort_order", "code"))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for child in children.get(parent_id, []):
            ordered.append((child, depth))
            walk(child.pk, depth + 1)

    walk(None, 0)
    return ordered


def descendant_ids(unit_ids: set[int]) -> set[int]:
    """The given units and every unit below them, at any depth."""
    parents = dict(Unit.objects.values_list("id", "parent_id"))
    result = set(unit_ids)
    changed = True
    while changed:
        changed = False
        for unit_id, parent_id in parents.items():
            if parent_id in result and unit_id not in result:
                result.add(unit_id)
                changed = True
    return result


def roles_of(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))


def units_for_role(user: Any, role: Role) -> QuerySet[Unit]:
    """Units where the user holds the role, directly or through a unit above."""
    if getattr(user, "is_superuser", False):
        return Unit.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    roots = set(RoleGrant.objects.filter(user=user, role=role).values_list("unit_id", flat=True))
    return Unit.objects.filter(id__in=descendant_ids(roots)) if roots else Unit.objects.none()


def require_role(user: Any, role: Role, unit: Unit | None = None) -> None:
    """Refuse unless the user holds the role (for the unit, when one is given); credit admins hold every role."""
    acts_for = getattr(user, "acts_for_unit_id", None)
    if acts_for is not None:
        # A departmental system's API token reports for its own department and does nothing else.
        if role == Role.REPORTER and unit is not None and unit.pk == acts_for:
            return
        raise XinyongError(ErrorCode.FORBIDDEN, "该接口令牌不能为其他部门报送，也不能做报送以外的操作。")
    if user is None or getattr(user, "is_superuser", False):
        return
    for held in (role, Role.CREDIT_ADMIN):
        scope = units_for_role(user, held)
        if unit is None and scope.exists():
            return
        if unit is not None and scope.filter(pk=unit.pk).exists():
            return
    where = f"（{unit.name}）" if unit else ""
    raise XinyongError(ErrorCode.FORBIDDEN, f"您没有“{role.label}”权限{where}，请联系信用办管理员。")


def find_unit(value: str) -> Unit:
    """A unit by code, full name or short name, as a clerk might type it."""
    text = value.strip()
    unit = (
        Unit.objects.filter(code=text).first()
        or Unit.objects.filter(name=text).first()
        or Unit.objects.filter(short_name=text).first()
    )
    if unit is None:
        raise XinyongError(ErrorCode.UNKNOWN_DEPARTMENT, f"找不到单位“{text}”，请用 xinyong org list 查看单位编码。")
    return unit


def _facts(unit: Unit) -> UnitFacts:
    entries = tuple(e for e in unit.reports_for if isinstance(e, dict)) if isinstance(unit.reports_for, list) else ()
    return UnitFacts(unit.code, unit.name, unit.short_name, unit.uscc, entries)


def authority_scope(unit: Unit) -> AuthorityScope:
    """The deciding authorities the unit may report decisions for (itself, and what the configuration adds)."""
    return scope_of(_facts(unit), [_facts(u) for u in Unit.objects.all()])


def authority_scopes() -> dict[int, AuthorityScope]:
    """Every unit's scope, by unit id, from one query."""
    facts = {u.pk: _facts(u) for u in Unit.objects.all()}
    return {pk: scope_of(one, facts.values()) for pk, one in facts.items()}


def reviewed_categories(unit: Unit | None) -> frozenset[str]:
    """Categories whose batches from this unit wait for its reviewer before they are published."""
    if unit is None or not isinstance(unit.review_before_publication, list):
        return frozenset()
    return frozenset(str(code) for code in unit.review_before_publication)
