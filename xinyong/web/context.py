"""The context every page shares: the navigation the user's roles allow, and who is signed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.http import HttpRequest
from django.urls import reverse

from xinyong.access.pages import may_open, user_roles
from xinyong.org.models import Role

PLATFORM_NAME: Final = "xinyong 公共信用信息平台"


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    active: bool

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# In the order the navigation shows them.
_SECTIONS: Final[tuple[tuple[str, str, str], ...]] = (
    ("home", "首页", "web:home"),
    ("org", "组织机构", "web:org"),
    ("catalog", "信息目录", "web:catalog"),
    ("upload", "上传报送", "web:intake_upload"),
    ("batches", "报送批次", "web:batches"),
    ("review", "报送审核", "web:review_queue"),
    ("subjects", "信用主体", "web:subjects"),
    ("check", "联合奖惩核查", "lists:check"),
    ("lists", "红黑名单", "lists:entries"),
    ("quality", "归集质量", "web:quality"),
    ("calendar", "工作日历", "web:calendar"),
    ("audit", "审计日志", "web:audit"),
)

_ROLE_ORDER: Final = {value: index for index, value in enumerate(Role.values)}


def navigation(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"platform_name": PLATFORM_NAME, "nav_items": [], "user_role_labels": []}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    current = getattr(request, "xinyong_section", "")
    context["nav_items"] = [
        NavItem(section, label, url_name, section == current)
        for section, label, url_name in _SECTIONS
        if may_open(request, section)
    ]
    roles = sorted(user_roles(request), key=lambda r: _ROLE_ORDER.get(r, 99))
    context["user_role_labels"] = [Role(r).label for r in roles if r in _ROLE_ORDER]
    return context
