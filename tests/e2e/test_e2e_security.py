"""The content-security policy in a real browser: the pages that use inline code, htmx and ECharts still work."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_no_page_breaks_the_content_security_policy(web_page: Page, live_server: Any) -> None:
    factories.load_reference()
    admin = factories.make_user("admin", [("credit_admin", "ligang")], unit_code="jjfzk", name="周明")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    page, base = web_page, live_server.url
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: violations.append(str(exc)))

    sign_in(page, base, "admin")
    # htmx loaded and wrote its indicator style with the nonce.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.locator("style[nonce]").count() >= 1

    page.goto(f"{base}/intake/upload/")
    # The page's <style nonce> lays out the drop zone and its inline <script nonce> names the chosen file.
    assert page.evaluate("getComputedStyle(document.querySelector('.dropzone')).display") == "flex"
    page.locator("input[type=file]").set_input_files(files=[{"name": "处罚.csv", "mimeType": "text/csv", "buffer": b"x"}])
    expect(page.locator("#dropzone-file")).to_contain_text("已选择：处罚.csv")
    page.goto(f"{base}/quality/")
    assert page.evaluate("typeof window.echarts") == "object"
    page.goto(f"{base}/api/v1/docs")
    expect(page.locator(".swagger-ui .title").first).to_be_visible()
    # The public portal.
    page.goto(f"{base}/public/")
    page.goto(f"{base}/public/search/?q=恒远")
    # Django's admin (its scripts are files; the change form reads its settings from data attributes).
    page.goto(f"{base}/admin/org/unit/")
    expect(page.locator("#result_list")).to_be_visible()
    page.goto(f"{base}/admin/org/unit/add/")
    expect(page.locator("#unit_form")).to_be_visible()
    # No request may still be in flight when the test's database goes away.
    page.goto(f"{base}/login/", wait_until="networkidle")
    assert violations == []
