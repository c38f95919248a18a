"""Checking one row against its catalog category: field types first, then the category's cross-field rules.

Everything here is pure: plain values in, plain values out, so it runs fast on large files and is tested
without a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xinyong.core import identifiers
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake import values
from xinyong.intake.columns import COLUMN_RULES
from xinyong.intake.schema import FieldSpec, Schema
from xinyong.subjects.models import PartyCategory

PARTY_CATEGORY_ALIASES = {
    "法人及非法人组织": PartyCategory.LEGAL,
    "法人及其他组织": PartyCategory.LEGAL,
    "法人和非法人组织": PartyCategory.LEGAL,
    "法人": PartyCategory.LEGAL,
    "非法人组织": PartyCategory.LEGAL,
    "其他组织": PartyCategory.LEGAL,
    "企业": PartyCategory.LEGAL,
    "单位": PartyCategory.LEGAL,
    "自然人": PartyCategory.NATURAL,
    "个人": PartyCategory.NATURAL,
    "个体工商户": PartyCategory.INDIVIDUAL_BUSINESS,
    "个体户": PartyCategory.INDIVIDUAL_BUSINESS,
    "个体": PartyCategory.INDIVIDUAL_BUSINESS,
}


@dataclass(frozen=True)
class RowError:
    field: str
    label: str
    code: str
    message: str


@dataclass
class CheckedRow:
    values: dict[str, Any] = field(default_factory=dict)
    dates: dict[str, dt.date] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


Parser = Callable[[object], Any]
# A parsed cell: the value to store (a tuple stands for a list), the date it is when the field is a date, or the
# error that refuses it.
_Outcome = tuple[Any, "dt.date | None", "RowError | None"]
# A remembered column is cleared when it holds this many distinct values, and forgotten for the rest of the file
# when that happens often (the column is mostly distinct).
_MEMO_PROBE = 4096


class RowValidator:
    """Compiled once per batch; `check` runs once per row."""

    def __init__(
        self, schema: Schema, *, submitted_on: dt.date, present_columns: frozenset[str] | None = None
    ) -> None:
        self.schema = schema
        self.submitted_on = submitted_on
        # A conditionally required column the file lacks altogether is reported once for the file, not per row.
        self.present_columns = present_columns
        # Per-field lookups are flattened once here: `check` runs millions of times on large files.
        # Per field: label, parser, type, and the parsed cells remembered while the column repeats itself.
        self._fields: dict[str, list[Any]] = {
            spec.code: [spec.name, self._parser_for(spec), spec.type, {}] for spec in schema.fields
        }
        self._value_error_codes = {spec.code: _code_for(spec) for spec in schema.fields}
        # The older layout has no 行政相对人类别 column: the category is inferred from the codes given.
        self._required = [(s.code, s.name) for s in schema.fields if s.required and s.type != "party_category"]
        id_pairs = {rule["number_field"]: rule["type_field"] for rule in schema.rules if rule.get("rule") == "id_pair"}
        self._person_fields = [
            (s.code, s.name, id_pairs.get(s.code) or _paired_type_field(schema, s.code))
            for s in schema.fields
            if s.type == "person_id"
        ]
        self._rule_checks = [self._rule_check(rule) for rule in schema.rules]
        self._memo_lookups: dict[str, int] = {}

    # field parsers -------------------------------------------------------------------------------------------

    def _parser_for(self, spec: FieldSpec) -> Parser:
        kind = spec.type
        if kind == "date":
            return values.parse_date
        if kind == "decimal":
            return values.parse_decimal
        if kind == "integer":
            return _parse_integer
        if kind == "choice":
            return lambda raw: values.parse_choice(raw, spec.choices, aliases=spec.choice_aliases)
        if kind == "multi_choice":
            return lambda raw: values.parse_choice(raw, spec.choices, aliases=spec.choice_aliases, multi=True)
        if kind == "uscc":
            return _parse_uscc
        if kind == "person_id":
            # Checked in the row stage, where the document type from its paired field is known.
            return lambda raw: identifiers.normalize_code(values.clean_text(raw)) or None
        if kind == "id_type":
            return lambda raw: str(identifiers.parse_doc_type(values.clean_text(raw)))
        if kind == "party_category":
            return _parse_party_category
        max_length = spec.max_length
        return lambda raw: _parse_text(raw, max_length)

    def check(self, raw: Mapping[str, object]) -> CheckedRow:
        row = CheckedRow()
        values, dates, errors = row.values, row.dates, row.errors
        fields = self._fields
        for code, cell in raw.items():
            entry = fields.get(code)
            if entry is None:
                continue
            memo = entry[3] if type(cell) is str else None
            outcome = memo.get(cell) if memo is not None else None
            if outcome is None:
                outcome = self._parse_cell(code, entry, cell)
                if memo is not None:
                    self._remember(code, memo, cell, outcome)
            stored, day, error = outcome
            if error is not None:
                errors.append(error)
            elif stored is not None:
                values[code] = list(stored) if type(stored) is tuple else stored
                if day is not None:
                    dates[code] = day
        failed = {e.field for e in errors} if errors else ()
        for code, name in self._required:
            if code not in values and code not in failed:
                errors.append(RowError(code, name, ErrorCode.REQUIRED, f"“{name}”为必填项，不能为空"))
        if self._person_fields:
            self._check_person_ids(row)
        for rule_check in self._rule_checks:
            rule_check(row)
        return row

    def _parse_cell(self, code: str, entry: list[Any], cell: object) -> _Outcome:
        name, parse, shape, _ = entry
        try:
            value = parse(cell)
        except XinyongError as exc:
            return None, None, RowError(code, name, exc.code, exc.message)
        except ValueError as exc:
            return None, None, RowError(code, name, self._value_error_codes[code], str(exc))
        if value is None or value == "":
            return None, None, None
        if shape == "date":
            return value.isoformat(), value, None
        if shape == "decimal":
            return str(value), None, None
        if type(value) is list:
            # Kept as a tuple so a remembered outcome cannot be changed through one row's values.
            return tuple(value), None, None
        return value, None, None

    def _remember(self, code: str, memo: dict[object, _Outcome], cell: object, outcome: _Outcome) -> None:
        """Keep a parsed cell for the rows that repeat it, as long as the column repeats itself.

        A department's file repeats most columns row after row (authority, legal basis, penalty kinds, dates);
        a column of distinct values (document numbers) stops being remembered once it shows it.
        """
        memo[cell] = outcome
        if len(memo) >= _MEMO_PROBE:
            seen = self._memo_lookups.get(code, 0) + _MEMO_PROBE
            self._memo_lookups[code] = seen
            if seen > _MEMO_PROBE * 4:
                # Mostly distinct values: parsing directly is cheaper than remembering.
                self._fields[code][3] = None
            else:
                memo.clear()

    def _check_person_ids(self, row: CheckedRow) -> None:
        for code, name, type_field in self._person_fields:
            if code not in row.values:
                continue
            doc_type = row.values.get(type_field) if type_field else None
            try:
                person = identifiers.validate_person_id(row.values[code], doc_type, today=self.submitted_on)
            except XinyongError as exc:
                del row.values[code]
                row.errors.append(RowError(code, name, exc.code, exc.message))
                continue
            row.values[code] = person.number
            if type_field:
                # One person, one identity: a residence permit filed as 身份证 is still a residence permit.
                row.values[type_field] = str(_canonical_doc_type(person))

    # cross-field rules ---------------------------------------------------------------------------------------

    def _rule_check(self, rule: dict[str, Any]) -> Callable[[CheckedRow], None]:
        name = rule.get("rule")
        if name == "party_identity":
            return self._party_identity
        if name == "date_order":
            return lambda row: self._date_order(row, rule["earlier"], rule["later"])
        if name == "required_when_contains":
            return lambda row: self._required_when(row, rule["field"], rule["when"], rule["contains"])
        if name == "required_with":
            return lambda row: self._required_with(row, rule["field"], rule["with"])
        if name == "min_value":
            return lambda row: self._min_value(row, rule["field"], Decimal(str(rule["min"])))
        if name == "not_after_submission":
            return lambda row: self._not_after_submission(row, rule["field"])
        if name == "id_pair" or name in COLUMN_RULES:
            return lambda row: None
        raise ValueError(f"unknown catalog rule {name!r} in category {self.schema.code}")

    def _label(self, code: str) -> str:
        spec = self.schema.field(code)
        return spec.name if spec else code

    def _party_identity(self, row: CheckedRow) -> None:
        mapping = self.schema.subject_mapping
        category_field = mapping.get("category", "")
        uscc = row.values.get(mapping.get("uscc", ""))
        person = row.values.get(mapping.get("id_number", ""))
        failed = {e.field for e in row.errors}
        category = row.values.get(category_field)
        if category is None:
            if category_field in failed:
                return
            if uscc:
                category = PartyCategory.INDIVIDUAL_BUSINESS if uscc.startswith("92") else PartyCategory.LEGAL
            elif person:
                category = PartyCategory.NATURAL
            elif mapping.get("uscc", "") in failed or mapping.get("id_number", "") in failed:
                return
            else:
                row.errors.append(
                    RowError(
                        category_field,
                        self._label(category_field),
                        ErrorCode.PARTY_CATEGORY_UNKNOWN,
                        "未填写行政相对人类别，也没有可用于推定的统一社会信用代码或证件号码",
                    )
                )
                return
            row.values[category_field] = str(category)
        if category == PartyCategory.LEGAL and not uscc and mapping.get("uscc") not in failed:
            row.errors.append(
                RowError(
                    mapping["uscc"],
                    self._label(mapping["uscc"]),
                    ErrorCode.PARTY_CODE_MISMATCH,
                    "行政相对人类别为“法人及非法人组织”时，必须填写统一社会信用代码",
                )
            )
        elif category == PartyCategory.NATURAL and not person and mapping.get("id_number") not in failed:
            row.errors.append(
                RowError(
                    mapping["id_number"],
                    self._label(mapping["id_number"]),
                    ErrorCode.PARTY_CODE_MISMATCH,
                    "行政相对人类别为“自然人”时，必须填写证件类型和证件号码",
                )
            )
        elif category == PartyCategory.NATURAL and uscc:
            row.errors.append(
                RowError(
                    mapping["uscc"],
                    self._label(mapping["uscc"]),
                    ErrorCode.PARTY_CODE_MISMATCH,
                    "行政相对人类别为“自然人”，却填写了统一社会信用代码；请核对相对人类别",
                )
            )
        elif (
            category == PartyCategory.INDIVIDUAL_BUSINESS
            and not uscc
            and not person
            and not ({mapping.get("uscc"), mapping.get("id_number")} & failed)
        ):
            row.errors.append(
                RowError(
                    mapping.get("uscc", ""),
                    self._label(mapping.get("uscc", "")),
                    ErrorCode.PARTY_CODE_MISMATCH,
                    "行政相对人类别为“个体工商户”时，须填写统一社会信用代码，无代码的填写经营者证件号码",
                )
            )

    def _date_order(self, row: CheckedRow, earlier: str, later: str) -> None:
        first, second = row.dates.get(earlier), row.dates.get(later)
        if first and second and second < first:
            row.errors.append(
                RowError(
                    later,
                    self._label(later),
                    ErrorCode.DATE_ORDER,
                    f"“{self._label(later)}”（{second.isoformat()}）早于“{self._label(earlier)}”（{first.isoformat()}）",
                )
            )

    def _required_when(self, row: CheckedRow, target: str, when: str, contains: str) -> None:
        if self.present_columns is not None and target not in self.present_columns:
            return
        present = row.values.get(when)
        chosen = present if isinstance(present, list) else [present] if present else []
        if contains in chosen and target not in row.values and target not in {e.field for e in row.errors}:
            code = ErrorCode.FINE_AMOUNT_REQUIRED if contains == "罚款" else ErrorCode.REQUIRED_WHEN
            row.errors.append(
                RowError(
                    target,
                    self._label(target),
                    code,
                    f"“{self._label(when)}”含“{contains}”时，“{self._label(target)}”必填",
                )
            )

    def _required_with(self, row: CheckedRow, target: str, other: str) -> None:
        failed = {e.field for e in row.errors}
        if row.values.get(other) not in (None, "") and row.values.get(target) in (None, "") and target not in failed:
            row.errors.append(
                RowError(
                    target,
                    self._label(target),
                    ErrorCode.REQUIRED_WHEN,
                    f"填写了“{self._label(other)}”时，“{self._label(target)}”必填",
                )
            )

    def _min_value(self, row: CheckedRow, target: str, minimum: Decimal) -> None:
        raw = row.values.get(target)
        if raw is not None and Decimal(raw) < minimum:
            del row.values[target]
            row.errors.append(
                RowError(target, self._label(target), ErrorCode.NEGATIVE_NUMBER, f"“{self._label(target)}”不能为负数（{raw}）")
            )

    def _not_after_submission(self, row: CheckedRow, target: str) -> None:
        day = row.dates.get(target)
        if day and day > self.submitted_on:
            row.errors.append(
                RowError(
                    target,
                    self._label(target),
                    ErrorCode.FUTURE_DATE,
                    f"“{self._label(target)}”（{day.isoformat()}）晚于报送日期（{self.submitted_on.isoformat()}），请核对",
                )
            )


def _canonical_doc_type(person: identifiers.PersonId) -> identifiers.PersonDocType:
    if person.doc_type in (identifiers.PersonDocType.RESIDENT_ID, identifiers.PersonDocType.HMT_RESIDENCE_PERMIT):
        return identifiers.infer_doc_type(person.number)
    return person.doc_type


def _paired_type_field(schema: Schema, number_code: str) -> str | None:
    """The id_type field just before a person_id field, as both layouts place them."""
    previous: FieldSpec | None = None
    for spec in schema.fields:
        if spec.code == number_code:
            return previous.code if previous and previous.type == "id_type" else None
        previous = spec
    return None


def _code_for(spec: FieldSpec) -> str:
    return {
        "date": ErrorCode.BAD_DATE,
        "decimal": ErrorCode.BAD_NUMBER,
        "integer": ErrorCode.BAD_NUMBER,
        "choice": ErrorCode.BAD_CHOICE,
        "multi_choice": ErrorCode.BAD_CHOICE,
        "party_category": ErrorCode.BAD_CHOICE,
    }.get(spec.type, ErrorCode.BAD_FORMAT)


def _parse_text(raw: object, max_length: int | None) -> str:
    text = values.clean_text(raw)
    if max_length is not None and len(text) > max_length:
        raise XinyongError(ErrorCode.TOO_LONG, f"内容过长：最多{max_length}个字，实际{len(text)}个字")
    return text


def _parse_integer(raw: object) -> int | None:
    number = values.parse_decimal(raw)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"“{values.clean_text(raw)}”不是整数")
    return int(number)


def _parse_uscc(raw: object) -> str | None:
    text = values.clean_text(raw)
    return identifiers.validate_uscc(text) if text else None


def _parse_party_category(raw: object) -> str | None:
    text = values.clean_text(raw)
    if not text:
        return None
    category = PARTY_CATEGORY_ALIASES.get(text.replace(" ", ""))
    if category is None:
        raise ValueError(f"“{text}”不是有效的行政相对人类别，可选：法人及非法人组织、自然人、个体工商户")
    return str(category)
