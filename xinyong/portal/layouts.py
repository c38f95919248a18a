"""How a record of a catalog category reads in public: which field is the document number, the kind, the
authority, the party; which fields are masked; what a natural person's record leaves out.

Derived from the catalog (field types, the subject mapping and key fields), so a new public category (lists,
commitments) shows without code here. Pure functions over plain values, apart from `layouts_for`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from xinyong.catalog.models import Field, FieldType
from xinyong.core.identifiers import mask_person_id
from xinyong.subjects.models import PartyCategory

# Runs of 15 to 19 digits (an X may end them) standing alone in free text: ID, old 15-digit ID, bank card numbers.
# A clerk sometimes writes a party's number into 违法事实 or 备注; the public sees it masked.
_LONG_NUMBER: Final = re.compile(r"(?<![0-9A-Za-z])[0-9]{14,18}[0-9Xx](?![0-9A-Za-z])")
_KIND_TYPES: Final = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})


@dataclass(frozen=True)
class FieldSpec:
    code: str
    name: str
    type: str
    sensitive: bool


@dataclass(frozen=True)
class Layout:
    category_id: int
    fields: tuple[FieldSpec, ...]
    document_number: str = ""
    kind_field: str = ""
    kind_choices: tuple[str, ...] = ()
    authority_field: str = ""
    party_name: str = ""
    party_category: str = ""
    party_id_type: str = ""
    party_id_number: str = ""
    # Fields a natural person's record does not show: the organisation part of the party block.
    person_hidden: frozenset[str] = field(default_factory=frozenset)

    def field_name(self, code: str) -> str:
        for spec in self.fields:
            if spec.code == code:
                return spec.name
        return code


def layout_of(
    *, category_id: int, key_fields: list[str], subject_mapping: Mapping[str, str], fields: Iterable[FieldSpec],
    choices: Mapping[str, list[str]] | None = None,
) -> Layout:
    specs = tuple(fields)
    kind = next((s for s in specs if s.type in _KIND_TYPES and s.name.endswith("类别")), None)
    authority = next((s for s in specs if s.type == FieldType.TEXT and s.name.endswith("机关")), None)
    mapping = dict(subject_mapping or {})
    name_code = mapping.get("name", "")
    shown_for_person = {mapping.get(k, "") for k in ("name", "category", "id_type", "id_number")} - {""}
    # The party block of the 双公示 layouts shares a prefix (CF_XDR_…, XK_XDR_…): its codes of organisations.
    party_prefix = name_code.rsplit("_", 1)[0] + "_" if "_" in name_code else ""
    hidden = {
        s.code
        for s in specs
        if s.code not in shown_for_person
        and (
            s.code in {mapping.get("uscc"), mapping.get("legal_rep")}
            or s.name.startswith("法定代表人")
            or (party_prefix and s.code.startswith(party_prefix))
        )
    }
    return Layout(
        category_id=category_id,
        fields=specs,
        document_number=key_fields[0] if key_fields else "",
        kind_field=kind.code if kind else "",
        kind_choices=tuple((choices or {}).get(kind.code, [])) if kind else (),
        authority_field=authority.code if authority else "",
        party_name=name_code,
        party_category=mapping.get("category", ""),
        party_id_type=mapping.get("id_type", ""),
        party_id_number=mapping.get("id_number", ""),
        person_hidden=frozenset(hidden),
    )


def layouts_for(categories: Iterable[Any]) -> dict[int, Layout]:
    """The layouts of some catalog categories, in one query."""
    by_id = {category.pk: category for category in categories}
    specs: dict[int, list[FieldSpec]] = {pk: [] for pk in by_id}
    choices: dict[int, dict[str, list[str]]] = {pk: {} for pk in by_id}
    rows = Field.objects.filter(category_id__in=list(by_id)).order_by("category_id", "position", "id")
    for row in rows.values_list("category_id", "code", "name", "type", "sensitive", "choices"):
        category_id, code, name, kind, sensitive, values = row
        specs[category_id].append(FieldSpec(code, name, kind, bool(sensitive)))
        choices[category_id][code] = [str(v) for v in values or []]
    return {
        pk: layout_of(
            category_id=pk,
            key_fields=list(category.key_fields or []),
            subject_mapping=category.subject_mapping or {},
            fields=specs[pk],
            choices=choices[pk],
        )
        for pk, category in by_id.items()
    }


def scrub_numbers(text: str) -> str:
    """Free text with every long number that could identify a person masked."""
    return _LONG_NUMBER.sub(lambda m: mask_person_id(m.group(0)), text)


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(text_of(v) for v in value if v not in (None, ""))
    return str(value)


def is_person_party(layout: Layout, data: Mapping[str, Any], subject_kind: str | None = None) -> bool:
    if subject_kind == "natural_person":
        return True
    return bool(layout.party_category) and data.get(layout.party_category) == PartyCategory.NATURAL


def public_value(spec: FieldSpec, value: Any) -> str:
    """A field's value as the public may read it: identifiers of persons masked, long numbers in text masked."""
    text = text_of(value)
    if not text:
        return ""
    if spec.type == FieldType.PERSON_ID or spec.sensitive:
        return mask_person_id(text)
    if spec.type == FieldType.USCC:
        # Validated codes of organisations, public by law.
        return text
    return scrub_numbers(text)


def public_fields(
    layout: Layout, data: Mapping[str, Any], *, person: bool
) -> list[tuple[FieldSpec, str]]:
    """The filled fields of a record, in catalog order, as the public reads them."""
    shown: list[tuple[FieldSpec, str]] = []
    for spec in layout.fields:
        if person and spec.code in layout.person_hidden:
            continue
        text = public_value(spec, data.get(spec.code))
        if text:
            shown.append((spec, text))
    return shown


def internal_fields(layout: Layout, data: Mapping[str, Any]) -> list[tuple[FieldSpec, str]]:
    """Every filled field unmasked: for government systems that stated a purpose (the look-up is logged)."""
    return [(spec, text) for spec in layout.fields if (text := text_of(data.get(spec.code)))]
