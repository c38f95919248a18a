"""Synthetic demo data, loaded through the real import path so the demo shows what clerks will see.

Every identifier passes its checksum; every person is generated; no real official's name is used.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

from xinyong.core import identifiers, workdays
from xinyong.core.clock import LOCAL_TZ
from xinyong.intake.services import import_file
from xinyong.lists.monitoring import watches_add
from xinyong.lists.services import check_subject, outcome_record
from xinyong.org.models import Unit, User
from xinyong.org.services import unit_review_set

JIANGYIN = "320281"
TOWNS = ["利港", "申港", "夏港", "璜土", "月城", "青阳", "华士", "周庄", "新桥", "长泾"]
TRADES = ["机械", "装备", "纺织", "钢构", "物流", "化工", "电气", "建材", "食品", "五金", "船舶配件", "环保设备"]
LICENCES = [
    ("食品经营许可证", "食品经营许可", "普通"),
    ("建筑工程施工许可证", "建筑工程施工许可", "普通"),
    ("排污许可证", "排污许可", "普通"),
    ("城镇污水排入排水管网许可证", "污水排入排水管网许可", "普通"),
    ("户外广告设置许可", "户外广告设施设置审批", "普通"),
    ("公共场所卫生许可证", "公共场所卫生许可", "普通"),
]
OFFENCES = [
    ("未按规定设置消防安全标志", "《中华人民共和国消防法》第六十条", ["警告", "罚款"]),
    ("生产经营单位未按规定开展安全生产教育培训", "《中华人民共和国安全生产法》第九十七条", ["罚款"]),
    ("销售超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条", ["没收违法所得", "罚款"]),
    ("擅自占用城市道路堆放物料", "《城市道路管理条例》第四十二条", ["警告"]),
    ("未取得建设工程规划许可证进行建设", "《中华人民共和国城乡规划法》第六十四条", ["罚款"]),
    ("超标排放水污染物", "《中华人民共和国水污染防治法》第八十三条", ["罚款", "责令停产停业"]),
]
PENALTY_UNITS = ["zhzfj", "scjgzd", "jsglbgs", "hbk"]
LICENCE_UNITS = ["zwfwzx", "jsglbgs", "scjgzd"]


@dataclass
class DemoCompany:
    name: str
    uscc: str
    legal_rep: str
    established: dt.date


@dataclass
class DemoPerson:
    name: str
    id_number: str


class DemoGenerator:
    def __init__(self, *, seed: int = 2020, forbidden_names: set[str] | None = None) -> None:
        self.rnd = random.Random(seed)
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self.forbidden = forbidden_names or set()
        self._used_names: set[str] = set()
        self._used_codes: set[str] = set()

    def person_name(self) -> str:
        while True:
            name = str(self.faker.name())
            if name not in self.forbidden:
                return name

    def company(self, prefix2: str = "91") -> DemoCompany:
        while True:
            trade = self.rnd.choice(TRADES)
            word = str(self.faker.company_prefix())
            town = self.rnd.choice(TOWNS)
            if prefix2 == "92":
                name = f"江阴市{town}{word}{trade}经营部"
            else:
                name = f"江阴市{town}{word}{trade}{self.rnd.choice(['有限公司', '有限公司', '股份有限公司', '科技有限公司'])}"
            if name in self._used_names:
                continue
            body = "".join(self.rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
            code = identifiers.make_uscc(prefix2, JIANGYIN, ("MA" + body)[:8])
            if code in self._used_codes:
                continue
            self._used_names.add(name)
            self._used_codes.add(code)
            established = dt.date(2000, 1, 1) + dt.timedelta(days=self.rnd.randint(0, 7000))
            return DemoCompany(name, code, self.person_name(), established)

    def person(self) -> DemoPerson:
        while True:
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=self.rnd.randint(0, 18000))
            number = identifiers.make_resident_id(JIANGYIN, birth, self.rnd.randint(1, 999))
            if number not in self._used_codes:
                self._used_codes.add(number)
                return DemoPerson(self.person_name(), number)


def _write_csv(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> Path:
    path = folder / name
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


def load_demo_data(
    *,
    companies: int = 3000,
    businesses: int = 600,
    persons: int = 1500,
    decisions: int = 6000,
    today: dt.date,
    progress: Callable[[str], None] = print,
    forbidden_names: set[str] | None = None,
) -> dict[str, int]:
    gen = DemoGenerator(forbidden_names=forbidden_names)
    units = {u.code: u for u in Unit.objects.all()}
    counts: dict[str, int] = {}
    calendar = workdays.get_calendar()
    with tempfile.TemporaryDirectory(prefix="xinyong-demo-") as tmp:
        folder = Path(tmp)
        orgs = [gen.company("91") for _ in range(companies)] + [gen.company("92") for _ in range(businesses)]
        registry = _write_csv(
            folder,
            "法人登记信息.csv",
            ["名称", "统一社会信用代码", "法定代表人", "成立日期"],
            [[c.name, c.uscc, c.legal_rep, c.established.isoformat()] for c in orgs],
        )
        result = import_file(
            path=registry, category_code="legal_person", department=units["jjfzk"], submitted_at=_at(dt.date(2020, 1, 6))
        )
        counts["legal_person"] = result.accepted
        progress(f"法人及非法人组织登记信息：{result.accepted} 条")
        people = [gen.person() for _ in range(persons)]
        natural = _write_csv(
            folder,
            "自然人基础信息.csv",
            ["姓名", "证件类型", "证件号码"],
            [[p.name, "居民身份证", p.id_number] for p in people],
        )
        result = import_file(
            path=natural, category_code="natural_person", department=units["pcs"], submitted_at=_at(dt.date(2020, 1, 6))
        )
        counts["natural_person"] = result.accepted
        progress(f"自然人基础信息：{result.accepted} 条")
        counts.update(_decisions(gen, folder, orgs, people, units, decisions, today, calendar, progress))
        counts["waiting_review"] = _waiting_for_review(gen, folder, orgs, people, units["zwfwzx"], today, calendar)
        progress(f"待审核后公开的行政许可（政务服务中心）：{counts['waiting_review']} 条")
        counts["list_entries"] = _list_files(folder, orgs, units["jjfzk"], today)
    progress(f"红黑名单条目（经报送导入）：{counts['list_entries']} 条")
    counts.update(_monitoring_and_checks(orgs, units))
    progress(f"关注主体：{counts['watches']} 个；联合奖惩核查：{counts['checks']} 次")
    return counts


# The lists arrive as files through the intake path, as in practice: the court's 失信被执行人 file in the court's
# own layout (passed on by the city platform), the other departments' black lists and the red lists in the
# catalog's layout. Entries are published 30 days or more before today, after their objection window.
_DEMO_LISTINGS = [
    ("失信被执行人名单", "江阴市人民法院", "（2026）苏0281执{n}号"),
    ("重大税收违法失信主体", "国家税务总局江阴市税务局", "澄税稽罚〔2026〕{n}号"),
    ("安全生产领域失信生产经营单位及其有关人员", "江阴市应急管理局", "澄应急失信〔2026〕{n}号"),
    ("拖欠农民工工资失信联合惩戒对象名单", "江阴市人力资源和社会保障局", "澄人社欠薪〔2026〕{n}号"),
    ("纳税信用A级纳税人", "国家税务总局江阴市税务局", "澄税A级〔2026〕{n}号"),
    ("“守合同重信用”企业", "江阴市市场监督管理局", "澄市监守重〔2026〕{n}号"),
]
_COURT_HEADER = ["被执行人姓名/名称", "统一社会信用代码", "法定代表人或者负责人姓名", "执行法院", "案号", "立案时间",
                 "发布时间", "失信被执行人行为具体情形"]
_LIST_HEADER = ["名单名称", "主体名称", "统一社会信用代码", "法定代表人", "认定文书号", "认定部门", "认定日期", "发布日期",
                "列入事由"]
_RED = {"纳税信用A级纳税人", "“守合同重信用”企业"}


def _list_files(folder: Path, orgs: list[DemoCompany], unit: Unit, today: dt.date) -> int:
    court: list[list[str]] = []
    black: list[list[str]] = []
    red: list[list[str]] = []
    for number, company in enumerate(orgs[:60]):
        kind, department, document = _DEMO_LISTINGS[number % len(_DEMO_LISTINGS)]
        recognised = (today - dt.timedelta(days=60 + number)).isoformat()
        published = (today - dt.timedelta(days=30 + number)).isoformat()
        case = document.format(n=100 + number)
        if kind == "失信被执行人名单":
            court.append([company.name, company.uscc, company.legal_rep, department, case, recognised, published,
                          "有履行能力而拒不履行生效法律文书确定义务"])
            continue
        reason = "经评价认定" if kind in _RED else "经依法认定"
        row = [kind, company.name, company.uscc, company.legal_rep, case, department, recognised, published, reason]
        (red if kind in _RED else black).append(row)
    submitted = _at(today)
    accepted = 0
    for name, header, rows, category in (
        ("失信被执行人名单（市平台推送）.csv", _COURT_HEADER, court, "black_list"),
        ("严重失信主体名单.csv", _LIST_HEADER, black, "black_list"),
        ("守信激励名单.csv", _LIST_HEADER, red, "red_list"),
    ):
        path = _write_csv(folder, name, header, rows)
        accepted += import_file(path=path, category_code=category, department=unit, submitted_at=submitted).accepted
    return accepted


def _waiting_for_review(
    gen: DemoGenerator,
    folder: Path,
    orgs: list[DemoCompany],
    people: list[DemoPerson],
    unit: Unit,
    today: dt.date,
    calendar: workdays.WorkCalendar,
) -> int:
    """From now on the service centre's licences wait for its reviewer: today's file is in the review queue."""
    unit_review_set(unit=unit, categories=["admin_license"], actor=None)
    days = [calendar.add_workdays(today, -n) for n in (1, 2, 4, 6)]
    rows = [_licence_row(gen, orgs, people, unit, day, 900 + n) for n, day in enumerate(days)]
    path = _write_csv(folder, f"{unit.short_name}本周行政许可信息（待审核）.csv", LICENCE_HEADER, rows)
    return import_file(path=path, category_code="admin_license", department=unit, submitted_at=_at(today, 9)).staged


def _monitoring_and_checks(orgs: list[DemoCompany], units: dict[str, Unit]) -> dict[str, int]:
    """The finance office watches this year's fund recipients and has checked a few bidders, with outcomes."""
    funds = units["czzcglj"]
    officer = User.objects.filter(username="jbr").first()
    recipients = [(c.name, c.uscc) for c in orgs[40:70]]
    watches_add(actor=officer, department=funds, reason="2026年工业和信息化专项资金拟扶持企业", rows=recipients)
    checks = 0
    for index, company in enumerate(orgs[:12]):
        matter = "procurement" if index % 2 else "funds"
        result = check_subject(
            actor=officer, matter=matter, purpose="2026年度办公设备采购供应商资格审查" if index % 2
            else "2026年工业专项资金申报审核", code=company.uscc, department=funds,
        )
        checks += 1
        for hit in result.hits[: index % 3]:
            outcome_record(
                actor=officer, check_log=result.log, entry=hit.entry, applied=True,
                measure=hit.measures[0] if hit.measures else None,
            )
    return {"watches": len(recipients), "checks": checks}


def _decisions(
    gen: DemoGenerator,
    folder: Path,
    orgs: list[DemoCompany],
    people: list[DemoPerson],
    units: dict[str, Unit],
    total: int,
    today: dt.date,
    calendar: workdays.WorkCalendar,
    progress: Callable[[str], None],
) -> dict[str, int]:
    """Monthly files per department, each with the decisions of the days before it was sent.

    Most files arrive within the 7 working days; about one in ten carries decisions weeks old (late), and
    about 2% of rows carry the mistakes real files contain.
    """
    rnd = gen.rnd
    months = [(y, m) for y in range(2020, today.year + 1) for m in range(1, 13) if dt.date(y, m, 28) < today]
    groups = [
        (category, unit, year, month)
        for category, units_of_category in (("admin_penalty", PENALTY_UNITS), ("admin_license", LICENCE_UNITS))
        for year, month in months
        for unit in units_of_category
    ]
    per_group = max(1, total // max(1, len(groups)))
    plans: dict[tuple[str, str, int, int], tuple[dt.date, list[dt.date]]] = {}
    for key in groups:
        _, _, year, month = key
        submit_day = dt.date(year, month, rnd.randint(10, 28))
        late = rnd.random() < 0.1
        days = [
            calendar.add_workdays(submit_day, -(rnd.randint(8, 20) if late else rnd.randint(1, 6)))
            for _ in range(rnd.randint(max(1, per_group // 2), per_group * 3 // 2 + 1))
        ]
        plans[key] = (submit_day, sorted(days))
    accepted = {"admin_penalty": 0, "admin_license": 0}
    rejected = 0
    for (category, unit_code, year, month), (submit_day, days) in sorted(plans.items()):
        department = units[unit_code]
        rows = [
            (_penalty_row if category == "admin_penalty" else _licence_row)(gen, orgs, people, department, day, n)
            for n, day in enumerate(days)
        ]
        for row in rows:
            if rnd.random() < 0.02:
                _spoil(rnd, row, category)
        header = PENALTY_HEADER if category == "admin_penalty" else LICENCE_HEADER
        label = "行政处罚" if category == "admin_penalty" else "行政许可"
        path = _write_csv(folder, f"{department.short_name}{year}年{month}月{label}信息.csv", header, rows)
        result = import_file(
            path=path, category_code=category, department=department, submitted_at=_at(submit_day, 16)
        )
        accepted[category] += result.accepted
        rejected += result.rejected
    progress(f"行政处罚 {accepted['admin_penalty']} 条，行政许可 {accepted['admin_license']} 条，待更正 {rejected} 行")
    return {**accepted, "rejected": rejected}


PENALTY_HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人", "证件类型", "证件号码",
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
    "处罚决定日期", "处罚有效期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码",
]
LICENCE_HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人", "证件类型", "证件号码",
    "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容", "许可决定日期",
    "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态", "数据来源单位",
    "数据来源单位统一社会信用代码",
]


def _party(gen: DemoGenerator, orgs: list[DemoCompany], people: list[DemoPerson]) -> list[str]:
    if gen.rnd.random() < 0.15:
        person = gen.rnd.choice(people)
        return [person.name, "自然人", "", "", "居民身份证", person.id_number]
    company = gen.rnd.choice(orgs)
    category = "个体工商户" if company.uscc.startswith("92") else "法人及非法人组织"
    return [company.name, category, company.uscc, company.legal_rep, "", ""]


def _penalty_row(
    gen: DemoGenerator, orgs: list[DemoCompany], people: list[DemoPerson], unit: Unit, day: dt.date, n: int
) -> list[str]:
    offence, basis, kinds = gen.rnd.choice(OFFENCES)
    fine = f"{gen.rnd.choice([0.05, 0.2, 0.5, 1, 1.5, 3, 5])}" if "罚款" in kinds else ""
    until = day + dt.timedelta(days=365)
    return [
        *_party(gen, orgs, people),
        f"澄{unit.short_name[:2]}罚〔{day.year}〕{day.strftime('%m%d')}{n:03d}号",
        offence,
        f"经查，当事人{offence}，事实清楚，证据确凿。",
        basis,
        "、".join(kinds),
        f"{'、'.join(kinds)}{('，罚款' + fine + '万元') if fine else ''}",
        fine,
        day.isoformat(),
        until.isoformat(),
        unit.name,
        unit.uscc,
        unit.name,
        unit.uscc,
    ]


def _licence_row(
    gen: DemoGenerator, orgs: list[DemoCompany], people: list[DemoPerson], unit: Unit, day: dt.date, n: int
) -> list[str]:
    title, content, kind = gen.rnd.choice(LICENCES)
    return [
        *_party(gen, orgs, people),
        f"{title}决定书",
        f"澄{unit.short_name[:2]}许〔{day.year}〕{day.strftime('%m%d')}{n:03d}号",
        kind,
        title,
        f"JY{day.year}{n:05d}",
        content,
        day.isoformat(),
        day.isoformat(),
        (day + dt.timedelta(days=365 * 5)).isoformat(),
        unit.name,
        unit.uscc,
        "有效",
        unit.name,
        unit.uscc,
    ]


def _spoil(rnd: random.Random, row: list[str], category: str) -> None:
    """The mistakes real files contain: a mistyped code, an impossible date, a missing document number."""
    choice = rnd.randrange(3)
    if choice == 0 and row[2]:
        row[2] = row[2][:-1] + ("0" if row[2][-1] != "0" else "1")
    elif choice == 1:
        row[12 if category == "admin_license" else 13] = "2020年2月30日"
    else:
        row[6 if category == "admin_penalty" else 7] = ""
