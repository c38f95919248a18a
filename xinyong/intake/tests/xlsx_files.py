"""Hand-made .xlsx packages for the readers' tests and the hostile-file benchmark: sheets whose XML says what a
test needs (no references, a lying dimension, one shared string used everywhere), which openpyxl would not write."""

from __future__ import annotations

import random
import zipfile
from collections.abc import Sequence
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _package(sheet_name: str) -> dict[str, str]:
    """The parts of a one-sheet workbook other than the sheet itself."""
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{_DOCUMENT}">'
            f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
    }


def _open(path: Path, sheet_name: str, compresslevel: int | None = None) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
    for name, text in _package(sheet_name).items():
        archive.writestr(name, text)
    return archive


def write_xlsx(path: Path, sheet_data: str, *, prefix: str = "", dimension: str = "") -> Path:
    """A one-sheet workbook whose sheet XML holds ``sheet_data`` between its sheetData tags."""
    p = f"{prefix}:" if prefix else ""
    namespace = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {namespace}>{dim}'
        f"<{p}sheetData>{sheet_data}</{p}sheetData></{p}worksheet>"
    )
    with _open(path, "数据") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    return path


def write_lying_xlsx(
    path: Path, *, header: Sequence[str], rows: int, columns: int, dimension: str = "A1:B2", compresslevel: int = 1
) -> Path:
    """The header, then ``rows`` rows of ``columns`` small numbers without references, under a sheet that claims
    ``dimension``. Blocks of 20 rows repeat within deflate's 32 KB window: about 65 times smaller packed."""
    rnd = random.Random(1)
    block = "".join(
        "<row>" + "".join(f"<c><v>{rnd.randrange(100)}</v></c>" for _ in range(columns)) + "</row>"
        for _ in range(20)
    ).encode()
    first = "<row>" + "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in header) + "</row>"
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    with _open(path, "行政处罚", compresslevel) as archive, archive.open(
        "xl/worksheets/sheet1.xml", "w", force_zip64=True
    ) as sheet:
        sheet.write(f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{first}'.encode())
        for _ in range(rows // 20):
            sheet.write(block)
        sheet.write(b"</sheetData></worksheet>")
    return path


def write_shared_string_bomb(path: Path, *, header: Sequence[str], cells: int) -> Path:
    """The header, then rows of 10 cells that all use one shared string of 32,767 characters (Excel's longest):
    a few KB packed, but python-calamine copies the string into every cell."""
    strings = [*header, "x" * 32_767]
    sst = "".join(f"<si><t>{text}</t></si>" for text in strings)
    first = "<row>" + "".join(f'<c t="s"><v>{i}</v></c>' for i in range(len(header))) + "</row>"
    row = "<row>" + f'<c t="s"><v>{len(header)}</v></c>' * 10 + "</row>"
    with _open(path, "行政处罚") as archive:
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{sst}</sst>')
        archive.writestr(
            "xl/worksheets/sheet1.xml", f'<worksheet xmlns="{MAIN}"><sheetData>{first}{row * (cells // 10)}</sheetData></worksheet>'
        )
    return path
