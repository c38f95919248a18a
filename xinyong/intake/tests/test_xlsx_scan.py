"""The streaming measure of a worksheet's used range (``xlsx_scan``), against python-calamine on real files.

Sheets are written here by hand in every form the format allows and python-calamine reads: with and without row
and cell references, references out of order, in lower case, in single quotes, in a namespace prefix, empty cells,
and cut into chunks at every kind of place.
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from xinyong.intake import xlsx_scan
from xinyong.intake.tests.xlsx_files import MAIN as _MAIN
from xinyong.intake.tests.xlsx_files import write_xlsx
from xinyong.intake.xlsx_scan import ScanTimeout, TooManyStrings, scan_used_range, shared_string_lengths


def _scan(path: Path) -> tuple[int, int] | None:
    """The last row and column the scan finds."""
    with zipfile.ZipFile(path) as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        found = scan_used_range(fh, on_growth=lambda *args: None)
    return None if found is None else found[:2]


def _calamine_end(path: Path) -> tuple[int, int] | None:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    return sheet.end


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _random_sheet(rnd: random.Random, *, prefix: str, valued: bool) -> str:
    """Rows and cells in all the forms python-calamine accepts; every cell has a value when ``valued``."""
    p = f"{prefix}:" if prefix else ""
    style = rnd.choice(["references", "none", "mixed"])
    out: list[str] = []
    row = 0
    for _ in range(rnd.randrange(1, 40)):
        row += rnd.choice([1, 1, 1, 2, 5, 300])
        row_ref = style == "references" or (style == "mixed" and rnd.random() < 0.5)
        attrs = f' r="{row}"' if row_ref else ""
        if rnd.random() < 0.05:
            out.append(f"<{p}row{attrs}/>")
            continue
        cells: list[str] = []
        col = 0
        for _ in range(rnd.randrange(0, 12)):
            col += rnd.choice([0, 0, 0, 1, 3, 40])
            value = f"<{p}v>{rnd.randrange(100)}</{p}v>"
            if not valued and rnd.random() < 0.2:
                value = ""
            if style == "references" or (style == "mixed" and rnd.random() < 0.6):
                ref_row = row if rnd.random() < 0.9 else rnd.randrange(1, row + 500)
                ref = f"{_letters(col)}{ref_row}"
                if rnd.random() < 0.1:
                    ref = ref.lower()
                quote = "'" if rnd.random() < 0.1 else '"'
                space = "\n" if rnd.random() < 0.05 else " "
                cells.append(f"<{p}c{space}r={quote}{ref}{quote} s=\"1\">{value}</{p}c>")
            elif value:
                cells.append(f"<{p}c>{value}</{p}c>")
            else:
                cells.append(f"<{p}c/>")
            col += 1
        out.append(f"<{p}row{attrs}>{''.join(cells)}</{p}row>")
    return "".join(out)


@pytest.mark.parametrize("seed", range(60))
def test_scan_finds_the_range_python_calamine_allocates(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    prefix = "x" if seed % 5 == 0 else ""
    path = write_xlsx(tmp_path / "s.xlsx", _random_sheet(rnd, prefix=prefix, valued=True), prefix=prefix)
    assert _scan(path) == _calamine_end(path)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("chunk", [7, 61, 500])
def test_chunks_cut_anywhere_give_the_same_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, chunk: int
) -> None:
    rnd = random.Random(seed)
    prefix = "x" if seed % 7 == 0 else ""
    path = write_xlsx(tmp_path / "s.xlsx", _random_sheet(rnd, prefix=prefix, valued=seed % 2 == 0), prefix=prefix)
    whole = _scan(path)
    end = _calamine_end(path)
    # Cells without a value count in the scan (an upper bound), not in python-calamine's range.
    assert end is None or (whole is not None and whole >= end and whole[1] >= end[1])
    monkeypatch.setattr(xlsx_scan, "CHUNK_BYTES", chunk)
    assert _scan(path) == whole


@pytest.mark.parametrize("chunk", [50, 333, 4096])
@pytest.mark.parametrize("references", [False, True])
def test_the_widest_row_cut_into_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, references: bool
) -> None:
    def row(number: int, width: int) -> str:
        if references:
            cells = "".join(f'<c r="{_letters(i)}{number}"><v>1</v></c>' for i in range(width))
            return f'<row r="{number}">{cells}</row>'
        return "<row>" + "<c><v>1</v></c>" * width + "</row>"

    sheet = "".join(row(n, 3) for n in range(1, 40)) + row(40, 150) + "".join(row(n, 3) for n in range(41, 80))
    path = write_xlsx(tmp_path / "s.xlsx", sheet)
    monkeypatch.setattr(xlsx_scan, "CHUNK_BYTES", chunk)
    assert _scan(path) == (78, 149) == _calamine_end(path)


def test_lying_dimension_does_not_matter(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="J{r}"><v>2</v></c></row>' for r in range(1, 3001))
    path = write_xlsx(tmp_path / "s.xlsx", rows, dimension="A1:B2")
    assert _scan(path) == (2999, 9) == _calamine_end(path)


def test_sheet_without_references(tmp_path: Path) -> None:
    rows = "<row>" + "<c><v>1</v></c>" * 30 + "</row>"
    path = write_xlsx(tmp_path / "s.xlsx", rows * 5000)
    assert _scan(path) == (4999, 29) == _calamine_end(path)


def test_a_far_cell_hidden_among_ordinary_rows(tmp_path: Path) -> None:
    # Out of order: a reference below and right of everything, in the middle of the sheet.
    rows = [f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="C{r}"><v>1</v></c></row>' for r in range(1, 20001)]
    rows[9000] = '<row r="9001"><c r="A9001"><v>1</v></c><c r="QQ90000"><v>1</v></c></row>'
    path = write_xlsx(tmp_path / "s.xlsx", "".join(rows))
    assert _scan(path) == (89999, 458) == _calamine_end(path)  # QQ is the 459th column


@pytest.mark.parametrize(
    ("before", "inside"),
    [
        ("<!-- <sheetData/> -->", ""),
        ("", "<!-- </sheetData> -->"),
        ("", '<row r="2"><c r="B2" t="inlineStr"><is><t><![CDATA[</sheetData>]]></t></is></c></row>'),
        ("", "<?note </sheetData>?>"),
    ],
    ids=["empty-decoy-in-a-comment", "end-in-a-comment", "end-in-cdata", "end-in-an-instruction"],
)
def test_markup_that_hides_the_end_of_the_rows(tmp_path: Path, before: str, inside: str) -> None:
    # python-calamine skips comments, CDATA and processing instructions: a sheetData tag in one ends nothing.
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(3, 2000)) + '<row r="9000"><c r="AB9000"><v>1</v></c></row>'
    path = tmp_path / "s.xlsx"
    write_xlsx(path, '<row r="1"><c r="A1"><v>1</v></c></row>' + inside + rows)
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>", before.encode() + b"<sheetData>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    assert _scan(path) == (8999, 27) == _calamine_end(path)


def test_empty_sheet(tmp_path: Path) -> None:
    assert _scan(write_xlsx(tmp_path / "a.xlsx", "")) is None
    path = tmp_path / "b.xlsx"
    write_xlsx(path, "")
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").replace(b"<sheetData></sheetData>", b"<sheetData/>")
    assert scan_used_range(io.BytesIO(xml), on_growth=lambda *a: None) is None


class _Counting(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.served = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.served += len(data)
        return data


class _Refused(Exception):
    pass


def test_growth_is_reported_while_reading_and_can_stop_it() -> None:
    row = "<row>" + "<c><v>1</v></c>" * 10 + "</row>"
    xml = f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:B2"/><sheetData>{row * 200_000}</sheetData></worksheet>'
    fh = _Counting(xml.encode())
    seen: list[tuple[int, int, bool]] = []

    def refuse_past_10000_cells(last_row: int, last_col: int, text: int, final: bool) -> None:
        seen.append((last_row, last_col, final))
        if (last_row + 1) * (last_col + 1) > 10_000:
            raise _Refused

    with pytest.raises(_Refused):
        scan_used_range(fh, on_growth=refuse_past_10000_cells)
    # Refused within the first chunks of a 30 MB sheet, not at its end.
    assert len(xml) > 30_000_000
    assert fh.served <= 3 * xlsx_scan.CHUNK_BYTES
    assert seen[-1][1] == 9 and not seen[-1][2]


def test_deadline() -> None:
    # Cells in another namespace prefix than their rows are walked tag by tag; a deadline stops that.
    row = f'<row xmlns:y="{_MAIN}">' + "<y:c><y:v>1</y:v></y:c>" * 10 + "</row>"
    xml = f'<worksheet xmlns="{_MAIN}"><sheetData>{row * 100_000}</sheetData></worksheet>'
    with pytest.raises(ScanTimeout):
        scan_used_range(io.BytesIO(xml.encode()), on_growth=lambda *a: None, deadline=time.monotonic())
    assert scan_used_range(io.BytesIO(xml.encode()), on_growth=lambda *a: None) == (99_999, 9, 0)


# ----------------------------------------------------------------------------------------------------------
# Shared strings: python-calamine copies an entry into every cell that uses it


def _sst(items: str) -> io.BytesIO:
    return io.BytesIO(f'<?xml version="1.0"?><sst xmlns="{_MAIN}">{items}</sst>'.encode())


def test_shared_string_entries_in_every_form() -> None:
    entries = [
        "<si><t>甲</t></si>",
        "<si/>",
        "<si></si>",
        '<si><r><rPr><b/></rPr><t>乙乙</t></r><rPh sb="0" eb="1"><t>x</t></rPh></si>',
        f'<x:si xmlns:x="{_MAIN}"><x:t>丙</x:t></x:si>',
        "<si ><t>" + "长" * 1000 + "</t></si >",
    ]
    lengths, order_known = shared_string_lengths(_sst("".join(entries)), max_entries=10)
    assert order_known
    assert len(lengths) == 6
    # Each the bytes from the end of the one before to its own end tag: at least the bytes of its text.
    texts = ["甲", "", "", "乙乙x", "丙", "长" * 1000]
    assert all(size >= len(text.encode()) for size, text in zip(lengths, texts, strict=True))
    assert lengths[1] == 0 and lengths[5] == len(("<si ><t>" + "长" * 1000 + "</t>").encode()) == 3012


def test_shared_strings_cut_into_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    items = "".join(f"<si><t>{'文' * (i % 50)}</t></si>" for i in range(3000))
    whole, _ = shared_string_lengths(_sst(items), max_entries=5000)
    monkeypatch.setattr(xlsx_scan, "CHUNK_BYTES", 97)
    assert shared_string_lengths(_sst(items), max_entries=5000)[0] == whole


def test_too_many_shared_strings_stop_the_reading() -> None:
    fh = _Counting(_sst("<si><t>1</t></si>" * 200_000).getvalue())
    with pytest.raises(TooManyStrings):
        shared_string_lengths(fh, max_entries=1000)
    assert fh.served <= 2 * xlsx_scan.CHUNK_BYTES


def test_a_comment_makes_the_order_unknown() -> None:
    _, order_known = shared_string_lengths(_sst("<si><t>1</t></si><!-- <si><t>2</t></si> -->"), max_entries=10)
    assert not order_known


def test_text_is_counted_each_time_a_cell_uses_it(tmp_path: Path) -> None:
    lengths = [10, 2000, 30]
    cells = [(0, 1), (1, 1), (2, 1), (3, 0), (4, 2)]  # (column, shared string)
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{_letters(c)}{r}" s="1" t="s"><v>{i}</v></c>' for c, i in cells) + "</row>"
        for r in range(1, 101)
    )
    expected = 100 * (2000 * 3 + 10 + 30)
    with zipfile.ZipFile(write_xlsx(tmp_path / "s.xlsx", rows)) as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        assert scan_used_range(fh, on_growth=lambda *a: None, shared_strings=lengths) == (99, 4, expected)
    # A type written another way counts as the longest string; so does every string when the order is unknown.
    odd = rows.replace('t="s"><v>0<', "t='s'><v>0<")
    with zipfile.ZipFile(write_xlsx(tmp_path / "o.xlsx", odd)) as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        assert scan_used_range(fh, on_growth=lambda *a: None, shared_strings=lengths)[2] == expected + 100 * 1990
    with zipfile.ZipFile(tmp_path / "s.xlsx") as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        found = scan_used_range(fh, on_growth=lambda *a: None, shared_strings=lengths, shared_order_known=False)
    assert found == (99, 4, 500 * 2000)
