"""The check through the API of departmental systems, and the figures of checks, hits, outcomes and cases."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from xinyong.access.tokens import token_create
from xinyong.core import clock
from xinyong.lists.figures import check_figures
from xinyong.lists.models import CheckLog, ListEntry
from xinyong.lists.services import check_subject, outcome_record
from xinyong.lists.tests.conftest import DAFENG, HENGYUAN
from xinyong.org.models import User
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db


def _bearer(unit_code: str) -> dict[str, str]:
    raw = token_create(
        department=factories.unit(unit_code), name="公共资源交易系统", actor=None, scopes=["check", "read"]
    )[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_departmental_system_checks_a_bidder(entries: dict[str, ListEntry], handler: User) -> None:
    client = Client()
    response = client.post(
        "/api/v1/lists/check",
        data={"matter": "bidding", "purpose": "某道路工程招标资格审查", "code": HENGYUAN},
        content_type="application/json",
        **_bearer("zwfwzx"),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [h["entry_id"] for h in body["hits"]] == [entries["hengyuan"].pk]
    assert all("招标投标" in m["text"] for m in body["hits"][0]["measures"])
    log = CheckLog.objects.get(pk=body["check_id"])
    assert log.department == factories.unit("zwfwzx")
    assert log.actor is None and log.actor_label == "token:公共资源交易系统"

    wrong = client.post(
        "/api/v1/lists/check",
        data={"matter": "lottery", "purpose": "x", "code": HENGYUAN},
        content_type="application/json",
        **_bearer("zwfwzx"),
    )
    assert wrong.status_code == 422 and "未知的办理事项" in wrong.json()["message"]
    assert client.post("/api/v1/lists/check", data={}, content_type="application/json").status_code == 401


def test_figures_count_checks_hits_outcomes_and_cases(entries: dict[str, ListEntry], handler: User) -> None:
    hit = check_subject(actor=handler, matter="procurement", purpose="采购资格审查", code=HENGYUAN)
    two = check_subject(actor=handler, matter="procurement", purpose="采购资格审查", code=DAFENG)
    check_subject(actor=handler, matter="procurement", purpose="采购资格审查", name="江阴市清风电子有限公司")
    check_subject(actor=handler, matter="honours", purpose="评先评优", code=HENGYUAN)
    outcome_record(actor=handler, check_log=hit.log, entry=hit.hits[0].entry, applied=True,
                   measure=hit.hits[0].measures[0])
    assert two.hits  # answered later, or never

    figures = check_figures(year=2026)
    rows = {(r.department, r.matter): r for r in figures.rows}
    procurement = rows[(handler.unit.name, "procurement")]  # type: ignore[union-attr]
    assert (procurement.checks, procurement.checks_with_hits, procurement.hits) == (3, 2, 2)
    assert (procurement.answered, procurement.missing) == (1, 1)
    assert rows[(handler.unit.name, "honours")].checks == 1  # type: ignore[union-attr]
    assert [case["check_id"] for case in figures.typical_cases] == [hit.log.pk]
    assert figures.total.checks == 4
    assert check_figures(year=2025).rows == []
    assert check_figures(year=2026, department=factories.unit("hbk")).rows == []

    out = io.StringIO()
    with clock.frozen("2026-11-26T12:00:00+08:00"):
        call_command("lists", "figures", "--year", "2026", "--json", stdout=out)
    assert json.loads(out.getvalue())["total"]["outcomes_missing"] == figures.total.missing

    api = Client().get("/api/v1/lists/figures?year=2026", **_bearer(handler.unit.code))  # type: ignore[union-attr]
    assert api.status_code == 200 and api.json()["total"]["checks"] == 4
