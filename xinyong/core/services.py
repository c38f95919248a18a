"""Writes to the working-day calendar. Every change goes through here (admin, commands, future web pages)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from xinyong.audit.services import audit_record
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.models import CalendarDay, CalendarYear
from xinyong.core.workdays import MAX_DECLARABLE_YEAR, MIN_DECLARABLE_YEAR, YearSchedule, clear_calendar_cache

Actor = AbstractBaseUser | AnonymousUser | None


def _actor_name(actor: Actor) -> str:
    if actor is None or not actor.is_authenticated:
        return ""
    return str(actor.get_username())


def _required(value: str, label: str) -> str:
    text = value.strip()
    if not text:
        raise XinyongError(ErrorCode.REQUIRED, f"请填写{label}。")
    return text


def _check_year(year: int) -> None:
    if not MIN_DECLARABLE_YEAR <= year <= MAX_DECLARABLE_YEAR:
        raise XinyongError(
            ErrorCode.BAD_NUMBER, f"年度 {year} 超出允许范围（{MIN_DECLARABLE_YEAR}–{MAX_DECLARABLE_YEAR}）。"
        )


def _invalidate_on_commit() -> None:
    # get_calendar() notices the change in every process through its fingerprint anyway; dropping the local
    # copy after commit just spares this process from holding the old calendar's memory.
    transaction.on_commit(clear_calendar_cache)


@transaction.atomic
def calendar_day_set(
    *, day: dt.date, is_workday: bool, name: str, source: str, note: str = "", actor: Actor = None
) -> CalendarDay:
    """State that ``day`` is a working day or a holiday, creating or replacing its row."""
    row, _created = CalendarDay.objects.update_or_create(
        date=day,
        defaults={
            "is_workday": is_workday,
            "name": _required(name, "名称"),
            "source": _required(source, "依据"),
            "note": note.strip(),
            "updated_by": _actor_name(actor),
        },
    )
    audit_record(
        actor=actor,
        action="core.calendar_day_set",
        obj=row,
        summary=f"{day.isoformat()} {'调休上班' if is_workday else '放假'}：{row.name}",
        after={"date": day.isoformat(), "is_workday": is_workday, "name": row.name, "source": row.source},
    )
    _invalidate_on_commit()
    return row


@transaction.atomic
def calendar_day_clear(*, day: dt.date, actor: Actor = None) -> bool:
    """Remove the override for ``day`` so the built-in or weekday rule applies again.

    Returns False when there was none.
    """
    deleted, _by_model = CalendarDay.objects.filter(date=day).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="core.calendar_day_cleared",
            object_type="core.CalendarDay",
            object_id=day.isoformat(),
            summary=f"取消 {day.isoformat()} 的工作日历设置",
        )
    _invalidate_on_commit()
    return deleted > 0


@transaction.atomic
def calendar_year_declare(*, year: int, source: str, note: str = "", actor: Actor = None) -> CalendarYear:
    """Declare that ``year``'s holidays and make-up days are entered completely, enabling arithmetic in it."""
    _check_year(year)
    row, _created = CalendarYear.objects.update_or_create(
        year=year,
        defaults={
            "source": _required(source, "依据"),
            "note": note.strip(),
            "declared_at": clock.now(),
            "declared_by": _actor_name(actor),
        },
    )
    audit_record(
        actor=actor,
        action="core.calendar_year_declared",
        obj=row,
        summary=f"{year}年节假日安排已录入完整",
        after={"year": year, "source": row.source},
    )
    _invalidate_on_commit()
    return row


@transaction.atomic
def calendar_year_revoke(*, year: int, actor: Actor = None) -> bool:
    """Withdraw a declaration: the year is refused again (unless the built-in calendar covers it)."""
    deleted, _by_model = CalendarYear.objects.filter(year=year).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="core.calendar_year_revoked",
            object_type="core.CalendarYear",
            object_id=str(year),
            summary=f"撤回{year}年节假日安排的完整声明",
        )
    _invalidate_on_commit()
    return deleted > 0


@dataclass(frozen=True)
class ScheduleLoadResult:
    year: int
    holidays: int
    workdays: int
    unchanged: int
    removed: list[dt.date]  # overrides of the year not in the file, deleted because replace=True
    kept: list[dt.date]  # overrides of the year not in the file, left in place because replace=False


@transaction.atomic
def calendar_schedule_load(
    *, schedule: YearSchedule, replace: bool = False, actor: Actor = None
) -> ScheduleLoadResult:
    """Enter a whole year's notice and declare the year complete, all or nothing.

    With ``replace`` the year's other overrides are deleted, so a corrected notice can be reloaded; without it
    they are kept (they may be deliberate local corrections) and reported to the caller.
    """
    _check_year(schedule.year)
    existing = {
        row.date: row for row in CalendarDay.objects.filter(date__year=schedule.year).order_by("date")
    }
    unchanged = 0
    for day, value in sorted(schedule.days.items()):
        row = existing.get(day)
        if (
            row is not None
            and row.is_workday == value.is_workday
            and row.name == value.name
            and row.source == schedule.source
        ):
            unchanged += 1
            continue
        calendar_day_set(
            day=day, is_workday=value.is_workday, name=value.name, source=schedule.source, actor=actor
        )
    others = [day for day in existing if day not in schedule.days]
    if replace:
        for day in others:
            calendar_day_clear(day=day, actor=actor)
    calendar_year_declare(year=schedule.year, source=schedule.source, note=schedule.note, actor=actor)
    return ScheduleLoadResult(
        year=schedule.year,
        holidays=schedule.holiday_count,
        workdays=schedule.workday_count,
        unchanged=unchanged,
        removed=others if replace else [],
        kept=[] if replace else others,
    )
