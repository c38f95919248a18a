"""The quality dashboard (信息归集质量): assessment rules 3.1–3.3 per department and year.

Credit admins see every department; reporters and reviewers their own units. Each department gets its
indicators with the reasons behind every deduction, a chart (ECharts, vendored) and the chart's data as a table.
The figures come from `xinyong.intake.quality` in a fixed number of queries, whatever the number of departments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinyong.access.pages import section_view
from xinyong.core import clock
from xinyong.core.params import MAX_YEAR, MIN_YEAR, BadParameter, year_param
from xinyong.intake.quality import DepartmentQuality, known_years, quality_for_user


@dataclass(frozen=True)
class DepartmentPanel:
    """A department's figures with what its chart needs: element ids and the data, for `json_script`."""

    department: DepartmentQuality
    chart_id: str
    data_id: str
    table_id: str
    chart: dict[str, Any]
    chart_label: str


def _panel(department: DepartmentQuality) -> DepartmentPanel:
    base = f"quality-{department.unit_id}"
    tim = department.scheme.timeliness
    late_label = tim.threshold_text().replace("迟报工作日数", "迟报工作日") + " 的记录"
    chart = {
        "categories": [c.name for c in department.categories],
        "rows": [c.rows for c in department.categories],
        "noncompliant": [c.noncompliant for c in department.categories],
        "late": [c.late_over for c in department.categories],
        "labels": {"rows": "收到行数", "noncompliant": "不合格行数", "late": late_label},
    }
    parts = [
        f"{c.name}：收到{c.rows}行，不合格{c.noncompliant}行，{late_label}{c.late_over}条"
        for c in department.categories
    ]
    label = f"{department.unit_name}{department.year}年各信息类别的报送情况柱状图。" + "；".join(parts) + "。"
    return DepartmentPanel(
        department=department,
        chart_id=f"{base}-chart",
        data_id=f"{base}-data",
        table_id=f"{base}-table",
        chart=chart,
        chart_label=label,
    )


def _year(request: HttpRequest, default: int) -> tuple[int, str]:
    """The year asked for, or the default with a notice saying why (the page is re-shown, not refused)."""
    try:
        return year_param(request.GET, default=default), ""
    except BadParameter as exc:
        return default, f"{exc.message}已显示{default}年。"


@section_view("quality")
def quality(request: HttpRequest) -> HttpResponse:
    this_year = clock.today().year
    year, notice = _year(request, this_year)
    overview = quality_for_user(user=request.user, year=year)
    context = {
        "year": year,
        "notice": notice,
        "overview": overview,
        "scheme": overview.scheme,
        "panels": [_panel(d) for d in overview.departments],
        "years": known_years(extra={this_year, year}),
        "previous_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
        "min_year": MIN_YEAR,
        "max_year": MAX_YEAR,
    }
    return render(request, "web/quality.html", context)
