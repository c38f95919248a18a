"""The page shell in a real browser: sign in, walk every section, look at what a reporter may see."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from xinyong.audit.models import AuditEvent
from xinyong.subjects.models import Subject
from xinyong.subjects.services import PERSON_VIEWED_ACTION
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DECIDED = dt.date(2026, 11, 2)


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()


def _nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label).click()


def test_credit_admin_walks_every_section(web_page: Page, live_server: Any, tmp_path: Path) -> None:
    factories.load_reference()
    admin = factories.make_user("admin", [("credit_admin", "ligang")], unit_code="jjfzk", name="周明")
    result = factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("zhzfj"), actor=admin, decided=DECIDED, tag="E", with_person=False
    )
    assert (result.rows, result.accepted, result.rejected) == (2, 1, 1)
    page, base = web_page, live_server.url

    _sign_in(page, base, "admin")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", name="信用办 · 平台概况")).to_be_visible()
    expect(page.locator(".userbox")).to_contain_text("周明")
    expect(page.locator(".userbox")).to_contain_text("信用办管理员")
    expect(page.locator("main")).to_contain_text("处罚信息E.csv")
    shot = tmp_path / "home.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    _nav(page, "组织机构")
    expect(page.get_by_role("heading", name="组织机构", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("领导小组")
    expect(page.locator("main")).to_contain_text("综合执法局")
    expect(page.locator("main")).to_contain_text("现任联络员")

    _nav(page, "信息目录")
    expect(page.get_by_role("heading", name="公共信用信息目录")).to_be_visible()
    page.get_by_role("link", name="行政处罚信息").click()
    expect(page.get_by_role("heading", name="字段（30 项）")).to_be_visible()
    expect(page.locator("main")).to_contain_text("行政处罚决定书文号")
    expect(page.locator("main")).to_contain_text("作出决定之日起 7 个工作日内")

    _nav(page, "报送批次")
    expect(page.get_by_role("heading", name="报送批次", exact=True)).to_be_visible()
    page.get_by_role("link", name="处罚信息E.csv").click()
    expect(page.get_by_role("heading", name="未通过校验的数据（1 行）")).to_be_visible()
    expect(page.locator("main")).to_contain_text("第 3 行")
    expect(page.locator("main")).to_contain_text("“违法事实”为必填项")

    _nav(page, "信用主体")
    expect(page.get_by_role("heading", name="信用主体查询")).to_be_visible()
    page.get_by_label("名称或统一社会信用代码").fill("恒远")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#subject-results")).to_contain_text("共 1 个主体")
    page.get_by_role("link", name="江阴市利港恒远机械有限公司").click()
    expect(page.get_by_role("heading", name="登记信息")).to_be_visible()
    expect(page.locator("main")).to_contain_text(factories.company_uscc(11))
    expect(page.locator("main")).to_contain_text("澄利综执罚〔2026〕E1号")

    _nav(page, "工作日历")
    expect(page.get_by_role("heading", name="2026年工作日历")).to_be_visible()
    expect(page.locator("main")).to_contain_text("国庆节")

    _nav(page, "审计日志")
    expect(page.locator("main")).to_contain_text("审计链完整")
    expect(page.locator("main")).to_contain_text("导入报送批次")


def test_person_number_shows_after_the_purpose_is_registered(
    web_page: Page, live_server: Any, tmp_path: Path
) -> None:
    factories.load_reference()
    reporter = factories.make_user("reporter", [("reporter", "zhzfj")])
    factories.make_user("handler", [("handler", "zwfwzx")], name="李敏")
    factories.good_and_bad_penalties(tmp_path, department=factories.unit("zhzfj"), actor=reporter, decided=DECIDED)
    number = factories.person_id(17)
    person = Subject.objects.get(id_number=number)
    page, base = web_page, live_server.url

    _sign_in(page, base, "handler")
    page.goto(f"{base}/subjects/?q=张三")
    results = page.locator("#subject-results")
    expect(results).to_contain_text(number[:4] + "**********" + number[-4:])
    expect(results).not_to_contain_text(number)
    results.get_by_role("link", name="张三").click()
    expect(page.locator("#person-identifier")).to_contain_text("已脱敏")
    assert page.evaluate("typeof window.htmx") == "object"  # the vendored htmx loaded (no CDN)
    url = page.url
    page.get_by_role("button", name="登记事由并查看完整号码").click()
    expect(page.locator("#id_purpose")).to_have_attribute("required", "")  # the browser refuses an empty form
    page.get_by_label("查询事由").select_option(label="行政许可审查")
    page.get_by_label("案件或事项编号").fill("澄利政服受〔2026〕8号")
    page.get_by_role("button", name="登记事由并查看完整号码").click()
    expect(page.locator("#person-identifier")).to_contain_text(number)
    expect(page.locator("#person-identifier")).to_contain_text("本次查询已登记")
    expect(page.locator("#person-identifier")).to_contain_text("行政许可审查")
    assert page.url == url  # swapped in place by htmx, not a full-page post
    event = AuditEvent.objects.get(action=PERSON_VIEWED_ACTION, object_id=str(person.pk))
    assert (event.after["purpose_code"], event.after["case_reference"]) == ("licensing", "澄利政服受〔2026〕8号")


def test_reporter_sees_only_their_unit(web_page: Page, live_server: Any, tmp_path: Path) -> None:
    factories.load_reference()
    mine = factories.make_user("reporter", [("reporter", "zhzfj")], name="钱立")
    other = factories.make_user("reporter_hbk", [("reporter", "hbk")], name="赵强")
    factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("zhzfj"), actor=mine, decided=DECIDED, tag="A", with_person=False
    )
    theirs = factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("hbk"), actor=other, decided=DECIDED, tag="B", with_person=False
    )
    page, base = web_page, live_server.url

    _sign_in(page, base, "reporter")
    expect(page.locator(".userbox")).to_contain_text("综合执法局")
    expect(page.get_by_role("heading", name="本部门报送情况（综合执法局）")).to_be_visible()
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="报送批次")).to_be_visible()
    expect(nav.get_by_role("link", name="审计日志")).to_have_count(0)
    expect(nav.get_by_role("link", name="信用主体")).to_have_count(0)

    _nav(page, "报送批次")
    main = page.locator("main")
    expect(main).to_contain_text("处罚信息A.csv")
    expect(main).not_to_contain_text("处罚信息B.csv")
    options = page.get_by_label("报送部门").locator("option")
    expect(options).to_have_count(2)  # 全部部门 and their own unit
    expect(options.nth(1)).to_have_text("综合执法局（含安全监督科）")

    page.goto(f"{base}/batches/{theirs.batch}/")
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    expect(page.locator("main")).to_contain_text("您只能查看本单位的报送批次")
