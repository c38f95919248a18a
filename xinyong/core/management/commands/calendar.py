"""`xinyong calendar`: load a year's holiday notice from YAML, and show a year's holidays and make-up days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import CommandError, CommandParser

from xinyong.core import services
from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.core.workdays import (
    MAX_DECLARABLE_YEAR,
    MIN_DECLARABLE_YEAR,
    PACKAGE_YEARS,
    WEEKDAY_NAMES,
    DayInfo,
    DaySource,
    get_calendar,
    parse_schedule,
)

FORMAT_HELP = (
    "YAML 格式：year: 2027；source: 通知名称和文号；"
    "holidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-03}]；"
    "workdays: [{name: 调休上班, date: 2027-02-07}]"
)


def _group(days: list[DayInfo]) -> list[tuple[str, bool, dt.date, dt.date]]:
    """Runs of consecutive dates with the same name and status, as the State Council notice writes them."""
    runs: list[tuple[str, bool, dt.date, dt.date]] = []
    for info in days:
        if runs:
            name, working, first, last = runs[-1]
            if name == info.name and working == info.is_workday and info.date - last == dt.timedelta(days=1):
                runs[-1] = (name, working, first, info.date)
                continue
        runs.append((info.name, info.is_workday, info.date, info.date))
    return runs


def _span(first: dt.date, last: dt.date) -> str:
    if first == last:
        return f"{first.isoformat()}（{WEEKDAY_NAMES[first.weekday()]}）"
    days = (last - first).days + 1
    return f"{first.isoformat()} 至 {last.isoformat()}，共{days}天"


class Command(XinyongCommand):
    help = (
        "工作日历：load 从 YAML 文件载入一年的节假日安排并声明该年度完整；show 列出某年的放假和调休上班日期。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, title="子命令", metavar="{load,show}")
        load = actions.add_parser("load", help=f"载入一年的节假日安排。{FORMAT_HELP}")
        load.add_argument("file", help="YAML 文件路径")
        load.add_argument(
            "--replace",
            action="store_true",
            help="删除该年度中文件未列出的已录入日期（用于重新载入更正后的通知）",
        )
        show = actions.add_parser("show", help="列出某年的放假和调休上班日期")
        show.add_argument("year", help="年度，如 2020")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "load":
                self._load(Path(options["file"]), replace=bool(options["replace"]))
            else:
                self._show(options["year"])
        except XinyongError as error:
            raise CommandError(error.message) from error

    def _load(self, path: Path, *, replace: bool) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as error:
            raise CommandError(f"找不到文件：{path}") from error
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"无法读取文件 {path}（须为 UTF-8 编码的 YAML 文件）：{error}") from error
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise CommandError(f"文件 {path} 不是有效的 YAML：{error}") from error
        schedule = parse_schedule(data)
        result = services.calendar_schedule_load(schedule=schedule, replace=replace)
        self.stdout.write(
            f"已载入{result.year}年节假日安排：放假 {result.holidays} 天，调休上班 {result.workdays} 天"
            f"（其中 {result.unchanged} 天与已录入的一致）；{result.year}年已声明为完整年度。"
        )
        if result.removed:
            listed = "、".join(day.isoformat() for day in result.removed)
            self.stdout.write(f"已删除文件未列出的日期：{listed}")
        if result.kept:
            listed = "、".join(day.isoformat() for day in result.kept)
            self.stdout.write(
                self.style.WARNING(f"以下已录入日期不在文件中，已保留（如需删除请加 --replace）：{listed}")
            )

    def _show(self, raw_year: str) -> None:
        text = raw_year.strip()
        if not text.isdigit() or not MIN_DECLARABLE_YEAR <= int(text) <= MAX_DECLARABLE_YEAR:
            raise CommandError(
                f"年度“{raw_year}”无效，应为 {MIN_DECLARABLE_YEAR}–{MAX_DECLARABLE_YEAR} 之间的年份。"
            )
        year = int(text)
        calendar = get_calendar()
        days = calendar.special_days(year)
        if year in PACKAGE_YEARS:
            origin = "内置法定日历（chinese-calendar）" + (
                "，含管理员更正" if year in _override_years(days) else ""
            )
        elif year in calendar.known_years:
            origin = "管理员录入，已声明完整"
        else:
            origin = "未声明完整"
        self.stdout.write(f"{year}年工作日历（{origin}）")
        holidays = _group([info for info in days if not info.is_workday])
        workdays = _group([info for info in days if info.is_workday])
        self.stdout.write("放假：" if holidays else "放假：无")
        for name, _working, first, last in holidays:
            self.stdout.write(f"  {name or '放假'}  {_span(first, last)}")
        self.stdout.write("调休上班：" if workdays else "调休上班：无")
        for name, _working, first, last in workdays:
            self.stdout.write(f"  {name or '上班'}  {_span(first, last)}")
        if not calendar.is_year_known(year):
            self.stdout.write(
                self.style.WARNING(
                    f"系统尚无{year}年完整的法定节假日和调休安排，该年度的工作日计算会被拒绝。"
                    f"请管理员在“工作日历”中录入{year}年的节假日安排并声明该年度完整。"
                )
            )


def _override_years(days: list[DayInfo]) -> set[int]:
    return {info.date.year for info in days if info.source is DaySource.OVERRIDE}
