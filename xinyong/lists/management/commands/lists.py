from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from xinyong.core import clock
from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.lists.figures import check_figures
from xinyong.lists.services import entries_expire, lists_load
from xinyong.org.selectors import find_unit


class Command(XinyongCommand):
    help = "红黑名单：load 载入名单类别和联合奖惩备忘录；expire 将到期条目移出；figures 联合奖惩核查统计"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["load", "expire", "figures"])
        parser.add_argument("--year", type=int, help="统计年度（figures），默认本年")
        parser.add_argument("--department", help="部门编码或名称（figures），默认全部部门")
        parser.add_argument("--json", action="store_true", help="输出 JSON（figures）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            counts = lists_load()
            self.stdout.write(
                f"已载入名单类别 {counts['kinds']} 个、联合奖惩备忘录 {counts['memoranda']} 份、措施 {counts['measures']} 项。"
            )
            return
        if options["action"] == "figures":
            self._figures(options)
            return
        done = entries_expire(actor=None, note="期满自动移出")
        self.stdout.write(f"期满移出 {done} 条。")

    def _figures(self, options: dict[str, Any]) -> None:
        year = options.get("year") or clock.today().year
        try:
            unit = find_unit(options["department"]) if options.get("department") else None
        except XinyongError as exc:
            raise CommandError(exc.message) from exc
        figures = check_figures(year=year, department=unit)
        if options["json"]:
            self.stdout.write(json.dumps(figures.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{year}年联合奖惩核查统计")
        for row in [*figures.rows, figures.total]:
            matter = row.as_dict()["matter_name"] if row.matter else ""
            self.stdout.write(
                f"{row.department} {matter}：核查 {row.checks} 次，命中 {row.checks_with_hits} 次（{row.hits} 条），"
                f"已反馈 {row.answered} 条，未反馈 {row.missing} 条"
            )
        self.stdout.write(f"典型案例（已实施措施）{len(figures.typical_cases)} 件")
