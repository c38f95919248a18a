"""File reading on real files built here: .xlsx (openpyxl), .xls (xlwt), CSV in several encodings, and the
wrong, broken and hostile files that clerks and attackers upload."""

from __future__ import annotations

import datetime as dt
import random
import struct
import tracemalloc
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake.readers import (
    HeaderMatch,
    RawRow,
    detect_format,
    find_header,
    is_note_row,
    iter_rows,
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
