"""Quality figures of credit-information collection (信用信息归集处理): assessment rules 3.1–3.3.

Source: 《2020年社会信用体系建设工作考核指标任务清单》三、1–3 (attachment 2 of the seed document):

- 3.1 信息覆盖率 (7): 少一项信息类别扣2分，扣完为止；《指标目录》中要求的信息类别均未提供的，扣7分。
- 3.2 信息规范性 (5): 数据不合格率 = 不符合要求的数据总数 / 本年度实际归集的数据总数 × 100%；0.1%以下不扣分；
  0.1%（含）—0.5% 扣1分；0.5%（含）—1% 扣2分；超过1%的，每多一个百分点加扣1分，扣完为止。
- 3.3 信息时效性 (5): 每一类信息未按要求及时提供的，在归集周期内每一项延迟5个工作日以上扣1分，扣完为止；
  该信息类别一年内未产生信息的，不扣分。

The module has two halves:

1. The rule as data (`QualityScheme`: points, band edges, per-item deductions, the working-day threshold and the
   readings chosen where the text is ambiguous) and pure functions over plain numbers. A scheme round-trips
   through `as_dict` / `from_dict`, so the assessment work can move it into a versioned scheme file unchanged.
2. Selectors that compute the figures from the database with a fixed number of aggregate queries, whatever the
   number of departments or records: no Python loop ever runs over records, only over aggregated rows
   (departments × categories × months). Rules 3.1 and 3.2 are about what departments sent, so they come from the
   batches' counts (rows, accepted, rejected: one row per file) and the held-back rows corrected later (a
   correction stores its record into the row's original batch without changing the batch's counts); rule 3.3
   comes from the late records, found in one scan of the year's records.

Every interpretation of the text is written down in `QualityScheme.interpretations()`, which the page and the CLI
show to users: nothing ambiguous is resolved silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractMonth, Substr, TruncMonth

from xinyong.catalog.models import Category, CycleKind
from xinyong.core.clock import LOCAL_TZ, year_bounds
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.intake.models import Batch, RejectedRow, RejectedRowStatus
from xinyong.org.models import Role, RoleGrant, Unit
from xinyong.org.selectors import roles_of, units_for_role
from xinyong.records.models import Record

SOURCE: Final = "《2020年社会信用体系建设工作考核指标任务清单》三、1–3"

# ---------------------------------------------------------------------------------------------------------
# The rule as data
# ---------------------------------------------------------------------------------------------------------


class TimelinessReading(StrEnum):
    """What "每一项" (each item) of rule 3.3 counts."""

    # Each record more than the threshold late is one item: the literal reading of "每一项".
    PER_RECORD = "record"
    # Each category and collection cycle with at least one record more than the threshold late is one item.
    PER_CATEGORY_CYCLE = "category_cycle"


READING_LABELS: Final = {
    TimelinessReading.PER_RECORD: "按记录计：每一条迟报超过阈值的记录为一项",
    TimelinessReading.PER_CATEGORY_CYCLE: "按类别和归集周期计：每一类别在一个归集周期内有迟报超过阈值的记录为一项",
}


class PartialPoint(StrEnum):
    """How a started percentage point above the last band of rule 3.2 counts."""

    CEIL = "ceil"  # a started percentage point counts whole: 1.2% → one extra point
    FLOOR = "floor"  # only whole extra percentage points count: 1.2% → none


class CycleSpan(StrEnum):
    """The length of one collection cycle (归集周期) for the per-category-and-cycle reading of rule 3.3."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class CoverageRule:
    """3.1 信息覆盖率."""

    points: Decimal = Decimal(7)
    per_missing: Decimal = Decimal(2)
    # Deducted when none of the required categories was provided, however few they are.
    all_missing: Decimal = Decimal(7)


@dataclass(frozen=True)
class Band:
    """A band of rule 3.2: from `from_percent` (inclusive) up to the next band's edge, deduct `deduction`."""

    from_percent: Decimal
    deduction: Decimal


@dataclass(frozen=True)
class ValidityRule:
    """3.2 信息规范性."""

    points: Decimal = Decimal(5)
    # Below the first edge nothing is deducted; each band runs from its edge (inclusive) to the next one.
    bands: tuple[Band, ...] = (Band(Decimal("0.1"), Decimal(1)), Band(Decimal("0.5"), Decimal(2)))
    # Strictly above this rate ("超过1%") the bands end and the per-point rule starts; at exactly this rate the
    # last band still applies (1% → −2).
    above_percent: Decimal = Decimal(1)
    above_base: Decimal = Decimal(2)
    per_extra_step: Decimal = Decimal(1)
    extra_step_percent: Decimal = Decimal(1)
    partial: PartialPoint = PartialPoint.CEIL


@dataclass(frozen=True)
class TimelinessRule:
    """3.3 信息时效性."""

    points: Decimal = Decimal(5)
    per_item: Decimal = Decimal(1)
    threshold_workdays: int = 5
    # "延迟5个工作日以上": False reads it as more than 5 (late_workdays > 5), True as 5 or more.
    threshold_inclusive: bool = False
    reading: TimelinessReading = TimelinessReading.PER_RECORD
    # For the other reading: the cycle of categories due within N working days of each decision (双公示).
    # Categories with a monthly / quarterly / yearly exchange cycle use their own cycle.
    decision_cycle: CycleSpan = CycleSpan.MONTH

    @property
    def alternative(self) -> TimelinessReading:
        return (
            TimelinessReading.PER_CATEGORY_CYCLE
            if self.reading == TimelinessReading.PER_RECORD
            else TimelinessReading.PER_RECORD
        )

    def threshold_text(self) -> str:
        op = "≥" if self.threshold_inclusive else ">"
        return f"迟报工作日数{op}{self.threshold_workdays}"


@dataclass(frozen=True)
class QualityScheme:
    """Parameters of rules 3.1–3.3 with their source. Plain data: `as_dict` / `from_dict` round-trip."""

    code: str = "jiangyin-2020"
    name: str = "2020年江阴市社会信用体系建设工作考核（信用信息归集处理）"
    source: str = SOURCE
    # Year a record or batch belongs to: the year (Beijing time) it reached the platform. The only basis
    # implemented; kept in the data so a scheme file states it.
    year_basis: str = "submitted_at"
    coverage: CoverageRule = field(default_factory=CoverageRule)
    validity: ValidityRule = field(default_factory=ValidityRule)
    timeliness: TimelinessRule = field(default_factory=TimelinessRule)

    @property
    def points(self) -> Decimal:
        return self.coverage.points + self.validity.points + self.timeliness.points

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, StrEnum):
                return str(value)
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return value

        result = plain(self)
        assert isinstance(result, dict)
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualityScheme:
        """A scheme from plain data (a scheme file); missing keys keep the 2020 values."""
        base = cls()
        cov = dict(data.get("coverage") or {})
        val = dict(data.get("validity") or {})
        tim = dict(data.get("timeliness") or {})
        coverage = CoverageRule(
            points=_dec(cov.get("points", base.coverage.points)),
            per_missing=_dec(cov.get("per_missing", base.coverage.per_missing)),
            all_missing=_dec(cov.get("all_missing", base.coverage.all_missing)),
        )
        bands = (
            tuple(Band(_dec(b["from_percent"]), _dec(b["deduction"])) for b in val["bands"])
            if "bands" in val
            else base.validity.bands
        )
        validity = ValidityRule(
            points=_dec(val.get("points", base.validity.points)),
            bands=tuple(sorted(bands, key=lambda b: b.from_percent)),
            above_percent=_dec(val.get("above_percent", base.validity.above_percent)),
            above_base=_dec(val.get("above_base", base.validity.above_base)),
            per_extra_step=_dec(val.get("per_extra_step", base.validity.per_extra_step)),
            extra_step_percent=_dec(val.get("extra_step_percent", base.validity.extra_step_percent)),
            partial=PartialPoint(val.get("partial", base.validity.partial)),
        )
        timeliness = TimelinessRule(
            points=_dec(tim.get("points", base.timeliness.points)),
            per_item=_dec(tim.get("per_item", base.timeliness.per_item)),
            threshold_workdays=int(tim.get("threshold_workdays", base.timeliness.threshold_workdays)),
            threshold_inclusive=bool(tim.get("threshold_inclusive", base.timeliness.threshold_inclusive)),
            reading=TimelinessReading(tim.get("reading", base.timeliness.reading)),
            decision_cycle=CycleSpan(tim.get("decision_cycle", base.timeliness.decision_cycle)),
        )
        if validity.extra_step_percent <= 0:
            raise ValueError("extra_step_percent must be positive")
        return cls(
            code=str(data.get("code", base.code)),
            name=str(data.get("name", base.name)),
            source=str(data.get("source", base.source)),
            year_basis=str(data.get("year_basis", base.year_basis)),
            coverage=coverage,
            validity=validity,
            timeliness=timeliness,
        )

    def interpretations(self) -> list[Interpretation]:
        """How this scheme reads the text, in Chinese, for the page and the CLI."""
        cov, val, tim = self.coverage, self.validity, self.timeliness
        above = pct_text(val.above_percent)
        band_lines = []
        edges = [*val.bands]
        if edges:
            band_lines.append(f"低于{pct_text(edges[0].from_percent)}不扣分")
        for i, band in enumerate(edges):
            upper = edges[i + 1].from_percent if i + 1 < len(edges) else val.above_percent
            closing = "（含）" if i + 1 == len(edges) else "（不含）"
            band_lines.append(
                f"{pct_text(band.from_percent)}（含）至{pct_text(upper)}{closing}扣{pts(band.deduction)}分"
            )
        step = pct_points_text(val.extra_step_percent)
        if val.partial == PartialPoint.CEIL:
            partial = (
                f"不足{step}的部分也按{step}计（向上取整），例如 {above}以上至"
                f"{pct_text(val.above_percent + val.extra_step_percent)}（含）扣"
                f"{pts(val.above_base + val.per_extra_step)}分"
            )
        else:
            partial = (
                f"只计满{step}的部分（向下取整），例如 {above}以上至"
                f"{pct_text(val.above_percent + val.extra_step_percent)}（不含）仍扣{pts(val.above_base)}分"
            )
        threshold = tim.threshold_workdays
        if tim.threshold_inclusive:
            late_text = (
                f"“延迟{threshold}个工作日以上”按《民法典》第一千二百五十九条“以上”包括本数的读法，"
                f"迟报满{threshold}个工作日即扣分。"
            )
        else:
            late_text = (
                f"“延迟{threshold}个工作日以上”按超过{threshold}个工作日计（迟报第{threshold + 1}个工作日起扣分）；"
                f"恰好迟报{threshold}个工作日的记录不扣分，但单独列出。按《民法典》第一千二百五十九条“以上”"
                "包括本数的读法，恰好迟报的也应扣分：这是方案的一个参数，可以改为包括本数。"
            )
        cycle_name = {CycleSpan.MONTH: "月份", CycleSpan.QUARTER: "季度", CycleSpan.YEAR: "年度"}[
            tim.decision_cycle
        ]
        return [
            Interpretation(
                "统计年度",
                "按报送到平台的时间（北京时间）所在年度归属，而不是按决定日期：登记类信息没有决定日期，考核的"
                "也是当年向平台归集的情况。3.1、3.2按报送批次的报送时间；3.3按记录首次报送的时间（之后的修订"
                "不改变一条记录的时效）。因此12月作出、次年1月报送的决定计入次年。",
            ),
            Interpretation(
                "部门归属",
                "按报送批次所选的报送部门（即记录的数据来源单位）归属；下级科室的数据不并入上级单位。"
                "未指定报送部门的批次单列为“未归属部门”，不计入任何部门的指标。列出的部门为当年有应报送类别"
                "或有报送数据的部门。",
            ),
            Interpretation(
                f"3.1 信息覆盖率（{pts(cov.points)}分）",
                "应报送类别：信息目录中当年任何一天有效（在用，生效日期不晚于年末，失效日期晚于年初）的类别"
                "版本，其“提供部门”包含本部门。已提供：当年本部门报送的该类别批次中至少有1行通过校验（新增、"
                "修订或与已有记录相同均算，之后被撤销的也算），或收到时未通过、之后在网页上更正通过；只有"
                "未通过校验（且未更正）的行不算已提供。"
                f"每缺1类扣{pts(cov.per_missing)}分，最多扣{pts(cov.points)}分；应报送类别全部未提供的扣"
                f"{pts(cov.all_missing)}分（即使只有一两类）；没有应报送类别的部门不扣分。",
            ),
            Interpretation(
                f"3.2 信息规范性（{pts(val.points)}分）",
                "不合格率 = 收到时未通过校验的行数 ÷ 当年本部门全部报送批次收到的数据行数（通过＋未通过，"
                "同一条数据多次报送按多次计，不区分类别）。收到时未通过校验的行，之后更正或被新文件替换的，"
                "仍计为不合格。"
                + "；".join(band_lines)
                + f"（恰好{above}扣{pts(val.above_base)}分）；超过{above}的，超出部分每{step}加扣"
                f"{pts(val.per_extra_step)}分，{partial}；最多扣{pts(val.points)}分。"
                "当年没有收到数据的部门不合格率无从计算，不扣分（缺报在3.1中扣分）。比较按行数精确计算，"
                "页面上的百分比只是显示值。",
            ),
            Interpretation(
                f"3.3 信息时效性（{pts(tim.points)}分）：迟报",
                "迟报工作日数按法定工作日历（含调休）从报送期限次日起计算，在导入时记在每条记录上，以记录首次"
                "报送为准。"
                + late_text
                + "目前平台只为“决定之日起若干个工作日内”报送的类别（如双公示，7个工作日）计算报送期限；按月、"
                "按季等周期交换的类别还没有报送期限，不会出现迟报。当年没有信息的类别不扣分。",
            ),
            Interpretation(
                "3.3 “每一项”的两种读法",
                f"默认口径（{READING_LABELS[tim.reading]}）：每一项扣{pts(tim.per_item)}分，最多扣"
                f"{pts(tim.points)}分，计入得分。另一口径（{READING_LABELS[tim.alternative]}）的结果同时列出，"
                "仅供参考。归集周期：“决定之日起若干个工作日内”报送的类别以报送期限所在"
                f"{cycle_name}为一个周期，按月、按季、按年交换的类别以各自的月、季、年为一个周期。",
            ),
            Interpretation(
                "3.3 无法判定的记录",
                "迟报工作日数未知（已超过报送期限，但工作日历缺少相关年份）的记录、报送期限无法计算的记录单独"
                "列出，不计入扣分；录入相应年度的节假日安排并重新计算后才能判定。",
            ),
        ]


@dataclass(frozen=True)
class Interpretation:
    title: str
    text: str


DEFAULT: Final = QualityScheme()


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# ---------------------------------------------------------------------------------------------------------
# Pure rules
# ---------------------------------------------------------------------------------------------------------


def pts(value: Decimal | int) -> str:
    """Points as people write them: 2, 0.5."""
    number = Decimal(value)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def pct_text(percent: Decimal | Fraction) -> str:
    """A percentage for display: exact when it is short, otherwise 4 decimals with 约."""
    value = Fraction(percent)
    shown = Decimal(value.numerator) / Decimal(value.denominator)
    rounded = shown.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if Fraction(rounded) == value:
        text = format(rounded.normalize(), "f")
        return f"{text}%"
    return f"约{format(rounded, 'f')}%"


def pct_points_text(percent: Decimal) -> str:
    return f"{pts(percent)}个百分点"


def coverage_deduction(rule: CoverageRule, *, required: int, missing: int) -> Decimal:
    """3.1: per missing category, floored at the indicator; all required categories missing → `all_missing`."""
    if required <= 0 or missing <= 0:
        return Decimal(0)
    if missing >= required:
        return min(rule.all_missing, rule.points)
    return min(rule.per_missing * missing, rule.points)


def noncompliance_rate(noncompliant: int, rows: int) -> Fraction | None:
    """Non-compliant rows / rows collected, exact; None when nothing was collected."""
    if rows <= 0:
        return None
    return Fraction(noncompliant, rows)


def validity_deduction(rule: ValidityRule, rate: Fraction | None) -> Decimal:
    """3.2 from the exact rate (a fraction of 1, not a percentage); no rows → nothing to deduct."""
    if rate is None:
        return Decimal(0)
    percent = rate * 100
    above = Fraction(rule.above_percent)
    if percent > above:
        extra = (percent - above) / Fraction(rule.extra_step_percent)
        steps = math.ceil(extra) if rule.partial == PartialPoint.CEIL else math.floor(extra)
        deduction = rule.above_base + rule.per_extra_step * steps
    else:
        deduction = Decimal(0)
        for band in rule.bands:
            if percent >= Fraction(band.from_percent):
                deduction = band.deduction
    return min(deduction, rule.points)


def validity_reason(rule: ValidityRule, *, noncompliant: int, rows: int) -> str:
    rate = noncompliance_rate(noncompliant, rows)
    if rate is None:
        return "当年未收到数据，不合格率无从计算，不扣分。"
    deduction = validity_deduction(rule, rate)
    percent = rate * 100
    head = f"收到 {rows} 行，未通过校验 {noncompliant} 行，不合格率 {pct_text(percent)}"
    above = Fraction(rule.above_percent)
    if percent > above:
        extra = (percent - above) / Fraction(rule.extra_step_percent)
        steps = math.ceil(extra) if rule.partial == PartialPoint.CEIL else math.floor(extra)
        how = "不足的部分按整计" if rule.partial == PartialPoint.CEIL else "只计满的部分"
        raw = rule.above_base + rule.per_extra_step * steps
        text = (
            f"{head}，超过{pct_text(rule.above_percent)}，超出 {pct_text(percent - above)[:-1]} 个百分点，"
            f"按每{pct_points_text(rule.extra_step_percent)}计（{how}）为 {steps} 个，"
            f"扣 {pts(rule.above_base)}+{pts(rule.per_extra_step * steps)}={pts(raw)} 分"
        )
        if raw > deduction:
            text += f"，以本项{pts(rule.points)}分为限，扣 {pts(deduction)} 分"
        return text + "。"
    band = None
    for candidate in rule.bands:
        if percent >= Fraction(candidate.from_percent):
            band = candidate
    if band is None:
        first = rule.bands[0].from_percent if rule.bands else rule.above_percent
        return f"{head}，低于{pct_text(first)}，不扣分。"
    index = rule.bands.index(band)
    upper = rule.bands[index + 1].from_percent if index + 1 < len(rule.bands) else rule.above_percent
    closing = "（含）" if index + 1 == len(rule.bands) else "（不含）"
    return f"{head}，在{pct_text(band.from_percent)}（含）至{pct_text(upper)}{closing}之间，扣 {pts(deduction)} 分。"


def timeliness_deduction(rule: TimelinessRule, items: int) -> Decimal:
    """3.3: per item, floored at the indicator."""
    return min(rule.per_item * max(items, 0), rule.points)


def is_late_over(rule: TimelinessRule, late_workdays: int | None) -> bool | None:
    """Whether a record counts as an item of 3.3; None when its lateness is unknown."""
    if late_workdays is None:
        return None
    if rule.threshold_inclusive:
        return late_workdays >= rule.threshold_workdays
    return late_workdays > rule.threshold_workdays


def cycle_span(rule: TimelinessRule, cycle_kind: str) -> CycleSpan:
    """The collection cycle of a category for the per-category-and-cycle reading."""
    if cycle_kind == CycleKind.MONTHLY:
        return CycleSpan.MONTH
    if cycle_kind == CycleKind.QUARTERLY:
        return CycleSpan.QUARTER
    if cycle_kind == CycleKind.YEARLY:
        return CycleSpan.YEAR
    if cycle_kind == CycleKind.WORKDAYS_AFTER_DECISION:
        return rule.decision_cycle
    return CycleSpan.YEAR


def cycle_of(span: CycleSpan, year: int, month: int) -> tuple[str, str]:
    """(key, Chinese label) of the cycle a deadline in year-month falls in."""
    if span == CycleSpan.MONTH:
        return f"{year:04d}-{month:02d}", f"{year}年{month}月"
    if span == CycleSpan.QUARTER:
        quarter = (month - 1) // 3 + 1
        return f"{year:04d}-Q{quarter}", f"{year}年第{quarter}季度"
    return f"{year:04d}", f"{year}年"


# Lateness of a record whose late_workdays is NULL: late by an unknown count, or its deadline is unknown.
LATE_UNKNOWN: Final = -1
DEADLINE_UNKNOWN: Final = -2


# ---------------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LateCycle:
    key: str
    label: str
    records: int


@dataclass
class CategoryQuality:
    code: str
    name: str
    cycle_kind: str
    required: bool
    cycle_workdays: int | None = None
    # Rows received in the department's batches of this category in the year: accepted and rejected on receipt.
    batches: int = 0
    rows: int = 0
    accepted: int = 0
    noncompliant: int = 0
    # Rejected on receipt, then corrected in the browser and accepted (still non-compliant for 3.2).
    corrected: int = 0
    # Records late by more than the threshold (the items of 3.3 when counted per record).
    late_over: int = 0
    # Late, but not beyond the threshold: shown, never deducted.
    late_within: int = 0
    # Late by exactly the threshold (part of late_within unless the threshold is inclusive): shown.
    late_at_threshold: int = 0
    # late_workdays NULL: late by an unknown count (is_late) or the deadline could not be computed (not is_late).
    late_unknown: int = 0
    deadline_unknown: int = 0
    late_cycles: list[LateCycle] = field(default_factory=list)

    @property
    def provided(self) -> bool:
        return self.accepted > 0 or self.corrected > 0

    @property
    def has_deadlines(self) -> bool:
        return self.cycle_kind == CycleKind.WORKDAYS_AFTER_DECISION

    @property
    def cycle_label(self) -> str:
        if self.cycle_kind == CycleKind.WORKDAYS_AFTER_DECISION and self.cycle_workdays:
            return f"决定之日起{self.cycle_workdays}个工作日内"
        try:
            return str(CycleKind(self.cycle_kind).label)
        except ValueError:
            return self.cycle_kind

    @property
    def rate(self) -> Fraction | None:
        return noncompliance_rate(self.noncompliant, self.rows)

    @property
    def rate_text(self) -> str:
        rate = self.rate
        return "—" if rate is None else pct_text(rate * 100)

    @property
    def status(self) -> str:
        if self.required:
            if not self.provided:
                return "缺报"
            return "已提供" if self.accepted else "已提供（更正后）"
        return "非应报送类别"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "cycle": self.cycle_kind,
            "required": self.required,
            "provided": self.provided,
            "batches": self.batches,
            "rows": self.rows,
            "accepted": self.accepted,
            "noncompliant": self.noncompliant,
            "corrected": self.corrected,
            "rate_percent": _rate_number(self.rate),
            "late_over_threshold": self.late_over,
            "late_within_threshold": self.late_within,
            "late_at_threshold": self.late_at_threshold,
            "late_unknown_workdays": self.late_unknown,
            "deadline_unknown": self.deadline_unknown,
            "late_cycles": [
                {"cycle": c.key, "label": c.label, "records": c.records} for c in self.late_cycles
            ],
        }


class _Scored:
    """Points, deduction and score as the pages print them; `points` and `deduction` come from the subclass."""

    if TYPE_CHECKING:

        @property
        def points(self) -> Decimal: ...

        @property
        def deduction(self) -> Decimal: ...

    @property
    def score(self) -> Decimal:
        return self.points - self.deduction

    @property
    def points_text(self) -> str:
        return pts(self.points)

    @property
    def deduction_text(self) -> str:
        return pts(self.deduction)

    @property
    def score_text(self) -> str:
        return pts(self.score)


@dataclass(frozen=True)
class IndicatorResult(_Scored):
    number: str
    name: str
    points: Decimal
    deduction: Decimal
    reason: str


    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.number,
            "name": self.name,
            "points": _num(self.points),
            "deduction": _num(self.deduction),
            "score": _num(self.score),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class MonthFigure:
    month: int
    rows: int
    noncompliant: int


@dataclass
class DepartmentQuality(_Scored):
    unit_id: int
    unit_code: str
    unit_name: str
    year: int
    scheme: QualityScheme
    categories: list[CategoryQuality]
    months: list[MonthFigure]
    coverage: IndicatorResult
    validity: IndicatorResult
    timeliness: IndicatorResult
    # The same rule under the other reading of "每一项", shown for reference.
    timeliness_alternative: IndicatorResult
    notes: list[str] = field(default_factory=list)

    @property
    def required(self) -> list[CategoryQuality]:
        return [c for c in self.categories if c.required]

    @property
    def missing(self) -> list[CategoryQuality]:
        return [c for c in self.categories if c.required and not c.provided]

    @property
    def provided_required(self) -> list[CategoryQuality]:
        return [c for c in self.categories if c.required and c.provided]

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.categories)

    @property
    def noncompliant(self) -> int:
        return sum(c.noncompliant for c in self.categories)

    @property
    def accepted(self) -> int:
        return sum(c.accepted for c in self.categories)

    @property
    def rate(self) -> Fraction | None:
        return noncompliance_rate(self.noncompliant, self.rows)

    @property
    def rate_text(self) -> str:
        rate = self.rate
        return "—" if rate is None else pct_text(rate * 100)

    @property
    def late_over(self) -> int:
        return sum(c.late_over for c in self.categories)

    @property
    def late_within(self) -> int:
        return sum(c.late_within for c in self.categories)

    @property
    def late_at_threshold(self) -> int:
        return sum(c.late_at_threshold for c in self.categories)

    @property
    def late_cycle_count(self) -> int:
        return sum(len(c.late_cycles) for c in self.categories)

    @property
    def late_unknown(self) -> int:
        return sum(c.late_unknown for c in self.categories)

    @property
    def deadline_unknown(self) -> int:
        return sum(c.deadline_unknown for c in self.categories)

    @property
    def indicators(self) -> list[IndicatorResult]:
        return [self.coverage, self.validity, self.timeliness]

    @property
    def points(self) -> Decimal:
        return sum((i.points for i in self.indicators), Decimal(0))

    @property
    def deduction(self) -> Decimal:
        return sum((i.deduction for i in self.indicators), Decimal(0))


    @property
    def is_idle(self) -> bool:
        """Nothing required and nothing received: no figure to show."""
        return not self.required and self.rows == 0 and self.late_over + self.late_within == 0

    def as_dict(self) -> dict[str, Any]:
        tim = self.scheme.timeliness
        return {
            "code": self.unit_code,
            "name": self.unit_name,
            "year": self.year,
            "points": _num(self.points),
            "deduction": _num(self.deduction),
            "score": _num(self.score),
            "coverage": {
                **self.coverage.as_dict(),
                "required": [c.code for c in self.required],
                "provided": [c.code for c in self.provided_required],
                "missing": [c.code for c in self.missing],
            },
            "validity": {
                **self.validity.as_dict(),
                "rows": self.rows,
                "noncompliant": self.noncompliant,
                "rate_percent": _rate_number(self.rate),
            },
            "timeliness": {
                **self.timeliness.as_dict(),
                "reading": str(tim.reading),
                "threshold_workdays": tim.threshold_workdays,
                "threshold_inclusive": tim.threshold_inclusive,
                "late_records": self.late_over,
                "late_category_cycles": self.late_cycle_count,
                "late_within_threshold": self.late_within,
                "late_at_threshold": self.late_at_threshold,
                "late_unknown_workdays": self.late_unknown,
                "deadline_unknown": self.deadline_unknown,
                "alternative": {**self.timeliness_alternative.as_dict(), "reading": str(tim.alternative)},
            },
            "categories": [c.as_dict() for c in self.categories],
            "months": [
                {"month": m.month, "rows": m.rows, "noncompliant": m.noncompliant} for m in self.months
            ],
            "notes": self.notes,
        }


@dataclass
class Unattributed:
    """Batches sent without a department: shown, counted in no department's figures."""

    batches: int = 0
    rows: int = 0
    accepted: int = 0
    noncompliant: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclass
class QualityOverview:
    year: int
    scheme: QualityScheme
    departments: list[DepartmentQuality]
    unattributed: Unattributed
    # False when the list is limited to the units of the user who asked.
    all_departments: bool = True

    @property
    def interpretations(self) -> list[Interpretation]:
        return self.scheme.interpretations()

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "scheme": {**self.scheme.as_dict(), "points": _num(self.scheme.points)},
            "interpretations": [{"title": i.title, "text": i.text} for i in self.interpretations],
            "departments": [d.as_dict() for d in self.departments],
            "unattributed": self.unattributed.as_dict(),
        }


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _rate_number(rate: Fraction | None) -> float | None:
    return None if rate is None else round(float(rate * 100), 6)


# ---------------------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CatalogYear:
    names: dict[str, str]
    cycles: dict[str, tuple[str, int | None]]
    required: dict[int, set[str]]
    codes: dict[int, str]


def _catalog_year(year: int) -> _CatalogYear:
    """Category names, cycles and who must provide what in the year, from one query (the catalog is small)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    names: dict[str, str] = {}
    cycles: dict[str, tuple[str, int | None]] = {}
    in_force_seen: set[str] = set()
    required: dict[int, set[str]] = {}
    codes: dict[int, str] = {}
    rows = Category.objects.values_list(
        "id",
        "code",
        "version",
        "name",
        "cycle_kind",
        "cycle_workdays",
        "effective_from",
        "effective_to",
        "is_active",
        "owner_units__id",
    ).order_by("code", "-version")
    for pk, code, _version, name, cycle, workdays, start, end, active, owner in rows:
        codes[pk] = code
        in_force = active and start <= last and (end is None or end > first)
        # Name and cycle: the newest version in force in the year, else the newest version at all.
        if code not in names or (in_force and code not in in_force_seen):
            names[code], cycles[code] = name, (cycle, workdays)
        if in_force:
            in_force_seen.add(code)
            if owner is not None:
                required.setdefault(owner, set()).add(code)
    return _CatalogYear(names=names, cycles=cycles, required=required, codes=codes)


def quality_overview(
    *, year: int, units: Iterable[Unit | int] | None = None, scheme: QualityScheme = DEFAULT
) -> QualityOverview:
    """Rules 3.1–3.3 for every department (or the given units) in one pass of set-based queries.

    Without `units`, the departments listed are those with a required category in the year or with data in it;
    with `units`, every given unit is listed. Six queries, whatever the number of units or records.
    """
    unit_ids = None if units is None else {u.pk if isinstance(u, Unit) else int(u) for u in units}
    start, end = year_bounds(year)
    tim = scheme.timeliness
    catalog = _catalog_year(year)

    batches = Batch.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    # Records first submitted in the year that were late or whose lateness is unknown (late_workdays NULL).
    late = Record.objects.filter(
        Q(late_workdays__gt=0) | Q(late_workdays__isnull=True), submitted_at__gte=start, submitted_at__lt=end
    )
    # The records' keys are `column + 0` rather than the bare columns: given a bare column, SQLite walks an index
    # ((source_unit, category_code, decision_date) or the one on category) to filter or group in its order, and
    # then looks up every record of the unit in the table, several times slower than one plain scan of the table
    # (about 0.3 s per million records on a 2-core machine) that sorts only the late ones. PostgreSQL scans either
    # way.
    late = late.annotate(
        unit_key=ExpressionWrapper(F("source_unit_id") + 0, output_field=IntegerField()),
        category_key=ExpressionWrapper(F("category_id") + 0, output_field=IntegerField()),
    )
    if unit_ids is not None:
        batches = batches.filter(department_id__in=unit_ids)
        late = late.filter(unit_key__in=unit_ids)

    corrected_rows = (
        RejectedRow.objects.filter(
            status=RejectedRowStatus.CORRECTED, batch__submitted_at__gte=start, batch__submitted_at__lt=end
        )
        .filter(**({} if unit_ids is None else {"batch__department_id__in": unit_ids}))
        .values("batch__department_id", "batch__category__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    batch_rows = (
        batches.values("department_id", "category__code")
        .annotate(n=Count("id"), rows=Sum("rows"), accepted=Sum("accepted"), rejected=Sum("rejected"))
        .order_by()
    )
    month_rows = (
        batches.filter(department_id__isnull=False)
        .values("department_id", month=ExtractMonth("submitted_at", tzinfo=LOCAL_TZ))
        .annotate(rows=Sum("rows"), rejected=Sum("rejected"))
        .order_by()
    )
    # Late records counted per unit, category version, working days late (LATE_UNKNOWN / DEADLINE_UNKNOWN when
    # NULL) and the month their deadline fell in. The rule (threshold, cycles) is then applied in Python to these
    # few aggregated rows, by the pure functions above.
    lateness = Case(
        When(late_workdays__isnull=False, then=F("late_workdays")),
        When(is_late=True, then=Value(LATE_UNKNOWN)),
        default=Value(DEADLINE_UNKNOWN),
        output_field=IntegerField(),
    )
    late_rows = (
        late.values("unit_key", "category_key", lateness=lateness, deadline_month=_deadline_month())
        .annotate(n=Count("*"))
        .order_by()
    )

    cats: dict[int, dict[str, CategoryQuality]] = {}
    unattributed = Unattributed()

    def cat(unit_id: int, code: str) -> CategoryQuality:
        per_unit = cats.setdefault(unit_id, {})
        if code not in per_unit:
            per_unit[code] = CategoryQuality(
                code=code,
                name=catalog.names.get(code, code),
                cycle_kind=catalog.cycles.get(code, (CycleKind.NONE, None))[0],
                cycle_workdays=catalog.cycles.get(code, (CycleKind.NONE, None))[1],
                required=code in catalog.required.get(unit_id, set()),
            )
        return per_unit[code]

    for row in batch_rows:
        if row["department_id"] is None:
            unattributed.batches += row["n"]
            unattributed.rows += row["rows"] or 0
            unattributed.accepted += row["accepted"] or 0
            unattributed.noncompliant += row["rejected"] or 0
            continue
        c = cat(row["department_id"], row["category__code"])
        c.batches = row["n"]
        c.rows = row["rows"] or 0
        c.accepted = row["accepted"] or 0
        c.noncompliant = row["rejected"] or 0
    for row in corrected_rows:
        if row["batch__department_id"] is not None:
            cat(row["batch__department_id"], row["batch__category__code"]).corrected = row["n"]
    cycle_counts: dict[tuple[int, str, str], list[Any]] = {}
    for row in late_rows:
        unit_id, n, days = row["unit_key"], row["n"], row["lateness"]
        if unit_id is None:
            continue  # in no department's figures; its batch is counted under 未归属部门
        code = catalog.codes.get(row["category_key"], "")
        c = cat(unit_id, code)
        if days == LATE_UNKNOWN:
            c.late_unknown += n
        elif days == DEADLINE_UNKNOWN:
            c.deadline_unknown += n
        else:
            c.late_at_threshold += n if days == tim.threshold_workdays else 0
            if not is_late_over(tim, days):
                c.late_within += n
                continue
            c.late_over += n
            month = _year_month(row["deadline_month"])
            if month is not None:
                key, label = cycle_of(cycle_span(tim, c.cycle_kind), *month)
                slot = cycle_counts.setdefault((unit_id, code, key), [label, 0])
                slot[1] += n
    for (unit_id, code, key), (label, n) in sorted(cycle_counts.items()):
        cat(unit_id, code).late_cycles.append(LateCycle(key=key, label=label, records=n))
    months: dict[int, dict[int, MonthFigure]] = {}
    for row in month_rows:
        months.setdefault(row["department_id"], {})[row["month"]] = MonthFigure(
            row["month"], row["rows"] or 0, row["rejected"] or 0
        )

    wanted = set(cats) | set(catalog.required) if unit_ids is None else unit_ids
    unit_list = list(Unit.objects.filter(id__in=wanted).order_by("sort_order", "code"))
    departments: list[DepartmentQuality] = []
    for unit in unit_list:
        for code in catalog.required.get(unit.pk, set()):
            cat(unit.pk, code)
        categories = sorted(cats.get(unit.pk, {}).values(), key=lambda c: (not c.required, c.code))
        per_month = months.get(unit.pk, {})
        department = _department(
            unit=unit,
            year=year,
            scheme=scheme,
            categories=categories,
            months=[per_month.get(m, MonthFigure(m, 0, 0)) for m in range(1, 13)],
        )
        if unit_ids is None and department.is_idle:
            continue
        departments.append(department)
    return QualityOverview(year=year, scheme=scheme, departments=departments, unattributed=unattributed)


def _deadline_month() -> Any:
    """The month of a record's deadline, computed by the database itself.

    SQLite keeps dates as ISO text and Django's date functions there are Python callbacks (several seconds per
    million late records); its own SUBSTR gives "YYYY-MM" at C speed. Elsewhere the database truncates natively.
    """
    if connection.vendor == "sqlite":
        return Substr(Cast("deadline", CharField()), 1, 7)
    return TruncMonth("deadline")


def _year_month(value: Any) -> tuple[int, int] | None:
    """(year, month) from either shape of `_deadline_month`."""
    if value is None:
        return None
    if isinstance(value, str):
        return int(value[:4]), int(value[5:7])
    return value.year, value.month


def department_quality(*, unit: Unit, year: int, scheme: QualityScheme = DEFAULT) -> DepartmentQuality:
    """Rules 3.1–3.3 for one department and year."""
    return quality_overview(year=year, units=[unit], scheme=scheme).departments[0]


def _department(
    *,
    unit: Unit,
    year: int,
    scheme: QualityScheme,
    categories: list[CategoryQuality],
    months: list[MonthFigure],
) -> DepartmentQuality:
    cov, val, tim = scheme.coverage, scheme.validity, scheme.timeliness
    required = [c for c in categories if c.required]
    missing = [c for c in required if not c.provided]

    # 3.1
    cov_deduction = coverage_deduction(cov, required=len(required), missing=len(missing))
    if not required:
        cov_reason = f"{year}年信息目录中没有要求本部门提供的类别，不扣分。"
    else:
        names = "、".join(c.name for c in missing)
        cov_reason = f"应提供 {len(required)} 类，已提供 {len(required) - len(missing)} 类"
        if not missing:
            cov_reason += "，不扣分。"
        elif len(missing) == len(required):
            cov_reason += f"；应提供的类别均未提供（{names}），扣 {pts(cov_deduction)} 分。"
        else:
            raw = cov.per_missing * len(missing)
            cov_reason += (
                f"，缺 {len(missing)} 类（{names}），每类扣 {pts(cov.per_missing)} 分，共 {pts(raw)} 分"
            )
            cov_reason += (
                f"，以本项{pts(cov.points)}分为限，扣 {pts(cov_deduction)} 分。"
                if raw > cov_deduction
                else "。"
            )
    coverage = IndicatorResult("3.1", "信息覆盖率", cov.points, cov_deduction, cov_reason)

    # 3.2
    rows = sum(c.rows for c in categories)
    noncompliant = sum(c.noncompliant for c in categories)
    validity = IndicatorResult(
        "3.2",
        "信息规范性",
        val.points,
        validity_deduction(val, noncompliance_rate(noncompliant, rows)),
        validity_reason(val, noncompliant=noncompliant, rows=rows),
    )

    # 3.3, both readings
    counts = {
        TimelinessReading.PER_RECORD: sum(c.late_over for c in categories),
        TimelinessReading.PER_CATEGORY_CYCLE: sum(len(c.late_cycles) for c in categories),
    }
    timeliness = _timeliness_result(tim, tim.reading, counts[tim.reading], categories)
    alternative = _timeliness_result(tim, tim.alternative, counts[tim.alternative], categories)

    notes: list[str] = []
    late_unknown = sum(c.late_unknown for c in categories)
    deadline_unknown = sum(c.deadline_unknown for c in categories)
    at_threshold = sum(c.late_at_threshold for c in categories)
    if late_unknown:
        notes.append(
            f"有 {late_unknown} 条记录已超过报送期限，但工作日历缺少相关年份，迟报工作日数无法计算：未计入3.3扣分，"
            "录入该年度节假日安排并重新计算后才能判定。"
        )
    if deadline_unknown:
        notes.append(
            f"有 {deadline_unknown} 条记录因工作日历缺少相关年份无法计算报送期限：是否迟报未知，未计入3.3扣分。"
        )
    if at_threshold and not tim.threshold_inclusive:
        notes.append(
            f"有 {at_threshold} 条记录恰好迟报 {tim.threshold_workdays} 个工作日：按本方案（超过"
            f"{tim.threshold_workdays}个工作日才扣分）不扣分；若按“以上”含本数的读法，应计入扣分。"
        )
    return DepartmentQuality(
        unit_id=unit.pk,
        unit_code=unit.code,
        unit_name=unit.name,
        year=year,
        scheme=scheme,
        categories=categories,
        months=months,
        coverage=coverage,
        validity=validity,
        timeliness=timeliness,
        timeliness_alternative=alternative,
        notes=notes,
    )


def _timeliness_result(
    rule: TimelinessRule, reading: TimelinessReading, items: int, categories: list[CategoryQuality]
) -> IndicatorResult:
    deduction = timeliness_deduction(rule, items)
    with_info = [c for c in categories if c.accepted or c.late_over or c.late_within]
    if not with_info:
        reason = "当年没有报送信息的类别不扣分。"
        return IndicatorResult("3.3", "信息时效性", rule.points, deduction, reason)
    parts = []
    for c in with_info:
        if reading == TimelinessReading.PER_RECORD:
            if c.late_over:
                parts.append(f"{c.name} {c.late_over} 条")
        elif c.late_cycles:
            parts.append(
                f"{c.name} {len(c.late_cycles)} 个周期（{'、'.join(cy.label for cy in c.late_cycles)}）"
            )
    unit_word = "条记录" if reading == TimelinessReading.PER_RECORD else "个类别周期"
    if not items:
        reason = f"没有{rule.threshold_text()}的记录，不扣分。"
    else:
        raw = rule.per_item * items
        reason = (
            f"{rule.threshold_text()}的共 {items} {unit_word}（{'；'.join(parts)}），"
            f"每项扣 {pts(rule.per_item)} 分，共 {pts(raw)} 分"
        )
        reason += f"，以本项{pts(rule.points)}分为限，扣 {pts(deduction)} 分。" if raw > deduction else "。"
    return IndicatorResult("3.3", "信息时效性", rule.points, deduction, reason)


# ---------------------------------------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------------------------------------

QUALITY_ROLES: Final = frozenset({Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER})


def quality_scope(user: Any) -> tuple[set[int] | None, set[int]]:
    """(units the user may see, None for all; the units their roles were granted on).

    Credit admins (and superusers) see every department; reporters and reviewers their own units and the units
    below them; anyone else is refused.
    """
    if getattr(user, "is_superuser", False):
        return None, set()
    roles = roles_of(user)
    if Role.CREDIT_ADMIN in roles:
        return None, set()
    if not roles & {Role.REPORTER, Role.REVIEWER}:
        raise XinyongError(
            ErrorCode.FORBIDDEN, "查看信息归集质量需要信用办管理员、部门报送员或部门审核员角色。"
        )
    granted = set(
        RoleGrant.objects.filter(user=user, role__in=[Role.REPORTER, Role.REVIEWER]).values_list(
            "unit_id", flat=True
        )
    )
    ids: set[int] = set()
    for role in (Role.REPORTER, Role.REVIEWER):
        ids.update(units_for_role(user, role).values_list("id", flat=True))
    return ids, granted


def quality_for_user(*, user: Any, year: int, scheme: QualityScheme = DEFAULT) -> QualityOverview:
    """The overview as the user may see it: every department, or their own units (units below theirs when
    those have anything to show)."""
    scope, granted = quality_scope(user)
    overview = quality_overview(year=year, units=scope, scheme=scheme)
    if scope is not None:
        overview.departments = [d for d in overview.departments if d.unit_id in granted or not d.is_idle]
        # Batches without a department belong to nobody the user reports for.
        overview.unattributed = Unattributed()
        overview.all_departments = False
    return overview


def known_years(extra: Collection[int] = ()) -> list[int]:
    """Years with batches (for the year picker), plus the ones given."""
    years = {d.year for d in Batch.objects.datetimes("submitted_at", "year", tzinfo=LOCAL_TZ)}
    return sorted(years | set(extra))
