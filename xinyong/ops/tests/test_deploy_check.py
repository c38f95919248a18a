"""`xinyong check --deploy` fails while the demo's logins or the demo password exist; the plain check does not."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from xinyong.ops.demo_users import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users
from xinyong.org.models import User


def _deploy_errors() -> str:
    """The platform's own deploy errors (the e2e set-up's DJANGO_ALLOW_ASYNC_UNSAFE, in this process, is one of
    Django's)."""
    found = run_checks(include_deployment_checks=True)
    return "\n".join(f"{m.id} {m.msg}" for m in found if m.id and m.id.startswith("ops."))


def test_demo_logins_fail_the_deploy_check_until_removed(reference_data: Any) -> None:
    ensure_demo_users()
    call_command("check")  # the plain check (runserver, migrate, tests) is untouched
    with pytest.raises(SystemCheckError, match=r"ops\.E001"):
        call_command("check", "--deploy")
    errors = _deploy_errors()
    assert "ops.E001" in errors and "演示账号仍然存在且可以登录：admin、jbr、shenji、zhzfj、zwfwzx。" in errors
    assert "ops.E002" in errors and "以下账号仍在使用公开的演示密码" in errors
    User.objects.filter(username__in=[d.username for d in DEMO_USERS]).delete()
    assert _deploy_errors() == ""


def test_any_active_user_with_the_demo_password_fails_it(db: Any) -> None:
    clerk = User.objects.create_user(username="clerk", password=DEMO_PASSWORD, display_name="报送员")
    User.objects.create_user(username="other", password="Another-pass-2020", display_name="另一位")
    errors = _deploy_errors()
    assert "以下账号仍在使用公开的演示密码：clerk。" in errors and "ops.E001" not in errors
    clerk.set_password("A-new-pass-2020!")
    clerk.save()
    assert _deploy_errors() == ""


def test_an_inactive_demo_login_does_not_fail_it(reference_data: Any) -> None:
    ensure_demo_users()
    User.objects.filter(username__in=[d.username for d in DEMO_USERS]).update(is_active=False)
    assert _deploy_errors() == ""
