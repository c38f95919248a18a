"""The quality dashboard in a real browser: the charts draw (vendored ECharts), the tables are beside them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DECIDED = dt.date(
    2026, 11, 2
)  # 7 working days → 2026-11-11; sent 2026-11-26 (the pinned clock): 11 days late



def test_admin_sees_a_chart_and_a_table_per_department(
    web_page: Page, live_server: Any, tmp_path: Path
) -> None:
    factories.load_reference()
    admin = factories.make_user("admin", [("credit_admin", "ligang")], unit_code="jjfzk", name="周明")
    zhzfj, hbk = factories.unit("zhzfj"), factories.unit("hbk")
    factories.good_and_bad_penalties(tmp_path, department=zhzfj, actor=admin, decided=DECIDED, tag="Q")
    factories.good_and_bad_penalties(
        tmp_path, department=hbk, actor=admin, decided=DECIDED, tag="R", with_person=False
    )
    page, base = web_page, live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    sign_in(page, base, "admin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="归集质量").click()
    expect(page.get_by_role("heading", name="2026年信息归集质量")).to_be_visible()

    summary = page.locator("#quality-summary")
    expect(summary.get_by_role("row", name="综合执法局（含安全监督科）")).to_contain_text("8")
    expect(summary).to_contain_text("环保科")

    section = page.locator(f"#dept-{zhzfj.pk}")
    chart = section.locator("[data-quality-chart]")
    expect(chart).to_have_attribute("data-rendered", "true")
    assert page.evaluate("typeof window.echarts") == "object"  # the vendored copy loaded (no CDN)
    canvas = chart.locator("canvas")
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    # Something was drawn: the canvas is not blank.
    drawn = canvas.evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }"
    )
    assert drawn > 1000
    expect(chart).to_have_attribute("aria-label", "综合执法局（含安全监督科）2026年各信息类别的报送情况柱状图。"
                                    "行政许可信息：收到0行，不合格0行，迟报工作日>5 的记录0条；"
                                    "行政处罚信息：收到3行，不合格1行，迟报工作日>5 的记录2条。")  # fmt: skip

    table = section.locator(f"#quality-{zhzfj.pk}-table")
    expect(table).to_be_visible()
    row = table.get_by_role("row", name="行政处罚信息")
    expect(row).to_contain_text("已提供")
    expect(row).to_contain_text("2026年11月（2条）")
    expect(table.get_by_role("row", name="行政许可信息")).to_contain_text("缺报")
    expect(section).to_contain_text("缺 1 类（行政许可信息），每类扣 2 分")
    expect(section).to_contain_text("迟报工作日数>5的共 2 条记录")
    expect(page.locator(f"#dept-{hbk.pk} [data-quality-chart] canvas")).to_be_visible()
    expect(page.get_by_role("heading", name="口径说明")).to_be_visible()

    page.get_by_role("spinbutton", name="年度").fill("2025")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name="2025年信息归集质量")).to_be_visible()
    expect(page.locator(f"#dept-{zhzfj.pk}")).to_contain_text("应提供的类别均未提供")

    shot = tmp_path / "quality.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == []


def test_reporter_sees_their_unit_only(web_page: Page, live_server: Any, tmp_path: Path) -> None:
    factories.load_reference()
    reporter = factories.make_user("reporter", [("reporter", "zhzfj")], name="钱立")
    other = factories.make_user("reporter_hbk", [("reporter", "hbk")], name="赵强")
    factories.good_and_bad_penalties(
        tmp_path,
        department=factories.unit("zhzfj"),
        actor=reporter,
        decided=DECIDED,
        tag="A",
        with_person=False,
    )
    factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("hbk"), actor=other, decided=DECIDED, tag="B", with_person=False
    )
    page, base = web_page, live_server.url
    sign_in(page, base, "reporter")
    page.goto(f"{base}/quality/")
    main = page.locator("main")
    expect(main).to_contain_text("仅显示您所在单位的情况")
    expect(page.locator("[data-quality-chart] canvas")).to_have_count(1)
    expect(main).to_contain_text("综合执法局（含安全监督科）")
    expect(main).not_to_contain_text("环保科")
