"""Assessment rules 3.1–3.3 (信息覆盖率、信息规范性、信息时效性): the pure rules, then figures from real imports."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinyong.catalog.models import Category
from xinyong.core import workdays
from xinyong.core.clock import LOCAL_TZ
from xinyong.intake import quality as q
from xinyong.intake.models import RejectedRow, RejectedRowStatus
from xinyong.intake.services import ImportResult
from xinyong.org.models import Unit
from xinyong.records.models import Record
from xinyong.web.tests import factories

RULE = q.DEFAULT.validity


def _rate(percent: str) -> Fraction:
    return Fraction(Decimal(percent)) / 100


# -- 3.2 bands ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "deduction"),
    [
        ("0", 0),
        ("0.0999", 0),
        ("0.1", 1),  # 0.1%（含）
        ("0.4999", 1),
        ("0.5", 2),  # 0.5%（含）
        ("0.9999", 2),
        ("1", 2),  # exactly 1% is not "超过1%"
        ("1.0001", 3),  # a started extra percentage point counts whole
        ("1.5", 3),
        ("2", 3),
        ("2.0001", 4),
        ("3", 4),
        ("3.5", 5),
        ("4", 5),
        ("100", 5),  # floored at the indicator's 5 points
    ],
)
def test_validity_bands(percent: str, deduction: int) -> None:
    assert q.validity_deduction(RULE, _rate(percent)) == deduction


@pytest.mark.parametrize(
    ("percent", "deduction"), [("1", 2), ("1.5", 2), ("1.9999", 2), ("2", 3), ("2.5", 3), ("3", 4), ("50", 5)]
)
def test_validity_counts_only_whole_extra_points_when_configured(percent: str, deduction: int) -> None:
    rule = q.QualityScheme.from_dict({"validity": {"partial": "floor"}}).validity
    assert q.validity_deduction(rule, _rate(percent)) == deduction


def test_validity_is_exact_on_counts_and_nothing_collected_deducts_nothing() -> None:
    # 1 in 1000 rows is 0.1% exactly: a float would be free to land a hair below.
    assert q.noncompliance_rate(1, 1000) == Fraction(1, 1000)
    assert q.validity_deduction(RULE, q.noncompliance_rate(1, 1000)) == 1
    assert q.validity_deduction(RULE, q.noncompliance_rate(1, 1001)) == 0
    assert q.validity_deduction(RULE, q.noncompliance_rate(0, 0)) == 0
    assert q.noncompliance_rate(0, 0) is None


def test_validity_reasons_name_the_band() -> None:
    assert "低于0.1%，不扣分" in q.validity_reason(RULE, noncompliant=0, rows=10)
    assert "在0.1%（含）至0.5%（不含）之间，扣 1 分" in q.validity_reason(RULE, noncompliant=1, rows=1000)
    assert "在0.5%（含）至1%（含）之间，扣 2 分" in q.validity_reason(RULE, noncompliant=1, rows=100)
    text = q.validity_reason(RULE, noncompliant=3, rows=200)
    assert "不合格率 1.5%" in text and "超过1%" in text and "扣 2+1=3 分" in text
    text = q.validity_reason(RULE, noncompliant=1, rows=1)
    assert "以本项5分为限，扣 5 分" in text
    assert "无从计算" in q.validity_reason(RULE, noncompliant=0, rows=0)


# -- 3.1 and 3.3 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("required", "missing", "deduction"),
    [(0, 0, 0), (3, 0, 0), (3, 1, 2), (4, 3, 6), (5, 4, 7), (2, 2, 7), (1, 1, 7), (3, 3, 7)],
)
def test_coverage(required: int, missing: int, deduction: int) -> None:
    assert q.coverage_deduction(q.DEFAULT.coverage, required=required, missing=missing) == deduction


def test_timeliness_items_threshold_and_floor() -> None:
    rule = q.DEFAULT.timeliness
    assert [q.timeliness_deduction(rule, n) for n in (0, 1, 4, 5, 6, 100)] == [0, 1, 4, 5, 5, 5]
    assert [q.is_late_over(rule, n) for n in (0, 5, 6, None)] == [False, False, True, None]
    inclusive = q.QualityScheme.from_dict({"timeliness": {"threshold_inclusive": True}}).timeliness
    assert [q.is_late_over(inclusive, n) for n in (4, 5, 6)] == [False, True, True]


def test_cycles() -> None:
    rule = q.DEFAULT.timeliness
    assert q.cycle_span(rule, "workdays_after_decision") == q.CycleSpan.MONTH
    assert q.cycle_span(rule, "quarterly") == q.CycleSpan.QUARTER
    assert q.cycle_of(q.CycleSpan.MONTH, 2020, 10) == ("2020-10", "2020年10月")
    assert q.cycle_of(q.CycleSpan.QUARTER, 2020, 10) == ("2020-Q4", "2020年第4季度")
    assert q.cycle_of(q.CycleSpan.YEAR, 2020, 10) == ("2020", "2020年")


def test_percent_text() -> None:
    assert q.pct_text(Fraction(1, 10)) == "0.1%"
    assert q.pct_text(Decimal(1)) == "1%"
    assert q.pct_text(Fraction(100, 3)) == "约33.3333%"
    assert q.pts(Decimal("0.50")) == "0.5" and q.pts(Decimal(7)) == "7"


# -- the scheme as data -----------------------------------------------------------------------------------


def test_scheme_round_trips_through_plain_data() -> None:
    data = q.DEFAULT.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert q.QualityScheme.from_dict(data) == q.DEFAULT
    assert data["source"] == "《2020年社会信用体系建设工作考核指标任务清单》三、1–3"
    assert data["validity"]["bands"] == [
        {"from_percent": "0.1", "deduction": "1"},
        {"from_percent": "0.5", "deduction": "2"},
    ]
    other = q.QualityScheme.from_dict({"code": "x-2021", "timeliness": {"reading": "category_cycle"}})
    assert other.timeliness.reading == q.TimelinessReading.PER_CATEGORY_CYCLE
    assert other.timeliness.alternative == q.TimelinessReading.PER_RECORD
    assert other.coverage == q.DEFAULT.coverage and other.validity == q.DEFAULT.validity


def test_interpretations_state_every_ambiguity() -> None:
    text = "\n".join(f"{i.title}：{i.text}" for i in q.DEFAULT.interpretations())
    for needle in (
        "报送到平台的时间",  # which year
        "恰好1%扣2分",  # the 1% edge
        "向上取整",  # partial percentage points
        "《民法典》第一千二百五十九条",  # "以上" and the 5-working-day edge
        "按记录计",  # both readings of "每一项"
        "按类别和归集周期计",
        "单独列出，不计入扣分",  # NULL late counts
        "全部未提供的扣7分",
    ):
        assert needle in text, needle
    floor = q.QualityScheme.from_dict(
        {"validity": {"partial": "floor"}, "timeliness": {"threshold_inclusive": True}}
    )
    text = "\n".join(i.text for i in floor.interpretations())
    assert "向下取整" in text and "迟报满5个工作日即扣分" in text


# -- figures from imports ---------------------------------------------------------------------------------


def _unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def _rows(unit: Unit, tag: str, decided: list[dt.date], *, bad: int = 0) -> list[dict[str, str]]:
    rows = [
        factories.penalty_row(
            number=f"澄利罚〔2020〕{tag}{i}号",
            authority=unit,
            name=f"江阴市利港测试{tag}{i}有限公司",
            uscc=factories.company_uscc(1000 + i),
            decided=day,
        )
        for i, day in enumerate(decided)
    ]
    rows += [
        factories.penalty_row(
            number=f"澄利罚〔2020〕{tag}X{i}号",
            authority=unit,
            name=f"江阴市利港缺项{tag}{i}有限公司",
            uscc=factories.company_uscc(5000 + i),
            decided=decided[0] if decided else dt.date(2020, 6, 1),
            fact="",  # 违法事实 is required: the row is rejected
        )
        for i in range(bad)
    ]
    return rows


def _import(
    tmp_path: Path, unit: Unit | None, rows: list[dict[str, str]], *, at: str, name: str
) -> ImportResult:
    folder = tmp_path / name
    folder.mkdir()
    return factories.import_penalties(
        folder, department=unit, actor=None, rows=rows, name=f"{name}.csv", submitted_at=_at(at)
    )


def _decided_late_by(days: int, submitted: dt.date) -> dt.date:
    """A decision date whose 7-working-day deadline falls `days` working days before `submitted`."""
    calendar = workdays.get_calendar()
    day = submitted
    for _ in range(400):
        day -= dt.timedelta(days=1)
        deadline = calendar.add_workdays(day, 7)
        if deadline < submitted and calendar.workdays_late(deadline, submitted) == days:
            return day
    raise AssertionError(days)


def test_missing_categories_cost_two_points_each(reference_data: Any, tmp_path: Path) -> None:
    zwfwzx = _unit("zwfwzx")  # must provide 行政许可、行政处罚、法人登记 (the bundled catalog)
    _import(
        tmp_path, zwfwzx, _rows(zwfwzx, "Z", [dt.date(2020, 11, 20)] * 3), at="2020-11-24T10:00", name="z"
    )
    d = q.department_quality(unit=zwfwzx, year=2020)
    assert {c.code for c in d.required} == {"admin_license", "admin_penalty", "legal_person"}
    assert [c.code for c in d.missing] == ["admin_license", "legal_person"]
    assert d.coverage.deduction == 4 and d.coverage.score == 3
    assert "缺 2 类（行政许可信息、法人及非法人组织登记基本信息）" in d.coverage.reason

    hbk = _unit("hbk")  # must provide 行政处罚 only, and sent nothing
    d = q.department_quality(unit=hbk, year=2020)
    assert d.coverage.deduction == 7 and "均未提供" in d.coverage.reason
    assert d.validity.deduction == 0 and "无从计算" in d.validity.reason
    assert d.timeliness.deduction == 0

    # The same department in a year it sent nothing; and a unit not required to provide anything.
    assert q.department_quality(unit=zwfwzx, year=2019).coverage.deduction == 7
    none = q.department_quality(unit=_unit("dzb-jjk"), year=2020)
    assert none.coverage.deduction == 0 and "没有要求本部门提供的类别" in none.coverage.reason


def test_only_rejected_rows_do_not_provide_a_category_but_a_corrected_one_does(
    reference_data: Any, tmp_path: Path
) -> None:
    hbk = _unit("hbk")
    _import(tmp_path, hbk, _rows(hbk, "H", [], bad=2), at="2020-11-24T10:00", name="h")
    d = q.department_quality(unit=hbk, year=2020)
    assert (d.rows, d.accepted, d.noncompliant) == (2, 0, 2)
    assert d.coverage.deduction == 7
    # A clerk corrects one row in the browser: the category is provided, the row stays non-compliant for 3.2.
    row = RejectedRow.objects.filter(batch__department=hbk).first()
    assert row is not None
    RejectedRow.objects.filter(pk=row.pk).update(status=RejectedRowStatus.CORRECTED)
    d = q.department_quality(unit=hbk, year=2020)
    assert d.coverage.deduction == 0
    assert d.categories[0].status == "已提供（更正后）" and d.categories[0].corrected == 1
    assert d.noncompliant == 2 and d.validity.deduction == 5


def test_rejected_rows_raise_the_rate(reference_data: Any, tmp_path: Path) -> None:
    hbk = _unit("hbk")
    # 199 good rows and 1 bad: 0.5% exactly, the lower edge of the −2 band.
    _import(
        tmp_path, hbk, _rows(hbk, "A", [dt.date(2020, 11, 20)] * 199, bad=1), at="2020-11-24T10:00", name="a"
    )
    d = q.department_quality(unit=hbk, year=2020)
    assert (d.rows, d.accepted, d.noncompliant) == (200, 199, 1)
    assert d.rate == Fraction(1, 200)
    assert d.validity.deduction == 2 and "0.5%（含）至1%（含）" in d.validity.reason
    # Another file with 2 bad rows of 3: 3/203 ≈ 1.48% → 2 + 1.
    _import(tmp_path, hbk, _rows(hbk, "B", [dt.date(2020, 11, 20)], bad=2), at="2020-11-25T10:00", name="b")
    d = q.department_quality(unit=hbk, year=2020)
    assert (d.rows, d.noncompliant) == (203, 3)
    assert d.validity.deduction == 3 and "扣 2+1=3 分" in d.validity.reason
    # Correcting held-back rows later does not make them compliant when received.
    RejectedRow.objects.update(status=RejectedRowStatus.CORRECTED)
    assert q.department_quality(unit=hbk, year=2020).noncompliant == 3


def test_late_records_over_and_under_five_working_days(reference_data: Any, tmp_path: Path) -> None:
    zhzfj = _unit("zhzfj")
    submitted = dt.date(2020, 11, 26)
    late_by = [0, 3, 5, 6, 10]
    decided = [_decided_late_by(n, submitted) if n else dt.date(2020, 11, 20) for n in late_by]
    _import(tmp_path, zhzfj, _rows(zhzfj, "L", decided), at="2020-11-26T10:00", name="late")
    stored = sorted(Record.objects.filter(source_unit=zhzfj).values_list("late_workdays", flat=True))
    assert stored == late_by  # the set-up is what the test says

    d = q.department_quality(unit=zhzfj, year=2020)
    penalty = next(c for c in d.categories if c.code == "admin_penalty")
    assert (penalty.late_over, penalty.late_within, penalty.late_at_threshold) == (2, 2, 1)
    # Default reading: each record more than 5 working days late is one item.
    assert d.timeliness.deduction == 2
    assert "迟报工作日数>5的共 2 条记录" in d.timeliness.reason
    # The other reading: each category and month of the deadline with such a record is one item.
    deadlines = Record.objects.filter(source_unit=zhzfj, late_workdays__gt=5).values_list(
        "deadline", flat=True
    )
    months = {(day.year, day.month) for day in deadlines}
    assert d.late_cycle_count == len(months)
    assert d.timeliness_alternative.deduction == len(months)
    assert [c.key for c in penalty.late_cycles] == sorted(f"{y:04d}-{m:02d}" for y, m in months)
    # Exactly 5 working days late is not "more than 5": shown, not deducted.
    assert any("恰好迟报 5 个工作日" in note for note in d.notes)
    # 3.1: 行政许可 is missing; 3.2: every row passed.
    assert d.coverage.deduction == 2 and d.validity.deduction == 0
    assert d.score == 17 - 2 - 2

    inclusive = q.QualityScheme.from_dict({"timeliness": {"threshold_inclusive": True}})
    assert q.department_quality(unit=zhzfj, year=2020, scheme=inclusive).timeliness.deduction == 3


def test_unknown_late_counts_are_reported_separately(reference_data: Any, tmp_path: Path) -> None:
    """The built-in calendar ends in 2026: a deadline or a lateness that needs 2031 cannot be counted."""
    hbk = _unit("hbk")
    decided = [dt.date(2030, 12, 20), dt.date(2026, 12, 1), dt.date(2026, 12, 2)]
    _import(tmp_path, hbk, _rows(hbk, "U", decided), at="2031-01-10T10:00", name="u")
    values = sorted(Record.objects.values_list("is_late", "late_workdays"), key=str)
    assert values == [(False, None), (True, None), (True, None)]

    d = q.department_quality(unit=hbk, year=2031)
    assert (d.late_unknown, d.deadline_unknown, d.late_over) == (2, 1, 0)
    assert d.timeliness.deduction == 0 and d.timeliness_alternative.deduction == 0
    assert any("2 条记录已超过报送期限" in n and "未计入3.3扣分" in n for n in d.notes)
    assert any("1 条记录因工作日历缺少相关年份无法计算报送期限" in n for n in d.notes)
    data = d.as_dict()["timeliness"]
    assert (data["late_unknown_workdays"], data["deadline_unknown"], data["late_records"]) == (2, 1, 0)


def test_year_is_the_year_of_submission(reference_data: Any, tmp_path: Path) -> None:
    hbk = _unit("hbk")
    late = _decided_late_by(8, dt.date(2021, 1, 6))  # decided in December 2020, sent in January 2021
    assert late.year == 2020
    _import(tmp_path, hbk, _rows(hbk, "Y", [late]), at="2021-01-06T09:00", name="y")
    assert q.department_quality(unit=hbk, year=2020).rows == 0
    d = q.department_quality(unit=hbk, year=2021)
    assert (d.rows, d.late_over, d.timeliness.deduction) == (1, 1, 1)
    # The year runs in Beijing time: 07:30 on 1 January in Jiangyin is still 2020 in UTC, but counts in 2021.
    _import(tmp_path, hbk, _rows(hbk, "N", [dt.date(2020, 12, 30)]), at="2021-01-01T07:30", name="n")
    assert q.department_quality(unit=hbk, year=2020).rows == 0
    assert q.department_quality(unit=hbk, year=2021).rows == 2


def test_overview_lists_departments_and_batches_without_one(
    reference_data: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    zhzfj, hbk = _unit("zhzfj"), _unit("hbk")
    _import(
        tmp_path,
        zhzfj,
        _rows(zhzfj, "O", [dt.date(2020, 11, 20)] * 2, bad=1),
        at="2020-11-24T10:00",
        name="o",
    )
    _import(tmp_path, hbk, _rows(hbk, "P", [dt.date(2020, 11, 20)]), at="2020-11-24T10:00", name="p")
    _import(
        tmp_path, None, _rows(zhzfj, "Q", [dt.date(2020, 11, 20)], bad=1), at="2020-11-24T10:00", name="q"
    )
    with django_assert_max_num_queries(6):
        overview = q.quality_overview(year=2020)
    codes = [d.unit_code for d in overview.departments]
    assert "zhzfj" in codes and "hbk" in codes
    assert "dzb-jjk" not in codes  # nothing required, nothing sent
    assert all(not d.is_idle for d in overview.departments)
    by_code = {d.unit_code: d for d in overview.departments}
    assert (by_code["zhzfj"].rows, by_code["zhzfj"].noncompliant) == (3, 1)  # the batch without one is apart
    assert (
        overview.unattributed.batches,
        overview.unattributed.rows,
        overview.unattributed.noncompliant,
    ) == (1, 2, 1)
    # A department's figures are the same alone or in the overview.
    alone = q.department_quality(unit=zhzfj, year=2020)
    assert alone.as_dict() == by_code["zhzfj"].as_dict()


def test_figures_take_a_fixed_number_of_queries(
    reference_data: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    for code in ("zhzfj", "hbk", "zwfwzx", "jsglbgs", "scjgzd"):
        unit = _unit(code)
        _import(tmp_path, unit, _rows(unit, code.upper(), [dt.date(2020, 9, 1)] * 2, bad=1), at="2020-11-24T10:00",
                name=code)  # fmt: skip
    with django_assert_max_num_queries(6):
        overview = q.quality_overview(year=2020)
    assert len([d for d in overview.departments if d.rows]) == 5
    hbk = _unit("hbk")
    with django_assert_max_num_queries(6):
        q.department_quality(unit=hbk, year=2020)


def test_category_in_force_decides_what_is_required(reference_data: Any, tmp_path: Path) -> None:
    # 法人登记 comes into force on 2020-01-01: not required of 经济发展科 in 2019.
    jjfzk = _unit("jjfzk")
    assert q.department_quality(unit=jjfzk, year=2019).coverage.deduction == 0
    assert q.department_quality(unit=jjfzk, year=2020).coverage.deduction == 7
    Category.objects.filter(code="legal_person").update(effective_to=dt.date(2020, 1, 1))
    assert q.department_quality(unit=jjfzk, year=2020).coverage.deduction == 0


# -- the command ------------------------------------------------------------------------------------------


def test_command_json(reference_data: Any, tmp_path: Path) -> None:
    zhzfj = _unit("zhzfj")
    decided = [_decided_late_by(7, dt.date(2020, 11, 26)), dt.date(2020, 11, 20)]
    _import(tmp_path, zhzfj, _rows(zhzfj, "J", decided, bad=1), at="2020-11-26T10:00", name="j")
    out = io.StringIO()
    call_command("quality", "--year", "2020", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["year"] == 2020 and data["scheme"]["points"] == 17
    assert data["scheme"]["source"] == q.SOURCE
    assert len(data["interpretations"]) >= 5
    dept = next(d for d in data["departments"] if d["code"] == "zhzfj")
    assert dept["coverage"]["required"] == ["admin_license", "admin_penalty"]
    assert dept["coverage"]["provided"] == ["admin_penalty"]
    assert dept["coverage"]["missing"] == ["admin_license"]
    assert (dept["coverage"]["deduction"], dept["coverage"]["score"]) == (2, 5)
    assert (dept["validity"]["rows"], dept["validity"]["noncompliant"]) == (3, 1)
    assert dept["validity"]["rate_percent"] == pytest.approx(33.333333)
    assert dept["validity"]["deduction"] == 5 and "超过1%" in dept["validity"]["reason"]
    assert dept["timeliness"]["late_records"] == 1 and dept["timeliness"]["deduction"] == 1
    assert dept["timeliness"]["alternative"]["reading"] == "category_cycle"
    assert dept["score"] == 17 - 2 - 5 - 1
    penalty = next(c for c in dept["categories"] if c["code"] == "admin_penalty")
    assert (penalty["rows"], penalty["accepted"], penalty["noncompliant"], penalty["late_over_threshold"]) == (
        3, 2, 1, 1,
    )  # fmt: skip
    assert penalty["late_cycles"][0]["records"] == 1

    out = io.StringIO()
    call_command("quality", "--year", "2020", "--department", "综合执法局", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert [d["code"] for d in data["departments"]] == ["zhzfj"]


def test_command_table_in_chinese(reference_data: Any, tmp_path: Path) -> None:
    hbk = _unit("hbk")
    _import(tmp_path, hbk, _rows(hbk, "T", [dt.date(2020, 11, 20)]), at="2020-11-24T10:00", name="t")
    out = io.StringIO()
    call_command("quality", "--year", "2020", "--department", "hbk", stdout=out)
    text = out.getvalue()
    assert "2020年 信用信息归集处理" in text and "环保科（hbk）" in text
    assert "3.1 信息覆盖率（7分）扣 0" in text and "3.2 信息规范性" in text and "3.3 信息时效性" in text
    assert "另一口径" in text and "口径说明" in text and "行政处罚信息" in text


def test_command_refuses_bad_arguments_in_chinese(reference_data: Any) -> None:
    with pytest.raises(CommandError, match="找不到单位“不存在的局”"):
        call_command("quality", "--year", "2020", "--department", "不存在的局", stdout=io.StringIO())
    with pytest.raises(CommandError, match="年度“20x0”不正确"):
        call_command("quality", "--year", "20x0", stdout=io.StringIO())
