"""End to end in Chromium: a reviewer publishes a waiting batch from the queue; the auditor reviews a look-up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from xinyong.access.models import Lookup
from xinyong.org.services import unit_review_set
from xinyong.records.models import Record
from xinyong.subjects.models import Subject
from xinyong.subjects.services import person_lookup
from xinyong.web.tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()


def test_a_reviewer_publishes_a_waiting_batch(web_page: Page, live_server: Any, tmp_path: Path) -> None:
    factories.load_reference()
    unit_review_set(unit=factories.unit("zhzfj"), categories=["admin_penalty"], actor=None)
    reporter = factories.make_user("reporter", [("reporter", "zhzfj")])
    factories.make_user("reviewer", [("reviewer", "zhzfj")], name="孙悦")
    factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("zhzfj"), actor=reporter, decided=dt.date(2026, 11, 20)
    )
    assert not Record.objects.exists()
    page, base = web_page, live_server.url
    _sign_in(page, base, "reviewer")
    expect(page.locator("#review-notice")).to_contain_text("有 1 个报送批次等待审核后公开")
    page.get_by_role("link", name="报送审核").first.click()
    queue = page.locator("#review-queue")
    expect(queue).to_contain_text("剩 3 个工作日")
    expect(queue).to_contain_text("2026-12-01")
    queue.get_by_role("link", name="处罚信息A.csv").click()
    expect(page.locator("#staged-rows")).to_contain_text("澄利综执罚〔2026〕A1号")
    page.get_by_role("button", name="审核通过并公开").click()
    expect(page.locator(".messages")).to_contain_text("已审核通过")
    assert Record.objects.count() == 2


def test_the_auditor_questions_a_look_up(web_page: Page, live_server: Any, tmp_path: Path) -> None:
    factories.load_reference()
    reporter = factories.make_user("reporter", [("reporter", "zhzfj")])
    handler = factories.make_user("handler", [("handler", "zwfwzx")], name="李敏")
    factories.make_user("auditor", [("auditor", "ligang")], unit_code="dzb-jjk", name="郑洁")
    factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("zhzfj"), actor=reporter, decided=dt.date(2026, 11, 20)
    )
    person = Subject.objects.get(id_number=factories.person_id(17))
    person_lookup(subject=person, user=handler, purpose_code="licensing", case_reference="澄利政服受〔2026〕8号")
    page, base = web_page, live_server.url
    _sign_in(page, base, "auditor")
    page.goto(f"{base}/audit/")
    page.get_by_role("link", name="个人信息查询登记").click()
    register = page.locator("#lookup-register")
    expect(register).to_contain_text("澄利政服受〔2026〕8号")
    expect(register).to_contain_text("行政许可审查")
    expect(register).not_to_contain_text(person.id_number or "")
    register.get_by_label(f"登记 {Lookup.objects.get().pk} 的审查意见").fill("经办事项与查询人职责不符")
    register.get_by_role("button", name="存疑").click()
    expect(page.locator("#lookup-register")).to_contain_text("经办事项与查询人职责不符")
    assert Lookup.objects.get().review == "questioned"
