"""Core tables: the official working-day calendar maintained by the administrator."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from xinyong.core.workdays import MAX_DECLARABLE_YEAR, MIN_DECLARABLE_YEAR, WEEKDAY_NAMES


class CalendarDay(models.Model):
    """One date whose status the administrator states explicitly (a holiday or a make-up working day).

    Rows override the built-in calendar, so they serve both to enter a new year and to correct a known one.
    Write through ``xinyong.core.services`` so the change is audited and picked up by every process.
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班", help_text="勾选：当天上班（如调休上班）；不勾选：当天放假。")
    name = models.CharField("名称", max_length=100, help_text="例如：国庆节、春节、调休上班。")
    source = models.CharField(
        "依据",
        max_length=300,
        help_text="例如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）。",
    )
    note = models.TextField("备注", blank=True)
    updated_by = models.CharField("最后修改人", max_length=150, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Bumped on every save: part of get_calendar()'s change check, which must not rely on the clock alone
    # (two saves within one clock tick, or under a frozen test clock, would otherwise look identical).
    revision = models.PositiveIntegerField("修订次数", default=0, editable=False)

    class Meta:
        verbose_name = "工作日历"
        verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self) -> str:
        status = "上班" if self.is_workday else "放假"
        return f"{self.date.isoformat()} {WEEKDAY_NAMES[self.date.weekday()]} {self.name}（{status}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.revision += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "revision", "updated_at"}
        super().save(*args, **kwargs)


class CalendarYear(models.Model):
    """The administrator's statement that a year's holidays and make-up days are all entered.

    Only a declared year (or one the built-in calendar covers) is used for working-day arithmetic; any other
    year is refused instead of guessed.
    """

    year = models.PositiveSmallIntegerField(
        "年度",
        unique=True,
        validators=[MinValueValidator(MIN_DECLARABLE_YEAR), MaxValueValidator(MAX_DECLARABLE_YEAR)],
    )
    source = models.CharField("依据", max_length=300, help_text="该年度节假日安排通知的名称和文号。")
    declared_at = models.DateTimeField("声明时间", default=timezone.now)
    declared_by = models.CharField("声明人", max_length=150, blank=True, editable=False)
    note = models.TextField("备注", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    revision = models.PositiveIntegerField("修订次数", default=0, editable=False)

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.revision += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "revision", "updated_at"}
        super().save(*args, **kwargs)
