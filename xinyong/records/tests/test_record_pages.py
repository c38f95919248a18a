"""The record page, the records of a batch, 撤销 in the browser (server side), and who may do what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.intake.corrections import rejected_row_correct, rejected_row_discard
from xinyong.intake.models import Batch, RejectedRow
from xinyong.org.models import User
from xinyong.records.models import Record, RecordStatus
from xinyong.records.revocation import may_revoke, record_revoke_by
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

NOW = "2026-11-26T10:00:00+08:00"
DECIDED = dt.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _now(reference_data: None) -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def users() -> dict[str, User]:
    return {
        "admin": factories.make_user("admin", [("credit_admin", "ligang")], unit_code="jjfzk", name="周明"),
        "reporter": factories.make_user("reporter", [("reporter", "zhzfj")], name="钱立"),
        "reviewer": factories.make_user("reviewer", [("reviewer", "zhzfj")], name="孙悦"),
        "reporter_hbk": factories.make_user("reporter_hbk", [("reporter", "hbk")], name="赵强"),
        "reviewer_hbk": factories.make_user("reviewer_hbk", [("reviewer", "hbk")], name="吴芳"),
        "handler": factories.make_user("handler", [("handler", "zwfwzx")], name="李敏"),
        "auditor": factories.make_user("auditor", [("auditor", "ligang")], unit_code="dzb-jjk", name="郑洁"),
    }


@pytest.fixture
def batch(tmp_path: Path, users: dict[str, User]) -> Batch:
    """zhzfj's batch: a company (A1), a natural person (A2), and a held-back row (A3)."""
    result = factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("zhzfj"), actor=users["reporter"], decided=DECIDED, tag="A"
    )
    return Batch.objects.get(pk=result.batch)


def _record(number: str) -> Record:
    return Record.objects.get(key__startswith=f"澄利综执罚〔2026〕{number}号")


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


# -- who may revoke ---------------------------------------------------------------------------------------------


def test_the_source_department_and_the_credit_office_may_revoke(users: dict[str, User], batch: Batch) -> None:
    record = _record("A1")
    allowed = {name for name, user in users.items() if may_revoke(user, record)}
    assert allowed == {"admin", "reporter", "reviewer"}
    for name in ("reporter_hbk", "reviewer_hbk", "handler", "auditor"):
        with pytest.raises(XinyongError) as caught:
            record_revoke_by(record=record, reason="越权撤销", actor=users[name])
        assert caught.value.code == "E_FORBIDDEN"
        assert factories.unit("zhzfj").name in caught.value.message
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE


def test_revoking_keeps_the_record_its_reason_and_an_audit_event(users: dict[str, User], batch: Batch) -> None:
    record = _record("A1")
    with pytest.raises(XinyongError) as caught:
        record_revoke_by(record=record, reason=" \n ", actor=users["reviewer"])
    assert caught.value.code == "E_REQUIRED"
    with pytest.raises(XinyongError) as caught:
        record_revoke_by(record=record, reason="原" * 301, actor=users["reviewer"])
    assert caught.value.code == "E_TOO_LONG"
    record_revoke_by(record=record, reason="  行政复议决定\n撤销原处罚决定 ", actor=users["reviewer"])
    record.refresh_from_db()
    assert (record.status, record.status_reason) == (RecordStatus.REVOKED, "行政复议决定 撤销原处罚决定")
    assert Record.objects.filter(pk=record.pk).exists()
    event = AuditEvent.objects.get(action="records.revoked")
    assert event.actor_label == "user:reviewer"
    assert event.before == {"status": "active", "status_reason": ""}
    with pytest.raises(XinyongError) as caught:
        record_revoke_by(record=record, reason="再来一次", actor=users["admin"])
    assert caught.value.code == "E_ALREADY_REVOKED"
    assert not may_revoke(users["admin"], record)
    assert audit_verify() is None


# -- the record page ----------------------------------------------------------------------------------------------


def test_the_record_page_shows_fields_subject_batch_versions_and_timeliness(
    client: Client, users: dict[str, User], batch: Batch
) -> None:
    record = _record("A1")
    html = _as(client, users["reporter"]).get(reverse("web:record", args=[record.pk])).content.decode()
    for text in (
        "行政处罚决定书文号", "澄利综执罚〔2026〕A1号", "违法事实", "未按规定办理排污许可", "处罚类别",
        "警告、罚款", "江阴市利港恒远机械有限公司", factories.company_uscc(11), factories.unit("zhzfj").name,
        f"批次 {batch.pk}", "第 1 版", "首次报送", "超期 11 个工作日", "2026-11-11", "有效", "撤销记录",
    ):
        assert text in html, text
    assert reverse("web:batch", args=[batch.pk]) in html
    assert reverse("web:subject", args=[record.subject_id]) not in html  # reporters do not look subjects up
    assert 'id="revoke-form"' in html
    # A handler comes from the subject and is led back there, not to batches it may not open.
    html = _as(client, users["handler"]).get(reverse("web:record", args=[record.pk])).content.decode()
    assert reverse("web:subject", args=[record.subject_id]) in html
    assert reverse("web:batch", args=[batch.pk]) not in html
    assert f"批次 {batch.pk}" in html


def test_a_persons_document_number_is_masked_on_the_record_page(
    client: Client, users: dict[str, User], batch: Batch
) -> None:
    html = _as(client, users["admin"]).get(reverse("web:record", args=[_record("A2").pk])).content.decode()
    full = factories.person_id(17)
    assert full not in html
    assert full[:4] + "*" * 10 + full[-4:] in html


@pytest.mark.parametrize(
    ("name", "status", "form"),
    [
        ("admin", 200, True),
        ("reporter", 200, True),
        ("reviewer", 200, True),
        ("reviewer_hbk", 200, False),  # reviewers look subjects up, so they read every record
        ("handler", 200, False),
        ("reporter_hbk", 403, False),
        ("auditor", 403, False),
    ],
)
def test_who_reads_the_record_page_and_who_gets_the_form(
    client: Client, users: dict[str, User], batch: Batch, name: str, status: int, form: bool
) -> None:
    response = _as(client, users[name]).get(reverse("web:record", args=[_record("A1").pk]))
    assert response.status_code == status
    assert ('id="revoke-form"' in response.content.decode()) == form


def test_revoking_in_the_page_needs_a_reason_and_a_confirmation(
    client: Client, users: dict[str, User], batch: Batch
) -> None:
    record = _record("A1")
    url = reverse("web:record_revoke", args=[record.pk])
    page = _as(client, users["reporter"])
    unconfirmed = page.post(url, {"reason": "行政复议撤销"})
    assert unconfirmed.status_code == 400
    assert "请勾选确认后再撤销" in unconfirmed.content.decode()
    assert "行政复议撤销" in unconfirmed.content.decode()  # what the clerk typed is kept
    blank = page.post(url, {"reason": "  ", "confirm": "on"})
    assert blank.status_code == 400
    assert "请填写撤销原因" in blank.content.decode()
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE

    done = page.post(url, {"reason": "行政复议决定撤销原处罚决定", "confirm": "on"}, follow=True)
    assert done.redirect_chain == [(reverse("web:record", args=[record.pk]), 302)]
    html = done.content.decode()
    assert "已撤销" in html and "行政复议决定撤销原处罚决定" in html
    assert "撤销人：钱立" in html
    assert 'id="revoke-form"' not in html
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED


def test_revoking_is_refused_to_those_without_the_right(client: Client, users: dict[str, User], batch: Batch) -> None:
    record = _record("A1")
    url = reverse("web:record_revoke", args=[record.pk])
    for name in ("handler", "reviewer_hbk", "reporter_hbk"):
        response = _as(client, users[name]).post(url, {"reason": "越权", "confirm": "on"})
        assert response.status_code == 403
    assert client.get(url).status_code == 405
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE


def test_a_revised_record_shows_its_versions_and_what_changed(
    client: Client, users: dict[str, User], batch: Batch, tmp_path: Path
) -> None:
    unit = factories.unit("zhzfj")
    row = factories.penalty_row(
        number="澄利综执罚〔2026〕A1号", authority=unit, name="江阴市利港恒远机械有限公司",
        uscc=factories.company_uscc(11), decided=DECIDED, fact="经复核 未按规定办理排污许可",
    )
    later = factories.import_penalties(tmp_path, department=unit, actor=users["reporter"], rows=[row], name="更正.csv")
    record = _record("A1")
    assert record.version == 2
    html = _as(client, users["reviewer"]).get(reverse("web:record", args=[record.pk])).content.decode()
    assert "版本记录（2 个版本）" in html
    assert f"批次 {later.batch}" in html and f"批次 {batch.pk}" in html
    assert "经复核 未按规定办理排污许可" in html
    assert "<td>违法事实</td>" in html


# -- reached from the batch and the subject -------------------------------------------------------------------------


def test_the_batch_lists_its_records_with_links(
    client: Client, users: dict[str, User], batch: Batch, tmp_path: Path
) -> None:
    page = _as(client, users["reporter"])
    detail = page.get(reverse("web:batch", args=[batch.pk])).content.decode()
    listing_url = reverse("web:batch_records", args=[batch.pk])
    assert listing_url in detail
    with CaptureQueriesContext(connection) as small:
        html = page.get(listing_url).content.decode()
    unit = factories.unit("zhzfj")
    many = factories.import_penalties(tmp_path, department=unit, actor=users["reporter"], name="多.csv", rows=[
        factories.penalty_row(number=f"澄利综执罚〔2026〕M{n}号", authority=unit, name=f"江阴市利港测试{n}有限公司",
                              uscc=factories.company_uscc(100 + n), decided=DECIDED)
        for n in range(12)
    ])
    with CaptureQueriesContext(connection) as large:
        assert page.get(reverse("web:batch_records", args=[many.batch])).content.decode().count("/records/") >= 12
    assert len(large.captured_queries) == len(small.captured_queries)  # no query per record
    for number in ("A1", "A2"):
        assert reverse("web:record", args=[_record(number).pk]) in html
    assert "澄利综执罚〔2026〕A3号" not in html  # held back: not a record
    assert factories.person_id(17) not in html
    assert _as(client, users["reporter_hbk"]).get(listing_url).status_code == 403


def test_the_subject_page_links_its_records(client: Client, users: dict[str, User], batch: Batch) -> None:
    record = _record("A1")
    html = _as(client, users["handler"]).get(reverse("web:subject", args=[record.subject_id])).content.decode()
    assert reverse("web:record", args=[record.pk]) in html


# -- how held-back rows left quarantine, on the batch page ------------------------------------------------------


def test_the_batch_page_shows_who_resolved_a_row_when_and_what_it_became(
    client: Client, users: dict[str, User], batch: Batch, tmp_path: Path
) -> None:
    held = RejectedRow.objects.get(batch=batch)
    outcome = rejected_row_correct(
        row=held, values={"CF_SY": "已更正", "CF_XDR_SHDM": factories.company_uscc(12)}, actor=users["reporter"]
    )
    assert outcome.accepted and outcome.record is not None
    html = _as(client, users["reviewer"]).get(reverse("web:batch", args=[batch.pk])).content.decode()
    assert "已更正" in html and "钱立 · 2026-11-26 10:00" in html
    assert reverse("web:record", args=[outcome.record.pk]) in html
    row_page = client.get(reverse("web:row_correct", args=[batch.pk, held.pk])).content.decode()
    assert "处理人：钱立" in row_page and reverse("web:record", args=[outcome.record.pk]) in row_page

    other = factories.good_and_bad_penalties(
        tmp_path, department=factories.unit("zhzfj"), actor=users["reporter"], decided=DECIDED, tag="D",
        with_person=False,
    )
    discarded = RejectedRow.objects.get(batch_id=other.batch)
    rejected_row_discard(row=discarded, reason="重复填报", actor=users["reporter"])
    html = client.get(reverse("web:batch", args=[other.batch])).content.decode()
    assert "已作废" in html and "作废原因：重复填报" in html and "钱立 · 2026-11-26 10:00" in html


def test_the_batch_page_shows_the_batch_that_replaced_a_row(
    client: Client, users: dict[str, User], batch: Batch, tmp_path: Path
) -> None:
    unit = factories.unit("zhzfj")
    fixed = factories.penalty_row(
        number="澄利综执罚〔2026〕A3号", authority=unit, name="江阴市利港某某贸易有限公司",
        uscc=factories.company_uscc(12), decided=DECIDED,
    )
    later = factories.import_penalties(tmp_path, department=unit, actor=users["reporter"], rows=[fixed], name="更正.csv")
    assert later.replaced == 1
    html = _as(client, users["reporter"]).get(reverse("web:batch", args=[batch.pk])).content.decode()
    assert "已被新文件替换" in html
    assert f'由 <a href="{reverse("web:batch", args=[later.batch])}">批次 {later.batch}</a> 重新报送' in html
    assert reverse("web:record", args=[_record("A3").pk]) in html
