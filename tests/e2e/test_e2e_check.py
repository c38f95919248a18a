"""联合奖惩核查 in a real browser: a handling officer checks a bidder, reads the measures, records the outcome and
dismisses a false positive."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.lists.models import CheckOutcome, Dismissal
from xinyong.lists.services import lists_load
from xinyong.lists.tests.conftest import HENGYUAN, listed
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def test_a_handler_checks_a_bidder_and_records_the_outcome(web_page: Page, live_server: Any) -> None:
    factories.load_reference()
    lists_load()
    factories.make_user("handler", [("handler", "zwfwzx")], name="李敏")
    listed("court_defaulter", "江阴市利港恒远机械有限公司", HENGYUAN)
    page, base = web_page, live_server.url
    sign_in(page, base, "handler")

    page.get_by_role("link", name="联合奖惩核查").click()
    page.get_by_label("办理事项").select_option(label="政府采购")
    page.get_by_label("主体名称或统一社会信用代码").fill(HENGYUAN)
    page.get_by_label("查询事由").fill("2026年办公设备采购项目供应商资格审查")
    page.get_by_role("button", name="核查").click()

    expect(page.locator("#check-verdict")).to_contain_text("命中 1 条名单记录")
    hit = page.locator("section.hit")
    expect(hit).to_contain_text("失信被执行人名单：江阴市利港恒远机械有限公司")
    expect(hit).to_contain_text("限制失信被执行人作为供应商参加政府采购活动")
    expect(hit).to_contain_text("发改财金〔2016〕141号")

    # Not applied without a reason: refused with the reason asked for.
    hit.get_by_role("radio", name="未实施").check()
    hit.get_by_role("button", name="提交反馈").click()
    expect(page.get_by_role("alert")).to_contain_text("请填写未实施措施的理由")
    assert not CheckOutcome.objects.exists()

    page.locator("section.hit").get_by_role("radio", name="已实施").check()
    page.locator("section.hit").get_by_role("button", name="提交反馈").click()
    expect(page.locator(".outcome")).to_contain_text("已实施")
    assert CheckOutcome.objects.get().applied


def test_a_handler_dismisses_a_false_positive(web_page: Page, live_server: Any) -> None:
    factories.load_reference()
    lists_load()
    factories.make_user("handler", [("handler", "zwfwzx")], name="李敏")
    listed("court_defaulter", "江阴市利港恒远机械有限公司", HENGYUAN)
    page, base = web_page, live_server.url
    sign_in(page, base, "handler")

    page.goto(f"{base}/check/")
    page.get_by_label("办理事项").select_option(label="招标投标")
    page.get_by_label("主体名称或统一社会信用代码").fill("利港恒远机械有限责任公司")
    page.get_by_label("查询事由").fill("道路改造工程施工招标")
    page.get_by_role("button", name="核查").click()
    expect(page.locator("#check-verdict")).to_contain_text("命中 1 条")

    page.get_by_text("不是同一主体？排除误报").click()
    page.get_by_label("排除理由").fill("经核实住所和法定代表人均不同，为不同主体")
    page.get_by_role("button", name="确认排除").click()
    expect(page.locator(".messages")).to_contain_text("已排除误报")
    assert Dismissal.objects.get().reason == "经核实住所和法定代表人均不同，为不同主体"

    page.get_by_role("link", name="继续核查其他主体").click()
    page.get_by_label("主体名称或统一社会信用代码").fill("利港恒远机械有限责任公司")
    page.get_by_label("查询事由").fill("道路改造工程施工招标")
    page.get_by_role("button", name="核查").click()
    expect(page.locator("#check-verdict")).to_contain_text("未命中红黑名单")


def test_a_handler_checks_a_bidder_list_and_records_the_outcomes(
    web_page: Page, live_server: Any, tmp_path: Any
) -> None:
    factories.load_reference()
    lists_load()
    factories.make_user("handler", [("handler", "zwfwzx")], name="李敏")
    listed("court_defaulter", "江阴市利港恒远机械有限公司", HENGYUAN)
    bidders = tmp_path / "投标人名单.csv"
    bidders.write_text(
        "投标人名称,统一社会信用代码\n利港恒远机械有限责任公司,\n江阴市清风电子有限公司,\n",
        encoding="utf-8-sig",
    )
    page, base = web_page, live_server.url
    sign_in(page, base, "handler")

    page.get_by_role("link", name="联合奖惩核查").click()
    page.get_by_role("link", name="批量核查（上传名单文件）").click()
    page.get_by_label("办理事项").select_option(label="招标投标")
    page.get_by_label("查询事由").fill("道路改造工程施工招标投标人资格审查")
    page.get_by_label("主体名单文件").set_input_files(str(bidders))
    page.get_by_role("button", name="上传并核查").click()

    expect(page.get_by_role("heading", name="批量核查结果")).to_be_visible()
    batch_url = page.url
    expect(page.locator("#batch-hits")).to_have_text("1")
    rows = page.locator("#batch-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("限制失信被执行人参与政府投资项目或主要使用财政性资金项目的招标投标")
    expect(rows.nth(1)).to_contain_text("未命中")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载核查结果（Excel）").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    rows.nth(0).get_by_role("link", name="核实并反馈").click()
    page.locator("section.hit").get_by_role("radio", name="已实施").check()
    page.locator("section.hit").get_by_role("button", name="提交反馈").click()
    expect(page.locator(".outcome")).to_contain_text("已实施")
    page.goto(batch_url)
    expect(page.locator("#batch-table tbody tr").nth(0)).to_contain_text("已反馈")
    assert CheckOutcome.objects.count() == 1
