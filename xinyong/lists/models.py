"""Red and black lists, the joint reward and punishment memoranda, and the checks made against them (issue 5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinyong.core.identifiers import is_valid_uscc, mask_person_id


class ListType(models.TextChoices):
    BLACK = "black", "严重失信主体名单（黑名单）"
    RED = "red", "守信激励名单（红名单）"
    WATCH = "watch", "重点关注名单"


class Matter(models.TextChoices):
    """The administrative matters a check is embedded in (domain.md §4)."""

    LICENCE = "licence", "行政许可"
    FUNDS = "funds", "财政资金/专项资金"
    PROCUREMENT = "procurement", "政府采购"
    BIDDING = "bidding", "招标投标"
    PUBLIC_RESOURCE = "public_resource", "公共资源交易"
    LAND = "land", "国有土地出让"
    HONOURS = "honours", "评先评优"
    FINANCING = "financing", "融资"


class ListKind(models.Model):
    """A list as a legal instrument: who recognises entries, on which basis, and how they leave."""

    code = models.SlugField("名单编码", max_length=64, unique=True)
    name = models.CharField("名单名称", max_length=200)
    list_type = models.CharField("名单类型", max_length=10, choices=ListType.choices)
    recognising_department = models.CharField("认定部门", max_length=200)
    legal_basis = models.TextField("认定依据")
    exit_rule = models.TextField("移出规则", blank=True)
    period_years = models.PositiveSmallIntegerField("一般有效期（年）", null=True, blank=True)
    source = models.CharField("来源文件", max_length=300)
    effective_from = models.DateField("施行日期")

    class Meta:
        verbose_name = "名单类别"
        verbose_name_plural = "名单类别"
        ordering = ["list_type", "code"]

    def __str__(self) -> str:
        return self.name


class EntryStatus(models.TextChoices):
    RECOGNISED = "recognised", "已认定（告知中）"
    PUBLISHED = "published", "已发布"
    EXITED = "exited", "已移出"


class ExitReason(models.TextChoices):
    EXPIRY = "expiry", "期满移出"
    PERFORMANCE = "performance", "履行义务后移出"
    REPAIR = "repair", "信用修复后移出"
    REVOKED = "revoked", "认定撤销"


class ListEntry(models.Model):
    kind = models.ForeignKey(ListKind, verbose_name="名单", on_delete=models.PROTECT, related_name="entries")
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="信用主体",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_entries",
    )
    # The list record this entry was imported from (black_list / red_list categories), when it came by file.
    record = models.OneToOneField(
        "records.Record",
        verbose_name="名单信息记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="list_entry",
    )
    name = models.CharField("列入名称", max_length=200)
    name_key = models.CharField("名称比对键", max_length=200, db_index=True, editable=False)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    person_id = models.CharField("身份证件号码", max_length=30, blank=True, db_index=True)
    decision_document = models.CharField("认定文书号", max_length=200)
    recognising_department = models.CharField("认定部门", max_length=200)
    legal_basis = models.TextField("认定依据")
    notice_date = models.DateField("告知日期", null=True, blank=True)
    objection_end = models.DateField("异议期截止日期", null=True, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    planned_exit = models.DateField("计划移出日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=EntryStatus.choices, default=EntryStatus.RECOGNISED
    )
    exited_at = models.DateTimeField("移出时间", null=True, blank=True)
    exit_reason = models.CharField("移出原因", max_length=12, choices=ExitReason.choices, blank=True)
    exit_note = models.TextField("移出说明", blank=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "名单条目"
        verbose_name_plural = "名单条目"
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind.name}：{self.name}"


class Memorandum(models.Model):
    """A joint reward/punishment memorandum (联合奖惩备忘录), shipped as data in rules/memoranda.yaml."""

    number = models.CharField("文号", max_length=100, unique=True)
    title = models.CharField("名称", max_length=300)
    issued_on = models.DateField("印发日期")
    issuing_bodies = models.TextField("联合签署部门")
    source = models.CharField("来源", max_length=300)
    kinds = models.ManyToManyField(ListKind, verbose_name="适用名单", related_name="memoranda")

    class Meta:
        verbose_name = "联合奖惩备忘录"
        verbose_name_plural = "联合奖惩备忘录"
        ordering = ["issued_on", "number"]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）"


class MeasureNature(models.TextChoices):
    REWARD = "reward", "激励措施"
    PUNISHMENT = "punishment", "惩戒措施"


class Measure(models.Model):
    memorandum = models.ForeignKey(
        Memorandum, verbose_name="备忘录", on_delete=models.CASCADE, related_name="measures"
    )
    code = models.CharField("措施编码", max_length=64)
    nature = models.CharField("性质", max_length=12, choices=MeasureNature.choices)
    text = models.TextField("措施内容")
    legal_basis = models.TextField("法律依据")
    matters = models.JSONField("适用事项", default=list)
    executing_departments = models.TextField("实施部门")
    # A measure a record triggers by itself, without a list (e.g. a supplier's 重大违法记录 in procurement):
    # {"category", "within_years", "kinds_any", "fine_at_least"}; empty for measures of list entries.
    record_condition = models.JSONField("触发条件（信用记录）", default=dict, blank=True)

    class Meta:
        verbose_name = "奖惩措施"
        verbose_name_plural = "奖惩措施"
        ordering = ["memorandum", "code"]
        constraints = [
            models.UniqueConstraint(fields=["memorandum", "code"], name="lists_measure_code_unique")
        ]

    def __str__(self) -> str:
        return self.text[:40]


class CheckLog(models.Model):
    """One check made by a handling officer: who, when, in which matter, why, for whom, and what was found."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="查询人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("查询人标识", max_length=150)
    department = models.ForeignKey(
        "org.Unit",
        verbose_name="查询部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField("查询时间", db_index=True)
    matter = models.CharField("办理事项", max_length=20, choices=Matter.choices)
    purpose = models.CharField("查询事由", max_length=300)
    query_name = models.CharField("查询名称", max_length=200, blank=True)
    query_code = models.CharField("查询代码", max_length=30, blank=True)
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="信用主体",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    batch_ref = models.CharField("批量核查编号", max_length=40, blank=True, db_index=True)
    hits = models.JSONField("命中结果", default=list)
    hit_count = models.PositiveIntegerField("命中数", default=0)

    class Meta:
        verbose_name = "核查记录"
        verbose_name_plural = "核查记录"
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {self.party_label}"

    @property
    def party_label(self) -> str:
        """The party as pages and figures show it: its name, else its code with a person's number masked (the
        credit office reads every department's checks)."""
        if self.query_name:
            return self.query_name
        code = self.query_code
        return code if not code or is_valid_uscc(code) else mask_person_id(code)


class CheckOutcome(models.Model):
    """What the officer did about one hit in one check (发起—响应—反馈)."""

    check_log = models.ForeignKey(
        CheckLog, verbose_name="核查记录", on_delete=models.CASCADE, related_name="outcomes"
    )
    entry = models.ForeignKey(
        ListEntry, verbose_name="名单条目", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record = models.ForeignKey(
        "records.Record",
        verbose_name="信用记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    measure = models.ForeignKey(
        Measure, verbose_name="措施", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied = models.BooleanField("已实施")
    reason = models.TextField("说明", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反馈人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("反馈时间")

    class Meta:
        verbose_name = "奖惩措施实施反馈"
        verbose_name_plural = "奖惩措施实施反馈"
        constraints = [
            models.UniqueConstraint(fields=["check_log", "entry", "measure"], name="lists_outcome_unique"),
            models.UniqueConstraint(
                fields=["check_log", "record", "measure"], name="lists_outcome_record_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(entry__isnull=False) | models.Q(record__isnull=False),
                name="lists_outcome_has_hit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id or self.record_id}：{'已实施' if self.applied else '未实施'}"


class Dismissal(models.Model):
    """A false positive a reviewer set aside: this entry is not this subject (keyed by subject, else by query)."""

    entry = models.ForeignKey(
        ListEntry, verbose_name="名单条目", on_delete=models.CASCADE, related_name="dismissals"
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="信用主体",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # "subject:<id>", "code:<uscc>" or "name:<name key>": what later checks of the same party will present.
    query_key = models.CharField("查询对象键", max_length=220)
    reason = models.TextField("排除理由")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="排除人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dismissed_at = models.DateTimeField("排除时间")

    class Meta:
        verbose_name = "误报排除"
        verbose_name_plural = "误报排除"
        constraints = [models.UniqueConstraint(fields=["entry", "query_key"], name="lists_dismissal_unique")]

    def __str__(self) -> str:
        return f"{self.query_key} ≠ {self.entry_id}"


class Watch(models.Model):
    """A subject a department keeps an eye on (e.g. every recipient of a fund): re-screened on every list change."""

    department = models.ForeignKey(
        "org.Unit", verbose_name="关注部门", on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="信用主体",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField("主体名称", max_length=200)
    name_key = models.CharField("名称比对键", max_length=200, db_index=True, editable=False)
    code = models.CharField("统一社会信用代码（证件号码）", max_length=30, blank=True, db_index=True)
    reason = models.CharField("关注事由", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设置人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("设置时间")
    ended_at = models.DateTimeField("取消关注时间", null=True, blank=True)

    class Meta:
        verbose_name = "关注主体"
        verbose_name_plural = "关注主体"
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.reason}）"


class AlertEvent(models.TextChoices):
    LISTED = "listed", "新列入名单"
    EXITED = "exited", "已移出名单"


class Alert(models.Model):
    """A list change that concerns a watched subject, for its department to see (and, where configured, by mail)."""

    watch = models.ForeignKey(Watch, verbose_name="关注主体", on_delete=models.CASCADE, related_name="alerts")
    entry = models.ForeignKey(ListEntry, verbose_name="名单条目", on_delete=models.CASCADE, related_name="+")
    event = models.CharField("事件", max_length=10, choices=AlertEvent.choices)
    score = models.FloatField("匹配分值")
    reasons = models.JSONField("匹配依据", default=list)
    created_at = models.DateTimeField("预警时间", db_index=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    read_at = models.DateTimeField("处理时间", null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "名单变动预警"
        verbose_name_plural = "名单变动预警"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["watch", "entry", "event"], name="lists_alert_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.watch.name}：{self.get_event_display()}"
