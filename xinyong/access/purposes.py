"""The lawful purposes of a look-up of internal data (rules as data: xinyong/access/rules/lookup_purposes.yaml)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from xinyong.core.errors import ErrorCode, XinyongError

RULES_FILE = Path(__file__).resolve().parent / "rules" / "lookup_purposes.yaml"
CASE_REFERENCE_MAX_LENGTH = 100
CASE_REFERENCE_MIN_LENGTH = 2


@dataclass(frozen=True)
class Purpose:
    code: str
    label: str
    basis: str


@dataclass(frozen=True)
class PurposeList:
    version: int
    effective_from: dt.date
    source: str
    purposes: tuple[Purpose, ...]

    def get(self, code: str) -> Purpose | None:
        return next((p for p in self.purposes if p.code == code), None)

    def choices(self) -> list[tuple[str, str]]:
        return [(p.code, p.label) for p in self.purposes]


@functools.cache
def lookup_purposes(path: Path = RULES_FILE) -> PurposeList:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return PurposeList(
        version=int(data["version"]),
        effective_from=data["effective_from"],
        source=str(data["source"]),
        purposes=tuple(Purpose(str(p["code"]), str(p["label"]), str(p["basis"])) for p in data["purposes"]),
    )


def purpose_of(code: str | None) -> Purpose:
    """The purpose with this code; anything else is refused with the list of lawful purposes."""
    listed = lookup_purposes()
    given = str(code or "").strip()
    found = listed.get(given)
    if found is None:
        names = "、".join(f"{p.code}（{p.label}）" for p in listed.purposes)
        raise XinyongError(
            ErrorCode.BAD_CHOICE if given else ErrorCode.REQUIRED,
            f"请从规定的查询事由中选择一项：{names}。" if given else f"请选择查询事由：{names}。",
        )
    return found


def clean_case_reference(text: str | None) -> str:
    """The case or matter reference (案件或事项编号) a look-up is made in; required, so the auditor can trace it."""
    cleaned = " ".join(str(text or "").replace("\x00", "").split())
    if len(cleaned) < CASE_REFERENCE_MIN_LENGTH:
        raise XinyongError(
            ErrorCode.REQUIRED, "请填写案件或事项编号（如行政许可受理号、处罚案件编号、采购项目编号），以便审查时核对。"
        )
    if len(cleaned) > CASE_REFERENCE_MAX_LENGTH:
        raise XinyongError(
            ErrorCode.TOO_LONG, f"案件或事项编号最多{CASE_REFERENCE_MAX_LENGTH}个字，实际{len(cleaned)}个字。"
        )
    return cleaned
