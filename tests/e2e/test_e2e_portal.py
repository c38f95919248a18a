"""The public portal (信用信息公示) in a real browser: search, a subject page, browsing with filters, a record
leaving publicity at midnight of its last day, and a phone-sized screen.

The live server runs in a thread of this process, so `clock.frozen` moves the server's clock too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from xinyong.core import clock
from xinyong.portal.tests import data
from xinyong.records.models import Record
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    # One browser walks many pages in a few seconds from one address; the limits have their own tests.
    settings.XINYONG_RATELIMIT_PER_MINUTE = 0


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    factories.load_reference()
    admin = factories.make_user("admin", [("credit_admin", "ligang")], unit_code="jjfzk", name="周明")
    return data.world(tmp_path, admin)


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_search_from_the_login_page_to_a_subject(web_page: Page, live_server: Any, world: dict[str, Any]) -> None:
    page, base = web_page, live_server.url
    page.goto(f"{base}/login/")
    page.get_by_role("link", name="信用信息公示").click()
    expect(page.get_by_role("heading", name="信用信息公示", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    # Keyboard first: the skip link is the first stop and leads to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()

    box = page.get_by_label("组织名称或统一社会信用代码")
    box.fill("恒远机械")
    box.press("Enter")
    expect(page.get_by_role("heading", name="查询结果（1 个）")).to_be_visible()
    hit = page.locator(".hit")
    expect(hit).to_contain_text(data.uscc(1))
    expect(hit).to_contain_text("公示信息 3 条")
    hit.get_by_role("link", name=data.COMPANY).click()

    expect(page.get_by_role("heading", name=data.COMPANY, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="公示信息（3 条）")).to_be_visible()
    penalties = page.locator("section.group", has=page.get_by_role("heading", name="行政处罚信息"))
    expect(penalties.locator("tbody tr")).to_have_count(2)
    expect(penalties.locator("tr", has_text="澄利综执罚〔2026〕2号")).to_contain_text("异议中")
    expect(penalties.locator("tr", has_text="澄利综执罚〔2026〕1号")).to_contain_text("公示中")
    expect(penalties.locator("tr", has_text="澄利综执罚〔2026〕1号")).to_contain_text("2027-11-01")
    expect(page.locator("main")).not_to_contain_text("澄利综执罚〔2026〕3号")  # ended yesterday
    expect(page.locator("main")).not_to_contain_text("澄利综执罚〔2026〕4号")  # revoked
    licences = page.locator("section.group", has=page.get_by_role("heading", name="行政许可信息"))
    expect(licences).to_contain_text("澄利政服许〔2026〕1号")

    # A code typed in lower case, with the full-width space a Chinese keyboard gives.
    page.goto(f"{base}/public/")
    page.get_by_label("组织名称或统一社会信用代码").fill("\u3000" + data.uscc(2).lower())
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".hit")).to_contain_text("江阴市利港华新纺织有限公司")
    expect(page.locator(".hit")).to_contain_text("统一社会信用代码一致")

    # A person's number is not a query the portal answers, and is not echoed back.
    page.get_by_label("组织名称或统一社会信用代码").fill(data.PERSON_A)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("main")).to_contain_text("不提供按自然人证件号码查询")
    assert data.PERSON_A not in page.content()


def test_browsing_with_filters_down_to_a_person_record(
    web_page: Page, live_server: Any, world: dict[str, Any]
) -> None:
    page, base = web_page, live_server.url
    page.goto(f"{base}/public/")
    page.get_by_role("navigation", name="公示导航").get_by_role("link", name="双公示").click()
    expect(page.get_by_role("heading", name="双公示信息", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="共 7 条")).to_be_visible()

    page.get_by_label("信息类别").select_option("admin_penalty")
    page.get_by_label("数据来源单位").select_option("zhzfj")
    page.get_by_label("处罚类别 / 许可类别").select_option("罚款")
    page.get_by_label("决定日期自").fill("2026-10-01")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("heading", name="共 3 条")).to_be_visible()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("main table")).not_to_contain_text("澄利综执罚〔2026〕2号")  # 警告 only
    expect(page.locator("main table")).not_to_contain_text("澄利综执罚〔2026〕5号")  # decided in September
    expect(page.get_by_label("处罚类别 / 许可类别")).to_have_value("罚款")

    rows.filter(has_text="张三").get_by_role("link", name="查看详情").click()
    expect(page.get_by_role("heading", name="公示内容")).to_be_visible()
    expect(page.locator(".record-fields")).to_contain_text(data.PERSON_A[:4] + "**********" + data.PERSON_A[-4:])
    assert data.PERSON_A not in page.content()
    expect(page.locator("main")).to_contain_text("按规定只公示姓名和遮蔽后的证件号码")

    page.go_back()
    page.get_by_role("link", name="清除条件").click()
    expect(page.get_by_role("heading", name="共 7 条")).to_be_visible()

    # A date that does not exist is explained next to its field.
    page.get_by_label("决定日期至").fill("2026-11-01")
    page.get_by_label("决定日期自").fill("2026-11-30")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("main")).to_contain_text("截止日期不能早于起始日期")


def test_a_record_leaves_publicity_the_day_after_its_last_day(
    web_page: Page, live_server: Any, world: dict[str, Any]
) -> None:
    page, base = web_page, live_server.url
    record = data.by_number("澄利综执罚〔2026〕1号").get()
    Record.objects.filter(pk=record.pk).update(publicity_end=dt.date(2026, 11, 30))
    subject_url = f"{base}/public/subjects/{world['company'].pk}/"
    record_url = f"{base}/public/records/{record.pk}/"

    with clock.frozen("2026-11-30T23:59:00+08:00"):
        page.goto(subject_url)
        expect(page.locator(".clock-banner")).to_contain_text("2026-11-30 23:59")
        row = page.locator("tr", has_text="澄利综执罚〔2026〕1号")
        expect(row).to_contain_text("公示中")
        expect(row).to_contain_text("2026-11-30")
        row.get_by_role("link", name="查看详情").click()
        expect(page.get_by_role("heading", name="公示状态")).to_be_visible()
        expect(page.locator("main")).to_contain_text("2026年11月30日")

    with clock.frozen("2026-12-01T00:00:00+08:00"):
        page.reload()
        expect(page.get_by_role("heading", name="未找到")).to_be_visible()
        expect(page.locator("main")).to_contain_text("已不在公示期内")
        page.goto(subject_url)
        expect(page.get_by_role("heading", name="公示信息（2 条）")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("澄利综执罚〔2026〕1号")
        page.goto(f"{base}/public/records/")
        expect(page.locator("main")).not_to_contain_text("澄利综执罚〔2026〕1号")
        assert page.request.get(record_url).status == 404


def test_readable_on_a_phone(chromium_browser: Any, live_server: Any, world: dict[str, Any]) -> None:
    context = chromium_browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        base = live_server.url
        for path in ("/public/", "/public/records/", f"/public/subjects/{world['company'].pk}/", "/public/search/?q=恒远"):
            page.goto(f"{base}{path}")
            expect(page.locator("main")).to_be_visible()
            _no_horizontal_scroll(page)
        # Tables become labelled blocks: each cell says what it is.
        page.goto(f"{base}/public/records/")
        cell = page.locator("main table tbody tr").first.locator("td").first
        label = cell.evaluate("el => getComputedStyle(el, '::before').content")
        assert label == '"决定日期"'
        expect(page.locator("main table thead")).not_to_be_in_viewport()
    finally:
        context.close()
