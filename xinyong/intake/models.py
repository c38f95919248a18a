"""Submission batches (报送批次) and the rows held back for correction (待更正数据)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BatchChannel(models.TextChoices):
    CLI = "cli", "命令行"
    WEB = "web", "网页上传"
    API = "api", "接口"


class ReviewStatus(models.TextChoices):
    """Review before publication (报送审核), for the categories a unit's configuration names."""

    NONE = "", "无需审核"
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已审核公开"
    RETURNED = "returned", "已退回"


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
    review_status = models.CharField(
        "审核状态", max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.NONE, blank=True, db_index=True
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by_label = models.CharField("审核人名称", max_length=150, blank=True)
    review_reason = models.CharField("退回原因", max_length=300, blank=True)

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
    # How the row left quarantine: who, when, why (a discard), and what it became. Empty while pending.
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # The name as it read when the row was handled (a departmental system or the command line has no user), so
    # the batch page shows it without reading the users table.
    resolved_by_label = models.CharField("处理人名称", max_length=150, blank=True)
    resolution_reason = models.CharField("处理说明", max_length=300, blank=True)
    record = models.ForeignKey(
        "records.Record", verbose_name="入库记录", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    replaced_by = models.ForeignKey(
        Batch, verbose_name="替换批次", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "待更正数据"
        verbose_name_plural = "待更正数据"
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"{self.batch_id} 第{self.row_number}行"


class StagedRowStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已公开"
    RETURNED = "returned", "已退回"
    REFUSED = "refused", "审核通过时被拒（他单位记录）"


class StagedRow(models.Model):
    """An accepted row of a batch that waits for the department's reviewer: not a record yet, so it is neither
    public nor exported; approval stores it as a record, measured for timeliness at that moment."""

    batch = models.ForeignKey(Batch, verbose_name="报送批次", on_delete=models.CASCADE, related_name="staged_rows")
    row_number = models.PositiveIntegerField("行号")
    key = models.CharField("记录标识", max_length=300)
    data = models.JSONField("内容")
    subject_id = models.BigIntegerField("信用主体编号", null=True, blank=True)
    decision_date = models.DateField("决定日期", null=True, blank=True)
    deadline = models.DateField("报送期限", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=StagedRowStatus.choices, default=StagedRowStatus.PENDING, db_index=True
    )
    # The held-back row whose correction this is, when it came from a correction rather than the file.
    corrected_row = models.ForeignKey(
        RejectedRow, verbose_name="来源待更正数据", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record = models.ForeignKey(
        "records.Record", verbose_name="入库记录", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staged_at = models.DateTimeField("提交审核时间")
    resolved_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "待审核数据"
        verbose_name_plural = "待审核数据"
        ordering = ["batch", "row_number", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id} 第{self.row_number}行（{self.get_status_display()}）"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "未导入"


class ImportJob(models.Model):
    """One submitted file on its way through `import_file`, from the browser or the API.

    Written outside the batch's transaction, so its status and the rows read so far are visible while the
    batch runs; the batch itself still lands whole or not at all.
    """

    category_code = models.CharField("信息类别编码", max_length=64)
    department = models.ForeignKey(
        "org.Unit", verbose_name="报送部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("渠道", max_length=10, choices=BatchChannel.choices, default=BatchChannel.WEB)
    original_name = models.CharField("原始文件名", max_length=255)
    stored_path = models.CharField("上传文件暂存路径", max_length=500)
    size = models.PositiveBigIntegerField("文件大小", default=0)
    submitted_at = models.DateTimeField("报送时间")
    status = models.CharField(
        "状态", max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED, db_index=True
    )
    rows_read = models.PositiveIntegerField("已读取行数", default=0)
    result = models.JSONField("导入结果", null=True, blank=True)
    error_code = models.CharField("错误代码", max_length=40, blank=True)
    error_message = models.TextField("错误说明", blank=True)
    batch = models.ForeignKey(
        Batch, verbose_name="报送批次", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    token = models.ForeignKey(
        "access.ApiToken", verbose_name="接口令牌", null=True, blank=True, on_delete=models.PROTECT,
        related_name="jobs",
    )
    task_id = models.CharField("后台任务编号", max_length=64, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    created_at = models.DateTimeField("提交时间")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    # Wall-clock time of the running worker's last sign of life (not the platform clock, which may be pinned).
    heartbeat_at = models.DateTimeField("最近心跳时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"导入任务 {self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)
