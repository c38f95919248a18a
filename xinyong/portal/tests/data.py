"""Synthetic data of the portal tests, imported through the real import path (every identifier passes its
checksum). Publicity fields are then set directly, so the tests choose exactly when a record is public."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from xinyong.core import clock
from xinyong.core.identifiers import make_resident_id, make_uscc
from xinyong.core.names import org_name_key
from xinyong.intake.services import ImportResult, import_file
from xinyong.org.models import Unit
from xinyong.records.models import Record
from xinyong.subjects.models import Subject, SubjectKind, SubjectName
from xinyong.web.tests import factories

NOW = "2026-11-26T10:00:00+08:00"
TODAY = dt.date(2026, 11, 26)
DECIDED = dt.date(2026, 11, 2)
END = dt.date(2027, 11, 1)

COMPANY = "江阴市利港恒远机械有限公司"


def uscc(n: int, prefix: str = "91") -> str:
    return make_uscc(prefix, "320281", f"{n:08d}")


def person_id(n: int, birth: dt.date = dt.date(1986, 4, 15)) -> str:
    return make_resident_id("320281", birth, n % 1000)


def penalty(
    *,
    number: str,
    authority: Unit,
    name: str,
    code: str = "",
    person: str = "",
    decided: dt.date = DECIDED,
    kinds: str = "警告、罚款",
    fact: str = "未按规定办理排污许可，擅自排放污水",
    legal_rep_id: str = "",
    note: str = "",
) -> dict[str, str]:
    row = factories.penalty_row(
        number=number, authority=authority, name=name, uscc=code, person=person, decided=decided, fact=fact
    )
    row["处罚类别"] = kinds
    if "罚款" not in kinds:
        row["罚款金额（万元）"] = ""
    if legal_rep_id:
        row["法定代表人证件类型"] = "居民身份证"
        row["法定代表人证件号码"] = legal_rep_id
    if note:
        row["备注"] = note
    return row


def licence(
    *,
    number: str,
    authority: Unit,
    name: str,
    code: str = "",
    person: str = "",
    decided: dt.date = DECIDED,
    kind: str = "普通",
) -> dict[str, str]:
    is_person = bool(person)
    return {
        "行政相对人名称": name,
        "行政相对人类别": "自然人" if is_person else "法人及非法人组织",
        "统一社会信用代码": code,
        "法定代表人": "" if is_person else "王建国",
        "证件类型": "居民身份证" if is_person else "",
        "证件号码": person,
        "行政许可决定文书名称": "食品经营许可决定书",
        "行政许可决定文书号": number,
        "许可类别": kind,
        "许可证书名称": "食品经营许可证",
        "许可编号": f"JY{number[-6:]}",
        "许可内容": "预包装食品销售（含冷藏冷冻食品）",
        "许可决定日期": decided.isoformat(),
        "有效期自": decided.isoformat(),
        "有效期至": (decided + dt.timedelta(days=5 * 365)).isoformat(),
        "许可机关": authority.name,
        "许可机关统一社会信用代码": authority.uscc,
        "当前状态": "有效",
        "数据来源单位": authority.name,
        "数据来源单位统一社会信用代码": authority.uscc,
    }


def import_rows(
    folder: Path, *, category: str, department: Unit, actor: Any, rows: list[dict[str, str]], name: str
) -> ImportResult:
    headers: list[str] = []
    for row in rows:
        headers.extend(key for key in row if key not in headers)
    path = folder / name
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    result = import_file(
        path=path, category_code=category, department=department, actor=actor, original_name=name
    )
    assert result.rejected == 0, result
    return result


def publish(records: QuerySet[Record], *, end: dt.date = END, objection: bool = False) -> int:
    return records.update(publicity_end=end, under_objection=objection)


def by_number(number: str) -> QuerySet[Record]:
    return Record.objects.filter(key__startswith=f"{number}|")


def organisations(names: list[str], *, kind: str = SubjectKind.ENTERPRISE, start: int = 1000) -> list[Subject]:
    """Registered subjects with no records (as the registry import would leave them)."""
    now = clock.now()
    subjects = Subject.objects.bulk_create(
        [
            Subject(
                kind=kind, name=name, name_key=org_name_key(name), uscc=uscc(start + i), created_at=now,
                updated_at=now,
            )
            for i, name in enumerate(names)
        ]
    )
    SubjectName.objects.bulk_create(
        [SubjectName(subject=s, name=s.name, name_key=s.name_key, source="首次登记") for s in subjects]
    )
    return subjects


PERSON_A = person_id(17)
PERSON_B = person_id(23, dt.date(1990, 12, 31))
LEGAL_REP = person_id(31, dt.date(1970, 2, 28))
IN_TEXT = person_id(45, dt.date(1995, 6, 6))
OPERATOR = person_id(57, dt.date(1988, 9, 9))
FULL_NUMBERS = (PERSON_A, PERSON_B, LEGAL_REP, IN_TEXT, OPERATOR)


def world(folder: Path, actor: Any) -> dict[str, Any]:
    """Published penalties and licences of companies and natural persons, and records out of public view.

    - 恒远机械 (uscc 1): penalty P1 public, P2 under objection, P3 ended yesterday, P4 revoked; licence L1 public.
    - 华新纺织 (uscc 2): penalty P5 public, its legal representative's ID given, a person's ID in 违法事实 and 备注.
    - persons A and B: penalty P6 (A) and licence L2 (B), public.
    - a 个体工商户 without a USCC, known by its operator's ID: penalty P7, public.
    - 宏盛建材 (uscc 3): registered, no records.
    """
    zhzfj, zwfwzx = factories.unit("zhzfj"), factories.unit("zwfwzx")
    penalties = [
        penalty(number="澄利综执罚〔2026〕1号", authority=zhzfj, name=COMPANY, code=uscc(1)),
        penalty(number="澄利综执罚〔2026〕2号", authority=zhzfj, name=COMPANY, code=uscc(1), kinds="警告"),
        penalty(number="澄利综执罚〔2026〕3号", authority=zhzfj, name=COMPANY, code=uscc(1)),
        penalty(number="澄利综执罚〔2026〕4号", authority=zhzfj, name=COMPANY, code=uscc(1)),
        penalty(
            number="澄利综执罚〔2026〕5号", authority=zhzfj, name="江阴市利港华新纺织有限公司", code=uscc(2),
            legal_rep_id=LEGAL_REP, fact=f"经查，当事人雇用人员（身份证号{IN_TEXT}）未经培训上岗",
            note=f"联系人身份证 {IN_TEXT.lower()}", decided=DECIDED - dt.timedelta(days=40),
        ),
        penalty(number="澄利综执罚〔2026〕6号", authority=zhzfj, name="张三", person=PERSON_A, kinds="罚款"),
    ]
    import_rows(folder, category="admin_penalty", department=zhzfj, actor=actor, rows=penalties, name="处罚.csv")
    business = penalty(number="澄利综执罚〔2026〕7号", authority=zhzfj, name="利港张记五金店", person=OPERATOR)
    business["行政相对人类别"] = "个体工商户"
    import_rows(folder, category="admin_penalty", department=zhzfj, actor=actor, rows=[business], name="个体.csv")
    licences = [
        licence(number="澄利政服许〔2026〕1号", authority=zwfwzx, name=COMPANY, code=uscc(1)),
        licence(number="澄利政服许〔2026〕2号", authority=zwfwzx, name="李四", person=PERSON_B, kind="特许"),
    ]
    import_rows(folder, category="admin_license", department=zwfwzx, actor=actor, rows=licences, name="许可.csv")
    Record.objects.update(publicity_end=None, under_objection=False)
    for number in ("1", "3", "4", "5", "6", "7"):
        publish(by_number(f"澄利综执罚〔2026〕{number}号"))
    publish(by_number("澄利综执罚〔2026〕2号"), objection=True)
    publish(by_number("澄利综执罚〔2026〕3号"), end=TODAY - dt.timedelta(days=1))
    by_number("澄利综执罚〔2026〕4号").update(status="revoked", status_reason="决定已撤销")
    for number in ("1", "2"):
        publish(by_number(f"澄利政服许〔2026〕{number}号"))
    organisations(["江阴市利港宏盛建材有限公司"], start=3)
    return {
        "company": Subject.objects.get(uscc=uscc(1)),
        "textile": Subject.objects.get(uscc=uscc(2)),
        "empty": Subject.objects.get(uscc=uscc(3)),
        "person_a": Subject.objects.get(id_number=PERSON_A),
        "business": Subject.objects.get(id_number=OPERATOR),
    }
