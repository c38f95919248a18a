"""Writes to the organisation: loading a configuration, liaison changes, users and role grants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from xinyong.audit.services import audit_record, snapshot
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.org.authority import entry_problems
from xinyong.org.models import LiaisonOfficer, Position, Role, RoleGrant, Unit, User

BUNDLED_CONFIG = Path(__file__).resolve().parent / "rules" / "ligang_2020.yaml"

_UNIT_FIELDS = ["code", "name", "short_name", "kind", "uscc", "duties", "duty_source", "sort_order", "is_active"]


class ConfigError(ValueError):
    """A configuration file that cannot be loaded as written; the message says where and why, in Chinese."""


@transaction.atomic
def org_load_config(*, path: Path = BUNDLED_CONFIG, actor: Any = None) -> dict[str, int]:
    """Create or update the units, leading group and liaison officers a YAML configuration describes."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = str(config.get("source", path.name))
    counts = {"units": 0, "positions": 0, "liaisons": 0}
    _check_units(config.get("units", []))
    for item in config.get("units", []):
        _upsert_unit(item, source=source, actor=actor)
        counts["units"] += 1
    group = config.get("leading_group")
    if group:
        counts["positions"] = _replace_positions(group, actor=actor)
    for item in config.get("liaisons", []):
        unit = Unit.objects.get(code=item["unit"])
        _, created = LiaisonOfficer.objects.get_or_create(
            unit=unit,
            name=item["name"],
            start_date=item["start_date"],
            defaults={"phone": str(item.get("phone", ""))},
        )
        counts["liaisons"] += int(created)
    audit_record(
        actor=actor, action="org.config_loaded", object_type="org.Config", object_id=path.name,
        summary=f"载入组织机构配置：{source}", after=counts,
    )
    return counts


def _check_units(items: list[dict[str, Any]]) -> None:
    known = {str(item["code"]) for item in items} | set(Unit.objects.values_list("code", flat=True))
    problems = [
        f"单位“{item['code']}”的可代报机关：{problem}"
        for item in items
        for problem in entry_problems(item.get("reports_for"), known)
    ]
    if problems:
        raise ConfigError("组织机构配置有误：" + "；".join(problems))


def _upsert_unit(item: dict[str, Any], *, source: str, actor: Any) -> Unit:
    parent = Unit.objects.get(code=item["parent"]) if item.get("parent") else None
    values = {
        "name": item["name"],
        "short_name": item.get("short_name", ""),
        "kind": item.get("kind", "department"),
        "uscc": str(item.get("uscc", "")),
        "duties": item.get("duties", ""),
        "duty_source": source if item.get("duties") else "",
        "sort_order": int(item.get("sort_order", 0)),
        "parent": parent,
        "reports_for": list(item.get("reports_for") or []),
        "review_before_publication": [str(code) for code in item.get("review_before_publication") or []],
    }
    unit = Unit.objects.filter(code=item["code"]).first()
    if unit is None:
        unit = Unit.objects.create(code=item["code"], **values)
        audit_record(actor=actor, action="org.unit_created", obj=unit, summary=unit.name, after=snapshot(unit))
        return unit
    before = snapshot(unit)
    for key, value in values.items():
        setattr(unit, key, value)
    after = snapshot(unit)
    if after != before:
        unit.save()
        audit_record(actor=actor, action="org.unit_updated", obj=unit, summary=unit.name, before=before, after=after)
    return unit


def _replace_positions(group: dict[str, Any], *, actor: Any) -> int:
    unit = Unit.objects.get(code=group["unit"])
    before = list(Position.objects.filter(group=unit).values("role", "holder_name", "holder_title"))
    Position.objects.filter(group=unit).delete()
    units = {u.code: u for u in Unit.objects.all()}
    positions = [
        Position(
            group=unit,
            role=p["role"],
            holder_name=p["holder"],
            holder_title=p.get("title", ""),
            holder_unit=units.get(p.get("unit", "")),
        )
        for p in group.get("positions", [])
    ]
    Position.objects.bulk_create(positions)
    after = [{"role": p.role, "holder_name": p.holder_name, "holder_title": p.holder_title} for p in positions]
    if before != after:
        audit_record(
            actor=actor, action="org.leading_group_set", obj=unit, summary="领导小组名单", before=before, after=after
        )
    return len(positions)


@transaction.atomic
def unit_review_set(*, unit: Unit, categories: list[str], actor: Any) -> Unit:
    """Which categories of the unit wait for its reviewer (部门审核员) before publication; empty: none."""
    codes = sorted({str(code).strip() for code in categories if str(code).strip()})
    before = list(unit.review_before_publication or [])
    if codes == sorted(before):
        return unit
    unit.review_before_publication = codes
    unit.save(update_fields=["review_before_publication"])
    audit_record(
        actor=actor,
        action="org.review_policy_set",
        obj=unit,
        summary=f"{unit.name}：须审核后公开的信息类别设为 {'、'.join(codes) or '无'}",
        before={"review_before_publication": before},
        after={"review_before_publication": codes},
    )
    return unit


@transaction.atomic
def liaison_change(
    *,
    unit: Unit,
    name: str,
    phone: str,
    start_date: dt.date,
    handover_done: bool,
    notified: bool,
    actor: Any,
) -> LiaisonOfficer:
    """Replace a unit's liaison officer; the hand-over facts are kept for assessment rule 1.1."""
    current = LiaisonOfficer.objects.filter(unit=unit, end_date__isnull=True).first()
    if current is not None:
        before = snapshot(current)
        current.end_date = start_date
        current.handover_done = handover_done
        current.notified = notified
        current.save(update_fields=["end_date", "handover_done", "notified"])
        audit_record(
            actor=actor, action="org.liaison_ended", obj=current, summary=f"{unit.name} 联络员变更",
            before=before, after=snapshot(current),
        )
    officer = LiaisonOfficer.objects.create(unit=unit, name=name, phone=phone, start_date=start_date)
    audit_record(actor=actor, action="org.liaison_started", obj=officer, summary=unit.name, after=snapshot(officer))
    return officer


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    display_name: str,
    unit: Unit | None,
    roles: list[tuple[str, Unit]],
    actor: Any,
    is_staff: bool = False,
) -> User:
    """A user with roles. The password is one a person chose, so the password policy applies to it."""
    password_check(password=password, user=User(username=username, display_name=display_name))
    user = User.objects.create_user(
        username=username, password=password, display_name=display_name, unit=unit, is_staff=is_staff
    )
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=Role(role), unit=scope) for role, scope in roles])
    audit_record(
        actor=actor,
        action="org.user_created",
        obj=user,
        summary=f"创建用户 {username}",
        after={
            "username": username,
            "display_name": display_name,
            "unit": unit.code if unit else None,
            "roles": [[role, scope.code] for role, scope in roles],
        },
    )
    return user


def password_check(*, password: str, user: User | None = None) -> None:
    """Refuse a password the policy (AUTH_PASSWORD_VALIDATORS) does not accept, with every reason."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise XinyongError(ErrorCode.WEAK_PASSWORD, "密码不符合要求：" + "；".join(exc.messages)) from exc
