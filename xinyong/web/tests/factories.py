"""Data for the page tests, built through the services (also used by the end-to-end tests in tests/e2e)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from xinyong.catalog.services import catalog_load_bundled
from xinyong.core.identifiers import make_resident_id, make_uscc
from xinyong.intake.services import ImportResult, import_file
from xinyong.org.models import Role, Unit, User
from xinyong.org.services import org_load_config, user_create

PASSWORD = "Xinyong-test-2020"

PENALTY_HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
]


def load_reference() -> None:
    """The bundled organisation (Ligang 2020) and catalog."""
    org_load_config()
    catalog_load_bundled()


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def make_user(username: str, roles: list[tuple[str, str]], *, unit_code: str | None = None, name: str = "") -> User:
    """A user with roles given as (role, unit code); the user's own unit defaults to the first role's unit."""
    home = unit(unit_code or roles[0][1]) if (unit_code or roles) else None
    return user_create(
        username=username,
        password=PASSWORD,
        display_name=name or username,
        unit=home,
        roles=[(Role(role), unit(code)) for role, code in roles],
        actor=None,
    )


def company_uscc(n: int) -> str:
    body = f"{n:08d}"
    return make_uscc("91", "320281", body)


def person_id(n: int, birth: dt.date = dt.date(1985, 3, 12)) -> str:
    return make_resident_id("320281", birth, n % 1000)


def penalty_row(
    *,
    number: str,
    authority: Unit,
    name: str,
    uscc: str = "",
    person: str = "",
    decided: dt.date,
    fact: str = "未按规定办理排污许可，擅自排放污水",
) -> dict[str, str]:
    is_person = bool(person)
    return {
        "行政相对人名称": name,
        "行政相对人类别": "自然人" if is_person else "法人及非法人组织",
        "统一社会信用代码": uscc,
        "法定代表人": "" if is_person else "王建国",
        "证件类型": "居民身份证" if is_person else "",
        "证件号码": person,
        "行政处罚决定书文号": number,
        "违法行为类型": "违反环境保护管理规定",
        "违法事实": fact,
        "处罚依据": "《中华人民共和国水污染防治法》第八十三条",
        "处罚类别": "警告、罚款",
        "处罚内容": "警告，并处罚款人民币贰万元",
        "罚款金额（万元）": "2",
        "处罚决定日期": decided.isoformat(),
        "处罚机关": authority.name,
        "处罚机关统一社会信用代码": authority.uscc,
        "数据来源单位": authority.name,
        "数据来源单位统一社会信用代码": authority.uscc,
    }


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=PENALTY_HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_penalties(
    folder: Path,
    *,
    department: Unit,
    actor: Any,
    rows: list[dict[str, str]],
    name: str = "行政处罚信息.csv",
    submitted_at: dt.datetime | None = None,
) -> ImportResult:
    path = write_csv(folder / name, rows)
    return import_file(
        path=path,
        category_code="admin_penalty",
        department=department,
        actor=actor,
        original_name=name,
        submitted_at=submitted_at,
    )


def good_and_bad_penalties(
    folder: Path, *, department: Unit, actor: Any, decided: dt.date, tag: str = "A", with_person: bool = True
) -> ImportResult:
    """One batch: a good row (a company), optionally a good row (a natural person), and a bad row."""
    good = penalty_row(
        number=f"澄利综执罚〔2026〕{tag}1号",
        authority=department,
        name="江阴市利港恒远机械有限公司",
        uscc=company_uscc(11),
        decided=decided,
    )
    person = penalty_row(
        number=f"澄利综执罚〔2026〕{tag}2号",
        authority=department,
        name="张三",
        person=person_id(17),
        decided=decided,
    )
    bad = penalty_row(
        number=f"澄利综执罚〔2026〕{tag}3号",
        authority=department,
        name="江阴市利港某某贸易有限公司",
        uscc="91320281MA1XXXXXX1",
        decided=decided,
        fact="",
    )
    rows = [good, person, bad] if with_person else [good, bad]
    return import_penalties(folder, department=department, actor=actor, rows=rows, name=f"处罚信息{tag}.csv")
