"""When a record was due and how late it came, in official working days. Pure: a calendar in, plain values out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyong.core.errors import XinyongError
from xinyong.core.workdays import WorkCalendar


@dataclass(frozen=True)
class Timeliness:
    deadline: dt.date | None
    is_late: bool
    # None when the calendar lacks a year between the deadline and the submission: late, by an unknown count.
    late_workdays: int | None
    warning: str = ""


ON_TIME = Timeliness(deadline=None, is_late=False, late_workdays=0)


def timeliness(
    calendar: WorkCalendar, *, decision: dt.date | None, workdays: int | None, submitted_on: dt.date
) -> Timeliness:
    if decision is None or not workdays:
        return ON_TIME
    try:
        deadline = calendar.add_workdays(decision, workdays)
    except XinyongError as exc:
        return Timeliness(deadline=None, is_late=False, late_workdays=None, warning=exc.message)
    if submitted_on <= deadline:
        return Timeliness(deadline=deadline, is_late=False, late_workdays=0)
    try:
        late = calendar.workdays_late(deadline, submitted_on)
    except XinyongError as exc:
        return Timeliness(deadline=deadline, is_late=True, late_workdays=None, warning=exc.message)
    # A submission on a rest day after the deadline counts no working day late; it is not late.
    return Timeliness(deadline=deadline, is_late=late > 0, late_workdays=late)
