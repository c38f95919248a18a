"""Credit records: accepted rows of a catalog category, one current version per decision, with history."""

from __future__ import annotations

from django.db import models


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    REVOKED = "revoked", "已撤销"
    REPAIRED = "repaired", "已信用修复"


class Severity(models.TextChoices):
    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


class Record(models.Model):
    category = models.ForeignKey("catalog.Category", verbose_name="信息类别", on_delete=models.PROTECT)
    category_code = models.CharField("类别编码", max_length=64)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="信用主体", null=True, on_delete=models.PROTECT, related_name="records"
    )
    source_unit = models.ForeignKey(
        "org.Unit", verbose_name="数据来源单位", null=True, on_delete=models.PROTECT, related_name="records"
    )
    batch = models.ForeignKey("intake.Batch", verbose_name="报送批次", on_delete=models.PROTECT, related_name="records")
    key = models.CharField("记录标识", max_length=300)
    version = models.PositiveIntegerField("版本", default=1)
    data = models.JSONField("内容")
    decision_date = models.DateField("决定日期", null=True, blank=True)
    submitted_at = models.DateTimeField("报送时间")
    deadline = models.DateField("报送期限", null=True, blank=True)
    is_late = models.BooleanField("超期报送", default=False)
    # NULL: late, but the calendar lacks a year needed to count by how many working days.
    late_workdays = models.IntegerField("迟报工作日数", null=True, blank=True, default=0)
    status = models.CharField("状态", max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE)
    status_reason = models.CharField("状态说明", max_length=300, blank=True)
    # Publicity (公示): the last day a record may be shown in public; NULL means it is never shown in public.
    severity = models.CharField("失信程度", max_length=10, choices=Severity.choices, blank=True)
    publicity_regime = models.CharField("公示期限规则版本", max_length=64, blank=True)
    publicity_end = models.DateField("公示截止日期", null=True, blank=True)
    under_objection = models.BooleanField("异议中", default=False)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        constraints = [
            models.UniqueConstraint(fields=["category_code", "key"], name="record_key_unique"),
        ]
        indexes = [
            models.Index(fields=["source_unit", "category_code", "decision_date"]),
            models.Index(fields=["subject", "category_code"]),
            models.Index(fields=["category_code", "publicity_end"]),
            # The public 双公示 browse lists the newest decisions first, with or without a category.
            models.Index(fields=["decision_date", "id"]),
            models.Index(fields=["category_code", "decision_date", "id"]),
            # The incremental export to the city platform reads a category's changes since a moment.
            models.Index(fields=["category_code", "updated_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.category_code}:{self.key}"


class RecordVersion(models.Model):
    """A superseded version of a record, kept for history and audit."""

    record = models.ForeignKey(Record, verbose_name="记录", on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    data = models.JSONField("内容")
    batch = models.ForeignKey("intake.Batch", verbose_name="报送批次", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("报送时间")
    superseded_at = models.DateTimeField("被替换时间")

    class Meta:
        verbose_name = "记录历史版本"
        verbose_name_plural = "记录历史版本"
        ordering = ["record", "version"]
        constraints = [models.UniqueConstraint(fields=["record", "version"], name="record_version_unique")]

    def __str__(self) -> str:
        return f"{self.record} v{self.version}"


