"""List management in a real browser: the credit office recognises a defaulter, publishes the entry and takes it
off the list again; a handling officer's check follows each step at once."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.core.identifiers import make_uscc
from xinyong.lists.models import EntryStatus, ListEntry
from xinyong.lists.services import lists_load
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

XINCAI = make_uscc("91", "320281", "7000009X")


def _check(page: Page, base: str) -> None:
    page.goto(f"{base}/check/")
    page.get_by_label("办理事项").select_option(label="政府采购")
    page.get_by_label("主体名称或统一社会信用代码").fill(XINCAI)
    page.get_by_label("查询事由").fill("某采购项目供应商资格审查")
    page.get_by_role("button", name="核查").click()


def test_recognise_publish_and_exit_an_entry_and_the_check_follows(web_page: Page, live_server: Any) -> None:
    factories.load_reference()
    lists_load()
    factories.make_user("xyb", [("credit_admin", "ligang")], unit_code="jjfzk", name="信用办管理员（测试）")
    factories.make_user("jbr", [("handler", "czzcglj")], name="财政经办人（测试）")
    page, base = web_page, live_server.url

    sign_in(page, base, "xyb")
    page.goto(f"{base}/")
    page.get_by_role("link", name="红黑名单").click()
    page.get_by_role("link", name="认定新条目").click()
    page.get_by_label("名单").select_option(label="失信被执行人名单")
    page.get_by_label("列入名称").fill("江阴市利港新材料科技有限公司")
    page.get_by_label("认定文书号").fill("（2026）苏0281执1234号")
    page.get_by_role("button", name="认定").click()
    expect(page.locator(".field-error, .notice-danger").first).to_contain_text("统一社会信用代码或身份证件号码")
    page.get_by_label("统一社会信用代码").fill(XINCAI)
    page.get_by_label("异议期（日）").fill("0")
    page.get_by_role("button", name="认定").click()
    expect(page.locator("h1")).to_contain_text("江阴市利港新材料科技有限公司")
    expect(page.locator("#entry-effect")).to_have_text("核查时不命中")
    page.get_by_role("button", name="发布").click()
    expect(page.locator("#entry-effect")).to_have_text("核查时命中")
    entry = ListEntry.objects.get()
    assert entry.status == EntryStatus.PUBLISHED

    page.context.clear_cookies()
    sign_in(page, base, "jbr")
    _check(page, base)
    expect(page.locator("#check-verdict")).to_contain_text("命中 1 条名单记录")

    page.context.clear_cookies()
    sign_in(page, base, "xyb")
    page.goto(f"{base}/check/entries/")
    page.get_by_label("名称或代码").fill("新材料")
    page.get_by_role("button", name="查询").click()
    page.locator("#entries").get_by_role("link", name="江阴市利港新材料科技有限公司").click()
    page.get_by_label("移出原因").select_option(label="履行义务后移出")
    page.get_by_role("button", name="移出").click()
    expect(page.locator(".field-error").first).to_contain_text("请填写移出说明")
    page.get_by_label("移出说明").fill("已全部履行判决义务，法院出具结案证明")
    page.get_by_role("button", name="移出").click()
    expect(page.locator("#entry-effect")).to_have_text("核查时不命中")
    expect(page.locator("#entry-history")).to_contain_text("履行义务后移出")

    page.context.clear_cookies()
    sign_in(page, base, "jbr")
    _check(page, base)
    expect(page.locator("#check-verdict")).not_to_contain_text("命中 1 条")
