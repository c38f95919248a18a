"""Held-back rows: corrected with the same checks, replaced by a corrected file, or discarded with a reason."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.intake.corrections import (
    rejected_row_correct,
    rejected_row_discard,
    rejected_rows_replace,
    row_cells,
    row_field_errors,
    row_schema,
)
from xinyong.intake.models import Batch, RejectedRow, RejectedRowStatus
from xinyong.org.models import User
from xinyong.records.models import Record
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db

NOW = "2026-11-26T10:00:00+08:00"
DECIDED = dt.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _now(reference_data: None) -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def reporter() -> User:
    return factories.make_user("reporter", [("reporter", "zhzfj")])


def _bad_row(tmp_path: Path, reporter: User, *, tag: str = "A") -> RejectedRow:
    """A batch of a good row and a row whose 违法事实 is empty (its subject's USCC is valid)."""
    unit = factories.unit("zhzfj")
    good = factories.penalty_row(
        number=f"澄利综执罚〔2026〕{tag}1号",
        authority=unit,
        name="江阴市利港恒远机械有限公司",
        uscc=factories.company_uscc(11),
        decided=DECIDED,
    )
    bad = factories.penalty_row(
        number=f"澄利综执罚〔2026〕{tag}2号",
        authority=unit,
        name="江阴市利港某某贸易有限公司",
        uscc=factories.company_uscc(12),
        decided=DECIDED,
        fact="",
    )
    result = factories.import_penalties(
        tmp_path, department=unit, actor=reporter, rows=[good, bad], name=f"{tag}.csv"
    )
    assert result.rejected == 1
    return RejectedRow.objects.get(batch_id=result.batch)


def test_the_form_shows_each_error_on_its_field(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    schema = row_schema(row)
    errors = row_field_errors(row, schema)
    assert [(e.field, e.label, e.code) for e in errors] == [("CF_SY", "违法事实", "E_REQUIRED")]
    cells = row_cells(row)
    assert cells["CF_WSH"] == "澄利综执罚〔2026〕A2号"
    assert "CF_SY" not in cells


def test_a_corrected_row_becomes_a_record_with_its_audit_event(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    before = Record.objects.count()
    outcome = rejected_row_correct(row=row, values={"CF_SY": "未按规定设置消防安全标志"}, actor=reporter)
    assert outcome.accepted and outcome.created
    assert outcome.errors == []
    record = outcome.record
    assert record is not None
    assert Record.objects.count() == before + 1
    assert record.key == "澄利综执罚〔2026〕A2号|" + factories.unit("zhzfj").uscc
    assert record.data["CF_SY"] == "未按规定设置消防安全标志"
    assert record.batch_id == row.batch_id
    assert record.subject is not None and record.subject.uscc == factories.company_uscc(12)
    assert record.submitted_at == clock.now()
    assert record.deadline == dt.date(2026, 11, 11)
    assert record.is_late and record.late_workdays == 11
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.CORRECTED
    assert row.values["CF_WSH"] == "澄利综执罚〔2026〕A2号"  # the original cells are kept
    assert (row.resolved_by_id, row.resolved_by_label, row.resolved_at) == (reporter.pk, "reporter", clock.now())
    assert (row.record_id, row.replaced_by_id, row.resolution_reason) == (record.pk, None, "")
    event = AuditEvent.objects.get(action="intake.row_corrected")
    assert event.actor_label == "user:reporter"
    assert event.object_type == "intake.RejectedRow" and event.object_id == str(row.pk)
    assert event.after["record"] == record.pk
    assert event.after["changed"] == {"CF_SY": {"before": "", "after": "未按规定设置消防安全标志"}}
    assert audit_verify() is None
    batch = Batch.objects.get(pk=row.batch_id)
    assert (batch.accepted, batch.rejected) == (1, 1)  # the batch's figures describe the file as it came


def test_a_row_still_wrong_stores_nothing_and_answers_the_new_errors(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    records, events = Record.objects.count(), AuditEvent.objects.count()
    outcome = rejected_row_correct(
        row=row,
        values={"CF_SY": "已更正", "CF_JDRQ": "2026年2月30日", "CF_XDR_SHDM": "91320281MA1XXXXXX1"},
        actor=reporter,
    )
    assert not outcome.accepted
    assert {e.field for e in outcome.errors} == {"CF_JDRQ", "CF_XDR_SHDM"}
    assert {e.code for e in outcome.errors if e.field == "CF_JDRQ"} == {"E_BAD_DATE"}
    assert Record.objects.count() == records
    assert AuditEvent.objects.count() == events
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.PENDING


def test_a_correction_may_not_be_dated_after_it_is_made(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    outcome = rejected_row_correct(
        row=row, values={"CF_SY": "已更正", "CF_JDRQ": "2026-11-27"}, actor=reporter
    )
    assert [e.code for e in outcome.errors] == ["E_FUTURE_DATE"]


def test_only_a_reporter_of_the_department_may_correct_or_discard(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    others = [
        factories.make_user("reporter_hbk", [("reporter", "hbk")]),
        factories.make_user("reviewer", [("reviewer", "zhzfj")]),
    ]
    for user in others:
        with pytest.raises(XinyongError) as caught:
            rejected_row_correct(row=row, values={"CF_SY": "x"}, actor=user)
        assert caught.value.code == "E_FORBIDDEN"
        with pytest.raises(XinyongError):
            rejected_row_discard(row=row, reason="误报", actor=user)
    admin = factories.make_user("admin", [("credit_admin", "ligang")])
    assert rejected_row_correct(row=row, values={"CF_SY": "已更正"}, actor=admin).accepted


def test_a_row_is_corrected_once(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    assert rejected_row_correct(row=row, values={"CF_SY": "已更正"}, actor=reporter).accepted
    with pytest.raises(XinyongError) as caught:
        rejected_row_correct(row=row, values={"CF_SY": "再改一次"}, actor=reporter)
    assert caught.value.code == "E_ROW_NOT_PENDING"
    assert "已更正" in caught.value.message


def test_discarding_needs_a_reason_which_the_audit_trail_keeps(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    with pytest.raises(XinyongError) as caught:
        rejected_row_discard(row=row, reason="  ", actor=reporter)
    assert caught.value.code == "E_REASON_REQUIRED"
    rejected_row_discard(row=row, reason="重复填报，已在第2行报送", actor=reporter)
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.DISCARDED
    assert (row.resolved_by_id, row.resolved_by_label, row.resolved_at) == (reporter.pk, "reporter", clock.now())
    assert (row.resolution_reason, row.record_id) == ("重复填报，已在第2行报送", None)
    event = AuditEvent.objects.get(action="intake.row_discarded")
    assert event.after["reason"] == "重复填报，已在第2行报送"
    assert audit_verify() is None


# -- a corrected file replaces held-back rows ----------------------------------------------------------------


def _resubmit(tmp_path: Path, reporter: User, *, number: str, name: str, department: str = "zhzfj") -> Batch:
    unit = factories.unit(department)
    row = factories.penalty_row(
        number=number,
        authority=factories.unit("zhzfj"),
        name="江阴市利港某某贸易有限公司",
        uscc=factories.company_uscc(12),
        decided=DECIDED,
    )
    result = factories.import_penalties(tmp_path, department=unit, actor=reporter, rows=[row], name=name)
    assert result.accepted == 1
    return Batch.objects.get(pk=result.batch)


def test_a_corrected_file_replaces_the_held_back_row(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    unrelated = _bad_row(tmp_path, reporter, tag="B")
    batch = _resubmit(tmp_path, reporter, number="澄利综执罚 [2026] A2号", name="更正.csv")
    with transaction.atomic():  # as import_file will call it, at the end of the batch's transaction
        rejected_rows_replace(batch=batch)
    row.refresh_from_db()
    unrelated.refresh_from_db()
    assert row.status == RejectedRowStatus.REPLACED
    assert unrelated.status == RejectedRowStatus.PENDING  # no key match: still waits for correction
    event = AuditEvent.objects.filter(action="intake.rows_replaced").latest("seq")
    record = Record.objects.get(key="澄利综执罚〔2026〕A2号|" + factories.unit("zhzfj").uscc)
    assert {"id": row.pk, "batch": row.batch_id, "row": 3, "record": record.pk} in event.after["replaced"]
    # The row keeps how it left quarantine: the later batch, who sent it, when, and the record it became.
    assert (row.replaced_by_id, row.record_id) == (batch.pk, record.pk)
    assert (row.resolved_by_id, row.resolved_by_label, row.resolved_at) == (reporter.pk, "reporter", clock.now())
    assert row.resolution_reason == ""
    assert (unrelated.resolved_at, unrelated.record_id, unrelated.replaced_by_id) == (None, None, None)
    assert audit_verify() is None


def test_keys_given_by_the_batch_are_what_counts(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    batch = _resubmit(tmp_path, reporter, number="澄利综执罚〔2026〕Z9号", name="其他.csv")
    key = "澄利综执罚〔2026〕A2号|" + factories.unit("zhzfj").uscc
    with transaction.atomic():
        assert rejected_rows_replace(batch=batch, keys={"something else"}) == 0
        assert rejected_rows_replace(batch=batch, keys={key}) == 1
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.REPLACED


def test_another_department_does_not_replace_the_row(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    other = factories.make_user("reporter_hbk", [("reporter", "hbk")])
    # 环保科 sends 综合执法局's decision: refused for the authority, so it cannot replace 综合执法局's held row.
    sent = factories.penalty_row(
        number="澄利综执罚〔2026〕A2号", authority=factories.unit("zhzfj"), name="江阴市利港某某贸易有限公司",
        uscc=factories.company_uscc(12), decided=DECIDED,
    )
    result = factories.import_penalties(tmp_path, department=factories.unit("hbk"), actor=other, rows=[sent])
    assert (result.accepted, [e["code"] for e in result.errors]) == (0, ["E_AUTHORITY_NOT_ALLOWED"])
    row.refresh_from_db()
    assert row.status == RejectedRowStatus.PENDING


def test_a_later_batch_does_not_hold_the_earlier_held_back_rows_in_memory(tmp_path: Path, reporter: User) -> None:
    # A whole file of bad rows is held back; every later file of the department looks through them for the ones
    # it replaces, and must not keep them all (their cells as read, here 10 KB each) to do so.
    unit = factories.unit("zhzfj")
    rows = [
        {
            **factories.penalty_row(
                number=f"澄利综执罚〔2026〕M{i}号", authority=unit, name=f"江阴市利港测试{i}有限公司",
                uscc=factories.company_uscc(100 + i % 50), decided=DECIDED, fact="",
            ),
            "处罚内容": "警告" * 2500,
        }
        for i in range(3000)
    ]
    result = factories.import_penalties(tmp_path, department=unit, actor=reporter, rows=rows, name="bad.csv")
    assert result.rejected == 3000
    tracemalloc.start()
    try:
        batch = _resubmit(tmp_path, reporter, number="澄利综执罚〔2026〕M7号", name="更正.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    row = RejectedRow.objects.get(batch_id=result.batch, row_number=9)  # 澄利综执罚〔2026〕M7号, under the header
    assert (row.status, row.replaced_by_id) == (RejectedRowStatus.REPLACED, batch.pk)
    # The 3,000 rows as objects take 170 MB; read 500 at a time for their keys, about 30 MB whatever their number.
    assert peak < 45_000_000, peak


@pytest.mark.django_db(transaction=True)
def test_replacing_runs_only_inside_the_batch_transaction(tmp_path: Path, reporter: User) -> None:
    row = _bad_row(tmp_path, reporter)
    batch = Batch.objects.get(pk=row.batch_id)
    with pytest.raises(RuntimeError):
        rejected_rows_replace(batch=batch)
