"""Lists through the intake path: the court's defaulter file and a department's red list become list entries,
with their lifecycle (认定—发布—移出), history, quarantine and the re-screening of watched subjects."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.intake.corrections import rejected_row_correct
from xinyong.intake.models import RejectedRow
from xinyong.intake.services import ImportResult, import_file
from xinyong.lists.models import Alert, AlertEvent, EntryStatus, ExitReason, ListEntry
from xinyong.lists.monitoring import watch_add
from xinyong.lists.services import check_batch, check_subject, outcome_record
from xinyong.lists.tests.conftest import HENGYUAN, XINGDA
from xinyong.org.models import User
from xinyong.records.models import Record
from xinyong.records.services import record_revoke
from xinyong.web.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reference(rules: None, handler: User) -> None:
    """The shipped lists, the organisation and the catalog (the handler fixture loads them)."""

# The court's layout as the city platform passes it on: no 名单名称 column; 执行法院 says whose list it is.
COURT_HEADER = [
    "被执行人姓名/名称", "统一社会信用代码", "法定代表人或者负责人姓名", "执行法院", "案号", "立案时间", "发布时间",
    "生效法律文书确定的义务", "失信被执行人行为具体情形",
]
COURT = "江阴市人民法院"


def _court_row(name: str, uscc: str, case: str, *, published: str = "2026-09-01") -> list[str]:
    return [name, uscc, "张某", COURT, case, "2026-06-01", published, "支付货款人民币三十万元",
            "有履行能力而拒不履行生效法律文书确定义务"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(path: Path, category: str, at: str = "2026-11-20T10:00:00+08:00") -> ImportResult:
    with clock.frozen(at):
        return import_file(
            path=path, category_code=category, department=factories.unit("jiangyin-xyb"), submitted_at=clock.now()
        )


def _entry(case: str) -> ListEntry:
    # Text cells are stored in their NFKC form: （2026） becomes (2026).
    return ListEntry.objects.select_related("kind").get(decision_document=unicodedata.normalize("NFKC", case))


def test_the_court_file_lands_as_published_defaulter_entries(rules: None, handler: User, tmp_path: Path) -> None:
    path = _write(tmp_path / "失信被执行人.csv", COURT_HEADER, [
        _court_row("江阴市利港恒远机械有限公司", HENGYUAN, "（2026）苏0281执1001号"),
        _court_row("江阴市利港宏达物流有限公司", "91320281MA1X2Y3Z4Q", "（2026）苏0281执1002号"),  # bad checksum
        _court_row("江阴市利港顺丰五金有限公司", factories.company_uscc(77), "（2026）苏0281执1003号", published=""),
    ])
    result = _import(path, "black_list")
    assert (result.accepted, result.rejected) == (2, 1)
    assert any("按“执行法院”列判定为“失信被执行人名单”" in w["message"] for w in result.warnings)
    bad = result.errors[0]
    assert bad["row"] == 3 and bad["field"] == "统一社会信用代码"

    hengyuan = _entry("（2026）苏0281执1001号")
    assert hengyuan.kind.code == "court_defaulter"
    assert hengyuan.status == EntryStatus.PUBLISHED
    assert hengyuan.published_on == dt.date(2026, 9, 1)
    assert hengyuan.planned_exit == dt.date(2028, 9, 1)  # the court list's two years
    assert hengyuan.recognising_department == COURT
    assert hengyuan.subject is not None and hengyuan.subject.uscc == HENGYUAN
    assert hengyuan.record is not None and hengyuan.record.category_code == "black_list"
    # Not yet published (notice and objection period): recorded, but no hits.
    assert _entry("（2026）苏0281执1003号").status == EntryStatus.RECOGNISED

    found = check_subject(actor=handler, matter="procurement", purpose="采购项目资格审查", code=HENGYUAN)
    assert [h.entry.pk for h in found.hits] == [hengyuan.pk]
    assert any("政府采购" in m.text for m in found.hits[0].measures)
    pending = check_subject(actor=handler, matter="procurement", purpose="资格审查", name="江阴市利港顺丰五金有限公司")
    assert pending.hits == []


def test_the_courts_combined_code_column_is_split_by_what_it_holds(
    rules: None, handler: User, tmp_path: Path
) -> None:
    """The courts publish 身份证号码/组织机构代码 as one column: a USCC in it is the organisation's code, a resident
    id the person's; the person's number is never the organisation's, and a number neither can be is refused."""
    from xinyong.core.identifiers import make_resident_id

    person = make_resident_id("320281", dt.date(1970, 2, 3), 41)
    header = ["被执行人姓名/名称", "身份证号码/组织机构代码", "执行法院", "案号", "立案时间", "发布时间",
              "失信被执行人行为具体情形"]
    rows = [
        ["江阴市利港恒远机械有限公司", HENGYUAN.lower(), COURT, "（2026）苏0281执1101号", "2026-06-01", "2026-09-01", "拒不履行"],
        ["王某某", person, COURT, "（2026）苏0281执1102号", "2026-06-01", "2026-09-01", "拒不履行"],
        ["江阴市利港宏达物流有限公司", "12345678-9", COURT, "（2026）苏0281执1103号", "2026-06-01", "2026-09-01", "拒不履行"],
    ]
    result = _import(_write(tmp_path / "失信被执行人（合并证件列）.csv", header, rows), "black_list")
    assert (result.accepted, result.rejected) == (2, 1), result.errors
    assert any("“身份证号码/组织机构代码”列中的统一社会信用代码按“统一社会信用代码”导入" in w["message"]
               for w in result.warnings)
    assert not any("未能识别" in w["message"] for w in result.warnings)
    assert result.errors[0]["row"] == 4 and result.errors[0]["field"] == "证件号码"
    company, individual = _entry("（2026）苏0281执1101号"), _entry("（2026）苏0281执1102号")
    assert (company.uscc, company.person_id) == (HENGYUAN, "")
    assert company.subject is not None and company.subject.uscc == HENGYUAN
    assert (individual.uscc, individual.person_id) == ("", person)
    assert check_subject(actor=handler, matter="procurement", purpose="资格审查", code=HENGYUAN).hits
    assert check_subject(actor=handler, matter="honours", purpose="评优", code=person).hits


def test_a_later_file_exits_the_entry_and_keeps_the_history(rules: None, handler: User, tmp_path: Path) -> None:
    case = "（2026）苏0281执1001号"
    _import(_write(tmp_path / "a.csv", COURT_HEADER, [_court_row("江阴市利港恒远机械有限公司", HENGYUAN, case)]),
            "black_list")
    removed = _court_row("江阴市利港恒远机械有限公司", HENGYUAN, case)
    header = [*COURT_HEADER, "移出日期", "移出原因"]
    result = _import(_write(tmp_path / "b.csv", header, [[*removed, "2026-11-23", "已履行"]]), "black_list",
                     at="2026-11-24T09:00:00+08:00")
    assert (result.accepted, result.revised) == (1, 1)
    entry = _entry(case)
    assert entry.status == EntryStatus.EXITED and entry.exit_reason == ExitReason.PERFORMANCE
    assert ListEntry.objects.count() == 1
    assert entry.record is not None and entry.record.versions.count() == 1
    after = check_subject(actor=handler, matter="procurement", purpose="资格审查", code=HENGYUAN)
    assert after.hits == []


def test_exit_date_without_a_reason_is_held_back(rules: None, tmp_path: Path) -> None:
    header = [*COURT_HEADER, "移出日期"]
    row = [*_court_row("江阴市利港恒远机械有限公司", HENGYUAN, "（2026）苏0281执1001号"), "2026-11-01"]
    result = _import(_write(tmp_path / "a.csv", header, [row]), "black_list")
    assert result.rejected == 1
    assert result.errors[0]["field"] == "移出原因"
    assert "移出日期" in result.errors[0]["message"]
    assert ListEntry.objects.count() == 0


def test_a_corrected_row_becomes_an_entry(rules: None, tmp_path: Path) -> None:
    rows = [_court_row("江阴市利港恒远机械有限公司", "91320281MA1X2Y3Z4Q", "（2026）苏0281执1001号")]
    _import(_write(tmp_path / "a.csv", COURT_HEADER, rows), "black_list")
    held = RejectedRow.objects.get()
    with clock.frozen("2026-11-21T10:00:00+08:00"):
        outcome = rejected_row_correct(row=held, values={"MD_TYSHXYDM": HENGYUAN}, actor=None)
    assert outcome.accepted
    entry = _entry("（2026）苏0281执1001号")
    assert entry.kind.code == "court_defaulter"  # the value the court layout implied is kept with the row
    assert entry.status == EntryStatus.PUBLISHED


def test_revoking_the_record_takes_the_entry_off_its_list(rules: None, handler: User, tmp_path: Path) -> None:
    case = "（2026）苏0281执1001号"
    _import(_write(tmp_path / "a.csv", COURT_HEADER, [_court_row("江阴市利港恒远机械有限公司", HENGYUAN, case)]),
            "black_list")
    record = Record.objects.get(category_code="black_list")
    record_revoke(record=record, reason="执行法院撤销失信决定", actor=None)
    entry = _entry(case)
    assert entry.status == EntryStatus.EXITED and entry.exit_reason == ExitReason.REVOKED
    assert check_subject(actor=handler, matter="funds", purpose="专项资金审核", code=HENGYUAN).hits == []


RED_HEADER = ["名单名称", "企业名称", "统一社会信用代码", "公告文号", "认定部门", "评定日期", "发布日期"]


def test_a_red_list_file_gives_rewards(rules: None, handler: User, tmp_path: Path) -> None:
    rows = [["A级纳税人", "江阴兴达纺织有限公司", XINGDA, "澄税公告〔2026〕3号", "国家税务总局江阴市税务局",
             "2026-04-15", "2026-04-20"],
            ["失信被执行人名单", "江阴市利港恒远机械有限公司", HENGYUAN, "澄税公告〔2026〕4号", "国家税务总局江阴市税务局",
             "2026-04-15", "2026-04-20"]]
    result = _import(_write(tmp_path / "红名单.csv", RED_HEADER, rows), "red_list")
    # A black list named in a red-list file is refused for that row, in the clerk's words.
    assert (result.accepted, result.rejected) == (1, 1)
    assert result.errors[0]["row"] == 3 and result.errors[0]["field"] == "名单名称"
    found = check_subject(actor=handler, matter="honours", purpose="评先评优", code=XINGDA)
    assert found.hits[0].entry.kind.code == "tax_grade_a"
    assert {m.nature for m in found.hits[0].measures} == {"reward"}


def test_a_watched_subject_newly_listed_raises_an_alert(
    rules: None, handler: User, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.XINYONG_ALERT_EMAIL = True
    funds = factories.unit("czzcglj")
    User.objects.filter(pk=handler.pk).update(email="handler@example.invalid", unit=funds)
    watched, early = watch_add(actor=handler, department=funds, reason="2026年工业专项资金拟扶持企业",
                               name="江阴市利港恒远机械有限公司", code=HENGYUAN)
    other, _ = watch_add(actor=handler, department=funds, reason="2026年工业专项资金拟扶持企业",
                         name="江阴市利港恒远机械有限公司江阴分公司")
    assert early == []
    case = "（2026）苏0281执1001号"
    with django_capture_on_commit_callbacks(execute=True):
        _import(_write(tmp_path / "a.csv", COURT_HEADER, [_court_row("江阴市利港恒远机械有限公司", HENGYUAN, case)]),
                "black_list")
    alert = Alert.objects.get()
    assert (alert.watch, alert.event, alert.entry) == (watched, AlertEvent.LISTED, _entry(case))
    assert not Alert.objects.filter(watch=other).exists()  # a branch is another entity
    assert len(mail.outbox) == 1 and "江阴市利港恒远机械有限公司" in mail.outbox[0].body
    assert Alert.objects.get().emailed_at is not None

    header = [*COURT_HEADER, "移出日期", "移出原因"]
    row = [*_court_row("江阴市利港恒远机械有限公司", HENGYUAN, case), "2026-11-23", "已履行"]
    _import(_write(tmp_path / "b.csv", header, [row]), "black_list", at="2026-11-24T09:00:00+08:00")
    assert Alert.objects.filter(watch=watched, event=AlertEvent.EXITED).count() == 1


def test_a_new_watch_is_screened_at_once(entries: dict[str, ListEntry], handler: User) -> None:
    _watch, alerts = watch_add(actor=handler, department=factories.unit("czzcglj"), reason="专项资金拟扶持企业",
                               name="江阴市利港恒远机械有限公司")
    assert [a.entry for a in alerts] == [entries["hengyuan"]]


# --------------------------------------------------------------------------------------------------------
# record hits: a supplier's 重大违法记录 bars it from procurement without any list
# --------------------------------------------------------------------------------------------------------


def _penalty(tmp_path: Path, number: str, *, kinds: str, fine: str, decided: dt.date, uscc: str = HENGYUAN) -> Record:
    authority = factories.unit("zhzfj")
    row = factories.penalty_row(number=number, authority=authority, name="江阴市利港恒远机械有限公司", uscc=uscc,
                                decided=decided)
    row.update({"处罚类别": kinds, "罚款金额（万元）": fine})
    with clock.frozen(f"{decided.isoformat()}T12:00:00+08:00"):
        result = factories.import_penalties(tmp_path, department=authority, actor=None, rows=[row],
                                            name=f"{number}.csv", submitted_at=clock.now())
    assert result.accepted == 1, result.errors
    return Record.objects.get(category_code="admin_penalty", key__startswith=unicodedata.normalize("NFKC", number))


def test_a_serious_penalty_within_three_years_bars_procurement(handler: User, tmp_path: Path) -> None:
    revoked = _penalty(tmp_path, "澄综执罚〔2026〕7号", kinds="吊销许可证件", fine="", decided=dt.date(2026, 5, 6))
    _penalty(tmp_path, "澄综执罚〔2026〕8号", kinds="罚款", fine="250", decided=dt.date(2026, 6, 1))
    _penalty(tmp_path, "澄综执罚〔2026〕9号", kinds="罚款", fine="199.99", decided=dt.date(2026, 6, 2))
    _penalty(tmp_path, "澄综执罚〔2023〕5号", kinds="责令停产停业", fine="", decided=dt.date(2023, 11, 20))
    found = check_subject(actor=handler, matter="procurement", purpose="采购项目资格审查", code=HENGYUAN)
    documents = sorted(hit.title for hit in found.record_hits)
    assert documents == ["澄综执罚〔2026〕7号", "澄综执罚〔2026〕8号"]  # 199.99 万元 and 2023-11-20 do not count
    eight = next(hit for hit in found.record_hits if hit.title.endswith("8号"))
    assert "罚款250万元，达到200万元" in eight.explanation
    assert [m.memorandum.number for m in eight.measures] == ["国务院令第658号"]
    assert found.log.hit_count == 2
    # A batch looks the records up for all its subjects at once, with the same answer.
    batch = check_batch(actor=handler, matter="procurement", purpose="采购项目资格审查",
                        rows=[("江阴市清风电子有限公司", ""), ("", HENGYUAN)])
    assert [sorted(h.title for h in r.record_hits) for r in batch] == [[], documents]

    # Not a procurement: no such measure; a name that merely resembles: no lookup of records.
    assert check_subject(actor=handler, matter="honours", purpose="评优", code=HENGYUAN).record_hits == []
    similar = check_subject(actor=handler, matter="procurement", purpose="资格审查", name="江阴利港恒远机械有限公司江阴分公司")
    assert similar.record_hits == []

    record_revoke(record=revoked, reason="复议撤销", actor=None)
    again = check_subject(actor=handler, matter="procurement", purpose="资格审查", code=HENGYUAN)
    assert [hit.title for hit in again.record_hits] == ["澄综执罚〔2026〕8号"]

    outcome = outcome_record(actor=handler, check_log=again.log, record=again.record_hits[0].record, applied=True,
                             measure=again.record_hits[0].measures[0])
    assert outcome.record_id == again.record_hits[0].record.pk and outcome.entry_id is None
    with pytest.raises(XinyongError):
        outcome_record(actor=handler, check_log=again.log, record=revoked, applied=True)


def test_a_court_file_of_many_rows_alerts_exactly_the_watches_it_concerns(
    rules: None, handler: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many entries at once are screened against the watches held in memory; past WATCHES_IN_MEMORY, one query
    per entry. Both give the same alerts."""
    from xinyong.core.identifiers import make_uscc
    from xinyong.lists import monitoring

    funds = factories.unit("czzcglj")
    dongfang = make_uscc("91", "320281", "7000011A")
    by_code, _ = watch_add(actor=handler, department=funds, reason="专项资金", code=HENGYUAN)
    by_variant, _ = watch_add(actor=handler, department=funds, reason="专项资金", name="江阴利港恒远机械有限责任公司")
    branch, _ = watch_add(actor=handler, department=funds, reason="专项资金", name="江阴市利港恒远机械有限公司江阴分公司")
    by_town, _ = watch_add(actor=handler, department=funds, reason="专项资金", name="利港东方重工有限公司")
    other, _ = watch_add(actor=handler, department=funds, reason="专项资金", name="江阴市清风电子有限公司")
    rows = [
        _court_row("江阴市利港恒远机械有限公司", HENGYUAN, "（2026）苏0281执1001号"),
        _court_row("江阴市东方重工有限公司", dongfang, "（2026）苏0281执1002号"),
        _court_row("江阴市华士新材料有限公司", make_uscc("91", "320281", "7000012B"), "（2026）苏0281执1003号"),
    ]
    _import(_write(tmp_path / "court.csv", COURT_HEADER, rows), "black_list")

    def alerted() -> set[tuple[int, str]]:
        return {(a.watch_id, a.entry.uscc) for a in Alert.objects.select_related("entry")}

    in_memory = alerted()
    assert in_memory == {(by_code.pk, HENGYUAN), (by_variant.pk, HENGYUAN), (by_town.pk, dongfang)}
    Alert.objects.all().delete()
    monkeypatch.setattr(monitoring, "WATCHES_IN_MEMORY", 0)
    monitoring.entries_changed(entries=list(ListEntry.objects.all()))
    assert alerted() == in_memory
    assert not Alert.objects.filter(watch__in=[branch, other]).exists()
