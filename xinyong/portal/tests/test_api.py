"""The open API under /api/v1/public/: the public view without a token, the logged internal view with one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from xinyong.access.tokens import token_create, token_revoke
from xinyong.audit.models import AuditEvent
from xinyong.portal.services import INTERNAL_LOOKUP_ACTION
from xinyong.portal.tests import data
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

BASE = "/api/v1/public"


@pytest.fixture
def world(officer: Any, tmp_path: Path) -> dict[str, Any]:
    return data.world(tmp_path, officer)


@pytest.fixture
def token(world: dict[str, Any]) -> str:
    _, raw = token_create(
        department=factories.unit("zwfwzx"), name="行政审批系统", actor=None, scopes=["read", "lookup"]
    )
    return raw


@pytest.fixture
def upload_token(world: dict[str, Any]) -> str:
    """A token with the default scopes: submit and read its department's own data, never persons."""
    _, raw = token_create(department=factories.unit("zwfwzx"), name="审批报送接口", actor=None)
    return raw


def test_ping(client: Client, db: None) -> None:
    response = client.get(f"{BASE}/ping")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_search_by_name_and_by_code(client: Client, world: dict[str, Any]) -> None:
    body = client.get(f"{BASE}/search", {"q": "恒远机械"}).json()
    assert body["total"] == 1 and body["mode"] == "name"
    [hit] = body["results"]
    assert hit["uscc"] == data.uscc(1) and hit["match"] == "contains" and hit["published_records"] == 3
    assert hit["links"] == {"api": f"{BASE}/subjects/{data.uscc(1)}", "page": f"/public/subjects/{hit['id']}/"}
    by_code = client.get(f"{BASE}/search", {"q": data.uscc(1).lower()}).json()
    assert [r["match"] for r in by_code["results"]] == ["code"]


def test_search_refuses_person_numbers_and_bounds_its_pages(client: Client, world: dict[str, Any]) -> None:
    refused = client.get(f"{BASE}/search", {"q": data.PERSON_A})
    assert refused.status_code == 200 and refused.json()["results"] == []
    assert data.PERSON_A not in refused.content.decode()
    too_far = client.get(f"{BASE}/search", {"q": "恒远机械", "page": 51})
    assert too_far.status_code == 400 and too_far.json()["code"] == "E_BAD_REQUEST"
    assert client.get(f"{BASE}/search", {"q": "恒远机械", "page": 2}).json()["results"] == []
    assert client.get(f"{BASE}/search").status_code == 400


def test_subject_shows_its_published_records(client: Client, world: dict[str, Any]) -> None:
    body = client.get(f"{BASE}/subjects/{data.uscc(1).lower()}").json()
    assert body["view"] == "public" and body["name"] == data.COMPANY and body["total"] == 3
    assert {c["code"]: c["total"] for c in body["categories"]} == {"admin_license": 1, "admin_penalty": 2}
    numbers = {r["document_number"]: r["publicity"]["state"] for r in body["records"]}
    assert numbers == {"澄利综执罚〔2026〕1号": "public", "澄利综执罚〔2026〕2号": "objection", "澄利政服许〔2026〕1号": "public"}
    assert body["internal_records"] is None and body["id_number"] is None
    penalty = next(r for r in body["records"] if r["document_number"] == "澄利综执罚〔2026〕1号")
    assert penalty["publicity"]["end"] == "2027-11-01" and penalty["kind"] == "警告、罚款"
    assert {"code": "CF_WSH", "name": "行政处罚决定书文号", "value": "澄利综执罚〔2026〕1号"} in penalty["fields"]


@pytest.mark.parametrize("code", [data.PERSON_A, data.OPERATOR, "91320281MA1XXXXXX1"])
def test_subject_by_a_person_number_or_unknown_code_is_not_found(
    client: Client, world: dict[str, Any], code: str
) -> None:
    response = client.get(f"{BASE}/subjects/{code}")
    assert response.status_code == 404 and response.json()["code"] == "E_NOT_FOUND"
    assert code not in response.content.decode()


def test_records_filter_and_page(client: Client, world: dict[str, Any]) -> None:
    body = client.get(f"{BASE}/records", {"category": "admin_penalty", "kind": "罚款", "page_size": 2}).json()
    assert (body["total"], body["pages"], body["page_size"], len(body["results"])) == (4, 2, 2, 2)
    assert all("罚款" in r["kind"] for r in body["results"])
    dated = client.get(f"{BASE}/records", {"from": "2026-09-01", "to": "2026-10-01"}).json()
    assert [r["document_number"] for r in dated["results"]] == ["澄利综执罚〔2026〕5号"]
    by_unit = client.get(f"{BASE}/records", {"department": "zwfwzx"}).json()
    assert {r["category"] for r in by_unit["results"]} == {"admin_license"} and by_unit["total"] == 2
    person = client.get(f"{BASE}/records", {"kind": "特许"}).json()["results"][0]
    assert person["party_is_person"] and person["party_name"] == "李四"
    assert {"code": "XK_ZJHM", "name": "证件号码", "value": data.PERSON_B[:4] + "*" * 10 + data.PERSON_B[-4:]} in person[
        "fields"
    ]


@pytest.mark.parametrize(
    "params",
    [{"page_size": 101}, {"page_size": 0}, {"page": 101, "page_size": 100}, {"from": "2026-13-01"},
     {"from": "2026-11-02", "to": "2026-11-01"}],
)
def test_records_refuse_unbounded_or_wrong_requests(client: Client, world: dict[str, Any], params: dict[str, Any]) -> None:
    response = client.get(f"{BASE}/records", params)
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message"}


def test_one_record_and_one_out_of_view(client: Client, world: dict[str, Any]) -> None:
    shown = data.by_number("澄利综执罚〔2026〕6号").get()
    body = client.get(f"{BASE}/records/{shown.pk}").json()
    assert body["party_name"] == "张三" and data.PERSON_A not in str(body)
    ended = data.by_number("澄利综执罚〔2026〕3号").get()
    assert client.get(f"{BASE}/records/{ended.pk}").status_code == 404


def test_a_token_with_a_purpose_sees_everything_and_the_look_is_logged(
    client: Client, world: dict[str, Any], token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    lawful = {"purpose": "licensing", "case_reference": "澄利政服受〔2026〕8号"}
    response = client.get(f"{BASE}/subjects/{data.PERSON_A}", lawful, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["view"] == "internal" and body["id_number"] == data.PERSON_A and body["name"] == "张三"
    [record] = body["internal_records"]
    assert {"code": "CF_ZJHM", "name": "证件号码", "value": data.PERSON_A} in record["fields"]
    company = client.get(
        f"{BASE}/subjects/{data.uscc(1)}", {"purpose": "procurement", "case_reference": "JYCG-2026-17"},
        headers=headers,
    ).json()
    states = [(r["status"], r["in_public_view"]) for r in company["internal_records"]]
    assert company["total"] == 5 and sorted(states) == [
        ("active", False), ("active", True), ("active", True), ("active", True), ("revoked", False),
    ]
    events = list(AuditEvent.objects.filter(action=INTERNAL_LOOKUP_ACTION).order_by("seq"))
    assert [e.object_id for e in events] == [str(world["person_a"].pk), str(world["company"].pk)]
    assert events[0].actor_label == "token:行政审批系统"
    assert (events[0].after["purpose"], events[0].after["case_reference"]) == ("行政许可审查", "澄利政服受〔2026〕8号")
    assert events[0].after["unit"] == "zwfwzx"
    assert data.PERSON_A not in events[0].summary
    from xinyong.access.models import Lookup

    registered = list(Lookup.objects.order_by("id"))
    assert [(r.channel, r.purpose_code, r.unit.code) for r in registered] == [
        ("api", "licensing", "zwfwzx"), ("api", "procurement", "zwfwzx"),
    ]
    assert data.PERSON_A not in registered[0].subject_code_masked


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"purpose": "  ", "case_reference": "A-1"}, "E_REQUIRED"),
        ({"purpose": "行政许可受理前信用核查", "case_reference": "A-1"}, "E_BAD_CHOICE"),
        ({"purpose": "licensing"}, "E_REQUIRED"),
        ({"purpose": "licensing", "case_reference": "x"}, "E_REQUIRED"),
    ],
)
def test_a_look_up_without_a_lawful_purpose_and_a_case_is_refused_and_nothing_is_logged(
    client: Client, world: dict[str, Any], token: str, query: dict[str, str], code: str
) -> None:
    response = client.get(f"{BASE}/subjects/{data.PERSON_A}", query, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.json()["code"] == code
    assert data.PERSON_A not in response.content.decode()
    assert not AuditEvent.objects.filter(action=INTERNAL_LOOKUP_ACTION).exists()


def test_an_upload_token_cannot_reveal_persons(client: Client, world: dict[str, Any], upload_token: str) -> None:
    response = client.get(
        f"{BASE}/subjects/{data.PERSON_A}", {"purpose": "licensing", "case_reference": "澄利政服受〔2026〕8号"},
        headers={"Authorization": f"Bearer {upload_token}"},
    )
    assert response.status_code == 403 and response.json()["code"] == "E_FORBIDDEN"
    assert "查询主体内部信息" in response.json()["message"]
    assert data.PERSON_A not in response.content.decode()
    assert not AuditEvent.objects.filter(action=INTERNAL_LOOKUP_ACTION).exists()


def test_a_bad_or_revoked_token_is_refused_not_ignored(client: Client, world: dict[str, Any], token: str) -> None:
    bad = client.get(f"{BASE}/subjects/{data.uscc(1)}", {"purpose": "核查"}, headers={"Authorization": "Bearer xy_nope"})
    assert bad.status_code == 401 and bad.json()["code"] == "E_UNAUTHORIZED"
    from xinyong.access.models import ApiToken

    token_revoke(token=ApiToken.objects.get(), actor=None)
    revoked = client.get(f"{BASE}/subjects/{data.uscc(1)}", {"purpose": "核查"}, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    assert not AuditEvent.objects.filter(action=INTERNAL_LOOKUP_ACTION).exists()


def test_openapi_describes_the_public_api(client: Client, db: None) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/v1/public/ping", "/api/v1/public/search", "/api/v1/public/subjects/{code}",
                 "/api/v1/public/records", "/api/v1/public/records/{record_id}"):
        assert path in paths, path
    records = paths["/api/v1/public/records"]["get"]
    params = {p["name"]: p for p in records["parameters"]}
    assert {"category", "department", "kind", "from", "to", "page", "page_size"} <= set(params)
    assert params["page_size"]["schema"]["maximum"] == 100
    assert paths["/api/v1/public/subjects/{code}"]["get"]["security"] == [{}, {"TokenAuth": []}]
    assert "TokenAuth" in spec["components"]["securitySchemes"]
    assert "security" not in paths["/api/v1/public/ping"]["get"]


def test_the_docs_page_loads_nothing_from_outside(client: Client, db: None) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(?:src|href)=[\"']https?://", html)
    assert "/static/ninja/swagger-ui-bundle.js" in html
