"""`xinyong check --deploy` fails while the demo's logins or its password are still there.

A deploy-only check (Django runs it only with --deploy), so the plain `xinyong check`, the test suite and
`make demo` are untouched. It reads the database: without the tables (nothing set up yet) there is nothing to
find. Every active user's password hash is tried against the demo password; key stretching makes each try cost
a fraction of a second, so they run on all cores (the hash releases the interpreter lock).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.apps import AppConfig
from django.contrib.auth.hashers import check_password
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError, connection

from xinyong.ops.demo_users import DEMO_PASSWORD, DEMO_USERS
from xinyong.org.models import User

DEMO_LOGINS_ID = "ops.E001"
DEMO_PASSWORD_ID = "ops.E002"


def _demo_logins(users: Sequence[tuple[str, str, str]]) -> list[str]:
    """Active users the demo created: a demo username together with its demo display name."""
    demo = {(d.username, d.display_name) for d in DEMO_USERS}
    return sorted(username for username, display_name, _ in users if (username, display_name) in demo)


def _demo_password_users(users: Sequence[tuple[str, str, str]]) -> list[str]:
    usable = [(username, encoded) for username, _, encoded in users if encoded and not encoded.startswith("!")]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        matches = list(pool.map(lambda pair: check_password(DEMO_PASSWORD, pair[1]), usable))
    return sorted(username for (username, _), match in zip(usable, matches, strict=True) if match)


@register(Tags.security, deploy=True)
def demo_logins_check(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        if User._meta.db_table not in connection.introspection.table_names():
            return []
        users = list(User.objects.filter(is_active=True).values_list("username", "display_name", "password"))
    except DatabaseError:
        # No database to read (not reachable, not created): the other deploy checks still report.
        return []
    errors: list[CheckMessage] = []
    logins = _demo_logins(users)
    if logins:
        errors.append(
            Error(
                f"演示账号仍然存在且可以登录：{'、'.join(logins)}。",
                hint="正式上线前请在管理后台“用户”（/admin/org/user/）中删除这些演示账号，或取消其“有效”勾选。",
                id=DEMO_LOGINS_ID,
            )
        )
    weak = _demo_password_users(users)
    if weak:
        errors.append(
            Error(
                f"以下账号仍在使用公开的演示密码：{'、'.join(weak)}。",
                hint="请为这些账号设置新密码：xinyong changepassword 用户名（新密码须符合密码规则）。",
                id=DEMO_PASSWORD_ID,
            )
        )
    return errors
