"""A catalog category compiled into plain values the row validator can use without the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from xinyong.catalog.models import Category, CategoryKind, Field


@dataclass(frozen=True)
class FieldSpec:
    code: str
    name: str
    type: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    choice_aliases: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    sensitive: bool = False


@dataclass(frozen=True)
class Schema:
    code: str
    version: int
    name: str
    is_registry: bool
    fields: tuple[FieldSpec, ...]
    rules: tuple[dict[str, Any], ...] = ()
    subject_mapping: dict[str, str] = field(default_factory=dict)
    key_fields: tuple[str, ...] = ()
    decision_date_field: str = ""
    cycle_kind: str = "none"
    cycle_workdays: int | None = None

    def field(self, code: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.code == code:
                return spec
        return None

    def header_aliases(self) -> dict[str, list[str]]:
        return {spec.code: [spec.name, *spec.aliases] for spec in self.fields}


def schema_of(category: Category, fields: Sequence[Field] | None = None) -> Schema:
    """The validator's view of a category; `fields`, when the caller has already read them, saves a query."""
    specs = tuple(
        FieldSpec(
            code=f.code,
            name=f.name,
            type=f.type,
            required=f.required,
            max_length=f.max_length,
            choices=tuple(f.choices or ()),
            choice_aliases=dict(f.choice_aliases or {}),
            aliases=tuple(f.aliases or ()),
            sensitive=f.sensitive,
        )
        for f in (category.fields.order_by("position") if fields is None else fields)
    )
    return Schema(
        code=category.code,
        version=category.version,
        name=category.name,
        is_registry=category.kind == CategoryKind.REGISTRY,
        fields=specs,
        rules=tuple(category.rules or ()),
        subject_mapping=dict(category.subject_mapping or {}),
        key_fields=tuple(category.key_fields or ()),
        decision_date_field=category.decision_date_field,
        cycle_kind=category.cycle_kind,
        cycle_workdays=category.cycle_workdays,
    )
