"""Batch check files: reading a list of subjects (bidders, applicants, nominees) and writing the results."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from openpyxl import Workbook
from openpyxl.styles import Font

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake.readers import iter_rows
from xinyong.intake.spreadsheets import safe_cell, workbook_bytes
from xinyong.lists.matching import Query
from xinyong.lists.models import Matter
from xinyong.lists.results import CheckResult

NAME_HEADERS = ("名称", "主体名称", "单位名称", "企业名称", "供应商名称", "投标人名称", "申报单位", "姓名")
CODE_HEADERS = ("统一社会信用代码", "信用代码", "代码", "身份证件号码", "证件号码", "身份证号码")
MAX_BATCH = 10_000


def _column(header: list[str], names: Sequence[str]) -> int | None:
    for wanted in names:
        if wanted in header:
            return header.index(wanted)
    return None


def read_subjects(path: Path, *, original_name: str | None = None) -> list[tuple[str, str]]:
    """(name, code) pairs. A header row with 名称/统一社会信用代码 columns is used when found among the first
    rows; otherwise each row's first cell is a name or a code, whichever it looks like."""
    rows = [
        ["" if c is None else str(c).strip() for c in row.cells]
        for row in iter_rows(path, original_name=original_name, max_rows=MAX_BATCH + 20)
    ]
    name_col = code_col = None
    start = 0
    for index, cells in enumerate(rows[:10]):
        name_col, code_col = _column(cells, NAME_HEADERS), _column(cells, CODE_HEADERS)
        if name_col is not None or code_col is not None:
            start = index + 1
            break
    pairs: list[tuple[str, str]] = []
    for cells in rows[start:]:
        if name_col is None and code_col is None:
            first = next((c for c in cells if c), "")
            query = Query.parse(first)
            pairs.append((query.name, query.code))
            continue
        name = cells[name_col] if name_col is not None and name_col < len(cells) else ""
        code = cells[code_col] if code_col is not None and code_col < len(cells) else ""
        if name or code:
            pairs.append((name, code))
    if not pairs:
        raise XinyongError(
            ErrorCode.NO_DATA_ROWS, "文件中没有可核查的主体：请在“名称”或“统一社会信用代码”列下逐行填写。"
        )
    if len(pairs) > MAX_BATCH:
        raise XinyongError(ErrorCode.FILE_TOO_LARGE, f"一次最多核查{MAX_BATCH}个主体，请拆分文件。")
    return pairs


def read_uploaded_subjects(upload: UploadedFile) -> list[tuple[str, str]]:
    """`read_subjects` of a browser upload (bidders, fund recipients), read from a temporary copy."""
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix.lower()) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return read_subjects(Path(handle.name), original_name=upload.name)


RESULT_HEADERS = (
    "序号",
    "查询名称",
    "查询代码",
    "核查结果",
    "命中名单",
    "名单条目名称",
    "认定文书号",
    "匹配得分",
    "匹配说明",
    "适用措施",
    "核查编号",
)


def results_workbook(results: Sequence[CheckResult]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("核查结果")
    bold = Font(bold=True)
    sheet.append([safe_cell(h, sheet, font=bold) for h in RESULT_HEADERS])
    for number, result in enumerate(results, start=1):
        log = result.log
        base = [number, log.query_name, log.query_code]
        if not result.any_hit:
            sheet.append([safe_cell(v, sheet) for v in (*base, "未命中", "", "", "", "", "", "", log.pk)])
            continue
        for record_hit in result.record_hits:
            measures = "；".join(
                f"{m.get_nature_display()}：{m.text}（{m.memorandum.number}）" for m in record_hit.measures
            )
            values = (
                *base,
                "命中",
                record_hit.record.category.name,
                str(record_hit.record.data.get("CF_XDR_MC", "")),
                record_hit.title,
                1.0,
                record_hit.explanation,
                measures,
                log.pk,
            )
            sheet.append([safe_cell(v, sheet) for v in values])
        for hit in result.hits:
            measures = "；".join(
                f"{m.get_nature_display()}：{m.text}（{m.memorandum.number}）" for m in hit.measures
            )
            values = (
                *base,
                "命中",
                hit.entry.kind.name,
                hit.entry.name,
                hit.entry.decision_document,
                hit.score,
                hit.explanation,
                measures or f"本事项（{Matter(log.matter).label}）无适用措施",
                log.pk,
            )
            sheet.append([safe_cell(v, sheet) for v in values])
    return workbook_bytes(workbook)
