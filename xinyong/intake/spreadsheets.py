"""Spreadsheets for people: a category's template to fill in, and a batch's rejected rows to correct.

Both are .xlsx files a clerk opens in Excel or WPS, fills or corrects, and imports again: their header row holds
exactly the catalog's field names, so `xinyong.intake.services.import_file` reads them back.

Formula injection: every cell any export writes is made by `safe_cell`, which neutralises text that a
spreadsheet program would run as a formula (OWASP "CSV injection"), and `workbook_bytes` refuses to hand out a
workbook that still holds a formula. The builders here are pure: model instances and plain values in, bytes out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from xinyong.catalog.models import Category, CycleKind, Field, FieldType
from xinyong.core import clock, identifiers
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake import values as cell_values
from xinyong.intake.models import Batch, RejectedRow
from xinyong.intake.schema import schema_of
from xinyong.intake.validation import RowValidator
from xinyong.subjects.models import PartyCategory

XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# ----------------------------------------------------------------------------------------------------------
# Formula injection

# What makes Excel, WPS or LibreOffice read a cell's text as a formula (OWASP, "CSV Injection"): =, +, - and
# @ start one; a leading tab or carriage return hides one from a quick look.
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit on the characters of one cell.
_MAX_CELL_CHARS: Final = 32_767

CellValue = str | int | float | Decimal | bool | dt.date | dt.datetime | dt.time | None


def safe_value(value: object) -> CellValue:
    """The value an export may write into a cell.

    Text starting with a formula trigger gets a leading single quote (the OWASP advice: a spreadsheet shows it,
    and never runs it); numbers, dates and booleans stay as they are (a negative amount stays a number). Other
    objects become their text. Characters the file format cannot hold (control characters) are dropped, text
    longer than a cell can hold is cut, and a date-time with a time zone is written in Beijing time.
    """
    if value is None or isinstance(value, bool | int | Decimal | dt.date | dt.time):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(clock.LOCAL_TZ).replace(tzinfo=None)
        if isinstance(value, Decimal) and not value.is_finite():
            return str(value)
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    text = value if isinstance(value, str) else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    if len(text) > _MAX_CELL_CHARS:
        text = text[: _MAX_CELL_CHARS - 1] + "…"
    return text


def safe_cell(
    value: object,
    sheet: Any = None,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    number_format: str | None = None,
    alignment: Alignment | None = None,
    border: Border | None = None,
    comment: str | None = None,
) -> Cell:
    """The one way an export makes a cell: the value goes through `safe_value`, and text is typed as a string.

    Typing it explicitly means openpyxl never writes a formula (it would for text starting with "=") nor an
    error value (it would for the text "#N/A"). Styles need the worksheet; append the cell to it in order.
    """
    cell = WriteOnlyCell(sheet, safe_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if comment:
        cell.comment = _comment(comment)
    return cell


# A formula in a worksheet part: <f>…</f> or <f t="shared" …/>.
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def workbook_bytes(workbook: Workbook) -> bytes:
    """Save an export and prove it holds no formula; every export hands out its file through here."""
    if not workbook.write_only:
        # Cells of an ordinary workbook are still in memory: any written around `safe_cell` are neutralised now.
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or (
                        isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS)
                    ):
                        cell.value = safe_value(cell.value)
                        cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if is_sheet and _FORMULA_ELEMENT.search(archive.read(name)):
                raise RuntimeError(f"an export wrote a formula into {name}; cells must be made by safe_cell")
    return data


# ----------------------------------------------------------------------------------------------------------
# Looks

_THIN = Side(style="thin", color="FFBFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE_FONT = Font(bold=True, size=13)
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="FFC00000")
_HEADER_FILL = PatternFill("solid", fgColor="FFF2F2F2")
_EXAMPLE_FONT = Font(italic=True, color="FF7F7F7F")
_BAD_FILL = PatternFill("solid", fgColor="FFFFC7CE")
_BAD_FONT = Font(color="FF9C0006")
_NOTE_FILL = PatternFill("solid", fgColor="FFFFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_ALIGN = Alignment(vertical="center", wrap_text=True)

TEXT_FORMAT: Final = "@"
DATE_FORMAT: Final = "yyyy-mm-dd"
_IDENTIFIER_TYPES: Final = frozenset({FieldType.USCC, FieldType.PERSON_ID})
_NUMBER_TYPES: Final = frozenset({FieldType.DECIMAL, FieldType.INTEGER})
# Excel's last row: drop-downs and formats cover every row a clerk may add.
_LAST_ROW: Final = 1_048_576
_HEADER_ROW: Final = 2
_FIRST_DATA_ROW: Final = 3
_COMMENT_AUTHOR: Final = "xinyong"


def _comment(text: str) -> Comment:
    comment = Comment(text, _COMMENT_AUTHOR)
    lines = sum(1 + _display_width(line) // 28 for line in text.splitlines() or [""])
    comment.width = 240
    comment.height = min(400, 24 + 15 * lines)
    return comment


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_width(*texts: str, minimum: int = 8, maximum: int = 40) -> float:
    widest = max((_display_width(t) for t in texts if t), default=0)
    return float(min(maximum, max(minimum, widest + 2)))


def _sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "", text).strip("'") or "数据"
    return cleaned[:31]


def _number_format(field: Field) -> str:
    if field.type == FieldType.DATE:
        return DATE_FORMAT
    if field.type in _NUMBER_TYPES:
        return "General"
    # Codes, identifiers and free text: text, so that Excel never turns an 18-digit number into 3.2E+17 nor
    # drops the leading zeros of a code.
    return TEXT_FORMAT


def _choices_of(field: Field) -> list[str]:
    if field.type == FieldType.PARTY_CATEGORY:
        return [str(label) for label in PartyCategory.values]
    if field.type == FieldType.ID_TYPE:
        return [str(doc) for doc in identifiers.PersonDocType]
    return [str(choice) for choice in field.choices or []]


def type_label(field: Field) -> str:
    label = str(FieldType(field.type).label) if field.type in FieldType.values else str(field.type)
    if field.max_length:
        label += f"（最长{field.max_length}字）"
    return label


def cycle_label(category: Category) -> str:
    if category.cycle_kind == CycleKind.WORKDAYS_AFTER_DECISION and category.cycle_workdays:
        return f"作出决定之日起 {category.cycle_workdays} 个工作日内"
    return str(category.get_cycle_kind_display())


def _day_label(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


# ----------------------------------------------------------------------------------------------------------
# The example row of a template

# Synthetic text for the common fields of the 双公示 layouts; other text fields get "<name>示例".
_SAMPLE_TEXT: Final[dict[str, str]] = {
    "行政相对人名称": "江阴市利港恒远机械有限公司",
    "名称": "江阴市利港恒远机械有限公司",
    "法定代表人": "王建国",
    "违法行为类型": "违反环境保护管理规定",
    "违法事实": "未按规定办理排污许可，擅自排放污水",
    "处罚依据": "《中华人民共和国水污染防治法》第八十三条",
    "处罚内容": "给予警告",
    "行政许可决定文书名称": "食品经营许可决定书",
    "行政许可决定文书号": "澄利政务许〔2020〕15号",
    "许可证书名称": "食品经营许可证",
    "许可编号": "JY33202810001234",
    "许可内容": "准予食品经营许可",
    "住所": "江阴市利港街道滨江路8号",
    "备注": "",
}
_PERSON_NAME: Final = "张三"
_AUTHORITY_NAME: Final = "江阴市利港街道综合行政执法局"
_AUTHORITY_USCC: Final = identifiers.make_uscc("11", "320281", "01418803")
_COMPANY_USCC: Final = identifiers.make_uscc("91", "320281", "MA1XXXXX")
_PERSON_ID: Final = identifiers.make_resident_id("320281", dt.date(1985, 3, 12), 17)
_REP_PERSON_ID: Final = identifiers.make_resident_id("320281", dt.date(1972, 8, 6), 31)
_BASE_DAY: Final = dt.date(2020, 11, 19)
_FILL_CODES: Final = frozenset({ErrorCode.REQUIRED, ErrorCode.REQUIRED_WHEN, ErrorCode.FINE_AMOUNT_REQUIRED})


@dataclass(frozen=True)
class UnitExample:
    """The unit an example row names as authority and data source (name and unified social credit code)."""

    name: str
    uscc: str


@dataclass
class _ExamplePlan:
    natural: bool
    mapping: Mapping[str, str]
    unit_names: frozenset[str]
    unit_codes: frozenset[str]
    later_dates: frozenset[str]
    base_day: dt.date
    unit: UnitExample | None


def _plan(
    category: Category, fields: Sequence[Field], unit: UnitExample | None, today: dt.date
) -> _ExamplePlan:
    mapping = dict(category.subject_mapping or {})
    rules = list(category.rules or [])
    unit_names = {r["name_field"] for r in rules if r.get("rule") == "unit_code_from_name"}
    unit_codes = {r["code_field"] for r in rules if r.get("rule") == "unit_code_from_name"}
    for rule in rules:
        if rule.get("rule") == "default_from_department":
            (unit_codes if rule.get("attribute") == "uscc" else unit_names).add(rule["field"])
    later = frozenset(r["later"] for r in rules if r.get("rule") == "date_order")
    base = _BASE_DAY
    decision = next((f for f in fields if f.code == category.decision_date_field), None)
    if decision is not None and decision.example:
        with contextlib.suppress(ValueError):
            base = cell_values.parse_date(decision.example) or base
    return _ExamplePlan(
        natural=category.subject_scope == "natural" or not mapping.get("uscc"),
        mapping=mapping,
        unit_names=frozenset(unit_names),
        unit_codes=frozenset(unit_codes),
        later_dates=later,
        base_day=min(base, today),
        unit=unit,
    )


def _synthetic(field: Field, plan: _ExamplePlan) -> CellValue:
    kind = field.type
    if kind == FieldType.DATE:
        if field.code in plan.later_dates:
            day = plan.base_day
            return day.replace(year=day.year + 3, day=min(day.day, 28)) - dt.timedelta(days=1)
        return plan.base_day
    if kind == FieldType.DECIMAL:
        return Decimal("1.5")
    if kind == FieldType.INTEGER:
        return 1
    if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        return str(field.choices[0]) if field.choices else f"{field.name}示例"
    if kind == FieldType.USCC:
        if field.code in plan.unit_codes:
            return plan.unit.uscc if plan.unit and plan.unit.uscc else _AUTHORITY_USCC
        return _COMPANY_USCC
    if kind == FieldType.PERSON_ID:
        return _PERSON_ID if field.code == plan.mapping.get("id_number") else _REP_PERSON_ID
    if kind == FieldType.ID_TYPE:
        return str(identifiers.PersonDocType.RESIDENT_ID)
    if kind == FieldType.PARTY_CATEGORY:
        return str(PartyCategory.NATURAL if plan.natural else PartyCategory.LEGAL)
    if field.code in plan.unit_names:
        text = plan.unit.name if plan.unit else _AUTHORITY_NAME
    elif plan.natural and field.code == plan.mapping.get("name"):
        text = _PERSON_NAME
    else:
        text = _SAMPLE_TEXT.get(field.name) or f"{field.name}示例"
    return text[: field.max_length] if field.max_length else text


def _from_example(field: Field) -> CellValue:
    """The catalog's example as a cell value, or None when it cannot be one (it is then made up)."""
    text = str(field.example or "").strip()
    if not text:
        return None
    try:
        if field.type == FieldType.DATE:
            return cell_values.parse_date(text)
        if field.type in _NUMBER_TYPES:
            return cell_values.parse_decimal(text)
        if field.type == FieldType.USCC and not identifiers.is_valid_uscc(text):
            # A placeholder such as 91320281MA1XXXXXXX: keep its look, make its check characters right.
            code = identifiers.normalize_code(text)
            return identifiers.make_uscc(code[:2], code[2:8], code[8:16])
    except (ValueError, XinyongError):
        return None
    return text


def example_row(
    category: Category,
    fields: Sequence[Field],
    *,
    unit: UnitExample | None = None,
    today: dt.date | None = None,
) -> dict[str, CellValue]:
    """One row, field code → value, that passes the category's checks: the catalog's examples where they pass,
    synthetic values (identifiers with valid check characters) elsewhere.

    Required fields, fields with an example and the party's identity are filled; the row is then checked with
    the import's own validator and mended (a missing conditional field filled, a failing optional one dropped).
    """
    today = today or clock.today()
    plan = _plan(category, fields, unit, today)
    mapping = plan.mapping
    identity = ("id_type", "id_number") if plan.natural else ("uscc", "legal_rep")
    wanted = {f.code for f in fields if f.required or f.example}
    wanted |= {mapping[key] for key in (*identity, "name") if mapping.get(key)}
    row: dict[str, CellValue] = {}
    from_example: set[str] = set()
    for field in fields:
        if field.code not in wanted:
            continue
        value = _from_example(field)
        if value is not None:
            from_example.add(field.code)
        else:
            value = _synthetic(field, plan)
        row[field.code] = value
    by_code = {f.code: f for f in fields}
    validator = RowValidator(
        schema_of(category, fields), submitted_on=today, present_columns=frozenset(by_code)
    )
    for _ in range(5):
        checked = validator.check(row)
        if checked.ok:
            break
        changed = False
        for error in checked.errors:
            failing = by_code.get(error.field)
            if failing is None:
                continue
            code = failing.code
            if code not in row or error.code in _FILL_CODES:
                row[code] = _synthetic(failing, plan)
            elif error.code == ErrorCode.FUTURE_DATE:
                row[code] = today
            elif code in from_example:
                row[code] = _synthetic(failing, plan)
                from_example.discard(code)
            elif not failing.required:
                del row[code]
            else:
                continue
            changed = True
        if not changed:
            break
    return row


# ----------------------------------------------------------------------------------------------------------
# Template of a category


def template_filename(category: Category) -> str:
    return f"{category.name}_报送模板_v{category.version}.xlsx"


def _list_validation(field: Field, choices: list[str], source: str) -> DataValidation:
    multi = field.type == FieldType.MULTI_CHOICE
    validation = DataValidation(type="list", formula1=source, allow_blank=True)
    validation.promptTitle = field.name[:32]
    validation.prompt = (
        ("可从列表选择；多项请用顿号（、）分隔，如：" + "、".join(choices[:2]))
        if multi
        else "请从下拉列表中选择"
    )
    validation.showInputMessage = True
    # Several values in one cell are not a list item, and the import also accepts other spellings
    # (e.g. 普通许可 for 普通): a warning the clerk may pass, never a refusal.
    validation.showErrorMessage = not multi
    validation.errorStyle = "warning"
    validation.errorTitle = "不在可选值中"
    validation.error = f"“{field.name}”的可选值：{'、'.join(choices)}"[:255]
    return validation


def _inline_list(choices: list[str]) -> str | None:
    """An inline list source ("a,b,c"), or None when Excel's 255-character limit or a comma forbids it."""
    if any("," in c or '"' in c for c in choices):
        return None
    source = '"' + ",".join(choices) + '"'
    return source if len(source) <= 255 else None


def _header_comment(field: Field, choices: list[str], example: CellValue) -> str:
    lines = [
        "（必填）" if field.required else "（选填）",
        f"字段编码：{field.code}",
        f"类型：{type_label(field)}",
    ]
    if choices:
        lines.append(f"可选值：{'、'.join(choices)}")
    if field.help_text:
        lines.append(f"说明：{field.help_text}")
    shown = _example_text(example)
    if shown:
        lines.append(f"示例：{shown}")
    return "\n".join(lines)


def _example_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return str(value)


def template_xlsx(
    category: Category,
    fields: Sequence[Field],
    *,
    unit: UnitExample | None = None,
    today: dt.date | None = None,
) -> bytes:
    """The template of one category version: title, header (field names), an example row, and the notes."""
    today = today or clock.today()
    example = example_row(category, fields, unit=unit, today=today)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(category.name)
    count = max(1, len(fields))
    title = (
        f"{category.name}（{category.code}）报送模板 · 第{category.version}版 · "
        f"{_day_label(category.effective_from)}起施行。第{_HEADER_ROW}行为列名，请勿修改，红色为必填项；"
        f"第{_FIRST_DATA_ROW}行为填写示例，报送前请删除。填写要求见“填报说明”工作表。"
    )
    sheet.append([safe_cell(title, sheet, font=_TITLE_FONT, alignment=_TITLE_ALIGN)])
    if count > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=count)
    lists: Any = None
    headers: list[Cell] = []
    examples: list[Cell] = []
    for index, field in enumerate(fields, start=1):
        letter = get_column_letter(index)
        choices = _choices_of(field)
        value = example.get(field.code)
        fmt = _number_format(field)
        headers.append(
            safe_cell(
                field.name,
                sheet,
                font=_REQUIRED_FONT if field.required else _HEADER_FONT,
                fill=_HEADER_FILL,
                alignment=_CENTER,
                border=_BORDER,
                comment=_header_comment(field, choices, value),
            )
        )
        examples.append(
            safe_cell(
                value,
                sheet,
                font=_EXAMPLE_FONT,
                number_format=fmt,
                border=_BORDER,
            )
        )
        column = sheet.column_dimensions[letter]
        column.width = _column_width(
            field.name, _example_text(value), minimum=12 if fmt == DATE_FORMAT else 10
        )
        if field.type in _IDENTIFIER_TYPES:
            column.width = max(column.width, 22.0)
        # The column's own format: rows a clerk adds take it, so a typed 18-digit number stays text.
        column.number_format = fmt
        if choices:
            source = _inline_list(choices)
            if source is None:
                if lists is None:
                    lists = workbook.create_sheet("可选值")
                    lists.sheet_state = "hidden"
                for row_index, choice in enumerate(choices, start=1):
                    lists.cell(row=row_index, column=index).value = safe_value(choice)
                    lists.cell(row=row_index, column=index).data_type = "s"
                source = f"'可选值'!${letter}$1:${letter}${len(choices)}"
            validation = _list_validation(field, choices, source)
            sheet.add_data_validation(validation)
            validation.add(f"{letter}{_FIRST_DATA_ROW}:{letter}{_LAST_ROW}")
    # Wrapped over the merged width of the columns, the title needs this many lines (a 13-point font).
    span = sum(sheet.column_dimensions[get_column_letter(i)].width or 10 for i in range(1, count + 1))
    sheet.row_dimensions[1].height = min(160, 20 * (1 + int(_display_width(title) * 1.2 // max(span, 1))))
    sheet.append(headers)
    sheet.append(examples)
    sheet.row_dimensions[_HEADER_ROW].height = 30
    sheet.freeze_panes = f"A{_FIRST_DATA_ROW}"
    _notes_sheet(workbook, category, fields, example, sheet.title)
    if lists is not None:
        # Keep the hidden list sheet last, after the notes.
        workbook.move_sheet(lists, offset=len(workbook.sheetnames) - 1 - workbook.index(lists))
    workbook.active = 0
    return workbook_bytes(workbook)


def _notes_sheet(
    workbook: Workbook,
    category: Category,
    fields: Sequence[Field],
    example: Mapping[str, CellValue],
    data_sheet: str,
) -> None:
    sheet = workbook.create_sheet("填报说明")
    cycle = cycle_label(category)
    if category.cycle_source:
        cycle += f"（依据：{category.cycle_source}）"
    facts = [
        ("信息类别", category.name),
        ("类别编码", category.code),
        ("版本", f"第{category.version}版"),
        ("性质", category.get_kind_display()),
        ("适用主体", category.get_subject_scope_display()),
        ("公开方式", category.get_disclosure_display()),
        ("依据", category.legal_source),
        ("交换周期", cycle),
        ("生效日期", _day_label(category.effective_from)),
    ]
    if category.effective_to:
        facts.append(("失效日期", _day_label(category.effective_to)))
    notes = [
        f"1. 请在“{data_sheet}”工作表第{_FIRST_DATA_ROW}行起逐行填写，一行一条记录；第{_FIRST_DATA_ROW}行为示例，报送前请删除。",
        f"2. 第{_HEADER_ROW}行的列名请勿修改；红色列名为必填项。选填列可以删除或留空。",
        f"3. 日期请填写为 {cell_values.ACCEPTED_DATE_FORMS} 的格式。",
        "4. 统一社会信用代码、证件号码等代码列已设为文本格式，请勿改为数值格式，否则 Excel 会把18位号码显示为 3.2E+17 并丢失末几位。",
        "5. 多选项请用顿号（、）分隔，如：警告、罚款。",
    ]
    sheet.append([safe_cell(f"{category.name} 填报说明", sheet, font=_TITLE_FONT)])
    for label, text in facts:
        sheet.append([safe_cell(label, sheet, font=_HEADER_FONT), safe_cell(text, sheet, alignment=_WRAP)])
        sheet.merge_cells(start_row=sheet.max_row, start_column=2, end_row=sheet.max_row, end_column=9)
    sheet.append([])
    for note in notes:
        sheet.append([safe_cell(note, sheet)])
    sheet.append([])
    heads = ["序号", "字段名称", "字段编码", "类型", "必填", "可接受的列名", "可选值", "填写说明", "示例"]
    sheet.append([safe_cell(h, sheet, font=_HEADER_FONT, fill=_HEADER_FILL, border=_BORDER) for h in heads])
    for number, field in enumerate(fields, start=1):
        choices = _choices_of(field)
        row = [
            number,
            field.name,
            field.code,
            type_label(field),
            "必填" if field.required else "选填",
            "、".join([field.name, *(field.aliases or [])]),
            "、".join(choices),
            field.help_text,
            _example_text(example.get(field.code)),
        ]
        sheet.append(
            [
                safe_cell(
                    value,
                    sheet,
                    border=_BORDER,
                    alignment=_WRAP,
                    font=_REQUIRED_FONT if (position == 4 and field.required) else None,
                    number_format=TEXT_FORMAT if position == 8 else None,
                )
                for position, value in enumerate(row)
            ]
        )
    for letter, width in zip("ABCDEFGHI", (10, 24, 16, 18, 8, 40, 36, 40, 26), strict=True):
        sheet.column_dimensions[letter].width = width


# ----------------------------------------------------------------------------------------------------------
# Rejected rows of a batch

REJECTED_ROW_HEADER: Final = "原行号"
# Excel's last row, less the title and header rows.
MAX_EXPORT_ROWS: Final = _LAST_ROW - _HEADER_ROW
REJECTED_REASON_HEADER: Final = "错误说明"


def rejected_filename(batch: Batch) -> str:
    stem = Path(batch.original_name).stem or "报送文件"
    return f"{stem}_未通过校验的数据_批次{batch.pk}.xlsx"


def _error_fields(label: str, by_name: Mapping[str, Field]) -> list[Field]:
    """The fields an error names: one field name, or several joined by 、 (a duplicate key names them all)."""
    if label in by_name:
        return [by_name[label]]
    return [by_name[part] for part in label.split("、") if part in by_name]


def _errors_of(row: RejectedRow) -> list[dict[str, str]]:
    errors = row.errors if isinstance(row.errors, list) else []
    return [
        {
            "field": str(e.get("field") or ""),
            "message": str(e.get("message") or ""),
            "code": str(e.get("code") or ""),
        }
        for e in errors
        if isinstance(e, dict)
    ]


def _columns_for(category: Category, fields: Sequence[Field], rows: Sequence[RejectedRow]) -> list[Field]:
    """The fields to show, in catalog order: the required ones, those any row holds or any error names, and
    those a rule may require (so that a corrected file is checked as fully as the original was).
    """
    by_name = {f.name: f for f in fields}
    shown = {f.code for f in fields if f.required}
    shown |= {
        str(r["field"])
        for r in (category.rules or [])
        if r.get("rule") == "required_when_contains" and "field" in r
    }
    for row in rows:
        if isinstance(row.values, dict):
            shown.update(row.values)
        for error in _errors_of(row):
            shown.update(f.code for f in _error_fields(error["field"], by_name))
    return [f for f in fields if f.code in shown]


def _as_received(field: Field, value: object) -> object:
    """A cell as the clerk sent it; an identifier that arrived as a number is written as its digits (text)."""
    if field.type in _IDENTIFIER_TYPES and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return value


def rejected_rows_xlsx(
    batch: Batch, rows: Iterable[RejectedRow], fields: Sequence[Field], *, total: int | None = None
) -> bytes:
    """The rejected rows of a batch, to correct and import again.

    Columns: 原行号 (the row in the clerk's file), 错误说明 (every reason of the row), then the fields in catalog
    order, headed by their names, holding the values as received. A bad cell is filled red and carries its
    reason as a comment. The sheet is written as a stream (write-only). `total`, when more rows wait than are
    given (a sheet holds at most `MAX_EXPORT_ROWS`), is said in the title.
    """
    rows = list(rows)[:MAX_EXPORT_ROWS]
    total = max(total or 0, len(rows))
    category = batch.category
    columns = _columns_for(category, fields, rows)
    by_name = {f.name: f for f in fields}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title("待更正数据"))
    submitted = batch.submitted_at.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    title = f"{category.name} · 批次 {batch.pk}（{batch.original_name}，{submitted} 报送）未通过校验的数据，共 {total} 行。"
    if total > len(rows):
        title += f"一个工作表最多容纳 {MAX_EXPORT_ROWS} 行，本文件只含前 {len(rows)} 行，其余请导入本文件后再次下载。"
    title += (
        "红色单元格有误，鼠标移到单元格上可看原因；更正后可直接导入本文件，"
        f"“{REJECTED_ROW_HEADER}”“{REJECTED_REASON_HEADER}”两列导入时忽略。"
    )
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 48
    for index, field in enumerate(columns, start=3):
        column = sheet.column_dimensions[get_column_letter(index)]
        column.width = _column_width(field.name, minimum=22 if field.type in _IDENTIFIER_TYPES else 12)
        column.number_format = (
            TEXT_FORMAT if _number_format(field) == TEXT_FORMAT or field.type == FieldType.DATE else "General"
        )
    sheet.freeze_panes = f"C{_FIRST_DATA_ROW}"
    # The title stays inside the two frozen columns, wrapped, so it reads whole however far the clerk scrolls.
    sheet.merged_cells.add("A1:B1")
    sheet.row_dimensions[1].height = min(160, 18 * (1 + _display_width(title) // 52))
    sheet.append([safe_cell(title, sheet, font=_TITLE_FONT, alignment=_TITLE_ALIGN)])
    header = [
        safe_cell(
            REJECTED_ROW_HEADER, sheet, font=_HEADER_FONT, fill=_NOTE_FILL, alignment=_CENTER, border=_BORDER
        ),
        safe_cell(
            REJECTED_REASON_HEADER,
            sheet,
            font=_HEADER_FONT,
            fill=_NOTE_FILL,
            alignment=_CENTER,
            border=_BORDER,
        ),
    ]
    header += [
        safe_cell(
            f.name,
            sheet,
            font=_REQUIRED_FONT if f.required else _HEADER_FONT,
            fill=_HEADER_FILL,
            alignment=_CENTER,
            border=_BORDER,
        )
        for f in columns
    ]
    sheet.append(header)
    for row in rows:
        values = row.values if isinstance(row.values, dict) else {}
        errors = _errors_of(row)
        reasons: dict[str, list[str]] = {}
        for error in errors:
            for field in _error_fields(error["field"], by_name):
                reasons.setdefault(field.code, []).append(error["message"])
        summary = "\n".join(f"【{e['field']}】{e['message']}" if e["field"] else e["message"] for e in errors)
        cells = [
            safe_cell(row.row_number, sheet, border=_BORDER),
            safe_cell(summary, sheet, alignment=_WRAP, border=_BORDER, font=_BAD_FONT),
        ]
        for field in columns:
            bad = reasons.get(field.code)
            cells.append(
                safe_cell(
                    _as_received(field, values.get(field.code)),
                    sheet,
                    border=_BORDER,
                    number_format=TEXT_FORMAT if field.type in _IDENTIFIER_TYPES else None,
                    fill=_BAD_FILL if bad else None,
                    font=_BAD_FONT if bad else None,
                    comment="\n".join(bad) if bad else None,
                )
            )
        sheet.append(cells)
    return workbook_bytes(workbook)


def write_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def example_unit_for(category: Category, *, prefer: Any = None) -> UnitExample | None:
    """The unit an example row names: `prefer` (the user's own unit) when it provides the category, else the
    first providing unit with a code, else none (a made-up authority is used).
    """
    owners = [u for u in category.owner_units.order_by("sort_order", "code") if u.uscc]
    chosen = next((u for u in owners if prefer is not None and u.pk == getattr(prefer, "pk", None)), None)
    chosen = chosen or (owners[0] if owners else None)
    return UnitExample(chosen.name, chosen.uscc) if chosen else None
