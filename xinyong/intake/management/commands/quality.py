"""`xinyong quality`: assessment rules 3.1–3.3 per department for a year, as a table or as one JSON object."""

from __future__ import annotations

import json
import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.intake.quality import (
    CategoryQuality,
    DepartmentQuality,
    QualityOverview,
    pts,
    quality_overview,
)
from xinyong.org.selectors import find_unit

MIN_YEAR, MAX_YEAR = 2000, 2100


class Command(XinyongCommand):
    help = "按考核指标三、1—3（信息覆盖率、信息规范性、信息时效性）计算各部门的信用信息归集质量"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", required=True, help="考核年度，如 2020")
        parser.add_argument("--department", help="只看一个部门（单位编码、全称或简称）")
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出")

    def handle(self, *args: Any, **options: Any) -> None:
        raw = str(options["year"]).strip()
        if not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
            raise CommandError(f"年度“{raw}”不正确，应为 {MIN_YEAR}—{MAX_YEAR} 之间的四位年份，如 2020")
        year = int(raw)
        try:
            # A unit given by name is always listed, even with nothing required and nothing received.
            units = [find_unit(options["department"])] if options["department"] else None
            overview = quality_overview(year=year, units=units)
        except XinyongError as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"error": exc.as_dict()}, ensure_ascii=False))
            raise CommandError(f"{exc.message}（{exc.code}）") from exc
        if options["json"]:
            self.stdout.write(json.dumps(overview.as_dict(), ensure_ascii=False))
            return
        self._table(overview, single=bool(options["department"]))

    # -- the human table ----------------------------------------------------------------------------------

    def _table(self, overview: QualityOverview, *, single: bool) -> None:
        scheme = overview.scheme
        out = self.stdout.write
        out(f"{overview.year}年 信用信息归集处理（考核指标三、1—3，满分 {pts(scheme.points)} 分）")
        out(f"依据：{scheme.source}")
        if not overview.departments:
            out("当年没有应报送信息类别或报送数据的部门。")
        for department in overview.departments:
            out("")
            self._department(department)
        if not single and overview.unattributed.batches:
            u = overview.unattributed
            out("")
            out(
                f"未归属部门：{u.batches} 个批次未指定报送部门，共 {u.rows} 行（通过 {u.accepted} 行，"
                f"未通过 {u.noncompliant} 行），未计入任何部门的指标。"
            )
        out("")
        out("口径说明：")
        for item in overview.interpretations:
            out(f"  【{item.title}】{item.text}")

    def _department(self, d: DepartmentQuality) -> None:
        out = self.stdout.write
        out(
            f"■ {d.unit_name}（{d.unit_code}）  得分 {pts(d.score)}/{pts(d.points)}，扣 {pts(d.deduction)} 分"
        )
        for indicator in d.indicators:
            out(
                f"  {indicator.number} {indicator.name}（{pts(indicator.points)}分）扣 {pts(indicator.deduction)}，"
                f"得 {pts(indicator.score)}：{indicator.reason}"
            )
        alt = d.timeliness_alternative
        out(
            f"      另一口径（{_reading_short(d)}）：扣 {pts(alt.deduction)}，得 {pts(alt.score)}：{alt.reason}"
        )
        for note in d.notes:
            out(f"  注意：{note}")
        if not d.categories:
            out("  （当年没有应报送类别，也没有报送数据）")
            return
        tim = d.scheme.timeliness
        over = tim.threshold_text().replace("迟报工作日数", "迟报")
        within = f"迟报{'<' if tim.threshold_inclusive else '≤'}{tim.threshold_workdays}"
        header = [
            "信息类别", "应报送", "状态", "批次", "收到行数", "通过", "不合格", "更正后通过", "不合格率",
            over, "迟报周期", within, "迟报天数未知", "期限未知",
        ]  # fmt: skip
        rows = [header, *[_category_row(c) for c in d.categories]]
        widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]
        for r in rows:
            cells = [_pad(text, widths[i], right=i >= 3) for i, text in enumerate(r)]
            out("  " + "  ".join(cells).rstrip())


def _reading_short(d: DepartmentQuality) -> str:
    return "按类别和归集周期计" if d.scheme.timeliness.alternative == "category_cycle" else "按记录计"


def _category_row(c: CategoryQuality) -> list[str]:
    return [
        c.name,
        "是" if c.required else "否",
        c.status,
        str(c.batches),
        str(c.rows),
        str(c.accepted),
        str(c.noncompliant),
        str(c.corrected),
        c.rate_text,
        str(c.late_over),
        str(len(c.late_cycles)),
        str(c.late_within),
        str(c.late_unknown),
        str(c.deadline_unknown),
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap
