"""The records API: a departmental system reads and revokes (撤销) its own department's records, with its token."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from xinyong.access.tokens import token_create, token_revoke
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.records.models import Record, RecordStatus
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

NOW = "2026-11-26T10:00:00+08:00"
DECIDED = dt.date(2026, 11, 2)
REVOKE = "/api/v1/records/revoke"


@pytest.fixture(autouse=True)
def _setup(settings: Any, reference_data: None) -> Iterator[None]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with clock.frozen(NOW):
        yield


@pytest.fixture
def records(tmp_path: Path) -> dict[str, Record]:
    """zhzfj's penalty of a company and of a natural person; hbk's penalty of a company."""
    zhzfj, hbk = factories.unit("zhzfj"), factories.unit("hbk")
    factories.good_and_bad_penalties(tmp_path, department=zhzfj, actor=None, decided=DECIDED, tag="A")
    factories.good_and_bad_penalties(tmp_path, department=hbk, actor=None, decided=DECIDED, tag="B", with_person=False)
    return {
        "company": Record.objects.get(key__startswith="澄利综执罚〔2026〕A1号"),
        "person": Record.objects.get(key__startswith="澄利综执罚〔2026〕A2号"),
        "other": Record.objects.get(key__startswith="澄利综执罚〔2026〕B1号"),
    }


@pytest.fixture
def secret() -> str:
    return token_create(department=factories.unit("zhzfj"), name="综合执法办案系统", actor=None)[1]


def _auth(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _revoke(client: Client, raw: str, body: dict[str, Any]) -> Any:
    return client.post(REVOKE, data=json.dumps(body), content_type="application/json", **_auth(raw))


def test_a_record_reads_with_the_catalog_labels_and_masked_identifiers(
    client: Client, secret: str, records: dict[str, Record]
) -> None:
    person = records["person"]
    response = client.get(f"/api/v1/records/{person.pk}", **_auth(secret))
    assert response.status_code == 200
    body = response.json()
    fields = {f["name"]: f["value"] for f in body["fields"]}
    assert fields["行政处罚决定书文号"] == "澄利综执罚〔2026〕A2号"
    assert fields["处罚类别"] == "警告、罚款"
    full = factories.person_id(17)
    assert fields["证件号码"] == full[:4] + "*" * 10 + full[-4:]
    assert full not in response.content.decode()
    assert body["subject"]["name"] == "张三" and full not in body["subject"]["code"]
    assert (body["status"], body["status_label"], body["revocation"]) == ("active", "有效", None)
    assert (body["source_unit"], body["batch"], body["version"]) == ("zhzfj", person.batch_id, 1)
    assert body["versions"] == [
        {"version": 1, "batch": person.batch_id, "submitted_at": body["submitted_at"], "superseded_at": None, "changed": []}
    ]
    assert body["deadline"] == "2026-11-11" and body["is_late"] and body["late_workdays"] == 11
    assert body["links"]["self"] == f"/api/v1/records/{person.pk}"


def test_another_departments_record_is_not_found(client: Client, secret: str, records: dict[str, Record]) -> None:
    response = client.get(f"/api/v1/records/{records['other'].pk}", **_auth(secret))
    assert response.status_code == 404
    assert response.json()["code"] == "E_NOT_FOUND"


def test_revoke_by_document_number_and_authority_code(
    client: Client, secret: str, records: dict[str, Record]
) -> None:
    record = records["company"]
    response = _revoke(
        client,
        secret,
        {
            "category": "admin_penalty",
            "document_number": "澄利综执罚 (2026) A1号",  # other brackets and a space, as a clerk's system may send
            "authority_code": factories.unit("zhzfj").uscc.lower(),
            "reason": "行政复议决定撤销原处罚决定",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["status_label"]) == (record.pk, "revoked", "已撤销")
    assert body["revocation"]["reason"] == "行政复议决定撤销原处罚决定"
    assert body["revocation"]["revoked_by"] == "token:综合执法办案系统"
    record.refresh_from_db()
    assert (record.status, record.status_reason) == (RecordStatus.REVOKED, "行政复议决定撤销原处罚决定")
    event = AuditEvent.objects.get(action="records.revoked")
    assert (event.actor_label, event.object_id) == ("token:综合执法办案系统", str(record.pk))
    assert audit_verify() is None

    again = _revoke(client, secret, {"record_id": record.pk, "reason": "再撤销一次"})
    assert again.status_code == 409
    assert again.json()["code"] == "E_ALREADY_REVOKED"
    assert "行政复议决定撤销原处罚决定" in again.json()["message"]
    assert AuditEvent.objects.filter(action="records.revoked").count() == 1


def test_a_token_may_not_revoke_another_departments_record_nor_learn_it_exists(
    client: Client, secret: str, records: dict[str, Record]
) -> None:
    other = records["other"]
    read = client.get(f"/api/v1/records/{other.pk}", **_auth(secret))
    response = _revoke(client, secret, {"record_id": other.pk, "reason": "误操作"})
    # Exactly the read endpoint's answer for a record the token may not see: no owner, no hint that it exists.
    assert (response.status_code, response.json()) == (read.status_code, read.json())
    assert response.json() == {"code": "E_NOT_FOUND", "message": f"信用记录 {other.pk} 不存在，或不属于本部门"}
    missing = Record.objects.order_by("-pk").first().pk + 1000
    absent = _revoke(client, secret, {"record_id": missing, "reason": "误操作"})
    assert absent.json() == {"code": "E_NOT_FOUND", "message": f"信用记录 {missing} 不存在，或不属于本部门"}
    assert client.get(f"/api/v1/records/{missing}", **_auth(secret)).json() == absent.json()

    # By its decision, the same: a decision of another department reads like one that was never reported.
    hbk = factories.unit("hbk")
    by_key = _revoke(client, secret, {
        "category": "admin_penalty", "document_number": "澄利综执罚〔2026〕B1号", "authority_code": hbk.uscc,
        "reason": "误操作",
    })
    never = _revoke(client, secret, {
        "category": "admin_penalty", "document_number": "澄利综执罚〔2026〕B9号", "authority_code": hbk.uscc,
        "reason": "误操作",
    })
    assert by_key.status_code == never.status_code == 404
    assert by_key.json()["message"].replace("B1号", "B9号") == never.json()["message"]
    for answer in (response, by_key):
        assert hbk.name not in answer.content.decode() and hbk.code not in answer.content.decode()
    other.refresh_from_db()
    assert other.status == RecordStatus.ACTIVE
    assert not AuditEvent.objects.filter(action="records.revoked").exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"reason": "没有指明记录"}, 400, "E_REQUIRED"),
        ({"category": "admin_penalty", "document_number": "澄利综执罚〔2026〕A1号", "reason": "缺机关代码"}, 400, "E_REQUIRED"),
        ({"record_id": 0, "reason": "   "}, 400, "E_BAD_REQUEST"),
        ({"record_id": 2**63, "reason": "编号超出范围"}, 400, "E_BAD_REQUEST"),
        ({"category": "admin_penalty", "document_number": "澄利综执罚〔2026〕X9号", "authority_code": "11320281179685395R",
          "reason": "不存在"}, 404, "E_NOT_FOUND"),
        ({"record_id": "company", "reason": ""}, 400, "E_BAD_REQUEST"),
    ],
)
def test_bad_requests_answer_a_code_and_a_message(
    client: Client, secret: str, records: dict[str, Record], body: dict[str, Any], status: int, code: str
) -> None:
    if body.get("record_id") == "company":
        body = {**body, "record_id": records["company"].pk}
    response = _revoke(client, secret, body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert Record.objects.filter(status=RecordStatus.REVOKED).count() == 0


def test_a_blank_reason_is_refused(client: Client, secret: str, records: dict[str, Record]) -> None:
    response = _revoke(client, secret, {"record_id": records["company"].pk, "reason": "   "})
    assert response.status_code == 400
    assert response.json()["code"] == "E_REQUIRED"
    assert "撤销原因" in response.json()["message"]


def test_without_a_valid_token_nothing_is_answered(client: Client, secret: str, records: dict[str, Record]) -> None:
    record = records["company"]
    assert client.get(f"/api/v1/records/{record.pk}").status_code == 401
    token = token_create(department=factories.unit("zhzfj"), name="旧系统", actor=None)
    token_revoke(token=token[0], actor=None)
    response = _revoke(client, token[1], {"record_id": record.pk, "reason": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == "E_UNAUTHORIZED"


def test_a_revoked_record_stays_revoked_when_the_system_sends_it_again(
    client: Client, secret: str, records: dict[str, Record]
) -> None:
    record = records["company"]
    assert _revoke(client, secret, {"record_id": record.pk, "reason": "法院判决撤销"}).status_code == 200
    row = factories.penalty_row(
        number="澄利综执罚〔2026〕A1号",
        authority=factories.unit("zhzfj"),
        name="江阴市利港恒远机械有限公司",
        uscc=factories.company_uscc(11),
        decided=DECIDED,
        fact="更正后的违法事实",
    )
    sent = client.post(
        "/api/v1/intake/admin_penalty/rows", data=json.dumps({"rows": [row]}), content_type="application/json",
        **_auth(secret),
    )
    assert sent.status_code == 200
    body = client.get(f"/api/v1/records/{record.pk}", **_auth(secret)).json()
    assert (body["status"], body["version"]) == ("revoked", 2)
    assert body["versions"][0]["changed"] == ["违法事实"]
    assert body["versions"][1]["superseded_at"] is not None
