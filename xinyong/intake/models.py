"""Submission batches (报送批次) and the rows held back for correction (待更正数据)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BatchChannel(models.TextChoices):
    CLI = "cli", "命令行"
    WEB = "web", "网页上传"
    API = "api", "接口"


class Batch(models.Model):
    category = models.ForeignKey("catalog.Category", verbose_name="信息类别", on_delete=models.PROTECT)
    department = models.ForeignKey(
        "org.Unit", verbose_name="报送部门", null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", null=True, blank=True, on_delete=models.SET_NULL
    )
    channel = models.CharField("渠道", max_length=10, choices=BatchChannel.choices, default=BatchChannel.CLI)
    submitted_at = models.DateTimeField("报送时间")
    original_name = models.CharField("原始文件名", max_length=255)
    stored_file = models.CharField("原始文件存储路径", max_length=500)
    sha256 = models.CharField("文件SHA-256", max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("文件大小")
    file_format = models.CharField("文件格式", max_length=10)
    header_row = models.PositiveIntegerField("表头行号", null=True)
    rows = models.PositiveIntegerField("数据行数", default=0)
    accepted = models.PositiveIntegerField("通过", default=0)
    rejected = models.PositiveIntegerField("未通过", default=0)
    late = models.PositiveIntegerField("超期报送", default=0)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "报送批次"
        verbose_name_plural = "报送批次"
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"批次 {self.pk} {self.original_name}"


class RejectedRowStatus(models.TextChoices):
    PENDING = "pending", "待更正"
    CORRECTED = "corrected", "已更正"
    REPLACED = "replaced", "已被新文件替换"
    DISCARDED = "discarded", "已作废"


class RejectedRow(models.Model):
    batch = models.ForeignKey(Batch, verbose_name="报送批次", on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.PositiveIntegerField("行号")
    values = models.JSONField("原始内容")
    errors = models.JSONField("错误")
    status = models.CharField(
        "状态", max_length=10, choices=RejectedRowStatus.choices, default=RejectedRowStatus.PENDING
    )

    class Meta:
        verbose_name = "待更正数据"
        verbose_name_plural = "待更正数据"
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"{self.batch_id} 第{self.row_number}行"
