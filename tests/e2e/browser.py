"""Steps that many browser tests share."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from xinyong.web.tests import factories


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in through the login page as a clerk would, and wait for the workbench."""
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
