"""Each unit's data is its own: tried as a hostile department would (file, API token, corrected row, revocation),
nothing of another unit's records changes and each refused row says why; the owner and the credit office still can.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from xinyong.access.tokens import token_create
from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.core.identifiers import make_uscc
from xinyong.intake.corrections import rejected_row_correct
from xinyong.intake.models import RejectedRow
from xinyong.org.models import Unit, User
from xinyong.records.models import Record, RecordStatus
from xinyong.records.services import records_transfer
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

NOW = "2026-11-26T10:00:00+08:00"
DECIDED = dt.date(2026, 11, 20)
# 江阴市市场监督管理局 is outside the Ligang organisation: its squad (市场监督管理中队) reports its decisions.
CITY_BUREAU = "江阴市市场监督管理局"
CITY_BUREAU_USCC = make_uscc("11", "320281", "01432178")
NUMBER = "澄市监罚〔2026〕88号"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _setup(settings: Any, reference_data: None) -> Iterator[None]:
    settings.TASKS = IMMEDIATE
    with clock.frozen(NOW):
        yield


def _row(*, number: str = NUMBER, fact: str = "销售过期食品", reporter: Unit | None = None) -> dict[str, str]:
    row = factories.penalty_row(
        number=number, authority=factories.unit("scjgzd"), name="江阴市利港恒远机械有限公司",
        uscc=factories.company_uscc(11), decided=DECIDED, fact=fact,
    )
    source = reporter or factories.unit("scjgzd")
    row.update({
        "处罚机关": CITY_BUREAU, "处罚机关统一社会信用代码": CITY_BUREAU_USCC,
        "数据来源单位": source.name, "数据来源单位统一社会信用代码": source.uscc,
    })
    return row


@pytest.fixture
def owned(tmp_path: Path) -> Record:
    """A published penalty the squad reported for the city bureau (delegated reporting)."""
    squad = factories.unit("scjgzd")
    result = factories.import_penalties(tmp_path, department=squad, actor=None, rows=[_row()], name="中队.csv")
    assert (result.accepted, result.errors) == (1, [])
    return Record.objects.get()


def _unchanged(record: Record) -> None:
    before = (record.version, record.data, record.status, record.source_unit_id, record.publicity_end)
    record.refresh_from_db()
    assert (record.version, record.data, record.status, record.source_unit_id, record.publicity_end) == before


def test_a_file_from_another_department_does_not_touch_the_record(owned: Record, tmp_path: Path) -> None:
    # The leading group's office may report for city bureaux ("江阴市*局"), but this decision is the squad's.
    office = factories.unit("jjfzk")
    sent = _row(fact="被篡改 情节轻微", reporter=office)
    result = factories.import_penalties(tmp_path, department=office, actor=None, rows=[sent], name="改.csv")
    assert (result.accepted, result.rejected, result.revised) == (0, 1, 0)
    [error] = result.errors
    assert error["code"] == "E_NOT_OWNER" and error["row"] == 2 and error["field"] == "行政处罚决定书文号"
    assert "已由其他单位报送" in error["message"] and "市场监督管理中队" not in error["message"]
    _unchanged(owned)
    held = RejectedRow.objects.get(batch_id=result.batch)
    assert held.values["CF_SY"] == "被篡改 情节轻微"  # kept for correction, nothing lost
    public = Client().get(f"/api/v1/public/records/{owned.pk}").json()
    assert "被篡改 " not in str(public)


def test_an_identical_copy_from_another_department_is_refused_too(owned: Record, tmp_path: Path) -> None:
    office = factories.unit("jjfzk")
    result = factories.import_penalties(tmp_path, department=office, actor=None, rows=[_row(reporter=office)])
    assert (result.accepted, result.unchanged, [e["code"] for e in result.errors]) == (0, 0, ["E_NOT_OWNER"])


def test_a_department_cannot_name_an_authority_it_does_not_report_for(owned: Record, tmp_path: Path) -> None:
    enforcement = factories.unit("zhzfj")
    sent = _row(fact="被篡改 ", reporter=enforcement)
    result = factories.import_penalties(tmp_path, department=enforcement, actor=None, rows=[sent])
    [error] = result.errors
    assert error["code"] == "E_AUTHORITY_NOT_ALLOWED" and error["field"] == "处罚机关"
    assert CITY_BUREAU in error["message"] and "综合执法局" in error["message"]
    _unchanged(owned)
    # Another unit of the organisation, named by its code: refused whatever name the row writes.
    other = factories.penalty_row(
        number="澄环罚〔2026〕1号", authority=factories.unit("hbk"), name="江阴市利港恒远机械有限公司",
        uscc=factories.company_uscc(11), decided=DECIDED,
    )
    other["处罚机关"] = enforcement.name
    refused = factories.import_penalties(tmp_path, department=enforcement, actor=None, rows=[other], name="b.csv")
    assert [e["code"] for e in refused.errors] == ["E_AUTHORITY_NOT_ALLOWED"]


def test_an_api_token_of_another_department_is_refused_row_by_row(owned: Record) -> None:
    _, raw = token_create(department=factories.unit("jjfzk"), name="经济发展科系统", actor=None)
    response = Client().post(
        "/api/v1/intake/admin_penalty/rows",
        data={"rows": [_row(fact="被篡改 ", reporter=factories.unit("jjfzk"))]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200, response.content
    result = response.json()["result"]
    assert (result["accepted"], [e["code"] for e in result["errors"]]) == (0, ["E_NOT_OWNER"])
    _unchanged(owned)
    # Nor can the token revoke the record.
    refused = Client().post(
        "/api/v1/records/revoke",
        data={"record_id": owned.pk, "reason": "恶意撤销"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert refused.status_code in (403, 404)
    assert "市场监督管理中队" not in refused.content.decode()
    _unchanged(owned)


def test_a_corrected_row_cannot_become_another_units_decision(owned: Record, tmp_path: Path) -> None:
    office = factories.unit("jjfzk")
    reporter = factories.make_user("reporter_jjfzk", [("reporter", "jjfzk")])
    bad = _row(number="澄市监罚〔2026〕89号", reporter=office)
    bad["违法事实"] = ""
    result = factories.import_penalties(tmp_path, department=office, actor=reporter, rows=[bad], name="c.csv")
    held = RejectedRow.objects.get(batch_id=result.batch)
    outcome = rejected_row_correct(
        row=held, values={"CF_SY": "被篡改 ", "CF_WSH": NUMBER}, actor=reporter
    )
    assert not outcome.accepted
    assert [e.code for e in outcome.errors] == ["E_NOT_OWNER"]
    _unchanged(owned)


def test_the_owner_still_revises_and_the_credit_office_transfers(owned: Record, tmp_path: Path) -> None:
    squad = factories.unit("scjgzd")
    revised = factories.import_penalties(
        tmp_path, department=squad, actor=None, rows=[_row(fact="销售过期食品予以更正")], name="更正.csv"
    )
    assert (revised.revised, revised.errors) == (1, [])
    owned.refresh_from_db()
    assert owned.version == 2 and owned.data["CF_SY"] == "销售过期食品予以更正"

    office = factories.unit("jjfzk")
    admin = factories.make_user("admin_x", [("credit_admin", "ligang")])
    with pytest.raises(XinyongError) as refused:
        records_transfer(to_unit=office, reason="职责划转", actor=factories.make_user("r", [("reporter", "scjgzd")]),
                         record=owned)
    assert refused.value.code == "E_FORBIDDEN"
    assert records_transfer(to_unit=office, reason="职责划转至经济发展科", actor=admin, record=owned) == 1
    owned.refresh_from_db()
    assert owned.source_unit_id == office.pk
    event = AuditEvent.objects.get(action="records.transferred")
    assert event.after["source_unit"] == "jjfzk" and event.before == {"source_units": ["scjgzd"]}
    # Now the office may revise it, and the squad may not.
    by_office = factories.import_penalties(
        tmp_path, department=office, actor=None, rows=[_row(fact="新归属单位更正", reporter=office)], name="o.csv"
    )
    assert (by_office.revised, by_office.errors) == (1, [])
    by_squad = factories.import_penalties(
        tmp_path, department=squad, actor=None, rows=[_row(fact="原单位再改")], name="s.csv"
    )
    assert [e["code"] for e in by_squad.errors] == ["E_NOT_OWNER"]
    assert audit_verify() is None


def test_transfer_on_the_record_page_and_the_command_line(owned: Record, tmp_path: Path) -> None:
    admin = factories.make_user("admin_y", [("credit_admin", "ligang")])
    reporter = factories.make_user("rep_y", [("reporter", "scjgzd")])
    client = Client()
    client.force_login(reporter)
    page = client.get(f"/records/{owned.pk}/").content.decode()
    assert "变更归属单位" not in page
    assert client.post(f"/records/{owned.pk}/transfer/", {"to_unit": factories.unit("jjfzk").pk,
                                                          "reason": "x"}).status_code == 403
    client.force_login(admin)
    assert "变更归属单位" in client.get(f"/records/{owned.pk}/").content.decode()
    empty = client.post(f"/records/{owned.pk}/transfer/", {"to_unit": factories.unit("jjfzk").pk, "reason": ""})
    assert empty.status_code == 400 and "请填写变更原因" in empty.content.decode()
    done = client.post(f"/records/{owned.pk}/transfer/", {"to_unit": factories.unit("jjfzk").pk,
                                                          "reason": "机构调整"}, follow=True)
    assert "已划归经济发展科" in done.content.decode()
    call_command("transfer", "--from", "jjfzk", "--category", "admin_penalty", "--to", "scjgzd",
                 "--reason", "机构调整复原")
    owned.refresh_from_db()
    assert owned.source_unit.code == "scjgzd"


def test_the_owner_revokes_and_another_department_cannot(owned: Record) -> None:
    _, other = token_create(department=factories.unit("zhzfj"), name="执法系统", actor=None)
    _, own = token_create(department=factories.unit("scjgzd"), name="市场监管系统", actor=None)
    denied = Client().post("/api/v1/records/revoke", data={"record_id": owned.pk, "reason": "x"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert denied.status_code in (403, 404)
    owned.refresh_from_db()
    assert owned.status == RecordStatus.ACTIVE
    done = Client().post("/api/v1/records/revoke", data={"record_id": owned.pk, "reason": "行政复议撤销"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {own}")
    assert done.status_code == 200
    owned.refresh_from_db()
    assert owned.status == RecordStatus.REVOKED


def test_an_owner_row_after_a_refused_one_is_kept(owned: Record, tmp_path: Path, admin_user: User) -> None:
    """A refused row does not take the rest of the file with it."""
    office = factories.unit("jjfzk")
    mine = _row(number="澄市监罚〔2026〕90号", reporter=office)
    theirs = _row(fact="被篡改 ", reporter=office)
    result = factories.import_penalties(tmp_path, department=office, actor=None, rows=[mine, theirs], name="m.csv")
    assert (result.accepted, result.created, [e["row"] for e in result.errors]) == (1, 1, [3])
    _unchanged(owned)


def test_the_upload_page_of_another_department_holds_the_row_back(owned: Record, tmp_path: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    office = factories.unit("jjfzk")
    reporter = factories.make_user("rep_jjfzk", [("reporter", "jjfzk")])
    path = factories.write_csv(tmp_path / "上传.csv", [_row(fact="被篡改 页面上传", reporter=office)])
    client = Client()
    client.force_login(reporter)
    response = client.post(
        reverse("web:intake_upload"),
        {"category": "admin_penalty", "file": SimpleUploadedFile("上传.csv", path.read_bytes())},
        follow=True,
    )
    html = response.content.decode()
    assert "E_NOT_OWNER" in html and "已由其他单位报送" in html and "市场监督管理中队" not in html
    _unchanged(owned)
