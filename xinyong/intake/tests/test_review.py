"""Review before publication: a batch of a reviewed category waits for the department's reviewer; until approved it
is neither public nor exported; approval after the deadline counts late; a returned batch publishes nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.intake.corrections import rejected_row_correct
from xinyong.intake.models import Batch, RejectedRow, ReviewStatus, StagedRow, StagedRowStatus
from xinyong.intake.review import batch_approve, batch_return
from xinyong.intake.selectors import review_queue
from xinyong.intake.services import ImportResult
from xinyong.org.models import User
from xinyong.org.services import unit_review_set
from xinyong.records.exchange import records_export
from xinyong.records.models import Record
from xinyong.records.selectors import published_records
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

# Thursday 26 November 2026; decisions of Friday 20 November are due on Monday 30 November (7 working days).
NOW = "2026-11-26T10:00:00+08:00"
DECIDED = dt.date(2026, 11, 20)
DEADLINE = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _setup(reference_data: None) -> Iterator[None]:
    unit_review_set(unit=factories.unit("zhzfj"), categories=["admin_penalty"], actor=None)
    with clock.frozen(NOW):
        yield


@pytest.fixture
def reporter() -> User:
    return factories.make_user("rep", [("reporter", "zhzfj")])


@pytest.fixture
def reviewer() -> User:
    return factories.make_user("rev", [("reviewer", "zhzfj")])


def _penalty(number: str, fact: str = "未按规定办理排污许可") -> dict[str, str]:
    return factories.penalty_row(
        number=number, authority=factories.unit("zhzfj"), name="江阴市利港恒远机械有限公司",
        uscc=factories.company_uscc(11), decided=DECIDED, fact=fact,
    )


def _send(tmp_path: Path, reporter: User, rows: list[dict[str, str]], name: str = "处罚.csv") -> ImportResult:
    return factories.import_penalties(tmp_path, department=factories.unit("zhzfj"), actor=reporter, rows=rows,
                                      name=name)


def _exported() -> str:
    out = io.StringIO()
    records_export(category_code="admin_penalty", since=None, fmt="csv", out=out, actor=None)
    return out.getvalue()


def test_a_waiting_batch_is_neither_public_nor_exported(tmp_path: Path, reporter: User) -> None:
    result = _send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕1号"), _penalty("澄利综执罚〔2026〕2号")])
    assert (result.accepted, result.staged, result.review, result.created) == (2, 2, "pending", 0)
    assert Batch.objects.get(pk=result.batch).review_status == ReviewStatus.PENDING
    assert not Record.objects.exists() and not published_records().exists()
    assert "澄利综执罚" not in _exported()
    # A department without review publishes at once, as before.
    other = factories.import_penalties(
        tmp_path, department=factories.unit("hbk"), actor=None, name="环保.csv",
        rows=[factories.penalty_row(number="澄环罚〔2026〕1号", authority=factories.unit("hbk"),
                                    name="江阴市利港恒远机械有限公司", uscc=factories.company_uscc(11),
                                    decided=DECIDED)],
    )
    assert (other.created, other.review) == (1, "")


def test_the_queue_shows_working_days_left(tmp_path: Path, reporter: User, reviewer: User) -> None:
    result = _send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕1号")])
    [item] = review_queue(user=reviewer)
    assert (item.batch.pk, item.pending, item.deadline) == (result.batch, 1, DEADLINE)
    assert item.workdays_left == 3  # Fri 27, Mon 30, Tue 1
    assert review_queue(user=factories.make_user("rev_hbk", [("reviewer", "hbk")])) == []
    with clock.frozen("2026-12-03T09:00:00+08:00"):
        [late] = review_queue(user=reviewer)
        assert late.workdays_left == -2 and late.overdue


def test_approval_in_time_publishes_and_approval_after_the_deadline_is_late(
    tmp_path: Path, reporter: User, reviewer: User
) -> None:
    first = _send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕1号")], name="a.csv")
    second = _send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕2号")], name="b.csv")
    counts = batch_approve(batch=Batch.objects.get(pk=first.batch), actor=reviewer)
    assert (counts.created, counts.late) == (1, 0)
    on_time = Record.objects.get(key__startswith="澄利综执罚〔2026〕1号")
    assert not on_time.is_late and published_records().filter(pk=on_time.pk).exists()
    assert "澄利综执罚〔2026〕1号" in _exported()
    with clock.frozen("2026-12-03T09:00:00+08:00"):
        late_counts = batch_approve(batch=Batch.objects.get(pk=second.batch), actor=reviewer)
    assert late_counts.late == 1
    late = Record.objects.get(key__startswith="澄利综执罚〔2026〕2号")
    assert (late.is_late, late.late_workdays, late.deadline) == (True, 2, DEADLINE)
    batch = Batch.objects.get(pk=second.batch)
    assert (batch.review_status, batch.late, batch.reviewed_by_id) == (ReviewStatus.APPROVED, 1, reviewer.pk)
    assert StagedRow.objects.get(batch=batch).record_id == late.pk
    event = AuditEvent.objects.filter(action="intake.batch_approved").latest("seq")
    assert event.after["late"] == 1 and event.actor_id == reviewer.pk
    with pytest.raises(XinyongError) as again:
        batch_approve(batch=batch, actor=reviewer)
    assert again.value.code == "E_REVIEW_STATE"
    assert audit_verify() is None


def test_only_the_departments_reviewer_or_the_credit_office_approves(
    tmp_path: Path, reporter: User, reviewer: User
) -> None:
    batch = Batch.objects.get(pk=_send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕1号")]).batch)
    for outsider in (reporter, factories.make_user("rev_hbk", [("reviewer", "hbk")])):
        with pytest.raises(XinyongError) as denied:
            batch_approve(batch=batch, actor=outsider)
        assert denied.value.code == "E_FORBIDDEN"
    admin = factories.make_user("adm", [("credit_admin", "ligang")])
    assert batch_approve(batch=batch, actor=admin).created == 1


def test_a_returned_batch_publishes_nothing_and_may_be_sent_again(
    tmp_path: Path, reporter: User, reviewer: User
) -> None:
    rows = [_penalty("澄利综执罚〔2026〕1号")]
    batch = Batch.objects.get(pk=_send(tmp_path, reporter, rows).batch)
    with pytest.raises(XinyongError) as no_reason:
        batch_return(batch=batch, reason=" ", actor=reviewer)
    assert no_reason.value.code == "E_REQUIRED"
    batch_return(batch=batch, reason="处罚依据条款引用有误，请核实", actor=reviewer)
    batch.refresh_from_db()
    assert (batch.review_status, batch.review_reason) == (ReviewStatus.RETURNED, "处罚依据条款引用有误，请核实")
    assert StagedRow.objects.get(batch=batch).status == StagedRowStatus.RETURNED
    assert not Record.objects.exists()
    again = _send(tmp_path, reporter, rows)  # the same file, once returned, is taken again
    assert again.staged == 1 and again.batch != batch.pk


def test_a_revision_waits_while_the_published_version_stays(tmp_path: Path, reporter: User, reviewer: User) -> None:
    batch_approve(batch=Batch.objects.get(pk=_send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕1号")]).batch),
                  actor=reviewer)
    revision = _send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕1号", fact="更正后的违法事实")], name="更正.csv")
    record = Record.objects.get()
    assert (record.version, record.data["CF_SY"]) == (1, "未按规定办理排污许可")
    batch_approve(batch=Batch.objects.get(pk=revision.batch), actor=reviewer)
    record.refresh_from_db()
    assert (record.version, record.data["CF_SY"]) == (2, "更正后的违法事实")


def test_a_corrected_row_goes_back_to_the_reviewer(tmp_path: Path, reporter: User, reviewer: User) -> None:
    bad = _penalty("澄利综执罚〔2026〕3号", fact="")
    result = _send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕1号"), bad])
    batch = Batch.objects.get(pk=result.batch)
    batch_approve(batch=batch, actor=reviewer)
    held = RejectedRow.objects.get(batch=batch)
    outcome = rejected_row_correct(row=held, values={"CF_SY": "补充的违法事实"}, actor=reporter)
    assert (outcome.accepted, outcome.staged, outcome.record) == (True, True, None)
    batch.refresh_from_db()
    assert batch.review_status == ReviewStatus.PENDING
    assert not Record.objects.filter(key__startswith="澄利综执罚〔2026〕3号").exists()
    batch_approve(batch=batch, actor=reviewer)
    record = Record.objects.get(key__startswith="澄利综执罚〔2026〕3号")
    held.refresh_from_db()
    assert held.record_id == record.pk


def test_the_reviewer_works_from_the_pages(tmp_path: Path, reporter: User, reviewer: User) -> None:
    result = _send(tmp_path, reporter, [_penalty("澄利综执罚〔2026〕1号")])
    client = Client()
    client.force_login(reporter)
    page = client.get(f"/batches/{result.batch}/").content.decode()
    assert "待审核" in page and "审核通过并公开" not in page
    assert client.post(f"/batches/{result.batch}/approve/").status_code == 403
    client.force_login(reviewer)
    home = client.get("/").content.decode()
    assert "有 1 个报送批次等待审核后公开" in home
    queue = client.get("/review/").content.decode()
    assert "剩 3 个工作日" in queue and "2026-12-01" in queue
    page = client.get(f"/batches/{result.batch}/").content.decode()
    assert "审核通过并公开" in page and "澄利综执罚〔2026〕1号" in page
    returned = client.post(f"/batches/{result.batch}/return/", {"reason": ""}, follow=True).content.decode()
    assert "请填写退回原因" in returned
    done = client.post(f"/batches/{result.batch}/approve/", follow=True).content.decode()
    assert "已审核通过，1 条信用记录已入库公开" in done
    assert Record.objects.count() == 1


def test_the_api_reports_the_waiting_batch(tmp_path: Path, settings: Any) -> None:
    from xinyong.access.tokens import token_create

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _, raw = token_create(department=factories.unit("zhzfj"), name="执法系统", actor=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    job = client.post("/api/v1/intake/admin_penalty/rows", data={"rows": [_penalty("澄利综执罚〔2026〕1号")]},
                      content_type="application/json").json()
    assert (job["result"]["staged"], job["result"]["review"]) == (1, "pending")
    batch = client.get(f"/api/v1/intake/batches/{job['batch']}").json()
    assert batch["review_status"] == "pending"
