"""Each unit's data is its own: the row-level refusals of the import path and of corrections.

Two rules. A department reports decisions of the authorities it may report for (itself, and what the organisation
file adds for delegated reporting, 代报); a row naming another authority is refused. And a decision another unit
reported first belongs to that unit: a row that would revise it is refused, and the record stays as it was. The
messages name the situation, never the other unit or its data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xinyong.core.errors import ErrorCode
from xinyong.intake.schema import Schema
from xinyong.intake.validation import CheckedRow, RowError
from xinyong.org.authority import AuthorityScope


def authority_fields(schema: Schema) -> tuple[str, str] | None:
    """(name field, code field) of the category's deciding authority, when the catalog names one."""
    for rule in schema.rules:
        if rule.get("rule") == "deciding_authority":
            return str(rule["name_field"]), str(rule["code_field"])
    return None


class AuthorityCheck:
    """The deciding-authority rule of one category for one department, compiled once per batch: rows of a file
    name a handful of authorities, so each (name, code) pair is judged once."""

    def __init__(self, schema: Schema, scope: AuthorityScope | None) -> None:
        self.schema = schema
        self.scope = scope
        self.fields = authority_fields(schema) if scope is not None else None
        self._allowed: dict[tuple[str | None, str | None], bool] = {}

    def error(self, checked: CheckedRow) -> RowError | None:
        """The refusal of a row whose deciding authority the department may not report for, or None."""
        if self.fields is None or self.scope is None:
            return None
        name_field, code_field = self.fields
        name = checked.values.get(name_field)
        code = checked.values.get(code_field)
        pair = (str(name) if name else None, str(code) if code else None)
        allowed = self._allowed.get(pair)
        if allowed is None:
            allowed = self._allowed[pair] = self.scope.allows(*pair)
        if allowed:
            return None
        schema = self.schema
        label = _label(schema, name_field)
        written = f"“{name}”" if name else "（未填写）"
        if code:
            written += f"（{_label(schema, code_field)} {code}）"
        return RowError(
            code_field if code else name_field,
            label,
            ErrorCode.AUTHORITY_NOT_ALLOWED,
            f"{label}{written}不在本单位可报送的范围内：本单位只能报送{self.scope.describe()}作出的决定。"
            "如确需代报，请信用办在组织机构配置中为本单位登记该机关。",
        )


def not_owner_error(schema: Schema, values: Mapping[str, Any]) -> RowError:
    """The refusal of a row that would revise a decision another unit reported."""
    labels = "、".join(_label(schema, code) for code in schema.key_fields)
    written = "、".join(str(values.get(code, "")) for code in schema.key_fields)
    first = schema.key_fields[0] if schema.key_fields else ""
    return RowError(
        first,
        _label(schema, first) if first else labels,
        ErrorCode.NOT_OWNER,
        f"同一{labels}（{written}）的决定已由其他单位报送，本单位不能修改或覆盖。"
        "请核对文书号和机关代码；如该决定确属本单位，请联系信用办核实后办理记录归属变更。",
    )


def not_owner_row(schema: Schema, row_number: int, values: Mapping[str, Any]) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """A refused row as the batch holds it back: (row number, its cells, its errors)."""
    error = not_owner_error(schema, values)
    return (
        row_number,
        dict(values),
        [{"row": row_number, "field": error.label, "code": str(error.code), "message": error.message}],
    )


def _label(schema: Schema, code: str) -> str:
    spec = schema.field(code)
    return spec.name if spec else code
