"""The official working-day calendar (法定工作日历).

A "working day" follows the State Council's yearly holiday notice, including 调休: a Saturday or Sunday can
be a working day and a holiday week can swallow weekdays. Example: National Day 2020 ran 1–8 October, while
Sunday 27 September and Saturday 10 October were working days, so 7 working days after 2020-09-28 is
2020-10-14.

Where a date's answer comes from, in order:

1. the administrator's override table (``CalendarDay`` rows) — always wins, so a correction can be entered;
2. the ``chinese-calendar`` package for the years it covers (2004–2026 in chinesecalendar 1.11);
3. for a year the administrator declared complete (``CalendarYear``): Monday–Friday work, plus the overrides;
4. otherwise the year is unknown and we refuse with ``E_CALENDAR_YEAR_UNKNOWN``: a deadline computed from a
   guessed calendar would be silently wrong around every holiday, which is worse than no answer.

Conventions (the same everywhere in the platform):

* ``add_workdays(start, n)``: the n-th working day after ``start``; ``start`` itself never counts, so the
  result of a positive n is always a working day. ``n == 0`` returns ``start`` unchanged; a negative n gives
  the |n|-th working day before ``start``.
* ``count_workdays(start, end)``: the number of working days in the half-open interval (start, end] — after
  ``start``, up to and including ``end``. It is antisymmetric:
  ``count_workdays(b, a) == -count_workdays(a, b)``. Hence ``count_workdays(d, add_workdays(d, n)) == n``
  for every n ≥ 0 (and for negative n when d is a working day).
* ``workdays_late(deadline, actual)``: working days in (deadline, actual]; 0 when on time or early.

The module is pure: only ``get_calendar`` (and its helpers) touch the database, importing the models lazily.
"""

from __future__ import annotations

import datetime as dt
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, NamedTuple

import chinese_calendar

from xinyong.core.errors import ErrorCode, XinyongError

ONE_DAY: Final = dt.timedelta(days=1)
WEEKDAY_NAMES: Final = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# The years an administrator may declare. Wider than any plausible need, narrow enough that a typo (20277) is
# caught before it reaches date arithmetic.
MIN_DECLARABLE_YEAR: Final = 1990
MAX_DECLARABLE_YEAR: Final = 2200


def _package_years() -> range:
    # Read the covered range from the package's own table (the same rule its validation uses), so upgrading
    # chinesecalendar extends coverage without a code change.
    keys = chinese_calendar.holidays.keys()
    return range(min(keys).year, max(keys).year + 1)


PACKAGE_YEARS: Final[range] = _package_years()


class DayOverride(NamedTuple):
    """An administrator's statement about one date."""

    is_workday: bool
    name: str


class DaySource(StrEnum):
    OVERRIDE = "override"
    PACKAGE = "chinese_calendar"
    WEEKDAY = "weekday"


DAY_SOURCE_LABELS: Final[Mapping[DaySource, str]] = {
    DaySource.OVERRIDE: "管理员录入",
    DaySource.PACKAGE: "内置法定日历",
    DaySource.WEEKDAY: "周一至周五上班",
}


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_workday: bool
    name: str  # "" for an ordinary weekday or weekend
    source: DaySource

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]


def unknown_year_error(year: int) -> XinyongError:
    return XinyongError(
        ErrorCode.CALENDAR_YEAR_UNKNOWN,
        f"系统尚无{year}年的法定节假日和调休安排，无法计算工作日。"
        f"请管理员在“工作日历”中录入{year}年的节假日安排后再试。",
    )


def _out_of_range_error() -> XinyongError:
    return XinyongError(ErrorCode.BAD_DATE, "日期超出可计算的范围。")


def _package_name(english: str | None) -> str:
    # The package names holidays in English ("National Day"); users read the Chinese name of the same enum.
    if not english:
        return ""
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def _year_start(year: int) -> dt.date:
    return dt.date(year, 1, 1)


def _days_in_year(year: int) -> int:
    return 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365


class WorkCalendar:
    """Answers working-day questions from the package data plus an override table.

    Each year is turned lazily into a prefix-sum table (``table[k]`` = working days among the year's first k
    days), so counting is O(1) per year and adding is a binary search per year: no per-day loops over
    complete years, and no database access at all after construction.
    """

    def __init__(
        self,
        overrides: Mapping[dt.date, DayOverride | tuple[bool, str]] | None = None,
        known_years: Iterable[int] = (),
    ) -> None:
        self._overrides: dict[dt.date, DayOverride] = {
            day: DayOverride(bool(value[0]), str(value[1])) for day, value in (overrides or {}).items()
        }
        self._known_years: frozenset[int] = frozenset(known_years)
        self._tables: dict[int, list[int] | None] = {}
        # Instances are shared across threads through get_calendar(); building a year twice is harmless but
        # the lock keeps the dict consistent.
        self._lock = threading.Lock()

    # -- what the calendar knows -------------------------------------------------------------------------

    @property
    def overrides(self) -> Mapping[dt.date, DayOverride]:
        return dict(self._overrides)

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    def is_year_known(self, year: int) -> bool:
        """True when every date of the year has an answer (package coverage or a declaration)."""
        return year in PACKAGE_YEARS or year in self._known_years

    # -- single days ---------------------------------------------------------------------------------------

    def day_info(self, day: dt.date) -> DayInfo:
        override = self._overrides.get(day)
        if override is not None:
            return DayInfo(day, override.is_workday, override.name, DaySource.OVERRIDE)
        if day.year in PACKAGE_YEARS:
            is_holiday, english = chinese_calendar.get_holiday_detail(day)
            name = _package_name(english)
            if not is_holiday and name:
                name = f"调休上班（{name}）"
            return DayInfo(day, not is_holiday, name, DaySource.PACKAGE)
        if day.year in self._known_years:
            return DayInfo(day, day.weekday() < 5, "", DaySource.WEEKDAY)
        raise unknown_year_error(day.year)

    def is_workday(self, day: dt.date) -> bool:
        override = self._overrides.get(day)
        if override is not None:
            return override.is_workday
        table = self._table(day.year)
        if table is None:
            raise unknown_year_error(day.year)
        index = (day - _year_start(day.year)).days
        return table[index + 1] != table[index]

    # -- arithmetic ----------------------------------------------------------------------------------------

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (``start`` excluded); n == 0 → start; n < 0 goes backwards."""
        if n > 0:
            return self._forward(start, n)
        if n < 0:
            return self._backward(start, -n)
        return start

    def count_workdays(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative (the same count, negated) when end < start."""
        if end < start:
            return -self.count_workdays(end, start)
        total = 0
        for year in range(start.year, end.year + 1):
            # Exclusive lower and inclusive upper day index within this year.
            low = (start - _year_start(year)).days if year == start.year else -1
            high = (end - _year_start(year)).days if year == end.year else _days_in_year(year) - 1
            if low >= high:
                continue
            table = self._table(year)
            if table is None:
                total += sum(1 for day in self._dates(year, low + 1, high) if self.is_workday(day))
            else:
                total += table[high + 1] - table[low + 1]
        return total

    def workdays_late(self, deadline: dt.date, actual: dt.date) -> int:
        """How many working days after ``deadline`` the ``actual`` date falls; 0 when on time or early."""
        if actual <= deadline:
            return 0
        return self.count_workdays(deadline, actual)

    # -- listings ------------------------------------------------------------------------------------------

    def special_days(self, year: int) -> list[DayInfo]:
        """The year's holidays and make-up working days (what the State Council notice lists), by date.

        Unlike the arithmetic this never refuses: for an undeclared year it lists whatever overrides were
        entered so far, which is what an administrator completing the year needs to see.
        """
        found: dict[dt.date, DayInfo] = {
            day: DayInfo(day, value.is_workday, value.name, DaySource.OVERRIDE)
            for day, value in self._overrides.items()
            if day.year == year
        }
        if year in PACKAGE_YEARS:
            for day in self._dates(year, 0, _days_in_year(year) - 1):
                if day in found:
                    continue
                info = self.day_info(day)
                if info.name or info.is_workday != (day.weekday() < 5):
                    found[day] = info
        return [found[day] for day in sorted(found)]

    # -- internals -----------------------------------------------------------------------------------------

    @staticmethod
    def _dates(year: int, first: int, last: int) -> Iterator[dt.date]:
        base = _year_start(year)
        for index in range(first, last + 1):
            yield base + dt.timedelta(days=index)

    def _table(self, year: int) -> list[int] | None:
        try:
            return self._tables[year]
        except KeyError:
            pass
        table = self._build_table(year)
        with self._lock:
            self._tables.setdefault(year, table)
        return table

    def _build_table(self, year: int) -> list[int] | None:
        if year in PACKAGE_YEARS:
            package = True
        elif year in self._known_years:
            package = False
        else:
            # Not complete: callers fall back to per-day answers, which use overrides and refuse the rest.
            return None
        table = [0]
        running = 0
        for day in self._dates(year, 0, _days_in_year(year) - 1):
            override = self._overrides.get(day)
            if override is not None:
                working = override.is_workday
            elif package:
                working = bool(chinese_calendar.is_workday(day))
            else:
                working = day.weekday() < 5
            running += working
            table.append(running)
        return table

    def _forward(self, start: dt.date, remaining: int) -> dt.date:
        year = start.year
        low = (start - _year_start(year)).days  # exclusive
        while True:
            if year > dt.MAXYEAR:
                raise _out_of_range_error()
            table = self._table(year)
            if table is None:
                for day in self._dates(year, low + 1, _days_in_year(year) - 1):
                    if self.is_workday(day):
                        remaining -= 1
                        if remaining == 0:
                            return day
            else:
                base = table[low + 1]
                available = table[-1] - base
                if remaining <= available:
                    # table steps by 0 or 1, so the first k reaching the target is the wanted working day.
                    k = bisect_left(table, base + remaining, low + 1)
                    return _year_start(year) + dt.timedelta(days=k - 1)
                remaining -= available
            year += 1
            low = -1

    def _backward(self, start: dt.date, remaining: int) -> dt.date:
        year = start.year
        high = (start - _year_start(year)).days  # exclusive
        while True:
            if year < dt.MINYEAR:
                raise _out_of_range_error()
            table = self._table(year)
            if table is None:
                for index in range(high - 1, -1, -1):
                    day = _year_start(year) + dt.timedelta(days=index)
                    if self.is_workday(day):
                        remaining -= 1
                        if remaining == 0:
                            return day
            else:
                available = table[high]
                if remaining <= available:
                    # The last index k with table[k] == target is the working day that completes the count.
                    k = bisect_right(table, available - remaining, 0, high + 1) - 1
                    return _year_start(year) + dt.timedelta(days=k)
                remaining -= available
            year -= 1
            high = _days_in_year(year)


# -- a year's schedule as loaded from YAML ----------------------------------------------------------------


@dataclass(frozen=True)
class YearSchedule:
    """One year's State Council notice: its holidays and make-up working days."""

    year: int
    source: str
    days: Mapping[dt.date, DayOverride] = field(default_factory=dict)
    note: str = ""

    @property
    def holiday_count(self) -> int:
        return sum(1 for value in self.days.values() if not value.is_workday)

    @property
    def workday_count(self) -> int:
        return sum(1 for value in self.days.values() if value.is_workday)


def _format_error(message: str) -> XinyongError:
    return XinyongError(ErrorCode.BAD_FORMAT, message)


def parse_date(value: object, what: str) -> dt.date:
    """A date from YAML or the command line: a date object, or text 2027-01-01 / 2027/1/1 / 2027年1月1日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("/", "-").replace("年", "-").replace("月", "-").removesuffix("日")
        parts = text.split("-")
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            try:
                return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                pass
    raise XinyongError(
        ErrorCode.BAD_DATE, f"{what}“{value}”不是有效日期，应写成 YYYY-MM-DD，例如 2020-09-28。"
    )


def _text(entry: Mapping[object, object], key: str, what: str, *, required: bool = True) -> str:
    value = entry.get(key)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _format_error(f"{what}缺少“{key}”。")
    return text


def parse_schedule(data: object) -> YearSchedule:
    """Validate the YAML structure of a year's schedule.

    Format::

        year: 2027
        source: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）
        holidays:
          - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
        workdays:
          - {name: 调休上班, date: 2027-02-07}

    Dates may lie in the neighbouring year (a notice sometimes moves a late-December day for New Year), but
    no further: anything else is almost certainly a typo.
    """
    if not isinstance(data, Mapping):
        raise _format_error("日历文件应为 YAML 映射，包含 year、source、holidays、workdays 等项。")
    raw_year = data.get("year")
    if (
        isinstance(raw_year, bool)
        or not isinstance(raw_year, int | str)
        or not str(raw_year).strip().isdigit()
    ):
        raise _format_error("日历文件缺少有效的“year”（年度，例如 2027）。")
    year = int(str(raw_year).strip())
    if not MIN_DECLARABLE_YEAR <= year <= MAX_DECLARABLE_YEAR:
        raise _format_error(f"年度 {year} 超出允许范围（{MIN_DECLARABLE_YEAR}–{MAX_DECLARABLE_YEAR}）。")
    source = _text(data, "source", "日历文件")
    note = _text(data, "note", "日历文件", required=False)

    days: dict[dt.date, DayOverride] = {}

    def put(day: dt.date, value: DayOverride, what: str) -> None:
        if abs(day.year - year) > 1:
            raise _format_error(f"{what}的日期 {day.isoformat()} 不在 {year} 年前后，请检查年份。")
        previous = days.get(day)
        if previous is not None and previous != value:
            raise _format_error(
                f"{day.isoformat()} 同时出现在“{previous.name}”和“{value.name}”中，请检查后重新载入。"
            )
        days[day] = value

    holidays = data.get("holidays") or []
    if not isinstance(holidays, list):
        raise _format_error("“holidays”应为列表。")
    for number, entry in enumerate(holidays, start=1):
        what = f"第{number}项放假安排"
        if not isinstance(entry, Mapping):
            raise _format_error(f"{what}格式不正确，应包含 name、from、to。")
        name = _text(entry, "name", what)
        first = parse_date(entry.get("from"), f"{what}的开始日期")
        last = parse_date(entry.get("to", entry.get("from")), f"{what}的结束日期")
        if last < first:
            raise _format_error(f"{what}（{name}）的结束日期早于开始日期。")
        if (last - first).days > 31:
            raise _format_error(f"{what}（{name}）超过31天，请检查日期。")
        day = first
        while day <= last:
            put(day, DayOverride(False, name), what)
            day += ONE_DAY

    workdays = data.get("workdays") or []
    if not isinstance(workdays, list):
        raise _format_error("“workdays”应为列表。")
    for number, entry in enumerate(workdays, start=1):
        what = f"第{number}项调休上班"
        if not isinstance(entry, Mapping):
            raise _format_error(f"{what}格式不正确，应包含 name、date。")
        name = _text(entry, "name", what, required=False) or "调休上班"
        put(parse_date(entry.get("date"), f"{what}的日期"), DayOverride(True, name), what)

    if not days:
        raise _format_error(f"日历文件没有列出{year}年的任何放假或调休上班日期。")
    return YearSchedule(year=year, source=source, days=days, note=note)


# -- the database-backed calendar -------------------------------------------------------------------------

_Fingerprint = tuple[object, ...]
_cache_lock = threading.Lock()
_cached: tuple[_Fingerprint, WorkCalendar] | None = None


def _fingerprint() -> _Fingerprint:
    # Two aggregate queries, cheap enough for every get_calendar() call, and valid across processes (web
    # workers, commands) without a shared cache: a save bumps sum(revision) and max(updated_at), a delete
    # lowers the count, a delete plus an insert raises max(pk).
    from django.db.models import Count, Max, Sum

    from xinyong.core.models import CalendarDay, CalendarYear

    checks = {"n": Count("pk"), "top": Max("pk"), "latest": Max("updated_at"), "revisions": Sum("revision")}
    days = CalendarDay.objects.aggregate(**checks)
    years = CalendarYear.objects.aggregate(**checks)
    return tuple(days.values()) + tuple(years.values())


def _load_calendar() -> WorkCalendar:
    from xinyong.core.models import CalendarDay, CalendarYear

    overrides = {
        day: DayOverride(is_workday, name)
        for day, is_workday, name in CalendarDay.objects.values_list("date", "is_workday", "name")
    }
    known_years = CalendarYear.objects.values_list("year", flat=True)
    return WorkCalendar(overrides, known_years)


def get_calendar() -> WorkCalendar:
    """The calendar built from the database, rebuilt only when the tables changed since the last call."""
    global _cached
    fingerprint = _fingerprint()
    cached = _cached
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    with _cache_lock:
        # Fingerprint first, rows second: if a write lands in between, the next call sees a new fingerprint
        # and rebuilds, so a stale calendar is never kept.
        calendar = _load_calendar()
        _cached = (fingerprint, calendar)
    return calendar


def clear_calendar_cache() -> None:
    global _cached
    _cached = None


# -- shortcuts on the database-backed calendar ------------------------------------------------------------


def is_workday(day: dt.date) -> bool:
    return get_calendar().is_workday(day)


def add_workdays(start: dt.date, n: int) -> dt.date:
    return get_calendar().add_workdays(start, n)


def count_workdays(start: dt.date, end: dt.date) -> int:
    return get_calendar().count_workdays(start, end)


def workdays_late(deadline: dt.date, actual: dt.date) -> int:
    return get_calendar().workdays_late(deadline, actual)
