"""The one clock. Everything time-dependent asks here.

An operator can pin the clock with the environment variable XINYONG_NOW (an ISO datetime) or with
`--as-of` on commands that load history; tests pin it with `frozen`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_override: dt.datetime | None = None


def parse_instant(value: str) -> dt.datetime:
    """An ISO date or datetime; a naive value is read as Beijing time."""
    parsed = dt.datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed


def now() -> dt.datetime:
    if _override is not None:
        return _override
    pinned = os.environ.get("XINYONG_NOW")
    if pinned:
        return parse_instant(pinned)
    return dt.datetime.now(tz=LOCAL_TZ)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The year in Beijing time, as a half-open range of instants (the filter uses any index on the column)."""
    return dt.datetime(year, 1, 1, tzinfo=LOCAL_TZ), dt.datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)


def today() -> dt.date:
    return now().astimezone(LOCAL_TZ).date()


def pinned() -> dt.datetime | None:
    """The fixed instant the clock shows, or None when it follows the real time (pages show a banner)."""
    if _override is not None:
        return _override
    value = os.environ.get("XINYONG_NOW")
    return parse_instant(value) if value else None


def set_now(instant: dt.datetime | None) -> None:
    global _override
    if instant is not None and instant.tzinfo is None:
        instant = instant.replace(tzinfo=LOCAL_TZ)
    _override = instant


@contextlib.contextmanager
def frozen(instant: dt.datetime | str) -> Iterator[dt.datetime]:
    """Pin the clock for a block (tests, `--as-of` loads)."""
    global _override
    previous = _override
    value = parse_instant(instant) if isinstance(instant, str) else instant
    set_now(value)
    try:
        yield now()
    finally:
        _override = previous
