"""Writes to the catalog: loading the shipped YAML categories (or an administrator's edited copy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from xinyong.audit.services import audit_record
from xinyong.catalog.models import Category, Field
from xinyong.org.models import Unit

RULES_DIR = Path(__file__).resolve().parent / "rules"

_FIELD_KEYS = ("name", "type", "required", "max_length", "choices", "choice_aliases", "aliases", "example", "sensitive")


_CATEGORY_KEYS = (
    "name", "kind", "description", "subject_scope", "disclosure", "publicity_rule", "cycle_kind", "cycle_workdays",
    "cycle_source", "decision_date_field", "key_fields", "subject_mapping", "rules", "legal_source",
)


def _category_values(spec: dict[str, Any]) -> dict[str, Any]:
    cycle = spec.get("cycle") or {}
    return {
        "name": spec["name"],
        "kind": spec.get("kind", "record"),
        "description": spec.get("description", ""),
        "subject_scope": spec["subject_scope"],
        "disclosure": spec["disclosure"],
        "publicity_rule": spec.get("publicity_rule", ""),
        "cycle_kind": cycle.get("kind", "none"),
        "cycle_workdays": cycle.get("workdays"),
        "cycle_source": cycle.get("source", ""),
        "decision_date_field": spec.get("decision_date_field", ""),
        "key_fields": list(spec.get("key_fields", [])),
        "subject_mapping": dict(spec.get("subject", {})),
        "rules": list(spec.get("rules", [])),
        "legal_source": spec["legal_source"],
        "effective_from": spec["effective_from"],
        "effective_to": spec.get("effective_to"),
    }


def _field_spec(position: int, item: dict[str, Any]) -> dict[str, Any]:
    spec = {key: item[key] for key in _FIELD_KEYS if key in item}
    spec["help_text"] = item.get("help", "")
    spec["position"] = position
    return spec


def _fingerprint(category: Category) -> dict[str, Any]:
    fields = list(category.fields.order_by("position").values(*_FIELD_KEYS, "code", "help_text", "position"))
    values = {key: getattr(category, key) for key in _CATEGORY_KEYS}
    values["effective_from"] = str(category.effective_from)
    values["effective_to"] = str(category.effective_to) if category.effective_to else None
    values["owners"] = sorted(category.owner_units.values_list("code", flat=True))
    return {"category": values, "fields": fields}


@transaction.atomic
def catalog_load_file(*, path: Path, actor: Any = None) -> Category:
    """Create or replace one category version from its YAML file; field-level rules travel in `rules`."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    values = _category_values(spec)
    values["rules"] = values["rules"] + _field_rules(spec.get("fields", []))
    category, created = Category.objects.get_or_create(
        code=spec["code"], version=int(spec.get("version", 1)), defaults=values
    )
    before = None if created else _fingerprint(category)
    if not created:
        for key, value in values.items():
            setattr(category, key, value)
        category.save()
    category.fields.all().delete()
    Field.objects.bulk_create(
        [
            Field(category=category, code=item["code"], **_field_spec(position, item))
            for position, item in enumerate(spec.get("fields", []), start=1)
        ]
    )
    category.owner_units.set(Unit.objects.filter(code__in=spec.get("owners", [])))
    category.refresh_from_db()
    after = _fingerprint(category)
    if before != after:
        audit_record(
            actor=actor,
            action="catalog.category_created" if created else "catalog.category_updated",
            obj=category,
            summary=f"{category.name} v{category.version}（{path.name}）",
            before=before,
            after=after,
        )
    return category


def _field_rules(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-field constraints written on the field in YAML (min, not_future) become catalog rules."""
    rules: list[dict[str, Any]] = []
    for item in fields:
        if "min" in item:
            rules.append({"rule": "min_value", "field": item["code"], "min": item["min"]})
        if item.get("not_future"):
            rules.append({"rule": "not_after_submission", "field": item["code"]})
    return rules


def catalog_load_bundled(*, actor: Any = None) -> list[Category]:
    return [catalog_load_file(path=path, actor=actor) for path in sorted(RULES_DIR.glob("*.yaml"))]
