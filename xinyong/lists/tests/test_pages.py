"""The check pages: a handling officer checks, records outcomes, dismisses; batch check with .xlsx download."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from xinyong.lists.models import CheckLog, CheckOutcome, Dismissal, ListEntry
from xinyong.lists.tests.conftest import HENGYUAN
from xinyong.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client: Client, handler: User, entries: dict[str, ListEntry]) -> Client:
    client.force_login(handler)
    return client


def test_the_section_is_for_handlers_and_shows_in_their_navigation(officer: Client, db: None) -> None:
    page = officer.get(reverse("lists:check"))
    assert page.status_code == 200
    assert "联合奖惩核查" in page.content.decode()
    from xinyong.web.tests import factories

    reporter = factories.make_user("reporter", [("reporter", "zhzfj")])
    officer.force_login(reporter)
    assert officer.get(reverse("lists:check")).status_code == 403


def test_single_check_then_outcome(officer: Client, entries: dict[str, ListEntry], handler: User) -> None:
    response = officer.post(
        reverse("lists:check"), {"matter": "procurement", "purpose": "办公设备采购", "query": HENGYUAN}
    )
    log = CheckLog.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "lists:check_result", args=[log.pk]
    )
    page = officer.get(response["Location"]).content.decode()
    assert "命中 1 条名单记录" in page
    assert "限制失信被执行人作为供应商参加政府采购活动" in page
    assert "发改财金〔2016〕141号" in page
    measure_id = log.hits and entries["hengyuan"].kind.memoranda.get().measures.get(code="procurement").pk
    # Not applied without a reason is refused, with the message on the page.
    refused = officer.post(
        reverse("lists:check_outcome", args=[log.pk]),
        {"entry": entries["hengyuan"].pk, "measure": measure_id, "applied": "no", "reason": ""},
    )
    assert refused.status_code == 400 and "请填写未实施措施的理由" in refused.content.decode()
    done = officer.post(
        reverse("lists:check_outcome", args=[log.pk]),
        {"entry": entries["hengyuan"].pk, "measure": measure_id, "applied": "yes"},
    )
    assert done.status_code == 302
    outcome = CheckOutcome.objects.get()
    assert (outcome.applied, outcome.actor, outcome.measure_id) == (True, handler, measure_id)
    assert "已实施" in officer.get(done["Location"]).content.decode()


def test_a_miss_says_so(officer: Client) -> None:
    response = officer.post(
        reverse("lists:check"),
        {"matter": "honours", "purpose": "先进集体评选", "query": "江阴市清风电子有限公司"},
        follow=True,
    )
    assert "未命中红黑名单" in response.content.decode()


def test_dismissal_from_the_page(officer: Client, entries: dict[str, ListEntry]) -> None:
    data = {"matter": "bidding", "purpose": "招标", "query": "利港恒远机械有限责任公司"}
    officer.post(reverse("lists:check"), data)
    log = CheckLog.objects.get()
    response = officer.post(
        reverse("lists:check_dismiss", args=[log.pk]),
        {"entry": entries["hengyuan"].pk, "reason": "住所和法定代表人均不同"},
    )
    assert response.status_code == 302 and Dismissal.objects.exists()
    again = officer.post(reverse("lists:check"), data, follow=True)
    assert "未命中红黑名单" in again.content.decode()


def test_another_officer_cannot_read_my_check(officer: Client, entries: dict[str, ListEntry]) -> None:
    officer.post(reverse("lists:check"), {"matter": "bidding", "purpose": "招标", "query": HENGYUAN})
    log = CheckLog.objects.get()
    from xinyong.web.tests import factories

    officer.force_login(factories.make_user("handler2", [("handler", "zwfwzx")]))
    assert officer.get(reverse("lists:check_result", args=[log.pk])).status_code == 403


def test_batch_check_with_xlsx_download(officer: Client, entries: dict[str, ListEntry]) -> None:
    content = "名称,统一社会信用代码\n利港恒远机械有限责任公司,\n江阴市清风电子有限公司,\n".encode(
        "utf-8-sig"
    )
    response = officer.post(
        reverse("lists:batch"),
        {
            "matter": "procurement",
            "purpose": "2026年度采购供应商审查",
            "file": SimpleUploadedFile("bidders.csv", content),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = officer.get(response["Location"]).content.decode()
    assert "共 2 个主体" in page and 'id="batch-hits">1<' in page
    ref = CheckLog.objects.first().batch_ref  # type: ignore[union-attr]
    download = officer.get(reverse("lists:batch_xlsx", args=[ref]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]  # type: ignore[union-attr]
    assert [r[3] for r in rows[1:]] == ["命中", "未命中"]


def test_a_check_of_a_person_shows_the_number_masked(officer: Client) -> None:
    import datetime as dt

    from xinyong.core.identifiers import make_resident_id
    from xinyong.lists.tests.conftest import listed

    number = make_resident_id("320281", dt.date(1975, 3, 9), 17)
    listed("court_defaulter", "王某某", person_id=number)
    response = officer.post(
        reverse("lists:check"), {"matter": "honours", "purpose": "先进个人评选", "query": number}, follow=True
    )
    result = response.content.decode()
    assert "命中 1 条名单记录" in result
    assert number not in result and f"核查结果：{number[:4]}**********{number[-4:]}" in result
    listing = officer.get(reverse("lists:check")).content.decode()
    assert number not in listing and f"{number[:4]}**********{number[-4:]}" in listing
    # A USCC is no personal data: shown whole.
    by_code = officer.post(
        reverse("lists:check"), {"matter": "honours", "purpose": "先进集体评选", "query": HENGYUAN}, follow=True
    )
    assert f"核查结果：{HENGYUAN}" in by_code.content.decode()
