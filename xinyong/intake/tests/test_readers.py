"""File reading on real files built here: .xlsx (openpyxl), .xls (xlwt), CSV in several encodings, and the
wrong, broken and hostile files that clerks and attackers upload."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake import readers
from xinyong.intake.readers import (
    HeaderMatch,
    RawRow,
    detect_format,
    find_header,
    human_size,
    is_note_row,
    iter_rows,
    iter_rows_with_header,
    normalize_header,
)

ALIASES: dict[str, list[str]] = {
    "CF_XDR_MC": ["行政相对人名称"],
    "CF_XDR_SHXYM": ["行政相对人代码_1(统一社会信用代码)", "统一社会信用代码", "行政相对人代码_1"],
    "CF_WSH": ["行政处罚决定书文号"],
    "CF_CFLB": ["处罚类别"],
    "CF_FK": ["罚款金额(万元)", "罚款金额"],
    "CF_JDRQ": ["处罚决定日期"],
    "CF_XDR_GSZC": ["工商注册号", "行政相对人代码_2(工商注册号)"],
    "CF_CFJG": ["处罚机关"],
}
HEADER = [
    "行政相对人名称",
    "行政相对人代码_1\n（统一社会信用代码）",
    "*行政处罚决定书文号",
    "处罚类别",
    "罚款金额（万元）",
    "处罚决定日期",
]
COMPANY = "91320281MA1MY0K5XB"


def _rows(rows: Iterable[RawRow]) -> list[tuple[int, list[object]]]:
    return [(row.number, row.cells) for row in rows]


def _error(exc_info: pytest.ExceptionInfo[XinyongError]) -> tuple[ErrorCode, str]:
    return exc_info.value.code, exc_info.value.message


# ----------------------------------------------------------------------------------------------------------
# .xlsx


def _government_xlsx(path: Path) -> Path:
    """A penalty sheet as a department fills the city template: a hidden instructions sheet first, a merged
    two-row title, a header with line breaks and full-width brackets, data with a blank row, notes below."""
    wb = openpyxl.Workbook()
    hidden = wb.active
    assert hidden is not None
    hidden.title = "填报说明"
    hidden["A1"] = "本表用于报送行政处罚信息"
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("行政处罚")
    ws["A1"] = "江阴市利港街道行政处罚信息公示表"
    ws.merge_cells("A1:F1")
    ws["A2"] = "报送单位：综合执法局"
    ws.merge_cells("A2:F2")
    for col, name in enumerate(HEADER, start=1):
        ws.cell(row=3, column=col, value=name)
    ws.append(["江阴某某机械有限公司", COMPANY, "澄利综执罚〔2020〕12号", "罚款", 1.5, dt.date(2020, 11, 19)])
    ws.append([])  # a blank row in the middle
    ws.append(["江阴某某商店", 12345, "澄利综执罚〔2020〕13号", "警告", None, "2020/11/20", None, "   "])
    ws.append(
        ["江阴某某餐馆", COMPANY, "澄利综执罚〔2020〕14号", "罚款", 0.1, dt.datetime(2020, 11, 21, 9, 30)]
    )
    ws.append([])
    ws.append(["注：1.罚款金额以万元为单位；2.日期格式为 2020-11-19。"])
    ws.merge_cells("A9:F9")
    ws.append(["填表人：张三", None, "审核人：李四"])
    path = path / "处罚.xlsx"
    wb.save(path)
    return path


def test_xlsx_rows_numbers_and_cells(tmp_path: Path) -> None:
    path = _government_xlsx(tmp_path)
    assert detect_format(path) == "xlsx"
    rows = _rows(iter_rows(path))
    numbers = [n for n, _ in rows]
    # The hidden instructions sheet is skipped; blank rows are skipped but still counted.
    assert numbers == [1, 2, 3, 4, 6, 7, 9, 10]
    assert rows[0][1] == ["江阴市利港街道行政处罚信息公示表"]  # merged title: value in the top-left cell only
    assert rows[2][1][1] == "行政相对人代码_1\n（统一社会信用代码）"
    assert rows[3][1] == [
        "江阴某某机械有限公司",
        COMPANY,
        "澄利综执罚〔2020〕12号",
        "罚款",
        1.5,
        dt.date(2020, 11, 19),
    ]
    # Trailing empty and whitespace-only cells are trimmed; a whole number comes back as int, not 12345.0.
    assert rows[4][1] == ["江阴某某商店", 12345, "澄利综执罚〔2020〕13号", "警告", None, "2020/11/20"]
    assert rows[5][1][4] == 0.1
    assert rows[5][1][5] == dt.datetime(2020, 11, 21, 9, 30)
    assert rows[7][1] == ["填表人：张三", None, "审核人：李四"]


def test_xlsx_header_data_and_notes(tmp_path: Path) -> None:
    header, data = find_header(iter_rows(_government_xlsx(tmp_path)), ALIASES)
    assert header.row_number == 3
    assert header.last_row_number == 3
    assert header.columns == {
        0: "CF_XDR_MC",
        1: "CF_XDR_SHXYM",
        2: "CF_WSH",
        3: "CF_CFLB",
        4: "CF_FK",
        5: "CF_JDRQ",
    }
    assert header.unknown == []
    assert header.missing == ["CF_XDR_GSZC", "CF_CFJG"]
    rows = list(data)
    assert [r.number for r in rows] == [4, 6, 7, 9, 10]
    assert [is_note_row(r, header) for r in rows] == [False, False, False, True, True]


@pytest.mark.parametrize("name", ["报表.xls", "upload_8f3a2c", "报表.XLSX", "报表.csv"])
def test_xlsx_under_another_name(tmp_path: Path, name: str) -> None:
    # Clerks rename files, and uploads are stored under temporary names: the content decides.
    path = tmp_path / name
    path.write_bytes(_government_xlsx(tmp_path).read_bytes())
    assert detect_format(path) == "xlsx"
    assert [r.number for r in iter_rows(path)] == [1, 2, 3, 4, 6, 7, 9, 10]


def test_xlsx_table_not_starting_at_a1(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["C3"] = "标题"
    ws["C5"], ws["D5"], ws["E5"] = "行政相对人名称", "处罚决定日期", "罚款金额"
    ws["C6"], ws["D6"], ws["F6"] = "某公司", dt.date(2020, 1, 2), True
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    rows = _rows(iter_rows(path))
    # Column indexes are absolute (0 = column A), row numbers are the sheet's.
    assert rows == [
        (3, [None, None, "标题"]),
        (5, [None, None, "行政相对人名称", "处罚决定日期", "罚款金额"]),
        (6, [None, None, "某公司", dt.date(2020, 1, 2), None, True]),
    ]
    header, data = find_header(iter_rows(path), ALIASES)
    assert header.columns == {2: "CF_XDR_MC", 3: "CF_JDRQ", 4: "CF_FK"}
    assert [r.number for r in data] == [6]


def _two_sheet_xlsx(tmp_path: Path, *, hide_second: bool = False) -> Path:
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "空表"
    second = wb.create_sheet("许可")
    second["A1"] = "许可数据"
    third = wb.create_sheet("处罚")
    third["B2"] = "处罚数据"
    if hide_second:
        second.sheet_state = "hidden"
        third.sheet_state = "hidden"
    path = tmp_path / "sheets.xlsx"
    wb.save(path)
    return path


def test_xlsx_sheet_selection(tmp_path: Path) -> None:
    path = _two_sheet_xlsx(tmp_path)
    assert _rows(iter_rows(path)) == [(1, ["许可数据"])]  # the empty first sheet is passed over
    assert _rows(iter_rows(path, sheet="处罚")) == [(2, [None, "处罚数据"])]
    assert _rows(iter_rows(path, sheet=2)) == [(2, [None, "处罚数据"])]
    assert list(iter_rows(path, sheet=0)) == []
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path, sheet="罚款")
    code, message = _error(exc_info)
    assert code == ErrorCode.SHEET_NOT_FOUND
    assert "空表、许可、处罚" in message
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path, sheet=5)
    assert exc_info.value.code == ErrorCode.SHEET_NOT_FOUND


def test_xlsx_only_hidden_sheets_have_data(tmp_path: Path) -> None:
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(_two_sheet_xlsx(tmp_path, hide_second=True))
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_EMPTY
    assert "隐藏" in message


def test_xlsx_empty_workbook(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert exc_info.value.code == ErrorCode.FILE_EMPTY


def test_xlsx_truncated_upload(tmp_path: Path) -> None:
    good = _government_xlsx(tmp_path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(broken)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_UNREADABLE
    assert "损坏" in message


def test_xlsx_with_broken_sheet_xml(tmp_path: Path) -> None:
    good = _government_xlsx(tmp_path)
    broken = tmp_path / "badxml.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    with pytest.raises(XinyongError) as exc_info:
        list(iter_rows(broken))
    assert exc_info.value.code == ErrorCode.FILE_UNREADABLE


def test_xlsx_rows_are_streamed(tmp_path: Path) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(HEADER)
    for i in range(20_000):
        ws.append(
            [f"江阴某某有限公司{i}", COMPANY, f"澄利综执罚〔2020〕{i}号", "罚款", i / 10, 44154 + i % 300]
        )
    path = tmp_path / "big.xlsx"
    wb.save(path)
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_001
    # All rows as Python objects would take well over 10 MB; one row at a time stays far below.
    assert peak < 3_000_000


# ----------------------------------------------------------------------------------------------------------
# .xls


def test_xls_written_by_xlwt(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    notes = book.add_sheet("说明")
    notes.write(0, 0, "隐藏的说明页")
    notes.visibility = 1  # hidden
    sheet = book.add_sheet("行政处罚")
    sheet.write_merge(0, 0, 0, 5, "行政处罚信息公示表")
    for col, name in enumerate(HEADER):
        sheet.write(2, col, name)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    row = ["江阴某某机械有限公司", COMPANY, "澄利综执罚〔2020〕12号", "罚款", 1.5]
    for col, value in enumerate(row):
        sheet.write(3, col, value)
    sheet.write(3, 5, dt.date(2020, 11, 19), date_style)
    sheet.write(5, 0, "江阴某某商店")
    sheet.write(5, 1, 12345)
    sheet.write(5, 5, 44155)  # a serial number in a cell not formatted as a date
    sheet.write(7, 0, "说明：本表由系统导出")
    path = tmp_path / "处罚.xls"
    book.save(str(path))
    renamed = tmp_path / "处罚.xlsx"
    renamed.write_bytes(path.read_bytes())

    assert detect_format(path) == "xls"
    assert detect_format(renamed) == "xls"
    assert [r.number for r in iter_rows(renamed)] == [1, 3, 4, 6, 8]
    header, data = find_header(iter_rows(path), ALIASES)
    assert header.row_number == 3
    assert len(header.columns) == 6
    rows = list(data)
    assert _rows(rows) == [
        (4, ["江阴某某机械有限公司", COMPANY, "澄利综执罚〔2020〕12号", "罚款", 1.5, dt.date(2020, 11, 19)]),
        (6, ["江阴某某商店", 12345, None, None, None, 44155]),
        (8, ["说明：本表由系统导出"]),
    ]
    assert is_note_row(rows[-1], header)


# ----------------------------------------------------------------------------------------------------------
# CSV

CSV_LINES = [
    "行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚类别,罚款金额(万元),处罚决定日期",
    f"江阴某某机械有限公司,{COMPANY},澄利综执罚〔2020〕12号,罚款,1.5,2020-11-19",
    f"江阴某某商店,{COMPANY},澄利综执罚〔2020〕13号,警告,,2020年11月20日,,",
]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b""), ("utf-16-le", b"\xff\xfe")],
)
def test_csv_encodings(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(bom + "\r\n".join(CSV_LINES).encode(encoding) + b"")
    assert detect_format(path) == "csv"
    rows = _rows(iter_rows(path))
    assert rows[0][1][0] == "行政相对人名称"  # no BOM left in the first header cell
    assert rows[1] == (
        2,
        ["江阴某某机械有限公司", COMPANY, "澄利综执罚〔2020〕12号", "罚款", "1.5", "2020-11-19"],
    )
    assert rows[2] == (3, ["江阴某某商店", COMPANY, "澄利综执罚〔2020〕13号", "警告", None, "2020年11月20日"])
    header, _ = find_header(iter_rows(path), ALIASES)
    assert len(header.columns) == 6


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_csv_delimiters(tmp_path: Path, delimiter: str) -> None:
    lines = [
        "行政处罚信息表",  # a title line with no delimiter at all
        delimiter.join(["行政相对人名称", "处罚类别", "罚款金额(万元)", "违法事实"]),
        delimiter.join(["某公司", "罚款", "1.5", '"未按规定, 设置标志"']),
        delimiter.join(["某商店", "警告", "", "无证经营"]),
    ]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = _rows(iter_rows(path))
    assert rows[0] == (1, ["行政处罚信息表"])
    assert rows[2] == (3, ["某公司", "罚款", "1.5", "未按规定, 设置标志"])
    assert rows[3] == (4, ["某商店", "警告", None, "无证经营"])


def test_csv_row_numbers_with_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    content = (
        "行政处罚信息表,,\n"
        ",,\n"
        "行政相对人名称,违法事实,处罚类别\n"
        '某公司,"第一行\n第二行",罚款\n'
        "\n"
        "某商店,无证经营,警告\n"
        "  ,  ,  \n"
        "注：本表为示例\n"
    )
    path = tmp_path / "m.csv"
    path.write_text(content, encoding="utf-8")
    rows = _rows(iter_rows(path))
    # Numbers are the rows Excel shows: the quoted two-line cell is one row.
    assert rows == [
        (1, ["行政处罚信息表"]),
        (3, ["行政相对人名称", "违法事实", "处罚类别"]),
        (4, ["某公司", "第一行\n第二行", "罚款"]),
        (6, ["某商店", "无证经营", "警告"]),
        (8, ["注：本表为示例"]),
    ]


def test_csv_saved_with_xls_extension_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text("\t".join(["行政相对人名称", "处罚类别"]) + "\n某公司\t罚款\n", encoding="gbk")
    assert detect_format(path) == "csv"
    assert _rows(iter_rows(path))[1] == (2, ["某公司", "罚款"])


def test_csv_encoding_changes_in_the_middle(tmp_path: Path) -> None:
    lines = [",".join(["行政相对人名称", "违法事实"])]
    lines += [f"江阴某某有限公司{i},未按规定设置安全警示标志{i}" for i in range(2, 3000)]
    good = "\n".join(lines).encode("utf-8")
    assert len(good) > 70_000  # beyond the part used to detect the encoding
    bad_line = "江阴某某商店,无证经营".encode("gbk")
    path = tmp_path / "mixed.csv"
    path.write_bytes(good + b"\n" + bad_line + b"\n")
    rows = iter_rows(path)
    with pytest.raises(XinyongError) as exc_info:
        for _ in rows:
            pass
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_UNREADABLE
    assert message.startswith("第3000行含有无法识别的字符")


def test_csv_bom_fixes_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfname,kind\n" + "某公司,罚款\n".encode("gbk"))
    with pytest.raises(XinyongError) as exc_info:
        list(iter_rows(path))
    assert exc_info.value.message.startswith("第2行含有无法识别的字符")


def test_csv_gbk_after_a_long_ascii_start(tmp_path: Path) -> None:
    # Field codes as headers and ASCII-only rows for the whole part used to guess the encoding.
    lines = (
        ["CF_XDR_MC,CF_WSH"]
        + [f"company {i},No.{i}" for i in range(2, 6000)]
        + ["江阴某某商店,澄利罚〔2020〕1号"]
    )
    path = tmp_path / "late.csv"
    path.write_bytes("\n".join(lines).encode("gbk"))
    assert path.stat().st_size > 70_000
    rows = list(iter_rows(path))
    assert (rows[-1].number, rows[-1].cells) == (6000, ["江阴某某商店", "澄利罚〔2020〕1号"])


def test_csv_binary_junk(tmp_path: Path) -> None:
    rng = random.Random(1)
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(5000)))
    with pytest.raises(XinyongError) as exc_info:
        detect_format(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_UNREADABLE
    assert message.startswith("文件中含有无法识别的二进制内容（第")
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path, fmt="csv")
    assert exc_info.value.message.startswith("文件中含有无法识别的二进制内容（第")


def test_csv_control_characters_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ctl.csv"
    path.write_bytes("名称,类别\n某公司,罚款\n".encode() + b"\x01\x02\x03\x04\x05\x06,x\n")
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path, fmt="csv")
    assert "（第3行）" in exc_info.value.message


def test_csv_nul_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    head = "\n".join(f"某公司{i},罚款" for i in range(1, 9000)).encode()
    path.write_bytes(head + b"\n\x00\x00\x00,x\n")
    with pytest.raises(XinyongError) as exc_info:
        list(iter_rows(path, fmt="csv"))
    assert "二进制内容（第9000行）" in exc_info.value.message


def test_csv_a_stray_control_character_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "eof.csv"
    path.write_bytes("名称,类别\n某公司,罚款\n".encode() + b"\x1a")
    assert detect_format(path) == "csv"
    assert len(list(iter_rows(path))) == 3


def test_csv_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(h.replace("\n", "") for h in HEADER) + "\n")
        for i in range(60_000):
            fh.write(f"江阴某某有限公司{i},{COMPANY},澄利综执罚〔2020〕{i}号,罚款,{i / 10},2020-11-19\n")
    assert path.stat().st_size > 5_000_000
    tracemalloc.start()
    try:
        last = None
        for row in iter_rows(path):
            last = row
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last is not None and last.number == 60_001
    assert peak < 1_000_000


def test_csv_unbalanced_quote(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "q.csv"
    body = "名称,事实\n" + '某公司,"没有结束的引号\n' + "\n".join("x" * 100 for _ in range(2000))
    path.write_text(body, encoding="utf-8")
    with pytest.raises(XinyongError) as exc_info:
        list(iter_rows(path))
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_UNREADABLE
    assert message.startswith("第2行附近")


# ----------------------------------------------------------------------------------------------------------
# Wrong, broken and hostile files


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("报表.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF文件"),
        ("报表.xls", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG图片"),
        ("报表.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG图片"),
        ("报表.xlsx", b"Rar!\x1a\x07\x00", "RAR压缩包"),
    ],
)
def test_not_a_spreadsheet(tmp_path: Path, name: str, content: bytes, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(content + bytes(range(256)))
    for call in (lambda: detect_format(path), lambda: iter_rows(path)):
        with pytest.raises(XinyongError) as exc_info:
            call()
        assert _error(exc_info) == (
            ErrorCode.FILE_UNREADABLE,
            f"该文件不是电子表格（看起来是{kind}），请上传 .xlsx、.xls 或 .csv 文件",
        )


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}, "看起来是Word文档"),
        ({"ppt/presentation.xml": b"<p/>"}, "看起来是PowerPoint演示文稿"),
        ({"数据/处罚.xlsx": b"PK"}, "看起来是ZIP压缩包"),
        ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}, ".ods"),
        ({"xl/workbook.bin": b"\x00"}, ".xlsb"),
        ({"OFD.xml": b"<ofd/>"}, "OFD版式文件"),
    ],
)
def test_zip_that_is_not_xlsx(tmp_path: Path, members: dict[str, bytes], expected: str) -> None:
    path = _zip(tmp_path / "upload.zip", members)
    with pytest.raises(XinyongError) as exc_info:
        detect_format(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_UNREADABLE
    assert expected in message


def test_zip_named_xlsx_without_a_workbook(tmp_path: Path) -> None:
    path = _zip(tmp_path / "报表.xlsx", {"a.txt": b"hello"})
    with pytest.raises(XinyongError) as exc_info:
        detect_format(path, "报表.xlsx")
    assert "文件扩展名是 .xlsx，但内容不是有效的 Excel 文件" in exc_info.value.message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"<html><body><table><tr><td>\xe5\x90\x8d\xe7\xa7\xb0</td></tr></table></body></html>",
            "网页（HTML）",
        ),
        (
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
            "Excel 2003 XML",
        ),
    ],
)
def test_system_export_that_is_not_really_excel(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "导出.xls"
    path.write_bytes(content)
    with pytest.raises(XinyongError) as exc_info:
        detect_format(path)
    assert exc_info.value.code == ErrorCode.FILE_UNREADABLE
    assert expected in exc_info.value.message
    assert "另存为" in exc_info.value.message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    for call in (lambda: detect_format(path), lambda: iter_rows(path), lambda: iter_rows(path, fmt="csv")):
        with pytest.raises(XinyongError) as exc_info:
            call()
        assert exc_info.value.code == ErrorCode.FILE_EMPTY


def test_file_with_only_blank_lines_has_no_header(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n,,\n  \n", encoding="utf-8")
    with pytest.raises(XinyongError) as exc_info:
        find_header(iter_rows(path), ALIASES)
    assert exc_info.value.code == ErrorCode.FILE_EMPTY


def _ole2(path: Path, names: list[str], *, sector_shift: int = 9) -> Path:
    """A minimal OLE2 compound file: header, one FAT sector, one directory sector with the given entries."""
    size = 512
    header = bytearray(size)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, sector_shift, 6)
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<II", header, 0x3C, 0xFFFFFFFE, 0)  # no mini FAT
    struct.pack_into("<II", header, 0x44, 0xFFFFFFFE, 0)  # no extra DIFAT sectors
    struct.pack_into("<109I", header, 0x4C, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    directory = bytearray(size)
    for index, (name, kind) in enumerate([("Root Entry", 5)] + [(n, 2) for n in names]):
        encoded = name.encode("utf-16-le") + b"\0\0"
        offset = index * 128
        directory[offset : offset + len(encoded)] = encoded
        struct.pack_into("<HB", directory, offset + 0x40, len(encoded), kind)
    path.write_bytes(bytes(header) + fat + bytes(directory) + b"\0" * size)
    return path


def test_encrypted_xlsx(tmp_path: Path) -> None:
    path = _ole2(tmp_path / "加密.xlsx", ["EncryptionInfo", "EncryptedPackage"])
    for call in (lambda: detect_format(path), lambda: iter_rows(path)):
        with pytest.raises(XinyongError) as exc_info:
            call()
        assert _error(exc_info) == (ErrorCode.FILE_ENCRYPTED, "文件已加密，请取消密码保护后重新上传")


def test_encrypted_xlsx_with_a_damaged_directory(tmp_path: Path) -> None:
    path = _ole2(tmp_path / "加密.xlsx", ["EncryptedPackage"], sector_shift=7)
    with pytest.raises(XinyongError) as exc_info:
        detect_format(path)
    assert exc_info.value.code == ErrorCode.FILE_ENCRYPTED


def test_word_97_document(tmp_path: Path) -> None:
    path = _ole2(tmp_path / "报表.xls", ["WordDocument", "1Table"])
    with pytest.raises(XinyongError) as exc_info:
        detect_format(path)
    assert "看起来是Word文档" in exc_info.value.message


def test_broken_xls(tmp_path: Path) -> None:
    path = _ole2(tmp_path / "报表.xls", ["Workbook"])
    assert detect_format(path) == "xls"
    with pytest.raises(XinyongError) as exc_info:
        list(iter_rows(path))
    assert exc_info.value.code == ErrorCode.FILE_UNREADABLE


def test_ole2_magic_alone(tmp_path: Path) -> None:
    path = tmp_path / "x.xls"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1000)
    assert detect_format(path) == "xls"
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert exc_info.value.code == ErrorCode.FILE_UNREADABLE


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 'xlsx' whose sheet unpacks to 200 MB of zeros from a few hundred KB, written in streaming fashion."""
    path = tmp_path_factory.mktemp("bomb") / "报表.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        chunk = bytes(1 << 20)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(chunk)
    return path


def test_zip_bomb_is_refused_without_unpacking(zip_bomb: Path) -> None:
    assert zip_bomb.stat().st_size < 1_000_000
    assert detect_format(zip_bomb) == "xlsx"
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(zip_bomb)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_UNREADABLE
    assert "压缩比异常" in message


def test_unpacked_size_limit(tmp_path: Path, settings: Any) -> None:
    path = _government_xlsx(tmp_path)
    settings.XINYONG_IMPORT_MAX_UNPACKED_BYTES = 2000
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_TOO_LARGE
    assert "解压后" in message


def test_file_size_limit_is_checked_before_reading(tmp_path: Path, settings: Any) -> None:
    settings.XINYONG_IMPORT_MAX_BYTES = 100
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF" + b"x" * 200)  # would be refused as a PDF if it were read
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert exc_info.value.code == ErrorCode.FILE_TOO_LARGE


def test_row_limit(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n\n1,2\n3,4\n", encoding="utf-8")
    assert len(list(iter_rows(path, max_rows=3))) == 3
    rows = iter_rows(path, max_rows=2)
    assert next(rows).number == 1
    assert next(rows).number == 3
    with pytest.raises(XinyongError) as exc_info:
        next(rows)
    assert exc_info.value.code == ErrorCode.FILE_TOO_LARGE
    settings.XINYONG_IMPORT_MAX_ROWS = 1
    with pytest.raises(XinyongError):
        list(iter_rows(path))
    with pytest.raises(XinyongError):
        list(iter_rows(_government_xlsx(tmp_path)))


# ----------------------------------------------------------------------------------------------------------
# Headers


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("行政相对人代码_1(统一社会信用代码)", "行政相对人代码_1\n（统一社会信用代码）"),
        ("罚款金额（万元）", "罚款金额(万元)"),
        ("罚款金额【万元】", "罚款金额(万元)"),
        ("罚款金额[万元]", "罚款金额(万元)"),
        ("*行政相对人名称", "行政相对人名称"),
        ("行政相对人名称*", "行政相对人名称"),
        ("＊行政相对人名称（必填）", "行政相对人名称"),
        ("行政相对人名称(必填)", "行政相对人名称"),
        ("备注（选填）", "备注"),
        ("行政 相对人\u3000名称 ", "行政相对人名称"),
        ("行政相对人名称：", "行政相对人名称"),
        ("XK_XDR_MC", "xk_xdr_mc"),
        ("ＸＫ＿ＸＤＲ＿ＭＣ", "xk_xdr_mc"),
    ],
)
def test_normalize_header_equal(a: str, b: str) -> None:
    assert normalize_header(a) == normalize_header(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("罚款金额(万元)", "罚款金额"), ("许可机关", "许可机关统一社会信用代码"), ("处罚类别1", "处罚类别2")],
)
def test_normalize_header_different(a: str, b: str) -> None:
    assert normalize_header(a) != normalize_header(b)


def _raw(rows: list[list[object]], first: int = 1) -> list[RawRow]:
    return [RawRow(number, cells) for number, cells in enumerate(rows, start=first) if cells]


def test_find_header_skips_title_rows_and_keeps_buffered_rows() -> None:
    rows = _raw(
        [
            ["行政处罚信息公示表"],
            ["填报单位：综合执法局", None, None, "处罚类别"],  # one stray match: not the header
            ["序号", "行政相对人名称", "统一社会信用代码", "处罚类别", "处罚决定日期", "联系人"],
            [1, "某公司", COMPANY, "罚款", "2020-11-19"],
            [2, "某商店", COMPANY, "警告", "2020-11-20"],
        ]
    )
    header, data = find_header(iter(rows), ALIASES)
    assert header.row_number == 3
    assert header.columns == {1: "CF_XDR_MC", 2: "CF_XDR_SHXYM", 3: "CF_CFLB", 4: "CF_JDRQ"}
    assert header.unknown == [(0, "序号"), (5, "联系人")]
    assert header.missing == ["CF_WSH", "CF_FK", "CF_XDR_GSZC", "CF_CFJG"]
    assert [r.number for r in data] == [4, 5]


def test_find_header_bracket_parts() -> None:
    rows = _raw([["行政相对人代码_1(统一社会信用代码)", "罚款金额（万元）", "行政相对人名称（个人姓名）"]])
    header, _ = find_header(
        iter(rows), {"uscc": ["统一社会信用代码"], "fine": ["罚款金额"], "name": ["行政相对人名称"]}
    )
    assert header.columns == {0: "uscc", 1: "fine", 2: "name"}


def test_find_header_several_columns_for_one_field() -> None:
    aliases = {**ALIASES, "CF_CFLB": ["处罚类别", "处罚类别1", "处罚类别2"]}
    rows = _raw(
        [
            ["行政相对人名称", "处罚类别1", "处罚类别2", "处罚决定日期"],
            ["某公司", "警告", "罚款", "2016-08-01"],
        ]
    )
    header, _ = find_header(iter(rows), aliases, min_matches=3)
    assert header.columns == {0: "CF_XDR_MC", 1: "CF_CFLB", 2: "CF_CFLB", 3: "CF_JDRQ"}
    with pytest.raises(XinyongError):
        # Two columns for one field still count as one field found.
        find_header(iter(rows), aliases, min_matches=4)


def test_find_header_two_row_header_under_a_merged_group() -> None:
    rows = _raw(
        [
            ["行政相对人名称", "行政相对人代码", None, "处罚类别", "处罚决定日期"],
            [None, "统一社会信用代码", "工商注册号"],
            ["某公司", COMPANY, "320281000012345", "罚款", "2020-11-19"],
        ]
    )
    header, data = find_header(iter(rows), ALIASES)
    assert header.row_number == 1
    assert header.last_row_number == 2
    assert header.columns == {0: "CF_XDR_MC", 1: "CF_XDR_SHXYM", 2: "CF_XDR_GSZC", 3: "CF_CFLB", 4: "CF_JDRQ"}
    assert [r.number for r in data] == [3]


def test_find_header_skips_a_row_of_field_codes() -> None:
    aliases = {code: [*names, code] for code, names in ALIASES.items()}
    rows = _raw(
        [
            ["行政相对人名称", "处罚类别", "处罚决定日期"],
            ["CF_XDR_MC", "CF_CFLB", "CF_JDRQ"],
            ["某公司", "罚款", "2020-11-19"],
        ]
    )
    header, data = find_header(iter(rows), aliases)
    assert header.last_row_number == 2
    assert [r.number for r in data] == [3]


def test_find_header_does_not_take_a_data_row_for_a_second_header() -> None:
    rows = _raw(
        [
            ["行政相对人名称", "处罚类别", "处罚决定日期", "备注"],
            ["某公司", "罚款", "2020-11-19", "处罚机关"],
        ]
    )
    header, data = find_header(iter(rows), ALIASES)
    assert header.last_row_number == 1
    assert [r.number for r in data] == [2]


def test_find_header_not_found() -> None:
    rows = _raw([["姓名", "年龄"], ["张三", 30], ["行政相对人名称", "性别"]])
    with pytest.raises(XinyongError) as exc_info:
        find_header(iter(rows), ALIASES)
    code, message = _error(exc_info)
    assert code == ErrorCode.HEADER_NOT_FOUND
    assert message.startswith("未找到表头：前20行中没有与该信息类别模板相符的列名")
    assert "行政相对人名称、行政相对人代码_1(统一社会信用代码)" in message
    assert "第3行只识别出：行政相对人名称" in message


def test_find_header_only_scans_the_first_rows() -> None:
    rows = _raw([["标题"]] * 5 + [["行政相对人名称", "处罚类别"]])
    with pytest.raises(XinyongError) as exc_info:
        find_header(iter(rows), ALIASES, scan_rows=5)
    assert "前5行" in exc_info.value.message
    header, _ = find_header(iter(rows), ALIASES, scan_rows=6)
    assert header.row_number == 6


def test_find_header_min_matches() -> None:
    rows = _raw([["行政相对人名称", "其他"], ["某公司", "x"]])
    with pytest.raises(XinyongError):
        find_header(iter(rows), ALIASES)
    header, _ = find_header(iter(rows), ALIASES, min_matches=1)
    assert header.columns == {0: "CF_XDR_MC"}


# ----------------------------------------------------------------------------------------------------------
# Notes under the table

_HEADER = HeaderMatch(row_number=1, columns={0: "CF_XDR_MC", 1: "CF_CFLB"}, unknown=[], missing=[])


@pytest.mark.parametrize(
    "cells",
    [
        ["注：1.罚款金额以万元为单位"],
        ["注:本表数据截至2020年11月"],
        ["注1、日期格式为2020-11-19"],
        ["注"],
        ["说明：本表由系统导出"],
        ["备注：无"],
        ["填报说明"],
        ["填表说明：……"],
        ["注意事项：请勿修改表头"],
        ["填表人：张三"],
        ["填表人：张三", None, "审核人：李四", None, "填报日期：2020-11-26"],
        ["审核人：李四"],
        ["制表：综合执法局"],
        ["填报单位：综合执法局（盖章）", None, None, "2020年11月26日"],
        ["　注：全角空格开头"],
    ],
)
def test_note_rows(cells: list[object]) -> None:
    assert is_note_row(RawRow(20, cells), _HEADER)


@pytest.mark.parametrize(
    "cells",
    [
        ["注册资本不足的某公司", "罚款"],
        ["注册号某公司"],
        ["某公司", "注：本条已撤销"],
        [None, "说明：不在第一列"],
        ["备注", "罚款"],
        ["说明书印刷厂", "警告"],
        [12345],
    ],
)
def test_data_rows_are_not_notes(cells: list[object]) -> None:
    assert not is_note_row(RawRow(20, cells), _HEADER)


def test_note_row_when_the_table_starts_in_column_b() -> None:
    header = HeaderMatch(row_number=1, columns={1: "CF_XDR_MC", 2: "CF_CFLB"}, unknown=[], missing=[])
    assert is_note_row(RawRow(9, [None, "注：本表为示例"]), header)
    assert is_note_row(RawRow(9, ["注：在A列"]), header)


# ----------------------------------------------------------------------------------------------------------
# Stray cells far from the table: the used range is checked before python-calamine allocates it


def _sheet_with_stray_cells(path: Path, *cells: tuple[int, int]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.append(["江阴某某机械有限公司", COMPANY, "澄利综执罚〔2020〕12号", "罚款", 1.5, dt.date(2020, 11, 19)])
    for row, column in cells:
        ws.cell(row, column, "x")
    wb.save(path)
    return path


def _rewrite_sheet_xml(path: Path, edit: Any) -> Path:
    """Copy of an .xlsx with its first sheet's XML passed through ``edit`` (bytes → bytes)."""
    out = path.with_name("edited-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            dst.writestr(info, data)
    return out


def test_far_stray_cells_do_not_abort_the_process(tmp_path: Path) -> None:
    # 16000 columns × 1048570 rows: python-calamine would try to allocate 536 GB and abort the whole process
    # (a Rust panic, exit 134), so the read runs in a child process that must survive to print the message.
    path = _sheet_with_stray_cells(tmp_path / "stray.xlsx", (2, 16000), (1048570, 1))
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from xinyong.core.errors import XinyongError
        from xinyong.intake.readers import iter_rows
        try:
            list(iter_rows(Path({str(path)!r})))
        except XinyongError as exc:
            print(exc.code, exc.message)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith(
        "E_FILE_TOO_LARGE 工作表“Sheet”的使用范围异常：A1:WQJ1048570（16000列×1048570行）"
    )
    assert "可能有远处的零散单元格。请删除多余的行列后另存再上传" in result.stdout


def test_one_stray_cell_at_the_bottom_is_refused_before_loading(tmp_path: Path, monkeypatch: Any) -> None:
    # Without the check: 6 × 1048570 cells loaded (about 200 MB) and a million empty rows walked in Python.
    path = _sheet_with_stray_cells(tmp_path / "stray.xlsx", (1048570, 1))
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_TOO_LARGE
    assert message.startswith(
        "工作表“Sheet”的使用范围异常：A1:F1048570（6列×1048570行），可能有远处的零散单元格"
    )


def _must_not_load(*args: object) -> None:
    raise AssertionError("the sheet was loaded")


@pytest.mark.parametrize(
    "edit",
    [
        lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml),  # some writers leave it out
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', xml),  # streaming writers
    ],
    ids=["no-dimension", "dimension-A1"],
)
def test_stray_cells_found_when_the_sheet_states_no_range(
    tmp_path: Path, monkeypatch: Any, edit: Any
) -> None:
    path = _rewrite_sheet_xml(_sheet_with_stray_cells(tmp_path / "stray.xlsx", (3, 1000), (1048570, 2)), edit)
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert "使用范围异常：A1:ALL1048570（1000列×1048570行）" in exc_info.value.message


def test_sheet_without_a_range_is_scanned_and_read(tmp_path: Path) -> None:
    path = _rewrite_sheet_xml(
        _government_xlsx(tmp_path), lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml)
    )
    assert [r.number for r in iter_rows(path)] == [1, 2, 3, 4, 6, 7, 9, 10]


def test_column_and_cell_limits(tmp_path: Path, settings: Any) -> None:
    path = _government_xlsx(tmp_path)  # A1:H10 on its data sheet (row 6 has blank cells up to H)
    settings.XINYONG_IMPORT_MAX_COLUMNS = 7
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert _error(exc_info)[1].startswith("工作表“行政处罚”的使用范围异常：A1:H10（8列×10行）")
    settings.XINYONG_IMPORT_MAX_COLUMNS = 8
    settings.XINYONG_IMPORT_MAX_CELLS = 79
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_TOO_LARGE
    assert message.startswith("工作表“行政处罚”过大：A1:H10（8列×10行），共 80 个单元格，超过上限 79 个")
    settings.XINYONG_IMPORT_MAX_CELLS = 80
    assert len(list(iter_rows(path))) == 8


def test_a_range_the_sheet_understates_is_refused_before_loading(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    # The sheet claims A1:F2; where its cells are is what python-calamine would allocate.
    path = _rewrite_sheet_xml(
        _sheet_with_stray_cells(tmp_path / "stray.xlsx", (500, 40)),
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:F2"', xml),
    )
    settings.XINYONG_IMPORT_MAX_COLUMNS = 30
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert "使用范围异常：A1:AN500（40列×500行）" in exc_info.value.message


def _lying_xlsx(path: Path, *, rows: int, columns: int, dimension: str = "A1:B2") -> Path:
    """A sheet that claims ``dimension`` and holds a header and ``rows`` rows of ``columns`` numbers, written
    without references (as the format allows)."""
    header = "<row>" + "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in HEADER) + "</row>"
    # Numbers that vary, so that the sheet compresses like a real one (not like a zip bomb).
    body = "".join(
        "<row>" + "".join(f"<c><v>{(i * 31 + j * 17) % 1000}</v></c>" for j in range(columns)) + "</row>"
        for i in range(rows)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}'
        f"<sheetData>{header}{body}</sheetData></worksheet>"
    )
    source = _sheet_with_stray_cells(path.with_name("template-" + path.name))
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info))
    return path


@pytest.mark.parametrize("dimension", ["A1:B2", "A1", ""], ids=["claims-A1:B2", "claims-A1", "claims-nothing"])
def test_lying_dimension_is_refused_while_the_sheet_streams(
    tmp_path: Path, settings: Any, monkeypatch: Any, dimension: str
) -> None:
    path = _lying_xlsx(tmp_path / "lying.xlsx", rows=30_000, columns=20, dimension=dimension)
    settings.XINYONG_IMPORT_MAX_CELLS = 50_000
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_TOO_LARGE
    # Refused within the first part of the sheet, not after reading its 30,001 rows.
    found = re.match(r"工作表“Sheet”过大：A1:T(\d+)（20列×\d+行，尚未读完），已有 ([\d,]+) 个单元格，超过上限 50,000 个", message)
    assert found is not None, message
    assert int(found.group(1)) < 10_000


def test_lying_dimension_within_the_limits_is_read(tmp_path: Path, settings: Any) -> None:
    path = _lying_xlsx(tmp_path / "lying.xlsx", rows=3000, columns=8)
    settings.XINYONG_IMPORT_MAX_COLUMNS = 8
    rows = list(iter_rows(path))
    assert len(rows) == 3001
    assert (rows[-1].number, rows[-1].cells) == (3001, [(2999 * 31 + j * 17) % 1000 for j in range(8)])


def test_lying_dimension_too_wide(tmp_path: Path, monkeypatch: Any) -> None:
    path = _lying_xlsx(tmp_path / "lying.xlsx", rows=3, columns=800)
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert "使用范围异常：A1:ADT4（800列×4行）" in exc_info.value.message


def _shared_strings_xlsx(path: Path, strings: list[str], rows: list[list[int]]) -> Path:
    """A sheet whose cells use shared strings (by index), as Excel and WPS write text."""
    sst = "".join(f"<si><t>{text}</t></si>" for text in strings)
    sheet = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{readers._column_letters(c)}{r}" t="s"><v>{i}</v></c>' for c, i in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts = {
        "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst xmlns="{main}">{sst}</sst>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{main}"><sheetData>{sheet}</sheetData></worksheet>',
    }
    source = _sheet_with_stray_cells(path.with_name("template-" + path.name))
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, parts.pop(info.filename, None) or src.read(info))
        for name, text in parts.items():
            dst.writestr(name, text)
    return path


def test_a_long_shared_string_in_many_cells_is_refused_before_loading(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    # One 30 KB string used by 400 cells: python-calamine would copy it into each, 12 MB from a 40 KB file (the
    # same file with 40,000 cells takes 1.2 GB).
    path = _shared_strings_xlsx(tmp_path / "bomb.xlsx", ["名称", "长" * 10_000], [[0] * 4] + [[1] * 4] * 100)
    assert path.stat().st_size < 50_000
    settings.XINYONG_IMPORT_MAX_UNPACKED_BYTES = 4 * 1024 * 1024
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_TOO_LARGE
    assert re.match(r"工作表“Sheet”的单元格引用的共享文字展开后(已)?达 [\d.]+ MB，超过上限 4 MB", message), message
    settings.XINYONG_IMPORT_MAX_UNPACKED_BYTES = 16 * 1024 * 1024
    monkeypatch.undo()
    assert len(list(iter_rows(path))) == 101


def test_too_many_shared_strings_are_refused_before_the_workbook_is_opened(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    path = _shared_strings_xlsx(tmp_path / "many.xlsx", [f"企业{i}" for i in range(1200)], [[0], [1]])
    settings.XINYONG_IMPORT_MAX_CELLS = 1000
    monkeypatch.setattr(readers, "_open_workbook", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert exc_info.value.message.startswith("文件中的共享文字超过 1,000 条")
    settings.XINYONG_IMPORT_MAX_CELLS = 2000
    monkeypatch.undo()
    assert [row.cells for row in iter_rows(path)] == [["企业0"], ["企业1"]]


def test_hidden_sheet_with_stray_cells_is_not_loaded(tmp_path: Path, monkeypatch: Any) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "说明"
    ws.cell(1048570, 20, "x")
    ws.sheet_state = "hidden"
    wb.create_sheet("空白")
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    load = readers._load_sheet
    monkeypatch.setattr(
        readers, "_load_sheet", lambda wb, index: _must_not_load() if index == 0 else load(wb, index)
    )
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_EMPTY
    assert "隐藏" in message


def test_xls_with_a_cell_in_its_last_row_and_column(tmp_path: Path, monkeypatch: Any) -> None:
    # .xls stops at 65536 × 256, but python-calamine still spends 1 GB and seconds on such a sheet.
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("行政处罚")
    for col, name in enumerate(HEADER):
        sheet.write(0, col, name)
    sheet.write(1, 0, "江阴某某机械有限公司")
    sheet.write(65535, 255, "x")
    path = tmp_path / "far.xls"
    book.save(str(path))
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    code, message = _error(exc_info)
    assert code == ErrorCode.FILE_TOO_LARGE
    assert message.startswith("工作表“行政处罚”的使用范围异常：A1:IV65536（256列×65536行）")


def _biff_record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _tiny_xls(
    path: Path, cells: list[tuple[int, int, float]], *, dimensions: tuple[int, int] | None = None
) -> Path:
    """An .xls with one sheet “数据” of number cells, its DIMENSIONS record covering them (or claiming
    ``dimensions``: rows, columns). A few cells make a 2.5 KB file whose Workbook stream lives in the OLE2 mini
    stream."""
    bof_globals = _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
    name = "数据".encode("utf-16-le")
    globals_size = len(bof_globals) + 4 + 8 + len(name) + 4
    boundsheet = _biff_record(0x0085, struct.pack("<IBBBB", globals_size, 0, 0, 2, 1) + name)
    sheet = _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    last_row = max(r for r, _, _ in cells)
    last_col = max(c for _, c, _ in cells)
    row_end, col_end = dimensions or (last_row + 1, last_col + 1)
    sheet += _biff_record(0x0200, struct.pack("<IIHHH", 0, row_end, 0, col_end, 0))
    for row, col, value in cells:
        sheet += _biff_record(0x0203, struct.pack("<HHHd", row, col, 0, value))
    biff = bof_globals + boundsheet + _biff_record(0x000A) + sheet + _biff_record(0x000A)
    mini = biff.ljust(-(-len(biff) // 64) * 64, b"\0")
    container = mini.ljust(-(-len(mini) // 512) * 512, b"\0")
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector (0)
    struct.pack_into("<I", header, 0x30, 1)  # directory at sector 1
    struct.pack_into("<IIIII", header, 0x38, 4096, 2, 1, end, 0)  # mini FAT at sector 2, no DIFAT sectors
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    n_container = len(container) // 512
    fat = [0xFFFFFFFD, end, end, *range(4, 3 + n_container), end]
    minifat = [*range(1, len(mini) // 64), end]
    directory = bytearray(512)
    entries = [("Root Entry", 5, 3, len(mini)), ("Workbook", 2, 0, len(biff))]
    for index, (entry, kind, start, size) in enumerate(entries):
        encoded = entry.encode("utf-16-le") + b"\0\0"
        offset = index * 128
        directory[offset : offset + len(encoded)] = encoded
        struct.pack_into("<HBB", directory, offset + 0x40, len(encoded), kind, 1)
        struct.pack_into("<III", directory, offset + 0x44, free, free, 1 if index == 0 else free)
        struct.pack_into("<II", directory, offset + 0x74, start, size)
    for index in (2, 3):
        struct.pack_into("<III", directory, index * 128 + 0x44, free, free, free)
    path.write_bytes(
        bytes(header)
        + struct.pack("<128I", *fat, *([free] * (128 - len(fat))))
        + bytes(directory)
        + struct.pack("<128I", *minifat, *([free] * (128 - len(minifat))))
        + container
    )
    return path


def test_tiny_xls_with_a_far_cell(tmp_path: Path, monkeypatch: Any) -> None:
    path = _tiny_xls(tmp_path / "tiny.xls", [(0, 0, 1.0), (0, 1, 2.0), (65535, 255, 3.0)])
    assert path.stat().st_size < 3000
    assert detect_format(path) == "xls"
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert "工作表“数据”的使用范围异常：A1:IV65536（256列×65536行）" in exc_info.value.message


def test_tiny_xls_that_understates_its_range(tmp_path: Path, monkeypatch: Any) -> None:
    # 2.5 KB claiming A1:B1 in its DIMENSIONS record: python-calamine would allocate A1:GJI65536 (20 GB).
    path = _tiny_xls(tmp_path / "tiny.xls", [(0, 0, 1.0), (0, 1, 2.0), (65535, 5000, 3.0)], dimensions=(1, 2))
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert "工作表“数据”的使用范围异常：A1:GJI65536（5001列×65536行）" in exc_info.value.message


def test_xls_refused_while_its_cells_are_read(tmp_path: Path, settings: Any, monkeypatch: Any) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("数据")
    for row in range(20_000):
        for col in range(8):
            sheet.write(row, col, row * 8 + col)
    path = tmp_path / "lying.xls"
    book.save(str(path))
    # The DIMENSIONS record (BIFF8: first row, row after the last, first column, column after the last) lies.
    data = path.read_bytes()
    stated = struct.pack("<HHIIHH", 0x0200, 14, 0, 20_000, 0, 8)
    assert data.count(stated) == 1
    path.write_bytes(data.replace(stated, struct.pack("<HHIIHH", 0x0200, 14, 0, 1, 0, 2)))
    settings.XINYONG_IMPORT_MAX_CELLS = 10_000
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    found = re.match(r"工作表“数据”过大：A1:H(\d+)（8列×\d+行，尚未读完），已有 [\d,]+ 个单元格", exc_info.value.message)
    assert found is not None, exc_info.value.message
    assert int(found.group(1)) < 5_000  # stopped in the first blocks of 20,000 rows
    settings.XINYONG_IMPORT_MAX_CELLS = 160_000
    monkeypatch.undo()
    assert sum(1 for _ in iter_rows(path)) == 20_000


def test_tiny_xls_is_read(tmp_path: Path) -> None:
    # The same hand-made file, within bounds: the mini stream is followed correctly and the file is readable.
    path = _tiny_xls(tmp_path / "tiny.xls", [(0, 0, 1.0), (0, 1, 2.0), (4, 2, 3.5)])
    assert _rows(iter_rows(path)) == [(1, [1, 2]), (5, [None, None, 3.5])]


# ----------------------------------------------------------------------------------------------------------
# Sizes in messages


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 字节"),
        (100, "100 字节"),
        (1023, "1023 字节"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (1024 * 1024 - 1, "1 MB"),
        (200 * 1024 * 1024, "200 MB"),
        (int(1.25 * 1024**3), "1.2 GB"),
    ],
)
def test_human_size(size: int, expected: str) -> None:
    assert human_size(size) == expected


def test_size_limit_message_is_readable(tmp_path: Path, settings: Any) -> None:
    settings.XINYONG_IMPORT_MAX_BYTES = 100
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n" * 51)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert exc_info.value.message == "文件大小为 204 字节，超过上限 100 字节，请拆分后分批上传"
    settings.XINYONG_IMPORT_MAX_BYTES = 150 * 1024
    path.write_bytes(b"a,b\n" * 40_000)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert exc_info.value.message == "文件大小为 156.2 KB，超过上限 150 KB，请拆分后分批上传"


def test_sizes_that_would_look_equal_are_given_in_bytes(tmp_path: Path, settings: Any) -> None:
    settings.XINYONG_IMPORT_MAX_BYTES = 100 * 1024
    path = tmp_path / "a.csv"
    path.write_bytes(b"a" * (100 * 1024 + 10))
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert exc_info.value.message == "文件大小为 102,410 字节，超过上限 102,400 字节，请拆分后分批上传"


def test_unpacked_size_message(tmp_path: Path, settings: Any) -> None:
    settings.XINYONG_IMPORT_MAX_UNPACKED_BYTES = 2000
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(_government_xlsx(tmp_path))
    assert re.fullmatch(
        r"文件解压后的内容为 \d+(\.\d)? KB，超过上限 2 KB，请拆分后分批上传", exc_info.value.message
    )


# ----------------------------------------------------------------------------------------------------------
# A line in another encoding near the start of a CSV


@pytest.mark.parametrize(("file_encoding", "line_encoding"), [("utf-8", "gbk"), ("gbk", "utf-8")])
def test_csv_line_in_another_encoding_is_named(
    tmp_path: Path, file_encoding: str, line_encoding: str
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        (CSV_LINES[0] + "\n" + CSV_LINES[1] + "\n").encode(file_encoding)
        + (CSV_LINES[2] + "\n").encode(line_encoding)
        + (CSV_LINES[1] + "\n").encode(file_encoding)
    )
    labels = {"utf-8": "UTF-8", "gbk": "GBK"}
    for call in (lambda: detect_format(path), lambda: iter_rows(path, fmt="csv")):
        with pytest.raises(XinyongError) as exc_info:
            call()
        code, message = _error(exc_info)
        assert code == ErrorCode.FILE_UNREADABLE
        assert message.startswith(
            f"第3行含有无法识别的字符：这一行的编码与文件其他各行不一致（文件是 {labels[file_encoding]} 编码，"
            f"这一行像是 {labels[line_encoding]} 编码"
        )
        assert "二进制" not in message


@pytest.mark.parametrize("early", [True, False], ids=["in-the-sampled-start", "after-it"])
def test_csv_invalid_bytes_name_the_row_the_clerk_sees(tmp_path: Path, early: bool) -> None:
    # Rows 2 to N each hold a cell over two lines: the bad row is not the bad physical line.
    rows = 5 if early else 3000
    body = "".join(f'江阴某某有限公司{i},"未按规定设置\n安全警示标志",罚款\n' for i in range(rows))
    path = tmp_path / "bad.csv"
    path.write_bytes(
        "行政相对人名称,违法事实,处罚类别\n".encode()
        + body.encode()
        + "江阴某某商店,无证".encode()
        + b"\xff\xfe"
        + "经营,警告\n".encode()
        + body.encode()
    )
    expected = (
        f"第{rows + 2}行含有无法识别的字符：这一行有既不是 UTF-8 也不是 GBK 编码的内容（文件是 UTF-8 编码），"
        "可能是文件损坏或混入了乱码。请用 Excel 或 WPS 打开后“另存为” CSV UTF-8 格式再上传"
    )
    calls = [lambda: list(iter_rows(path))]
    if early:
        calls.append(lambda: detect_format(path))
    else:
        assert detect_format(path) == "csv"
    for call in calls:
        with pytest.raises(XinyongError) as exc_info:
            call()
        assert _error(exc_info) == (ErrorCode.FILE_UNREADABLE, expected)


def test_utf8_csv_with_a_gbk_line_is_not_read_as_gibberish(tmp_path: Path) -> None:
    # Every line but one is UTF-8, and these happen to be byte pairs GB18030 reads too (as 鍚嶇О,…): the file is
    # still UTF-8, with one line pasted from a GBK file.
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "名称,类别,金额\n某某公司,罚款,1\n".encode()
        + "商店,警告,2\n".encode("gbk")
        + "有限公司,警告,3\n".encode()
    )
    assert path.read_bytes().decode("gb18030")
    for call in (lambda: detect_format(path), lambda: list(iter_rows(path, fmt="csv"))):
        with pytest.raises(XinyongError) as exc_info:
            call()
        assert exc_info.value.message.startswith(
            "第3行含有无法识别的字符：这一行的编码与文件其他各行不一致（文件是 UTF-8 编码，这一行像是 GBK 编码"
        )


def test_csv_column_limit(tmp_path: Path, settings: Any) -> None:
    settings.XINYONG_IMPORT_MAX_COLUMNS = 6
    path = tmp_path / "wide.csv"
    # Empty cells at the end of a row do not count; a value in a far column does.
    lines = [CSV_LINES[0], CSV_LINES[1] + "," * 600, CSV_LINES[2], CSV_LINES[1] + ",,,,,x"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = iter_rows(path)
    assert [row.number for row in itertools.islice(rows, 3)] == [1, 2, 3]
    with pytest.raises(XinyongError) as exc_info:
        next(rows)
    assert _error(exc_info) == (
        ErrorCode.FILE_TOO_LARGE,
        "第4行有 11 列，超过上限 6 列，可能有多余的分隔符或远处的零散单元格。请删除多余的列后另存再上传。",
    )
    with pytest.raises(XinyongError) as exc_info:
        iter_rows_with_header(path, ALIASES)[1].__next__()
    assert exc_info.value.message.startswith("第4行有 11 列")


def test_csv_row_over_many_lines_is_bounded(tmp_path: Path) -> None:
    # Quoted cells with line breaks (each under the csv module's limit of a cell), one after another, make one
    # row of 6 MB over 250,000 lines: refused at 4 MB instead of being gathered whole.
    cell = '"' + "某某某某某某某某\n" * 10_000 + '"'
    path = tmp_path / "long.csv"
    path.write_text("名称,事实\n" + ",".join([cell] * 25) + "\n", encoding="utf-8")
    assert path.stat().st_size > 6_000_000
    with pytest.raises(XinyongError) as exc_info:
        list(iter_rows(path))
    assert exc_info.value.message == "第2行过长（超过 4 MB），文件不是有效的 CSV 表格"


def test_csv_binary_junk_is_still_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes("名称,类别\n".encode() + bytes(range(128, 256)) * 4 + b"\n")
    with pytest.raises(XinyongError) as exc_info:
        detect_format(path)
    assert "二进制内容" in exc_info.value.message


# ----------------------------------------------------------------------------------------------------------
# A unit in the header's brackets


def test_header_with_another_unit_is_not_taken_for_the_field() -> None:
    aliases = {**ALIASES, "CF_FK": ["罚款金额（万元）", "罚款金额", "罚款数额（万元）"]}
    for fine in (
        "罚款金额（元）",
        "罚款金额(单位：元)",
        "罚款金额（人民币元）",
        "罚款金额（元/人民币）",
        "罚款金额（千元）",
    ):
        header, _ = find_header(iter(_raw([["行政相对人名称", fine, "处罚类别"]])), aliases)
        assert header.columns == {0: "CF_XDR_MC", 2: "CF_CFLB"}, fine
        assert header.unknown == [(1, _header_display(fine))]
        assert "CF_FK" in header.missing
    for fine in (
        "罚款金额（万元）",
        "罚款金额【万元】",
        "罚款金额（单位：万元）",
        "罚款金额(万)",
        "罚款金额（必填）",
    ):
        header, _ = find_header(iter(_raw([["行政相对人名称", fine, "处罚类别"]])), aliases)
        assert header.columns == {0: "CF_XDR_MC", 1: "CF_FK", 2: "CF_CFLB"}, fine


def test_bracket_that_is_not_a_unit_still_matches() -> None:
    header, _ = find_header(
        iter(_raw([["行政相对人代码_1（统一社会信用代码）", "行政相对人名称（法人）", "罚款金额（元）"]])),
        {"uscc": ["统一社会信用代码"], "name": ["行政相对人名称"], "fine": ["罚款金额"]},
    )
    # A field whose names state no unit takes any: nothing says which is meant.
    assert header.columns == {0: "uscc", 1: "name", 2: "fine"}


def _header_display(text: str) -> str:
    return readers._header_display(text)


# ----------------------------------------------------------------------------------------------------------
# Merged cells in the data area


def _merged_xlsx(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "行政处罚"
    ws["A1"] = "行政处罚信息公示表"
    ws.merge_cells("A1:G1")
    ws["A2"], ws["B2"], ws["F2"] = "行政相对人名称", "行政相对人代码", "处罚决定日期"
    ws["G2"] = "处罚机关"
    ws.merge_cells("B2:C2")  # a group title over two sub-columns
    ws.merge_cells("A2:A3")  # a header cell over both header rows
    ws.merge_cells("F2:F3")
    ws.merge_cells("G2:G3")
    ws["B3"], ws["C3"] = "统一社会信用代码", "工商注册号"
    ws.append(
        ["江阴某某机械有限公司", COMPANY, None, None, None, dt.date(2020, 11, 19), "江阴市市场监督管理局"]
    )
    ws.append(["江阴某某商店", COMPANY, None, None, None, dt.date(2020, 11, 20)])
    ws.append(["江阴某某餐馆", COMPANY, None, None, None, dt.date(2020, 11, 21)])
    ws.merge_cells("G4:G6")  # one authority for three decisions
    ws.merge_cells("F5:F6")  # one date for two
    ws.append(["江阴某某酒店", COMPANY, None, None, None, dt.date(2020, 11, 22), "江阴市应急管理局"])
    ws.merge_cells("A8:G8")
    ws["A8"] = "注：罚款金额以万元为单位"
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    return path


def test_merged_cells_in_data_rows_are_filled(tmp_path: Path) -> None:
    header, data = find_header(iter_rows(_merged_xlsx(tmp_path)), ALIASES)
    assert (header.row_number, header.last_row_number) == (2, 3)
    assert header.columns == {0: "CF_XDR_MC", 1: "CF_XDR_SHXYM", 2: "CF_XDR_GSZC", 5: "CF_JDRQ", 6: "CF_CFJG"}
    rows = list(data)
    authority = [(r.number, r.cells[6] if len(r.cells) > 6 else None) for r in rows]
    assert authority == [
        (4, "江阴市市场监督管理局"),
        (5, "江阴市市场监督管理局"),
        (6, "江阴市市场监督管理局"),
        (7, "江阴市应急管理局"),
        (8, None),
    ]
    assert [r.cells[5] for r in rows[:4]] == [
        dt.date(2020, 11, 19),
        dt.date(2020, 11, 20),
        dt.date(2020, 11, 20),
        dt.date(2020, 11, 22),
    ]
    # A note merged across the table stays a lone cell, so it is still recognised as a note.
    assert rows[-1].cells == ["注：罚款金额以万元为单位"]
    assert is_note_row(rows[-1], header)


def test_merged_cells_are_not_filled_in_title_and_header_rows(tmp_path: Path) -> None:
    rows = _rows(iter_rows(_merged_xlsx(tmp_path)))
    assert rows[0] == (1, ["行政处罚信息公示表"])
    assert rows[1] == (2, ["行政相对人名称", "行政相对人代码", None, None, None, "处罚决定日期", "处罚机关"])
    assert rows[2] == (3, [None, "统一社会信用代码", "工商注册号"])
    # iter_rows alone does not know where the data starts: it leaves merged cells as the file stores them.
    assert len(rows[4][1]) == 6


def test_merged_cells_in_xls(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("行政处罚")
    for col, name in enumerate(["行政相对人名称", "处罚类别", "处罚机关"]):
        sheet.write(0, col, name)
    for row, name in enumerate(["甲公司", "乙公司", "丙公司"], start=1):
        sheet.write(row, 0, name)
        sheet.write(row, 1, "警告")
    sheet.write_merge(1, 3, 2, 2, "江阴市市场监督管理局")
    path = tmp_path / "merged.xls"
    book.save(str(path))
    _, data = find_header(iter_rows(path), ALIASES)
    assert [r.cells[2] for r in data] == ["江阴市市场监督管理局"] * 3


# ----------------------------------------------------------------------------------------------------------
# The header on a later worksheet


def _instructions_first_xlsx(tmp_path: Path, *, data: bool = True) -> Path:
    wb = openpyxl.Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "填报说明"
    notes["A1"] = "填报说明"
    notes["A2"] = "1. 罚款金额以万元为单位"
    hidden = wb.create_sheet("隐藏")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    wb.create_sheet("空白")
    ws = wb.create_sheet("行政处罚")
    ws.append(["行政处罚信息公示表"])
    if data:
        ws.append(HEADER)
        ws.append(
            ["江阴某某机械有限公司", COMPANY, "澄利综执罚〔2020〕12号", "罚款", 1.5, dt.date(2020, 11, 19)]
        )
    else:
        ws.append(["序号", "姓名"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    return path


def test_header_found_on_a_later_sheet(tmp_path: Path) -> None:
    header, data, sheet = iter_rows_with_header(_instructions_first_xlsx(tmp_path), ALIASES)
    assert sheet == "行政处罚"
    assert header.row_number == 2
    assert [(r.number, r.cells[0]) for r in data] == [(3, "江阴某某机械有限公司")]


def test_no_header_on_any_sheet_names_the_sheets(tmp_path: Path) -> None:
    with pytest.raises(XinyongError) as exc_info:
        iter_rows_with_header(_instructions_first_xlsx(tmp_path, data=False), ALIASES)
    code, message = _error(exc_info)
    assert code == ErrorCode.HEADER_NOT_FOUND
    assert message.startswith(
        "未找到表头：已查看工作表“填报说明”、“行政处罚”，前20行中都没有与该信息类别模板相符的列名"
    )
    assert "隐藏的工作表不会被读取" in message


def test_header_not_found_on_the_first_sheet_says_so(tmp_path: Path) -> None:
    with pytest.raises(XinyongError) as exc_info:
        find_header(iter_rows(_instructions_first_xlsx(tmp_path)), ALIASES)
    message = exc_info.value.message
    assert message.startswith("未找到表头：前20行中没有与该信息类别模板相符的列名")
    assert "只读取了第一个含数据的可见工作表“填报说明”，文件中还有工作表“空白”、“行政处罚”" in message


def test_header_on_the_first_sheet_and_csv(tmp_path: Path) -> None:
    header, data, sheet = iter_rows_with_header(_government_xlsx(tmp_path), ALIASES)
    assert (sheet, header.row_number, [r.number for r in data]) == ("行政处罚", 3, [4, 6, 7, 9, 10])
    path = tmp_path / "处罚.csv"
    path.write_text("\n".join(CSV_LINES), encoding="utf-8")
    header, data, sheet = iter_rows_with_header(path, ALIASES)
    assert (sheet, header.row_number, [r.number for r in data]) == ("", 1, [2, 3])


def test_later_sheet_with_merged_cells_and_stray_range(tmp_path: Path, settings: Any) -> None:
    wb = openpyxl.load_workbook(_merged_xlsx(tmp_path))
    notes = wb.create_sheet("填报说明", 0)
    notes["A1"] = "填报说明"
    path = tmp_path / "both.xlsx"
    wb.save(path)
    _, data, sheet = iter_rows_with_header(path, ALIASES)
    assert sheet == "行政处罚"
    assert [r.cells[6] for r in list(data)[:3]] == ["江阴市市场监督管理局"] * 3
    settings.XINYONG_IMPORT_MAX_COLUMNS = 3
    with pytest.raises(XinyongError) as exc_info:
        iter_rows_with_header(path, ALIASES)
    assert "工作表“行政处罚”的使用范围异常" in exc_info.value.message


def test_sheet_refused_for_its_range_does_not_hide_the_data_sheet(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_government_xlsx(tmp_path))
    notes = wb.create_sheet("说明", 0)
    notes["A1"] = "填报说明"
    notes.cell(1048570, 30, "x")
    path = tmp_path / "stray-notes.xlsx"
    wb.save(path)
    header, _, sheet = iter_rows_with_header(path, ALIASES)
    assert (sheet, header.row_number) == ("行政处罚", 3)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)  # reads the first visible sheet, which is refused
    assert "工作表“说明”的使用范围异常" in exc_info.value.message


def test_rows_with_header_refuses_what_iter_rows_refuses(tmp_path: Path, settings: Any) -> None:
    settings.XINYONG_IMPORT_MAX_BYTES = 100
    with pytest.raises(XinyongError) as exc_info:
        iter_rows_with_header(_government_xlsx(tmp_path), ALIASES)
    assert exc_info.value.code == ErrorCode.FILE_TOO_LARGE


def test_a_stated_range_too_large_is_refused_without_reading_the_sheet(tmp_path: Path, monkeypatch: Any) -> None:
    # What the sheet itself says is too large needs no counting.
    path = _rewrite_sheet_xml(
        _sheet_with_stray_cells(tmp_path / "s.xlsx"),
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:ZZ9"', xml),
    )
    monkeypatch.setattr(readers, "scan_used_range", _must_not_load)
    monkeypatch.setattr(readers, "_load_sheet", _must_not_load)
    with pytest.raises(XinyongError) as exc_info:
        iter_rows(path)
    assert "使用范围异常：A1:ZZ9（702列×9行）" in exc_info.value.message
