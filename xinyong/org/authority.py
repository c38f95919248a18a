"""Delegated reporting (代报): which deciding authorities a unit may report decisions for. Pure.

A unit always reports for itself. The organisation file may let it report for more (`reports_for`): another unit
of the organisation (`{unit: code}`), an authority outside it (`{name: 江阴市市场监督管理局, uscc: …}`), or any
authority whose name matches a pattern (`{name_pattern: "*人民法院"}`, for the office that passes on the city
platform's lists), or any authority outside the organisation (`{outside_organisation: true}`, for a credit
office collecting every outside authority's lists). No entry lets a unit report for another unit of the
organisation unless it names that unit. A row naming any other authority is refused, so that a department cannot
put decisions in another authority's name.
"""

from __future__ import annotations

import fnmatch
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def name_key(name: str) -> str:
    """An authority's name as compared: NFKC, no spaces (clerks type full-width and spaced names)."""
    return "".join(unicodedata.normalize("NFKC", name).split())


@dataclass(frozen=True)
class UnitFacts:
    """What the scope needs of a unit: plain values, so the check runs without the database."""

    code: str
    name: str
    short_name: str
    uscc: str
    reports_for: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class AuthorityScope:
    """The authorities one unit may report for."""

    unit_name: str
    usccs: frozenset[str]
    names: frozenset[str]
    patterns: tuple[str, ...]
    # Codes and names of the organisation's units: a unit outside the scope is refused whatever else the row says.
    organisation_usccs: frozenset[str]
    organisation_names: frozenset[str]
    outside: bool = False

    def allows(self, name: str | None, code: str | None) -> bool:
        key = name_key(name) if name else ""
        if code:
            if code in self.usccs:
                return True
            if code in self.organisation_usccs:
                return False
        if not key:
            return False
        if key in self.names:
            return True
        if key in self.organisation_names:
            return False
        return self.outside or any(fnmatch.fnmatchcase(key, pattern) for pattern in self.patterns)

    def describe(self) -> str:
        """The scope in words, for the error message and the organisation page."""
        extra = sorted(self.names - {name_key(self.unit_name)})
        parts = [f"本单位（{self.unit_name}）", *extra, *(f"名称符合“{p}”的机关" for p in self.patterns)]
        if self.outside:
            parts.append("本组织机构以外的机关")
        return "、".join(parts)


def scope_of(unit: UnitFacts, units: Iterable[UnitFacts]) -> AuthorityScope:
    by_code = {u.code: u for u in units}
    usccs: set[str] = set()
    names: set[str] = set()
    patterns: list[str] = []
    outside = False

    def add_unit(facts: UnitFacts) -> None:
        if facts.uscc:
            usccs.add(facts.uscc)
        names.add(name_key(facts.name))
        if facts.short_name:
            names.add(name_key(facts.short_name))

    add_unit(unit)
    for entry in unit.reports_for:
        if "unit" in entry:
            other = by_code.get(str(entry["unit"]))
            if other is not None:
                add_unit(other)
        elif entry.get("outside_organisation") is True:
            outside = True
        elif "name_pattern" in entry:
            patterns.append(name_key(str(entry["name_pattern"])))
        elif "name" in entry:
            names.add(name_key(str(entry["name"])))
            if entry.get("uscc"):
                usccs.add(str(entry["uscc"]))
    return AuthorityScope(
        unit_name=unit.name,
        usccs=frozenset(usccs),
        names=frozenset(names),
        patterns=tuple(patterns),
        organisation_usccs=frozenset(u.uscc for u in by_code.values() if u.uscc),
        organisation_names=frozenset(
            key for u in by_code.values() for key in (name_key(u.name), name_key(u.short_name)) if key
        ),
        outside=outside,
    )


def entry_problems(entries: object, known_units: set[str]) -> list[str]:
    """What is wrong with a unit's `reports_for` as written in the configuration (empty: nothing)."""
    if entries in (None, ""):
        return []
    if not isinstance(entries, list):
        return ["reports_for 应为列表"]
    problems = []
    for entry in entries:
        kinds = {"unit", "name", "name_pattern", "outside_organisation"}
        if not isinstance(entry, dict) or len(kinds & set(entry)) != 1:
            problems.append(
                f"“{entry}”应写为 {{unit: 单位编码}}、{{name: 机关名称, uscc: 代码}}、{{name_pattern: 名称模式}}"
                " 或 {outside_organisation: true} 之一"
            )
        elif "outside_organisation" in entry and entry["outside_organisation"] is not True:
            problems.append("outside_organisation 只能写 true")
        elif "unit" in entry and str(entry["unit"]) not in known_units:
            problems.append(f"单位编码“{entry['unit']}”不存在")
        elif "name_pattern" in entry and not str(entry["name_pattern"]).strip("*?"):
            problems.append("名称模式不能只有通配符；确需代报任意机关时请逐一列出")
    return problems
