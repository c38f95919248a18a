"""The working-day calendar: pure WorkCalendar, the YAML schedule parser, the database-backed calendar."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from django.test import Client
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xinyong.core import services
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.models import CalendarDay, CalendarYear
from xinyong.core.workdays import (
    PACKAGE_YEARS,
    DayOverride,
    DaySource,
    WorkCalendar,
    get_calendar,
    parse_schedule,
)
from xinyong.core.workdays import add_workdays as db_add_workdays
from xinyong.core.workdays import count_workdays as db_count_workdays

D = dt.date.fromisoformat
UNKNOWN_MESSAGE_2027 = (
    "系统尚无2027年的法定节假日和调休安排，无法计算工作日。"
    "请管理员在“工作日历”中录入2027年的节假日安排后再试。"
)
SOURCE = "测试用节假日安排（非真实通知）"


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_2027_is_not_covered_by_the_package() -> None:
    # The refusal tests below assume chinesecalendar does not know 2027; if an upgrade adds it, use a later
    # year there.
    assert 2026 in PACKAGE_YEARS
    assert 2027 not in PACKAGE_YEARS


# -- the known example and the National Day 2020 week -------------------------------------------------------


def test_seven_working_days_after_2020_09_28_is_2020_10_14(cal: WorkCalendar) -> None:
    assert cal.add_workdays(D("2020-09-28"), 7) == D("2020-10-14")


def test_count_across_national_day_week(cal: WorkCalendar) -> None:
    # (2020-09-25, 2020-10-12]: Sun 27 (make-up), 28, 29, 30, Fri 9, Sat 10 (make-up), Mon 12.
    assert cal.count_workdays(D("2020-09-25"), D("2020-10-12")) == 7
    # The holiday week itself has no working day; the first is Friday 9 October.
    assert cal.count_workdays(D("2020-09-30"), D("2020-10-08")) == 0
    assert cal.count_workdays(D("2020-09-30"), D("2020-10-09")) == 1
    assert cal.count_workdays(D("2020-09-28"), D("2020-10-14")) == 7


def test_sunday_make_up_day_is_a_working_day(cal: WorkCalendar) -> None:
    sunday = D("2020-09-27")
    assert sunday.weekday() == 6
    assert cal.is_workday(sunday)
    assert cal.is_workday(D("2020-10-10"))  # Saturday make-up
    assert not cal.is_workday(D("2020-10-05"))  # Monday inside the holiday
    assert not cal.is_workday(D("2020-10-11"))  # an ordinary Sunday
    # Saturday 26th + 1 working day is that Sunday, not Monday the 28th.
    assert cal.add_workdays(D("2020-09-26"), 1) == sunday
    info = cal.day_info(sunday)
    assert info.is_workday and info.name == "调休上班（国庆节）" and info.source is DaySource.PACKAGE


def test_add_skips_holiday_and_crosses_years(cal: WorkCalendar) -> None:
    # 2019-12-31 (Tue) + 1: 1 January is a holiday, so Thursday 2 January.
    assert cal.add_workdays(D("2019-12-31"), 1) == D("2020-01-02")
    assert cal.count_workdays(D("2019-12-31"), D("2020-01-02")) == 1
    # A long span: the result must agree with the package's own day-by-day answer.
    start = D("2010-03-15")
    result = cal.add_workdays(start, 1000)
    assert _reference_count(start, result, {}, set()) == 1000


def test_zero_returns_start_even_on_a_holiday(cal: WorkCalendar) -> None:
    assert cal.add_workdays(D("2020-10-03"), 0) == D("2020-10-03")
    assert cal.count_workdays(D("2020-10-03"), D("2020-10-03")) == 0


def test_negative_n_goes_backwards(cal: WorkCalendar) -> None:
    assert cal.add_workdays(D("2020-10-14"), -7) == D("2020-09-28")
    # Monday 12 October - 1 is the Saturday make-up day.
    assert cal.add_workdays(D("2020-10-12"), -1) == D("2020-10-10")
    # From inside the holiday, one working day back is Wednesday 30 September.
    assert cal.add_workdays(D("2020-10-05"), -1) == D("2020-09-30")
    # Across a year boundary: 2 January 2020 - 1 skips New Year's Day.
    assert cal.add_workdays(D("2020-01-02"), -1) == D("2019-12-31")


def test_count_with_end_before_start_is_negative(cal: WorkCalendar) -> None:
    assert cal.count_workdays(D("2020-10-14"), D("2020-09-28")) == -7
    assert cal.count_workdays(D("2020-10-08"), D("2020-09-30")) == 0


def test_workdays_late(cal: WorkCalendar) -> None:
    deadline = D("2020-09-30")
    assert cal.workdays_late(deadline, D("2020-09-25")) == 0  # early
    assert cal.workdays_late(deadline, deadline) == 0
    assert cal.workdays_late(deadline, D("2020-10-08")) == 0  # the holiday does not count
    assert cal.workdays_late(deadline, D("2020-10-09")) == 1
    assert cal.workdays_late(deadline, D("2020-10-12")) == 3  # Fri 9, Sat 10 (make-up), Mon 12


# -- unknown years are refused, declared years are computed ------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.is_workday(D("2027-03-01")),
        lambda c: c.day_info(D("2027-03-01")),
        lambda c: c.add_workdays(D("2026-12-25"), 10),
        lambda c: c.add_workdays(D("2027-02-01"), -1),
        lambda c: c.count_workdays(D("2026-12-01"), D("2027-01-05")),
        lambda c: c.count_workdays(D("2027-01-05"), D("2026-12-01")),
        lambda c: c.workdays_late(D("2026-12-30"), D("2027-01-04")),
    ],
)
def test_unknown_year_is_refused_with_a_clear_message(cal: WorkCalendar, call: object) -> None:
    assert callable(call)
    with pytest.raises(XinyongError) as caught:
        call(cal)
    assert caught.value.code == ErrorCode.CALENDAR_YEAR_UNKNOWN
    assert caught.value.message == UNKNOWN_MESSAGE_2027


def test_arithmetic_inside_the_known_range_is_not_refused(cal: WorkCalendar) -> None:
    # Close to the edge but not over it: 2026-12-31 is the last covered day.
    assert cal.add_workdays(D("2026-12-28"), 3) == D("2026-12-31")
    assert cal.count_workdays(D("2026-11-30"), D("2026-12-31")) == 23  # every weekday of December


def test_overrides_alone_do_not_make_a_year_known() -> None:
    cal = WorkCalendar({D("2027-01-01"): (False, "元旦")})
    assert not cal.is_year_known(2027)
    # The stated day has an answer…
    assert cal.is_workday(D("2027-01-01")) is False
    # …but any day the administrator has not stated is refused, not guessed.
    with pytest.raises(XinyongError) as caught:
        cal.add_workdays(D("2026-12-31"), 1)
    assert caught.value.code == ErrorCode.CALENDAR_YEAR_UNKNOWN


def test_declared_year_uses_weekdays_plus_overrides() -> None:
    overrides = {
        D("2027-01-01"): DayOverride(False, "元旦"),
        D("2027-01-09"): DayOverride(True, "调休上班"),
    }
    cal = WorkCalendar(overrides, known_years=[2027])
    assert cal.is_year_known(2027) and not cal.is_year_known(2028)
    assert not cal.is_workday(D("2027-01-01"))  # Friday, holiday
    assert cal.is_workday(D("2027-01-09"))  # Saturday, make-up
    assert not cal.is_workday(D("2027-01-10"))  # ordinary Sunday
    assert cal.day_info(D("2027-01-04")).source is DaySource.WEEKDAY
    # 2026-12-25 (Fri) + 10: Dec 28–31 (4), Jan 4–8 (9), Sat Jan 9 (10).
    assert cal.add_workdays(D("2026-12-25"), 10) == D("2027-01-09")
    assert cal.count_workdays(D("2026-12-25"), D("2027-01-09")) == 10
    # 2028 is still unknown.
    with pytest.raises(XinyongError):
        cal.add_workdays(D("2027-12-20"), 30)


def test_override_changes_a_2020_answer() -> None:
    # Suppose Friday 9 October 2020 had been declared a holiday: the 7th working day moves to the 15th.
    cal = WorkCalendar({D("2020-10-09"): (False, "临时放假")})
    assert not cal.is_workday(D("2020-10-09"))
    assert cal.add_workdays(D("2020-09-28"), 7) == D("2020-10-15")
    assert cal.count_workdays(D("2020-09-28"), D("2020-10-14")) == 6
    # And an override can turn a package holiday into a working day.
    cal = WorkCalendar({D("2020-10-08"): (True, "更正：上班")})
    assert cal.add_workdays(D("2020-09-28"), 7) == D("2020-10-13")


def test_special_days_lists_holidays_and_make_up_days(cal: WorkCalendar) -> None:
    days = {info.date: info for info in cal.special_days(2020)}
    assert all(not days[D(f"2020-10-0{n}")].is_workday for n in range(1, 9))
    assert days[D("2020-09-27")].is_workday and days[D("2020-10-10")].is_workday
    assert D("2020-10-09") not in days  # an ordinary Friday
    assert WorkCalendar().special_days(2027) == []


# -- properties ------------------------------------------------------------------------------------------

covered_dates = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2025, 12, 31))


@given(start=covered_dates, n=st.integers(min_value=0, max_value=60))
@settings(max_examples=400, deadline=None)
def test_count_inverts_add(start: dt.date, n: int) -> None:
    cal = _SHARED
    result = cal.add_workdays(start, n)
    assert cal.count_workdays(start, result) == n
    if n > 0:
        assert cal.is_workday(result)
        assert result > start


@given(start=covered_dates, n=st.integers(min_value=1, max_value=60))
@settings(max_examples=200, deadline=None)
def test_backwards_inverts_forwards_from_a_working_day(start: dt.date, n: int) -> None:
    cal = _SHARED
    assume(cal.is_workday(start))
    assert cal.add_workdays(cal.add_workdays(start, n), -n) == start
    assert cal.count_workdays(start, cal.add_workdays(start, -n)) == -n


def _reference_is_workday(day: dt.date, overrides: dict[dt.date, bool], known: set[int]) -> bool:
    # Deliberately naive, day by day, straight from the rules in the module docstring.
    if day in overrides:
        return overrides[day]
    if day.year in PACKAGE_YEARS:
        return bool(chinese_calendar.is_workday(day))
    if day.year in known:
        return day.weekday() < 5
    raise XinyongError(ErrorCode.CALENDAR_YEAR_UNKNOWN, "unknown")


def _reference_count(start: dt.date, end: dt.date, overrides: dict[dt.date, bool], known: set[int]) -> int:
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    total = 0
    day = start + dt.timedelta(days=1)
    while day <= end:
        total += _reference_is_workday(day, overrides, known)
        day += dt.timedelta(days=1)
    return sign * total


def _reference_add(start: dt.date, n: int, overrides: dict[dt.date, bool], known: set[int]) -> dt.date:
    step = dt.timedelta(days=1 if n > 0 else -1)
    day, remaining = start, abs(n)
    while remaining:
        day += step
        remaining -= _reference_is_workday(day, overrides, known)
    return day


edge_dates = st.dates(min_value=dt.date(2025, 10, 1), max_value=dt.date(2028, 3, 31))


@given(
    overrides=st.dictionaries(edge_dates, st.booleans(), max_size=25),
    declare_2027=st.booleans(),
    start=edge_dates,
    end=edge_dates,
    n=st.integers(min_value=-40, max_value=40),
)
@settings(max_examples=300, deadline=None)
def test_fast_paths_agree_with_a_day_by_day_reference(
    overrides: dict[dt.date, bool], declare_2027: bool, start: dt.date, end: dt.date, n: int
) -> None:
    known = {2027} if declare_2027 else set()
    cal = WorkCalendar({day: (value, "测试") for day, value in overrides.items()}, known)

    try:
        expected_count: int | None = _reference_count(start, end, overrides, known)
    except XinyongError:
        expected_count = None
    if expected_count is None:
        with pytest.raises(XinyongError):
            cal.count_workdays(start, end)
    else:
        assert cal.count_workdays(start, end) == expected_count

    try:
        expected_date: dt.date | None = _reference_add(start, n, overrides, known)
    except XinyongError:
        expected_date = None
    if expected_date is None:
        with pytest.raises(XinyongError) as caught:
            cal.add_workdays(start, n)
        assert caught.value.code == ErrorCode.CALENDAR_YEAR_UNKNOWN
    else:
        assert cal.add_workdays(start, n) == expected_date


_SHARED = WorkCalendar()


# -- the YAML schedule -------------------------------------------------------------------------------------


def test_parse_schedule() -> None:
    schedule = parse_schedule(
        {
            "year": 2027,
            "source": SOURCE,
            "holidays": [{"name": "元旦", "from": D("2027-01-01"), "to": "2027-01-03"}],
            "workdays": [{"name": "调休上班", "date": "2027年1月9日"}],
        }
    )
    assert schedule.year == 2027
    assert schedule.holiday_count == 3 and schedule.workday_count == 1
    assert schedule.days[D("2027-01-02")] == DayOverride(False, "元旦")
    assert schedule.days[D("2027-01-09")] == DayOverride(True, "调休上班")


def _one_holiday(first: str, last: str) -> dict[str, object]:
    return {"year": 2027, "source": SOURCE, "holidays": [{"name": "元旦", "from": first, "to": last}]}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "YAML 映射"),
        ({"source": SOURCE, "holidays": []}, "year"),
        ({"year": 2027, "holidays": [{"name": "元旦", "from": "2027-01-01"}]}, "source"),
        ({"year": 2027, "source": SOURCE}, "没有列出"),
        (_one_holiday("2027-01-03", "2027-01-01"), "早于"),
        (_one_holiday("2027-02-30", "2027-02-30"), "不是有效日期"),
        (_one_holiday("2029-01-01", "2029-01-01"), "不在 2027 年前后"),
        (
            {
                "year": 2027,
                "source": SOURCE,
                "holidays": [{"name": "元旦", "from": "2027-01-01"}],
                "workdays": [{"name": "调休上班", "date": "2027-01-01"}],
            },
            "同时出现",
        ),
    ],
)
def test_parse_schedule_rejects_bad_input(data: object, fragment: str) -> None:
    with pytest.raises(XinyongError) as caught:
        parse_schedule(data)
    assert fragment in caught.value.message


# -- the database-backed calendar --------------------------------------------------------------------------


@pytest.mark.django_db
def test_get_calendar_without_rows_is_the_package_calendar() -> None:
    assert db_add_workdays(D("2020-09-28"), 7) == D("2020-10-14")
    with pytest.raises(XinyongError) as caught:
        db_add_workdays(D("2026-12-25"), 10)
    assert caught.value.message == UNKNOWN_MESSAGE_2027


@pytest.mark.django_db
def test_get_calendar_is_cached_and_checks_cheaply(django_assert_num_queries: object) -> None:
    first = get_calendar()
    assert callable(django_assert_num_queries)
    with django_assert_num_queries(2):
        second = get_calendar()
    assert second is first


@pytest.mark.django_db
def test_override_through_the_service_changes_the_answer_and_can_be_cleared() -> None:
    assert db_add_workdays(D("2020-09-28"), 7) == D("2020-10-14")
    row = services.calendar_day_set(day=D("2020-10-09"), is_workday=False, name="临时放假", source=SOURCE)
    assert row.pk is not None
    assert db_add_workdays(D("2020-09-28"), 7) == D("2020-10-15")
    # Setting the same date again replaces the row, it does not add one.
    services.calendar_day_set(day=D("2020-10-09"), is_workday=True, name="上班", source=SOURCE)
    assert db_add_workdays(D("2020-09-28"), 7) == D("2020-10-14")
    assert services.calendar_day_clear(day=D("2020-10-09")) is True
    assert services.calendar_day_clear(day=D("2020-10-09")) is False
    assert db_count_workdays(D("2020-09-28"), D("2020-10-14")) == 7
    assert get_calendar().overrides == {}


@pytest.mark.django_db
def test_declaring_2027_enables_arithmetic_and_revoking_refuses_again() -> None:
    services.calendar_day_set(day=D("2027-01-01"), is_workday=False, name="元旦", source=SOURCE)
    services.calendar_day_set(day=D("2027-01-09"), is_workday=True, name="调休上班", source=SOURCE)
    with pytest.raises(XinyongError):
        db_add_workdays(D("2026-12-25"), 10)
    year = services.calendar_year_declare(year=2027, source=SOURCE)
    assert year.declared_at is not None
    assert db_add_workdays(D("2026-12-25"), 10) == D("2027-01-09")
    assert services.calendar_year_revoke(year=2027) is True
    with pytest.raises(XinyongError):
        db_add_workdays(D("2026-12-25"), 10)


@pytest.mark.django_db
def test_schedule_load_declares_the_year_and_replace_removes_stale_days() -> None:
    services.calendar_day_set(day=D("2027-05-06"), is_workday=False, name="旧安排", source="旧通知")
    schedule = parse_schedule(
        {
            "year": 2027,
            "source": SOURCE,
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
            "workdays": [{"date": "2027-01-09"}],
        }
    )
    kept = services.calendar_schedule_load(schedule=schedule)
    assert kept.kept == [D("2027-05-06")] and kept.removed == []
    assert get_calendar().is_year_known(2027)
    again = services.calendar_schedule_load(schedule=schedule, replace=True)
    assert again.removed == [D("2027-05-06")]
    assert again.unchanged == 4
    expected = {D("2027-01-01"), D("2027-01-02"), D("2027-01-03"), D("2027-01-09")}
    assert set(get_calendar().overrides) == expected


@pytest.mark.django_db
def test_services_refuse_missing_source_and_bad_year() -> None:
    with pytest.raises(XinyongError) as caught:
        services.calendar_day_set(day=D("2027-01-01"), is_workday=False, name="元旦", source="  ")
    assert caught.value.code == ErrorCode.REQUIRED
    with pytest.raises(XinyongError):
        services.calendar_year_declare(year=20277, source=SOURCE)


# -- the admin pages go through the services --------------------------------------------------------------


@pytest.mark.django_db
def test_admin_pages_list_and_save_through_the_services(admin_client: Client, admin_user: object) -> None:
    assert admin_client.get("/admin/core/calendarday/").status_code == 200
    assert admin_client.get("/admin/core/calendaryear/").status_code == 200
    response = admin_client.post(
        "/admin/core/calendarday/add/",
        {"date": "2020-10-09", "is_workday": "", "name": "临时放假", "source": SOURCE, "note": ""},
    )
    assert response.status_code == 302, response.content.decode()
    row = CalendarDay.objects.get(date=D("2020-10-09"))
    assert row.updated_by == getattr(admin_user, "username", "")
    assert db_add_workdays(D("2020-09-28"), 7) == D("2020-10-15")
    assert admin_client.get(f"/admin/core/calendarday/{row.pk}/change/").status_code == 200
    response = admin_client.post(f"/admin/core/calendarday/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert db_add_workdays(D("2020-09-28"), 7) == D("2020-10-14")
    declaration = {"year": "2027", "source": SOURCE, "note": ""}
    response = admin_client.post("/admin/core/calendaryear/add/", declaration)
    assert response.status_code == 302, response.content.decode()
    assert get_calendar().is_year_known(2027)
    assert CalendarYear.objects.get(year=2027).declared_by == getattr(admin_user, "username", "")


@pytest.mark.django_db
def test_cache_notices_changes_even_under_a_frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two saves within one clock tick leave max(updated_at) unchanged; the revision counter must still tell.
    import django.utils.timezone

    instant = django.utils.timezone.now()
    monkeypatch.setattr(django.utils.timezone, "now", lambda: instant)
    services.calendar_day_set(day=D("2020-10-09"), is_workday=False, name="临时放假", source=SOURCE)
    assert db_add_workdays(D("2020-09-28"), 7) == D("2020-10-15")
    services.calendar_day_set(day=D("2020-10-09"), is_workday=True, name="上班", source=SOURCE)
    assert db_add_workdays(D("2020-09-28"), 7) == D("2020-10-14")
    assert CalendarDay.objects.get(date=D("2020-10-09")).revision == 2
