"""Admin pages for the working-day calendar; saves and deletes go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from xinyong.core import services
from xinyong.core.models import CalendarDay, CalendarYear
from xinyong.core.workdays import PACKAGE_YEARS, WEEKDAY_NAMES


class CalendarDayYearFilter(admin.SimpleListFilter):
    title = "年度"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        years = sorted({day.year for day in CalendarDay.objects.dates("date", "year")}, reverse=True)
        return [(str(year), f"{year}年") for year in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_workday", "name", "source", "updated_by", "updated_at"]
    list_filter = [CalendarDayYearFilter, "is_workday", "name"]
    search_fields = ["name", "source", "note"]
    date_hierarchy = "date"
    ordering = ["-date"]
    fields = ["date", "is_workday", "name", "source", "note", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return WEEKDAY_NAMES[obj.date.weekday()]

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> list[str]:
        # A row is about one date: moving it would silently change two days, so a new date means a new row.
        return [*self.readonly_fields, "date"] if obj is not None else list(self.readonly_fields)

    def save_model(
        self, request: HttpRequest, obj: CalendarDay, form: ModelForm[CalendarDay], change: bool
    ) -> None:
        row = services.calendar_day_set(
            day=obj.date,
            is_workday=obj.is_workday,
            name=obj.name,
            source=obj.source,
            note=obj.note,
            actor=request.user,
        )
        obj.pk = row.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.calendar_day_clear(day=obj.date, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for day in list(queryset.values_list("date", flat=True)):
            services.calendar_day_clear(day=day, actor=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "entered_days", "declared_at", "declared_by"]
    list_filter = ["declared_at"]
    search_fields = ["year", "source", "note"]
    fields = ["year", "source", "note", "declared_at", "declared_by"]
    readonly_fields = ["declared_at", "declared_by"]

    @admin.display(description="已录入日期")
    def entered_days(self, obj: CalendarYear) -> str:
        rows = CalendarDay.objects.filter(date__year=obj.year)
        holidays = rows.filter(is_workday=False).count()
        workdays = rows.filter(is_workday=True).count()
        builtin = "（内置日历已覆盖）" if obj.year in PACKAGE_YEARS else ""
        return f"放假 {holidays} 天，调休上班 {workdays} 天{builtin}"

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarYear | None = None) -> list[str]:
        return [*self.readonly_fields, "year"] if obj is not None else list(self.readonly_fields)

    def save_model(
        self, request: HttpRequest, obj: CalendarYear, form: ModelForm[CalendarYear], change: bool
    ) -> None:
        row = services.calendar_year_declare(
            year=obj.year, source=obj.source, note=obj.note, actor=request.user
        )
        obj.pk = row.pk

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        services.calendar_year_revoke(year=obj.year, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for year in list(queryset.values_list("year", flat=True)):
            services.calendar_year_revoke(year=year, actor=request.user)
