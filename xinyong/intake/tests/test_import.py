"""The import path end to end: real files in, records, held-back rows, kept originals and audit out."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core.clock import LOCAL_TZ
from xinyong.core.errors import XinyongError
from xinyong.core.identifiers import make_resident_id, make_uscc
from xinyong.intake import services
from xinyong.intake.models import Batch, RejectedRow
from xinyong.intake.services import import_file
from xinyong.org.models import Unit
from xinyong.records.models import Record, RecordVersion
from xinyong.subjects.models import Subject, SubjectKind, SubjectName

pytestmark = pytest.mark.django_db

HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "证件类型", "证件号码",
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
    "处罚决定日期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码",
]
COMPANY = make_uscc("91", "320281", "MA1MY0K5")
SHOP = make_uscc("92", "320281", "MA1N2B3C")


def _unit() -> Unit:
    return Unit.objects.get(code="zhzfj")


def _row(name: str, category: str, code: str, doc: str, date: str, *, kinds: str = "警告、罚款", fine: str = "1.5",
         id_type: str = "", id_number: str = "") -> list[str]:
    unit = _unit()
    return [
        name, category, code, id_type, id_number, doc, "未按规定设置消防安全标志", "经查属实", "《中华人民共和国消防法》第六十条",
        kinds, "警告并处罚款", fine, date, unit.name, unit.uscc, unit.name, unit.uscc,
    ]


def _csv(path: Path, rows: list[list[str]], *, title: bool = True, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow(["江阴市利港街道综合执法局行政处罚信息公示表"])
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def test_rows_are_checked_kept_and_counted(reference_data: Any, tmp_path: Path) -> None:
    person = make_resident_id("320281", dt.date(1960, 5, 4), 17)  # area code newer than the birth year: valid
    path = _csv(
        tmp_path / "处罚.csv",
        [
            _row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28"),
            _row("江阴市利港某五金经营部", "个体工商户", SHOP, "澄综执罚〔2020〕2号", "2020年2月30日"),
            _row("某甲", "自然人", "", "澄综执罚〔2020〕3号", "2020/10/12", kinds="警告", fine="",
                 id_type="居民身份证", id_number=person),
            _row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕4号", "2020.10.13", fine=""),
        ],
    )
    result = import_file(
        path=path, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-10-15T10:00")
    )
    assert (result.rows, result.accepted, result.rejected) == (4, 2, 2)
    assert result.header_row == 2
    by_row = {(e["row"], e["field"]): e for e in result.errors}
    assert by_row[(4, "处罚决定日期")]["code"] == "E_BAD_DATE"
    assert "2月30日" in by_row[(4, "处罚决定日期")]["message"]
    assert by_row[(6, "罚款金额（万元）")]["code"] == "E_FINE_AMOUNT_REQUIRED"
    # 2020-09-28 + 7 working days = 2020-10-14 (National Day week, make-up Sunday and Saturday): one day late.
    late = Record.objects.get(key__startswith="澄综执罚〔2020〕1号")
    assert late.deadline == dt.date(2020, 10, 14)
    assert late.late_workdays == 1
    on_time = Record.objects.get(key__startswith="澄综执罚〔2020〕3号")
    assert on_time.late_workdays == 0
    assert result.late == 1
    assert on_time.subject is not None and on_time.subject.kind == SubjectKind.NATURAL_PERSON
    assert on_time.subject.id_number == person
    rejected = RejectedRow.objects.filter(batch_id=result.batch).order_by("row_number")
    assert [r.row_number for r in rejected] == [4, 6]
    assert rejected[0].values["CF_JDRQ"] == "2020年2月30日"
    batch = Batch.objects.get(pk=result.batch)
    assert (batch.rows, batch.accepted, batch.rejected, batch.late) == (4, 2, 2, 1)
    kept = Path(batch.stored_file)
    assert kept.read_bytes() == path.read_bytes()
    assert batch.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert AuditEvent.objects.filter(action="intake.batch_imported", object_id=str(batch.pk)).exists()
    assert audit_verify() is None


def test_xlsx_with_title_rows_date_cells_and_notes(reference_data: Any, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["行政处罚信息公示表"])
    sheet.merge_cells("A1:E1")
    sheet.append(["填报单位：综合执法局"])
    sheet.append(HEADER)
    row: list[Any] = _row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕9号", "")
    row[12] = dt.datetime(2020, 11, 19)
    row[11] = 1.5
    sheet.append(row)
    sheet.append([])
    sheet.append(["注：1.处罚类别可多选，用顿号分隔。"])
    path = tmp_path / "处罚.xlsx"
    book.save(path)
    result = import_file(
        path=path, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-11-20T09:00")
    )
    assert (result.rows, result.accepted, result.rejected) == (1, 1, 0), result.errors
    record = Record.objects.get()
    assert record.decision_date == dt.date(2020, 11, 19)
    assert record.data["CF_NR_FK"] == "1.5"
    assert record.data["CF_CFLB"] == ["警告", "罚款"]


def test_same_decision_again_is_a_new_version(reference_data: Any, tmp_path: Path) -> None:
    first = _csv(tmp_path / "a.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28")])
    import_file(path=first, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-09-30T10:00"))
    with pytest.raises(XinyongError) as excinfo:
        import_file(path=first, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-10-30T10:00"))
    assert excinfo.value.code == "E_DUPLICATE_FILE" and "批次" in excinfo.value.message
    same_content = tmp_path / "a-again.csv"
    same_content.write_bytes(first.read_bytes() + b"\r\n")
    again = import_file(
        path=same_content, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-10-30T10:00")
    )
    assert again.unchanged == 1 and again.created == 0
    changed = _csv(
        tmp_path / "b.csv",
        [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28", fine="2")],
    )
    result = import_file(path=changed, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-10-30T10:00"))
    assert result.revised == 1
    record = Record.objects.get()
    assert record.version == 2
    assert record.data["CF_NR_FK"] == "2"
    assert record.late_workdays == 0  # timeliness is that of the first submission
    old = RecordVersion.objects.get(record=record)
    assert old.version == 1 and old.data["CF_NR_FK"] == "1.5"


def test_a_crash_inside_the_batch_leaves_nothing_half_written(
    reference_data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(
        tmp_path / "a.csv",
        [
            _row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28"),
            _row("坏行", "法人及非法人组织", "123", "澄综执罚〔2020〕2号", "2020-09-28"),
        ],
    )

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    # Fault injection at the last write of the batch: records and subjects were already inserted by then.
    monkeypatch.setattr(RejectedRow.objects, "bulk_create", crash)
    with pytest.raises(OSError):
        import_file(path=path, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-09-30T10:00"))
    assert not Batch.objects.exists()
    assert not Record.objects.exists()
    assert not Subject.objects.filter(uscc=COMPANY).exists()
    monkeypatch.undo()
    result = import_file(path=path, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-09-30T10:00"))
    assert (result.accepted, result.rejected) == (1, 1)
    assert Record.objects.count() == 1


def test_older_layout_is_mapped_and_party_category_inferred(reference_data: Any, tmp_path: Path) -> None:
    unit = _unit()
    person = make_resident_id("320281", dt.date(1985, 3, 9), 22)
    header = [
        "行政处罚决定书文号", "处罚名称", "处罚类别1", "处罚类别2", "处罚事由", "处罚依据", "行政相对人名称",
        "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(组织机构代码)", "行政相对人代码_5(居民身份证号)",
        "法定代表人姓名", "处罚结果", "处罚决定日期", "处罚机关", "当前状态", "地方编码", "数据更新时间戳",
        "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "罚款金额（万元）",
    ]
    rows = [
        ["澄综执罚〔2016〕1号", "违反消防管理", "警告", "罚款", "未设置消防标志", "消防法", "江阴市利港恒远机械有限公司",
         COMPANY, "MA1MY0K5X", "", "某乙", "警告并罚款", "2016-08-01", unit.name, "0", "320281", "2016-08-02 10:00:00",
         unit.uscc, unit.name, unit.uscc, "0.5"],
        ["澄综执罚〔2016〕2号", "违反消防管理", "警告", "", "未设置消防标志", "消防法", "某丙", "", "", person, "", "警告",
         "2016-08-01", unit.name, "0", "320281", "2016-08-02 10:00:00", unit.uscc, unit.name, unit.uscc, ""],
    ]
    path = tmp_path / "old.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    result = import_file(path=path, category_code="admin_penalty", department=unit, submitted_at=_at("2016-08-05T10:00"))
    assert (result.accepted, result.rejected) == (2, 0), result.errors
    company = Record.objects.get(key__startswith="澄综执罚〔2016〕1号")
    assert company.data["CF_XDR_LB"] == "法人及非法人组织"
    assert company.data["CF_CFLB"] == ["警告", "罚款"]
    assert company.data["CF_SY"] == "未设置消防标志"
    person_record = Record.objects.get(key__startswith="澄综执罚〔2016〕2号")
    assert person_record.data["CF_XDR_LB"] == "自然人"
    assert person_record.data["CF_ZJHM"] == person


def test_identifier_problems_are_answered_row_by_row(reference_data: Any, tmp_path: Path) -> None:
    future = make_resident_id("320281", dt.date(2030, 1, 1), 11)
    permit = make_resident_id("810000", dt.date(1990, 1, 1), 11)
    bad_check = COMPANY[:-1] + ("0" if COMPANY[-1] != "0" else "1")
    rows = [
        _row("甲公司", "法人及非法人组织", bad_check, "文1", "2020-09-28"),
        _row("乙公司", "法人及非法人组织", "９１" + COMPANY[2:].lower(), "文2", "2020-09-28"),
        _row("某丁", "自然人", "", "文3", "2020-09-28", kinds="警告", fine="", id_type="居民身份证", id_number=future),
        _row("某戊", "自然人", "", "文4", "2020-09-28", kinds="警告", fine="", id_type="港澳台居民居住证", id_number=permit),
        _row("丙公司", "法人及非法人组织", "", "文5", "2020-09-28"),
    ]
    result = import_file(
        path=_csv(tmp_path / "ids.csv", rows, title=False), category_code="admin_penalty", department=_unit(),
        submitted_at=_at("2020-10-15T10:00"),
    )
    codes = {e["row"]: e["code"] for e in result.errors}
    assert codes == {2: "E_USCC_CHECKSUM", 4: "E_ID_FUTURE_BIRTH", 6: "E_PARTY_CODE_MISMATCH"}
    assert Record.objects.get(key__startswith="文2").data["CF_XDR_SHDM"] == COMPANY  # full-width, lower case cleaned
    assert Record.objects.get(key__startswith="文4").data["CF_ZJHM"] == permit


def test_duplicate_decision_within_one_file(reference_data: Any, tmp_path: Path) -> None:
    row = _row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28")
    result = import_file(
        path=_csv(tmp_path / "dup.csv", [row, row]), category_code="admin_penalty", department=_unit(),
        submitted_at=_at("2020-10-15T10:00"),
    )
    assert (result.accepted, result.rejected) == (1, 1)
    assert result.errors[0]["row"] == 4 and result.errors[0]["code"] == "E_DUPLICATE_IN_FILE"
    assert "第3行" in result.errors[0]["message"]


def test_registry_import_creates_subjects_and_keeps_name_history(reference_data: Any, tmp_path: Path) -> None:
    path = tmp_path / "reg.csv"
    path.write_text(f"企业名称,统一社会信用代码,法定代表人,成立日期\n江阴市利港恒远机械有限公司,{COMPANY},某己,2008-03-01\n", encoding="utf-8")
    import_file(path=path, category_code="legal_person", department=Unit.objects.get(code="jjfzk"))
    subject = Subject.objects.get(uscc=COMPANY)
    assert subject.kind == SubjectKind.ENTERPRISE
    assert subject.established_on == dt.date(2008, 3, 1)
    path.write_text(f"名称,统一社会信用代码,负责人\n江阴市恒远智能装备有限公司,{COMPANY},某庚\n", encoding="utf-8")
    import_file(path=path, category_code="legal_person", department=Unit.objects.get(code="jjfzk"))
    subject.refresh_from_db()
    assert subject.name == "江阴市恒远智能装备有限公司"
    assert subject.legal_rep == "某庚"
    assert list(SubjectName.objects.filter(subject=subject).order_by("id").values_list("name", flat=True)) == [
        "江阴市利港恒远机械有限公司",
        "江阴市恒远智能装备有限公司",
    ]


def test_cli_json_output(reference_data: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(
        tmp_path / "a.csv",
        [
            _row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28"),
            _row("乙", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕2号", "2099-01-01"),
        ],
    )
    call_command(
        "import", str(path), "--category", "admin_penalty", "--department", "综合执法局（含安全监督科）",
        "--submitted-at", "2020-10-15T10:00", "--json",
    )
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("category", "rows", "accepted", "rejected", "late")} == {
        "category": "admin_penalty", "rows": 2, "accepted": 1, "rejected": 1, "late": 1,
    }
    assert out["errors"] == [
        {"row": 4, "field": "处罚决定日期", "code": "E_FUTURE_DATE", "message": out["errors"][0]["message"]}
    ]
    assert "晚于报送日期" in out["errors"][0]["message"]


def test_the_result_keeps_the_first_errors_and_counts_them_all(
    reference_data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A file of bad rows must not gather every error in memory: the result keeps the first ones, the batch all.
    monkeypatch.setattr(services, "RESULT_ERRORS_KEPT", 5)
    rows = [
        _row(f"企业{i}", "法人及非法人组织", COMPANY[:-1] + "0" if COMPANY[-1] != "0" else COMPANY[:-1] + "1",
             f"澄综执罚〔2020〕{i}号", "2020年2月30日")
        for i in range(12)
    ]
    path = _csv(tmp_path / "bad.csv", rows)
    call_command(
        "import", str(path), "--category", "admin_penalty", "--department", "zhzfj",
        "--submitted-at", "2020-10-15T10:00", "--json",
    )
    out = json.loads(capsys.readouterr().out)
    assert (out["rows"], out["rejected"]) == (12, 12)
    assert len(out["errors"]) == 5
    assert out["errors_total"] == 24 and out["errors_truncated"] is True  # two errors a row
    assert [e["row"] for e in out["errors"]] == [3, 3, 4, 4, 5]
    assert RejectedRow.objects.count() == 12
    assert sum(len(r.errors) for r in RejectedRow.objects.all()) == 24
    call_command(
        "import", str(_csv(tmp_path / "bad2.csv", rows[:11])), "--category", "admin_penalty",
        "--department", "zhzfj", "--submitted-at", "2020-10-15T10:00",
    )
    text = capsys.readouterr().out
    assert text.count("（E_") == 5
    batch = Batch.objects.order_by("-pk").first()
    assert batch is not None
    assert f"……另有 17 条错误未列出；全部未通过的数据已留存在批次 {batch.pk}，可在网页“报送批次”" in text


def test_cli_refuses_unreadable_files_and_wrong_arguments(reference_data: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    with pytest.raises(CommandError, match="PDF"):
        call_command("import", str(pdf), "--category", "admin_penalty")
    good = _csv(tmp_path / "a.csv", [])
    with pytest.raises(CommandError, match="信息类别"):
        call_command("import", str(good), "--category", "no_such_category")
    with pytest.raises(CommandError, match="找不到单位"):
        call_command("import", str(good), "--category", "admin_penalty", "--department", "不存在的部门")
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import", str(tmp_path / "missing.csv"), "--category", "admin_penalty")
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        ("91", SubjectKind.ENTERPRISE),
        ("92", SubjectKind.INDIVIDUAL_BUSINESS),
        ("11", SubjectKind.GOVERNMENT),
        ("12", SubjectKind.INSTITUTION),
        ("52", SubjectKind.SOCIAL_ORG),
        ("N2", SubjectKind.VILLAGE),
    ],
)
def test_subject_kind_follows_the_code_prefix(reference_data: Any, tmp_path: Path, prefix: str, kind: str) -> None:
    code = make_uscc(prefix, "320281", "00000000" if prefix[0].isdigit() else "MA000000")
    path = tmp_path / "reg.csv"
    path.write_text(f"名称,统一社会信用代码\n某某单位,{code}\n", encoding="utf-8")
    result = import_file(path=path, category_code="legal_person", department=Unit.objects.get(code="jjfzk"))
    assert result.accepted == 1, result.errors
    assert Subject.objects.get(uscc=code).kind == kind


def test_a_corrected_decision_date_moves_the_deadline_but_not_the_submission(reference_data: Any, tmp_path: Path) -> None:
    first = _csv(tmp_path / "a.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28")])
    import_file(path=first, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-10-14T23:00"))
    record = Record.objects.get()
    assert (record.deadline, record.is_late) == (dt.date(2020, 10, 14), False)
    # Corrected a month later with a decision date one working day earlier: the original submission was late.
    fixed = _csv(tmp_path / "b.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚(2020)1号", "2020-09-27")])
    result = import_file(path=fixed, category_code="admin_penalty", department=_unit(), submitted_at=_at("2020-11-30T10:00"))
    assert (result.revised, result.created) == (1, 0)  # bracket styles name the same decision
    record.refresh_from_db()
    assert record.deadline == dt.date(2020, 10, 13)
    assert (record.is_late, record.late_workdays) == (True, 1)
    assert result.late == 1
    assert Batch.objects.get(pk=result.batch).late == 1


def test_a_year_missing_from_the_calendar_still_counts_a_known_late_record(reference_data: Any, tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "澄综执罚〔2020〕1号", "2020-09-28")])
    result = import_file(path=path, category_code="admin_penalty", department=_unit(), submitted_at=_at("2030-01-02T10:00"))
    record = Record.objects.get()
    assert record.deadline == dt.date(2020, 10, 14)
    assert record.is_late and record.late_workdays is None
    assert result.late == 1
    assert any("2027" in w["message"] for w in result.warnings)


def test_wrong_category_is_refused_for_the_file_with_a_hint(reference_data: Any, tmp_path: Path) -> None:
    path = _csv(tmp_path / "penalty.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "文1", "2020-09-28")])
    with pytest.raises(XinyongError) as excinfo:
        import_file(path=path, category_code="admin_license", department=_unit(), submitted_at=_at("2020-10-14T10:00"))
    assert excinfo.value.code == "E_COLUMNS_MISSING"
    assert "行政许可决定文书号" in excinfo.value.message
    assert "行政处罚信息" in excinfo.value.message and "选错" in excinfo.value.message
    assert not Batch.objects.exists() and not RejectedRow.objects.exists()


def test_older_layout_without_source_columns_takes_them_from_the_department(reference_data: Any, tmp_path: Path) -> None:
    unit = _unit()
    path = tmp_path / "old.csv"
    path.write_text(
        "行政处罚决定书文号,处罚名称,处罚类别1,处罚事由,处罚依据,行政相对人名称,行政相对人代码_1(统一社会信用代码),"
        "处罚结果,处罚决定日期,处罚机关,当前状态,联系电话\n"
        f"澄综执罚〔2016〕1号,违反消防管理,警告,未设置消防标志,消防法,江阴市利港恒远机械有限公司,{COMPANY},警告,2016-08-01,"
        f"{unit.name},0,0510-80000000\n",
        encoding="utf-8",
    )
    result = import_file(path=path, category_code="admin_penalty", department=unit, submitted_at=_at("2016-08-05T10:00"))
    assert (result.accepted, result.rejected) == (1, 0), result.errors
    data = Record.objects.get().data
    assert (data["CF_SJLY"], data["CF_SJLYDM"], data["CF_CFJGDM"]) == ("综合执法局(含安全监督科)", unit.uscc, unit.uscc)
    messages = " ".join(w["message"] for w in result.warnings)
    assert "联系电话" in messages and "数据来源单位" in messages and "罚款金额" in messages


def test_total_rows_are_skipped_and_header_only_files_refused(reference_data: Any, tmp_path: Path) -> None:
    rows = [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "文1", "2020-09-28"), ["合计", "", "", "", "", "1"]]
    result = import_file(path=_csv(tmp_path / "t.csv", rows), category_code="admin_penalty", department=_unit(),
                         submitted_at=_at("2020-10-14T10:00"))
    assert (result.rows, result.accepted, result.rejected) == (1, 1, 0)
    with pytest.raises(XinyongError) as excinfo:
        import_file(path=_csv(tmp_path / "empty.csv", []), category_code="admin_penalty", department=_unit())
    assert excinfo.value.code == "E_NO_DATA_ROWS"


def test_a_residence_permit_filed_as_an_id_card_is_one_person(reference_data: Any, tmp_path: Path) -> None:
    permit = make_resident_id("820000", dt.date(1992, 3, 3), 22)
    rows = [
        _row("某辛", "自然人", "", "文1", "2020-09-28", kinds="警告", fine="", id_type="身份证", id_number=permit),
        _row("某辛", "自然人", "", "文2", "2020-09-28", kinds="警告", fine="", id_type="港澳台居民居住证", id_number=permit),
    ]
    result = import_file(path=_csv(tmp_path / "p.csv", rows), category_code="admin_penalty", department=_unit(),
                         submitted_at=_at("2020-10-14T10:00"))
    assert result.accepted == 2, result.errors
    assert Subject.objects.filter(id_number=permit).count() == 1
    assert Subject.objects.get(id_number=permit).id_type == "港澳台居民居住证"


def test_command_line_errors_are_chinese_and_json_errors_are_json(reference_data: Any, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "XINYONG_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    run = [sys.executable, "-m", "xinyong.cli"]
    subprocess.run([*run, "setup"], env=env, check=True, capture_output=True)
    pdf = tmp_path / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    human = subprocess.run([*run, "import", str(pdf), "--category", "admin_penalty"], env=env, capture_output=True, text=True)
    assert human.returncode == 1
    assert human.stderr.startswith("错误：") and "PDF" in human.stderr
    assert "CommandError" not in human.stderr and "Traceback" not in human.stderr
    machine = subprocess.run(
        [*run, "import", str(pdf), "--category", "admin_penalty", "--json"], env=env, capture_output=True, text=True
    )
    assert machine.returncode == 1
    assert json.loads(machine.stdout)["error"]["code"] == "E_FILE_UNREADABLE"


def test_cli_progress_on_request(reference_data: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path / "a.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "文1", "2020-09-28")])
    call_command("import", str(path), "--category", "admin_penalty", "--department", "zhzfj", "--progress")
    captured = capsys.readouterr()
    assert "已检查 1 行" in captured.err
    assert "通过 1 行" in captured.out
    path2 = _csv(tmp_path / "b.csv", [_row("江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, "文2", "2020-09-28")])
    call_command("import", str(path2), "--category", "admin_penalty", "--department", "zhzfj", "--json")
    assert "已检查" not in capsys.readouterr().err
