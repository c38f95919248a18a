"""Demo logins, one per role, for the embedded mode. Synthetic people only."""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.org.models import Role, Unit, User
from xinyong.org.services import user_create

DEMO_PASSWORD = "xinyong-demo-2020"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    unit: str
    roles: tuple[tuple[Role, str], ...]
    superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", "信用办管理员（示例）", "jjfzk", ((Role.CREDIT_ADMIN, "ligang"),), superuser=True),
    DemoUser("zhzfj", "综合执法局报送员（示例）", "zhzfj", ((Role.REPORTER, "zhzfj"),)),
    DemoUser("zwfwzx", "政务服务中心报送员（示例）", "zwfwzx", ((Role.REPORTER, "zwfwzx"), (Role.REVIEWER, "zwfwzx"))),
    DemoUser("jbr", "财政和资产管理局经办人（示例）", "czzcglj", ((Role.HANDLER, "czzcglj"),)),
    DemoUser("shenji", "纪检科审计员（示例）", "dzb-jjk", ((Role.AUDITOR, "ligang"),)),
)


def ensure_demo_users() -> list[DemoUser]:
    units = {u.code: u for u in Unit.objects.all()}
    for demo in DEMO_USERS:
        if User.objects.filter(username=demo.username).exists():
            continue
        user = user_create(
            username=demo.username,
            password=DEMO_PASSWORD,
            display_name=demo.display_name,
            unit=units[demo.unit],
            roles=[(role, units[code]) for role, code in demo.roles],
            actor=None,
            is_staff=demo.superuser,
        )
        if demo.superuser:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
    return list(DEMO_USERS)
