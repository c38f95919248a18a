"""Red and black lists in public view: organisations on a list now, on the list page, the subject page and the API;
an entry leaves public view the moment it leaves its list; persons on a list are not shown."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import pytest
from django.test import Client

from xinyong.core import clock
from xinyong.lists.models import ListEntry
from xinyong.lists.services import entry_exit, entry_publish, entry_recognise, lists_load
from xinyong.portal.tests import data
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.django_db


def _listed(kind: str, name: str, *, uscc: str = "", person_id: str = "", published: bool = True) -> ListEntry:
    entry = entry_recognise(actor=None, kind=kind, name=name, uscc=uscc, person_id=person_id,
                            decision_document=f"认定〔2026〕{zlib.crc32(name.encode()) % 900 + 100}号",
                            notice_date=dt.date(2026, 3, 1))
    return entry_publish(actor=None, entry=entry, published_on=dt.date(2026, 4, 1)) if published else entry


@pytest.fixture
def listed(reference: None) -> dict[str, Any]:
    lists_load()
    company = data.organisations(["江阴市利港恒远机械有限公司"])[0]
    return {
        "company": company,
        "black": _listed("court_defaulter", company.name, uscc=str(company.uscc)),
        "red": _listed("tax_grade_a", "江阴兴达纺织有限公司", uscc=data.uscc(2)),
        "pending": _listed("work_safety", "江阴澄安建设工程有限公司", uscc=data.uscc(3), published=False),
        "person": _listed("court_defaulter", "张三", person_id=data.PERSON_A),
    }


def test_the_list_page_shows_organisations_on_a_list_now(client: Client, listed: dict[str, Any]) -> None:
    body = client.get("/public/lists/").content.decode()
    assert "江阴市利港恒远机械有限公司" in body and "江阴兴达纺织有限公司" in body
    assert "江阴澄安建设工程有限公司" not in body  # recognised, not yet published
    assert "张三" not in body and data.PERSON_A not in body  # no persons in public lists
    assert f'href="/public/subjects/{listed["company"].pk}/"' in body
    red_only = client.get("/public/lists/?kind=red").content.decode()
    assert "江阴兴达纺织有限公司" in red_only and "江阴市利港恒远机械有限公司" not in red_only
    assert "共 1 条" in client.get("/public/lists/?q=恒远").content.decode()

    subject_page = client.get(f"/public/subjects/{listed['company'].pk}/").content.decode()
    assert "失信被执行人名单" in subject_page and listed["black"].decision_document in subject_page

    with clock.frozen("2026-11-26T15:00:00+08:00"):
        entry_exit(actor=None, entry=listed["black"], reason="performance", note="已全部履行")
        assert "江阴市利港恒远机械有限公司" not in client.get("/public/lists/").content.decode()
        assert "失信被执行人名单" not in client.get(f"/public/subjects/{listed['company'].pk}/").content.decode()


def test_an_entry_past_its_planned_exit_leaves_public_view_that_day(client: Client, listed: dict[str, Any]) -> None:
    exit_day = listed["black"].planned_exit
    assert exit_day == dt.date(2028, 4, 1)
    with clock.frozen("2028-03-31T23:00:00+08:00"):
        assert "江阴市利港恒远机械有限公司" in client.get("/public/lists/").content.decode()
    with clock.frozen("2028-04-01T00:30:00+08:00"):
        assert "江阴市利港恒远机械有限公司" not in client.get("/public/lists/").content.decode()


def test_the_api_lists_and_the_subject_lists(client: Client, listed: dict[str, Any]) -> None:
    body = client.get("/api/v1/public/lists?list=black").json()
    assert [e["name"] for e in body["results"]] == ["江阴市利港恒远机械有限公司"]
    assert body["results"][0]["list"] == "court_defaulter"
    company: Subject = listed["company"]
    subject = client.get(f"/api/v1/public/subjects/{company.uscc}").json()
    assert [e["list_name"] for e in subject["lists"]] == ["失信被执行人名单"]
    assert client.get("/api/v1/public/lists?page=51").status_code in (400, 422)
