"""`xinyong workdays`: working-day arithmetic on the official calendar, from the command line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from xinyong.core.commands import XinyongCommand
from xinyong.core.errors import XinyongError
from xinyong.core.workdays import DAY_SOURCE_LABELS, WorkCalendar, get_calendar, parse_date


def _date(value: str, what: str) -> dt.date:
    try:
        return parse_date(value, what)
    except XinyongError as error:
        raise CommandError(error.message) from error


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError as error:
        raise CommandError(f"工作日天数“{value}”必须是整数，例如 7 或 -3。") from error


class Command(XinyongCommand):
    help = (
        "按法定工作日历计算工作日（含调休）。"
        "add 日期 N：日期之后第 N 个工作日（当天不计，N 可为负数）；"
        "count 起 止：起（不含）至止（含）之间的工作日数；"
        "late 期限 实际：实际日期超过期限的工作日数；"
        "is 日期：该日是否上班。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, title="子命令", metavar="{add,count,late,is}"
        )
        add = actions.add_parser("add", help="日期之后第 N 个工作日（当天不计；N 为负数时向前推算）")
        add.add_argument("date", help="起算日期，如 2020-09-28")
        # Kept as text so a negative N ("-3") is read as a value and a bad one gets a Chinese message.
        add.add_argument("n", help="工作日天数，如 7 或 -3")
        count = actions.add_parser("count", help="起（不含）至止（含）之间的工作日数；止早于起时为负数")
        count.add_argument("start", help="起始日期（不计入）")
        count.add_argument("end", help="截止日期（计入）")
        late = actions.add_parser("late", help="实际日期超过期限的工作日数（按时为 0）")
        late.add_argument("deadline", help="期限日期")
        late.add_argument("actual", help="实际完成日期")
        day = actions.add_parser("is", help="该日是否上班及原因")
        day.add_argument("date", help="日期，如 2020-10-10")

    def handle(self, *args: Any, **options: Any) -> None:
        calendar = get_calendar()
        try:
            self.stdout.write(self._run(calendar, options))
        except XinyongError as error:
            raise CommandError(error.message) from error

    def _run(self, calendar: WorkCalendar, options: dict[str, Any]) -> str:
        action = options["action"]
        if action == "add":
            return calendar.add_workdays(_date(options["date"], "起算日期"), _int(options["n"])).isoformat()
        if action == "count":
            start, end = _date(options["start"], "起始日期"), _date(options["end"], "截止日期")
            return str(calendar.count_workdays(start, end))
        if action == "late":
            deadline, actual = _date(options["deadline"], "期限日期"), _date(options["actual"], "实际日期")
            return str(calendar.workdays_late(deadline, actual))
        info = calendar.day_info(_date(options["date"], "日期"))
        status = "上班" if info.is_workday else "放假"
        reason = info.name or ("工作日" if info.is_workday else "周末")
        origin = DAY_SOURCE_LABELS[info.source]
        return f"{info.date.isoformat()} {info.weekday_name} {status}：{reason}；来源：{origin}"
