"""What a file's columns mean for a category, decided once per file before any row is read.

A required column that is absent fails every row, so it is answered once for the file, with the category the
header looks more like. Columns the older layouts lack are completed from the organisation registry where the
catalog says so (the submitting department is the data source; a known authority's code comes from its unit).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import is_valid_uscc
from xinyong.intake.readers import HeaderMatch, normalize_header
from xinyong.intake.schema import Schema

# Rules of the catalog applied here rather than by the row validator.
COLUMN_RULES = frozenset(
    {
        "default_from_department", "default_when_absent", "unit_code_from_name", "uscc_from_id_column",
        "deciding_authority",
    }
)


@dataclass(frozen=True)
class UnitRef:
    name: str
    uscc: str


@dataclass
class ColumnPlan:
    present: frozenset[str]
    department_defaults: dict[str, str] = field(default_factory=dict)
    # A column a known layout lacks, filled with the value its other headers imply (e.g. the court's file).
    layout_defaults: dict[str, str] = field(default_factory=dict)
    codes_from_names: list[tuple[str, str]] = field(default_factory=list)
    # (id number field, USCC field): one column holding either, as the courts' 身份证号码/组织机构代码.
    usccs_from_ids: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def complete(self, cells: dict[str, object], units_by_name: Mapping[str, str]) -> dict[str, object]:
        for code, value in self.department_defaults.items():
            cells[code] = value
        for code, value in self.layout_defaults.items():
            cells[code] = value
        for name_field, code_field in self.codes_from_names:
            if cells.get(code_field) in (None, ""):
                name = cells.get(name_field)
                if isinstance(name, str) and _name_key(name) in units_by_name:
                    cells[code_field] = units_by_name[_name_key(name)]
        for id_field, uscc_field in self.usccs_from_ids:
            number = cells.get(id_field)
            if isinstance(number, str) and cells.get(uscc_field) in (None, "") and is_valid_uscc(number):
                cells[uscc_field] = number
                cells[id_field] = ""
        return cells


def plan_columns(
    schema: Schema,
    header: HeaderMatch,
    *,
    department: UnitRef | None,
    header_texts: Mapping[int, str],
    other_schemas: list[Schema],
) -> ColumnPlan:
    present = frozenset(header.columns.values())
    plan = ColumnPlan(present=present)
    fillable: set[str] = set()
    for rule in schema.rules:
        if rule.get("rule") == "default_from_department" and rule["field"] not in present and department:
            value = getattr(department, rule["attribute"], "")
            if value:
                plan.department_defaults[rule["field"]] = value
                fillable.add(rule["field"])
        elif rule.get("rule") == "default_when_absent" and rule["field"] not in present:
            wanted = normalize_header(rule["if_header"])
            if any(normalize_header(text) == wanted for text in header.texts.values()):
                plan.layout_defaults[rule["field"]] = rule["value"]
                fillable.add(rule["field"])
                spec = schema.field(rule["field"])
                plan.warnings.append(
                    f"文件中没有“{spec.name if spec else rule['field']}”列，按“{rule['if_header']}”列判定为“{rule['value']}”"
                )
        elif rule.get("rule") == "uscc_from_id_column" and rule["id_field"] in present:
            plan.usccs_from_ids.append((rule["id_field"], rule["uscc_field"]))
            if rule["uscc_field"] not in present:
                fillable.add(rule["uscc_field"])
                id_spec, uscc_spec = schema.field(rule["id_field"]), schema.field(rule["uscc_field"])
                column = next((t for i, t in header.texts.items() if header.columns.get(i) == rule["id_field"]), "")
                plan.warnings.append(
                    f"“{column}”列中的统一社会信用代码按“{uscc_spec.name if uscc_spec else rule['uscc_field']}”导入，"
                    f"其余按“{id_spec.name if id_spec else rule['id_field']}”导入"
                )
        elif rule.get("rule") == "unit_code_from_name":
            plan.codes_from_names.append((rule["name_field"], rule["code_field"]))
            if rule["name_field"] in present:
                fillable.add(rule["code_field"])
    missing = [
        spec
        for spec in schema.fields
        if spec.required and spec.type != "party_category" and spec.code not in present and spec.code not in fillable
    ]
    unknown = [text for index, text in header_texts.items() if index not in header.columns and text.strip()]
    if missing:
        names = "、".join(f"“{spec.name}”" for spec in missing)
        hint = _better_category(schema, header_texts, other_schemas)
        extra = f" 文件中未识别的列：{'、'.join(unknown)}。" if unknown else ""
        raise XinyongError(
            ErrorCode.COLUMNS_MISSING,
            f"第{header.row_number}行的表头缺少“{schema.name}”的必填列：{names}，所有数据行都无法通过校验，"
            f"本文件未导入。{extra}{hint}请下载模板核对列名后重新报送。",
        )
    if unknown:
        plan.warnings.append(f"以下列未能识别，其内容没有导入：{'、'.join(unknown)}")
    for name in plan.department_defaults:
        spec = schema.field(name)
        plan.warnings.append(f"文件中没有“{spec.name if spec else name}”列，已按报送部门填写")
    for spec in schema.fields:
        if spec.code in fillable:
            continue
        if spec.code not in present and not spec.required and _conditionally_required(schema, spec.code):
            plan.warnings.append(f"文件中没有“{spec.name}”列，该项未能采集")
    return plan


def _conditionally_required(schema: Schema, code: str) -> bool:
    return any(r.get("rule") == "required_when_contains" and r.get("field") == code for r in schema.rules)


def _better_category(schema: Schema, header_texts: Mapping[int, str], others: list[Schema]) -> str:
    """The category whose header names match this header best, when it is not the one chosen."""
    texts = {normalize_header(text) for text in header_texts.values()}

    def score(candidate: Schema) -> int:
        return sum(1 for spec in candidate.fields if texts & {normalize_header(a) for a in (spec.name, *spec.aliases)})

    best = max(others, key=score, default=None)
    if best is None or best.code == schema.code or score(best) <= score(schema):
        return ""
    return f"表头更像“{best.name}”（{best.code}），是否选错了信息类别？"


def units_by_name(units: list[Any]) -> dict[str, str]:
    """Unit name and short name → unified social credit code, for completing authority codes."""
    out: dict[str, str] = {}
    for unit in units:
        if unit.uscc:
            out[_name_key(unit.name)] = unit.uscc
            if unit.short_name:
                out.setdefault(_name_key(unit.short_name), unit.uscc)
    return out


def _name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())
