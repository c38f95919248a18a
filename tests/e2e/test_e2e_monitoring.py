"""Monitoring in a real browser: the finance office watches its fund recipients; the credit office uploads the
court's defaulter file through the ordinary upload page; the watched recipient's alert appears, is handled, and the
check figures show the department's checks."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.lists.models import Alert, ListEntry
from xinyong.lists.services import lists_load
from xinyong.lists.tests.conftest import HENGYUAN
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _court_file(folder: Path) -> Path:
    path = folder / "失信被执行人名单（市平台推送）.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["被执行人姓名/名称", "统一社会信用代码", "执行法院", "案号", "立案时间", "发布时间",
                         "失信被执行人行为具体情形"])
        writer.writerow(["江阴市利港恒远机械有限公司", HENGYUAN, "江阴市人民法院", "（2026）苏0281执1001号",
                         "2026-06-01", "2026-09-01", "有履行能力而拒不履行生效法律文书确定义务"])
    return path


def test_a_watched_recipient_listed_by_an_uploaded_court_file_alerts_its_department(
    web_page: Page, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = IMMEDIATE
    factories.load_reference()
    lists_load()
    factories.make_user("jbr", [("handler", "czzcglj")], name="财政经办人（测试）")
    factories.make_user("xyb", [("reporter", "jjfzk")], name="信用办报送员（测试）")
    page, base = web_page, live_server.url

    sign_in(page, base, "jbr")
    page.goto(f"{base}/check/")
    page.get_by_role("link", name="关注主体与名单变动预警").click()
    page.get_by_label("关注事由").fill("2026年工业专项资金拟扶持企业")
    page.get_by_label("主体名称或统一社会信用代码").fill(HENGYUAN)
    page.get_by_role("button", name="关注").click()
    expect(page.locator("#watches")).to_contain_text(HENGYUAN)
    expect(page.locator("#alerts-empty")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, base, "xyb")
    page.goto(f"{base}/intake/upload/")
    page.get_by_label("信息类别").select_option(label="严重失信主体名单信息")
    page.locator("#id_file").set_input_files(str(_court_file(tmp_path)))
    page.get_by_role("button", name="上传并导入").click()
    outcome = page.locator("#upload-outcome")
    expect(outcome.locator('[data-status="done"]')).to_be_visible()
    expect(outcome).to_contain_text("按“执行法院”列判定为“失信被执行人名单”")
    assert ListEntry.objects.get().kind.code == "court_defaulter"

    page.context.clear_cookies()
    sign_in(page, base, "jbr")
    page.goto(f"{base}/check/watches/")
    alerts = page.locator("#alerts")
    expect(alerts).to_contain_text("新列入名单")
    expect(alerts).to_contain_text("失信被执行人名单：江阴市利港恒远机械有限公司")
    alerts.get_by_role("button", name="标记已处理").click()
    expect(page.locator("#alerts")).to_contain_text("已处理")
    assert Alert.objects.get().read_at is not None

    page.goto(f"{base}/check/")
    page.get_by_label("办理事项").select_option(label="财政资金/专项资金")
    page.get_by_label("主体名称或统一社会信用代码").fill(HENGYUAN)
    page.get_by_label("查询事由").fill("2026年工业专项资金拨付前核查")
    page.get_by_role("button", name="核查").click()
    expect(page.locator("#check-verdict")).to_contain_text("命中 1 条名单记录")
    page.goto(f"{base}/check/figures/")
    figures = page.locator("#figures")
    expect(figures).to_contain_text("财政资金/专项资金")
    expect(figures.locator("tfoot")).to_contain_text("1")
