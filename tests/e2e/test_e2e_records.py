"""撤销 in a real browser: from the batch to the record, a refused attempt without confirmation, then the revocation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in
from xinyong.audit.models import AuditEvent
from xinyong.records.models import Record, RecordStatus
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DECIDED = dt.date(2026, 11, 2)



def test_a_reviewer_revokes_a_record_in_the_browser(web_page: Page, live_server: Any, tmp_path: Path) -> None:
    factories.load_reference()
    reporter = factories.make_user("reporter", [("reporter", "zhzfj")], name="钱立")
    factories.make_user("reviewer", [("reviewer", "zhzfj")], name="孙悦")
    result = factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("zhzfj"), actor=reporter, decided=DECIDED, tag="R"
    )
    record = Record.objects.get(key__startswith="澄利综执罚〔2026〕R1号")
    page, base = web_page, live_server.url
    sign_in(page, base, "reviewer")

    page.goto(f"{base}/batches/{result.batch}/")
    page.get_by_role("link", name="查看本批次新增或更新的信用记录").click()
    expect(page.get_by_role("heading", name=f"批次 {result.batch} 新增或更新的信用记录")).to_be_visible()
    page.get_by_role("link", name="澄利综执罚〔2026〕R1号").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("澄利综执罚〔2026〕R1号")
    main = page.locator("main")
    expect(main).to_contain_text("江阴市利港恒远机械有限公司")
    expect(main).to_contain_text("行政处罚决定书文号")
    expect(main).to_contain_text("超期 11 个工作日")
    expect(page.locator(".record-status")).to_contain_text("有效")

    # The browser asks for the confirmation first; the server would refuse without it too.
    page.get_by_label("撤销原因").fill("行政复议决定撤销原处罚决定")
    page.get_by_role("button", name="撤销该记录").click()
    assert page.evaluate("document.getElementById('id_confirm').validity.valueMissing")
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE

    page.get_by_label("我已核实").check()
    page.get_by_role("button", name="撤销该记录").click()
    expect(page.locator(".messages")).to_contain_text("已撤销，不再使用或公示")
    expect(page.locator("#record-status")).to_have_text("已撤销")
    revocation = page.locator("#revocation")
    expect(revocation).to_contain_text("撤销原因：行政复议决定撤销原处罚决定")
    expect(revocation).to_contain_text("撤销人：孙悦")
    expect(page.locator("#revoke-form")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("撤销信用记录")  # the record's own history

    record.refresh_from_db()
    assert (record.status, record.status_reason) == (RecordStatus.REVOKED, "行政复议决定撤销原处罚决定")
    assert AuditEvent.objects.get(action="records.revoked").actor_label == "user:reviewer"

    # The subject page lists the record as revoked and leads back to it.
    page.get_by_role("link", name="江阴市利港恒远机械有限公司").click()
    expect(page.locator("main")).to_contain_text("已撤销")
    page.get_by_role("link", name="澄利综执罚〔2026〕R1号").click()
    expect(page.locator("#revocation")).to_be_visible()
