"""The public pages: no login, only what `published_records` allows, masked, Chinese, constant in queries."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xinyong.core import clock
from xinyong.portal.selectors import PAGE_SIZE
from xinyong.portal.tests import data
from xinyong.records.models import Record

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(officer: Any, tmp_path: Path) -> dict[str, Any]:
    return data.world(tmp_path, officer)


def _text(response: Any) -> str:
    return response.content.decode()


def _record(number: str) -> Record:
    return data.by_number(number).get()


def test_home_needs_no_login_and_counts_records_in_public_view(client: Client, world: dict[str, Any]) -> None:
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    html = _text(response)
    assert '<html lang="zh-CN">' in html
    assert "信用信息公示" in html and 'role="search"' in html
    # Penalties 1, 2, 5, 6, 7 and licences 1, 2 are public; 3 ended yesterday and 4 was revoked.
    assert re.search(r"行政处罚信息</h3>\s*<p class=\"stat-figure\"><span class=\"figure\">5</span>", html)
    assert re.search(r"行政许可信息</h3>\s*<p class=\"stat-figure\"><span class=\"figure\">2</span>", html)
    assert "澄利综执罚〔2026〕3号" not in html and "澄利综执罚〔2026〕4号" not in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_search_page_lists_organisations_with_their_publicity(client: Client, world: dict[str, Any]) -> None:
    html = _text(client.get(reverse("portal:search"), {"q": "恒远机械"}))
    assert data.COMPANY in html and "名称包含" in html and "公示信息 3 条" in html
    empty = _text(client.get(reverse("portal:search"), {"q": "宏盛建材"}))
    assert "江阴市利港宏盛建材有限公司" in empty and "暂无公示信息" in empty
    assert "张记五金店" not in _text(client.get(reverse("portal:search"), {"q": "张记五金"}))


def test_subject_page_groups_published_records_by_category(client: Client, world: dict[str, Any]) -> None:
    response = client.get(reverse("portal:subject", args=[world["company"].pk]))
    assert response.status_code == 200
    html = _text(response)
    assert data.COMPANY in html and data.uscc(1) in html
    assert "公示信息（3 条）" in html
    assert html.index("行政许可信息") < html.index("行政处罚信息")
    for shown in ("澄利综执罚〔2026〕1号", "澄利综执罚〔2026〕2号", "澄利政服许〔2026〕1号"):
        assert shown in html
    for hidden in ("澄利综执罚〔2026〕3号", "澄利综执罚〔2026〕4号"):
        assert hidden not in html
    assert "异议中" in html and "公示中" in html and "2027-11-01" in html


def test_an_organisation_without_published_records_shows_none(client: Client, world: dict[str, Any]) -> None:
    html = _text(client.get(reverse("portal:subject", args=[world["empty"].pk])))
    assert "暂无公示信息" in html


@pytest.mark.parametrize("who", ["person_a", "business"])
def test_natural_persons_have_no_subject_page(client: Client, world: dict[str, Any], who: str) -> None:
    response = client.get(reverse("portal:subject", args=[world[who].pk]))
    assert response.status_code == 404
    assert world[who].name not in _text(response)


def test_record_page_of_a_person_shows_the_name_and_the_masked_number(client: Client, world: dict[str, Any]) -> None:
    html = _text(client.get(reverse("portal:record", args=[_record("澄利综执罚〔2026〕6号").pk])))
    assert "张三" in html and "3202**********0174" in html
    assert data.PERSON_A not in html
    assert "按规定只公示姓名和遮蔽后的证件号码" in html
    assert reverse("portal:subject", args=[world["person_a"].pk]) not in html


def test_record_page_masks_the_legal_representative_and_numbers_in_text(
    client: Client, world: dict[str, Any]
) -> None:
    html = _text(client.get(reverse("portal:record", args=[_record("澄利综执罚〔2026〕5号").pk])))
    assert "法定代表人证件号码" in html
    for number in (data.LEGAL_REP, data.IN_TEXT, data.IN_TEXT.lower()):
        assert number not in html
    assert data.LEGAL_REP[:4] + "*" * 10 + data.LEGAL_REP[-4:] in html
    assert "身份证号" + data.IN_TEXT[:4] + "*" * 10 in html
    assert reverse("portal:subject", args=[world["textile"].pk]) in html


@pytest.mark.parametrize("number", ["澄利综执罚〔2026〕3号", "澄利综执罚〔2026〕4号"])
def test_records_out_of_public_view_answer_404(client: Client, world: dict[str, Any], number: str) -> None:
    response = client.get(reverse("portal:record", args=[_record(number).pk]))
    assert response.status_code == 404
    assert "已不在公示期内" in _text(response)


def test_a_record_is_public_on_its_last_day_and_gone_the_day_after(client: Client, world: dict[str, Any]) -> None:
    record = _record("澄利综执罚〔2026〕1号")
    last = dt.date(2027, 3, 31)
    data.publish(Record.objects.filter(pk=record.pk), end=last)
    company_page = reverse("portal:subject", args=[world["company"].pk])
    with clock.frozen("2027-03-31T23:59:00+08:00"):
        assert client.get(reverse("portal:record", args=[record.pk])).status_code == 200
        assert "澄利综执罚〔2026〕1号" in _text(client.get(company_page))
        assert "澄利综执罚〔2026〕1号" in _text(client.get(reverse("portal:records")))
    with clock.frozen("2027-04-01T00:00:00+08:00"):
        assert client.get(reverse("portal:record", args=[record.pk])).status_code == 404
        assert "澄利综执罚〔2026〕1号" not in _text(client.get(company_page))
        assert "澄利综执罚〔2026〕1号" not in _text(client.get(reverse("portal:records")))


def _numbers(html: str) -> set[str]:
    return set(re.findall(r"澄利(?:综执罚|政服许)〔2026〕\d+号", html))


def test_browse_filters_by_category_department_kind_and_date(client: Client, world: dict[str, Any]) -> None:
    url = reverse("portal:records")
    everything = _numbers(_text(client.get(url)))
    assert everything == {
        "澄利综执罚〔2026〕1号", "澄利综执罚〔2026〕2号", "澄利综执罚〔2026〕5号", "澄利综执罚〔2026〕6号",
        "澄利综执罚〔2026〕7号", "澄利政服许〔2026〕1号", "澄利政服许〔2026〕2号",
    }
    assert _numbers(_text(client.get(url, {"category": "admin_license"}))) == {
        "澄利政服许〔2026〕1号", "澄利政服许〔2026〕2号",
    }
    assert _numbers(_text(client.get(url, {"department": "zwfwzx"}))) == {
        "澄利政服许〔2026〕1号", "澄利政服许〔2026〕2号",
    }
    # 处罚类别 is a multiple choice: 2 carries only 警告, 6 only 罚款, the others both.
    assert "澄利综执罚〔2026〕2号" not in _numbers(_text(client.get(url, {"kind": "罚款"})))
    assert _numbers(_text(client.get(url, {"category": "admin_penalty", "kind": "警告"}))) == {
        "澄利综执罚〔2026〕1号", "澄利综执罚〔2026〕2号", "澄利综执罚〔2026〕5号", "澄利综执罚〔2026〕7号",
    }
    assert _numbers(_text(client.get(url, {"kind": "特许"}))) == {"澄利政服许〔2026〕2号"}
    assert _numbers(_text(client.get(url, {"date_to": "2026-10-01"}))) == {"澄利综执罚〔2026〕5号"}
    assert _numbers(_text(client.get(url, {"date_from": "2026-10-01", "category": "admin_penalty"}))) == {
        "澄利综执罚〔2026〕1号", "澄利综执罚〔2026〕2号", "澄利综执罚〔2026〕6号", "澄利综执罚〔2026〕7号",
    }


def test_browse_explains_a_bad_date_and_keeps_the_other_filters(client: Client, world: dict[str, Any]) -> None:
    response = client.get(reverse("portal:records"), {"date_from": "2026-02-30", "category": "admin_license"})
    html = _text(response)
    assert response.status_code == 200
    assert "请填写有效的日期" in html and 'aria-invalid="true"' in html
    assert _numbers(html) == {"澄利政服许〔2026〕1号", "澄利政服许〔2026〕2号"}
    reversed_range = _text(client.get(reverse("portal:records"), {"date_from": "2026-11-30", "date_to": "2026-11-01"}))
    assert "截止日期不能早于起始日期" in reversed_range


def test_browse_pages_are_capped(client: Client, officer: Any, tmp_path: Path) -> None:
    unit = data.factories.unit("zhzfj")
    rows = [
        data.penalty(number=f"澄利综执罚〔2026〕{n}号", authority=unit, name=data.COMPANY, code=data.uscc(1))
        for n in range(100, 100 + PAGE_SIZE * 2 + 3)
    ]
    data.import_rows(tmp_path, category="admin_penalty", department=unit, actor=officer, rows=rows, name="多.csv")
    data.publish(Record.objects.all())
    html = _text(client.get(reverse("portal:records"), {"page": "3"}))
    assert "共 43 条" in html and "第 3 / 3 页" in html and len(_numbers(html)) == 3
    assert "第 3 / 3 页" in _text(client.get(reverse("portal:records"), {"page": "99"}))
    assert "第 1 / 3 页" in _text(client.get(reverse("portal:records"), {"page": "x"}))


def test_pages_take_a_constant_number_of_queries(
    client: Client, officer: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    zhzfj, zwfwzx = data.factories.unit("zhzfj"), data.factories.unit("zwfwzx")
    penalties = [
        data.penalty(number=f"澄利综执罚〔2026〕{n}号", authority=zhzfj, name=data.COMPANY, code=data.uscc(1))
        for n in range(30)
    ] + [
        data.penalty(number=f"澄利综执罚〔2026〕{n}号", authority=zhzfj, name=f"张{n}", person=data.person_id(n))
        for n in range(30, 50)
    ]
    licences = [
        data.licence(number=f"澄利政服许〔2026〕{n}号", authority=zwfwzx, name=data.COMPANY, code=data.uscc(1))
        for n in range(25)
    ]
    data.import_rows(tmp_path, category="admin_penalty", department=zhzfj, actor=officer, rows=penalties, name="p.csv")
    data.import_rows(tmp_path, category="admin_license", department=zwfwzx, actor=officer, rows=licences, name="l.csv")
    data.publish(Record.objects.all())
    company = data.by_number("澄利综执罚〔2026〕1号").get().subject
    person_record = data.by_number("澄利综执罚〔2026〕31号").get()
    pages = [
        reverse("portal:home"),
        reverse("portal:search") + "?q=恒远机械",
        reverse("portal:subject", args=[company.pk]),
        reverse("portal:records"),
        reverse("portal:records") + "?kind=罚款&category=admin_penalty&department=zhzfj&date_from=2026-01-01",
        reverse("portal:record", args=[person_record.pk]),
    ]
    for url in pages:
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200, url
    assert "公示信息（55 条）" in _text(client.get(reverse("portal:subject", args=[company.pk])))


def test_the_login_page_links_to_the_portal(client: Client, reference: None) -> None:
    assert reverse("portal:home") in _text(client.get(reverse("web:login")))
    html = _text(client.get(reverse("portal:home")))
    assert reverse("web:login") in html and reverse("api:openapi-view") in html


def test_the_pages_use_only_local_assets(client: Client, world: dict[str, Any]) -> None:
    html = _text(client.get(reverse("portal:home")))
    assets = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert assets and all(a.startswith("/") or a.startswith("?") or a.startswith("#") for a in assets), assets
    assert "<script" not in html and "style=" not in html
