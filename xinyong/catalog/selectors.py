"""Reads of the catalog: the category version in force on a day, and its fields."""

from __future__ import annotations

import datetime as dt

from xinyong.catalog.models import Category, Field
from xinyong.core.errors import ErrorCode, XinyongError


def category_in_force(code: str, day: dt.date) -> Category:
    versions = list(Category.objects.filter(code=code, is_active=True).order_by("-version"))
    if not versions:
        known = "、".join(Category.objects.values_list("code", flat=True).distinct().order_by("code"))
        raise XinyongError(ErrorCode.UNKNOWN_CATEGORY, f"信息类别“{code}”不存在。可用的类别：{known}")
    for category in versions:
        if category.applies_on(day):
            return category
    # A day before every version's start still uses the oldest version rather than refusing the file.
    return versions[-1]


def fields_of(category: Category) -> list[Field]:
    return list(category.fields.order_by("position"))
