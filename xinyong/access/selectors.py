"""Reads of access: the register of look-ups, for the auditor (纪检) and the credit office."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from xinyong.access.models import Lookup
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.org.models import Role
from xinyong.org.selectors import roles_of

REGISTER_ROLES = frozenset({Role.AUDITOR, Role.CREDIT_ADMIN})


def require_register_access(user: Any) -> None:
    if getattr(user, "is_superuser", False) or roles_of(user) & REGISTER_ROLES:
        return
    raise XinyongError(ErrorCode.FORBIDDEN, "查询登记只有审计员和信用办管理员可以查看。")


def lookup_register_list(
    *,
    user: Any,
    review: str = "",
    unit_id: int | None = None,
    purpose_code: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Lookup]:
    require_register_access(user)
    found = Lookup.objects.select_related("unit", "reviewed_by", "token").order_by("-occurred_at", "-id")
    if review:
        found = found.filter(review=review)
    if unit_id:
        found = found.filter(unit_id=unit_id)
    if purpose_code:
        found = found.filter(purpose_code=purpose_code)
    if since:
        found = found.filter(occurred_at__date__gte=since)
    if until:
        found = found.filter(occurred_at__date__lte=until)
    return found


def lookup_get(*, user: Any, lookup_id: int) -> Lookup:
    require_register_access(user)
    found = Lookup.objects.select_related("unit", "reviewed_by", "token").filter(pk=lookup_id).first()
    if found is None:
        raise Lookup.DoesNotExist(f"查询登记 {lookup_id} 不存在")
    return found
