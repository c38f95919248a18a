"""Guessing passwords in a real browser: the lock-out page, then the credit office lifts the lock."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.org.models import User
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_five_wrong_passwords_lock_the_account_until_the_admin_unlocks_it(web_page: Page, live_server: Any) -> None:
    User.objects.create_user(username="clerk", password=factories.PASSWORD, display_name="报送员（测试）")
    page, base = web_page, live_server.url
    page.goto(f"{base}/login/")
    for attempt in range(5):
        page.get_by_label("用户名").fill("clerk")
        page.get_by_label("密码").fill(f"guess-{attempt}")
        page.get_by_role("button", name="登录").click()
        if attempt < 4:
            expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    expect(page.get_by_role("heading", name="登录已暂时锁定")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("该账号短时间内登录失败次数过多")
    expect(page.locator("main")).to_contain_text("请联系信用办管理员")

    # The right password does not get through the lock.
    page.get_by_role("link", name="返回登录页").click()
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="登录已暂时锁定")).to_be_visible()

    call_command("login", "unlock", "--username", "clerk")
    sign_in(page, base, "clerk")
