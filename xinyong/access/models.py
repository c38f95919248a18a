"""Who may do what: the API tokens of departmental systems with their scopes, and the register of look-ups of
subjects' internal data (个人信息查询使用登记), which the auditor reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TokenScope(models.TextChoices):
    """What a departmental system's token may do. A token does nothing outside its scopes."""

    SUBMIT = "submit", "报送数据（提交、跟踪本部门的报送，撤销本部门的记录）"
    READ = "read", "查询本部门数据（记录、归集质量、核查统计）"
    CHECK = "check", "联合奖惩核查"
    LOOKUP = "lookup", "查询主体内部信息（含个人信息，须选择查询事由并填写案件编号）"


# What a token gets when nobody says otherwise: an upload token, which cannot reveal persons.
DEFAULT_SCOPES: tuple[str, ...] = (TokenScope.SUBMIT.value, TokenScope.READ.value)


def default_scopes() -> list[str]:
    return list(DEFAULT_SCOPES)


class ApiToken(models.Model):
    """The key of one departmental system to the API, bound to its department. Only a hash is kept."""

    name = models.CharField("系统名称", max_length=100)
    department = models.ForeignKey(
        "org.Unit", verbose_name="报送部门", on_delete=models.PROTECT, related_name="api_tokens"
    )
    token_hash = models.CharField("令牌哈希（SHA-256）", max_length=64, unique=True)
    prefix = models.CharField("令牌前缀", max_length=16)
    scopes = models.JSONField("权限范围", default=default_scopes)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间")
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        # The table was created by the intake app, which held tokens before this app existed.
        db_table = "intake_apitoken"
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["department", "name", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How the token appears as an actor in batches, jobs and audit events."""
        return f"token:{self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return isinstance(self.scopes, list) and scope in self.scopes


class LookupChannel(models.TextChoices):
    WEB = "web", "网页"
    API = "api", "接口"


class LookupReview(models.TextChoices):
    PENDING = "pending", "待审查"
    APPROVED = "approved", "合规"
    QUESTIONED = "questioned", "存疑"


class Lookup(models.Model):
    """One look at a subject's internal data (a person's full identifier, or a subject's complete file).

    The subject is kept by id, not by a foreign key: access sits below the subject registry. The name is kept as
    it read at the time, so the register reads the same after a rename.
    """

    occurred_at = models.DateTimeField("查询时间", db_index=True)
    channel = models.CharField("渠道", max_length=10, choices=LookupChannel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="查询人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    token = models.ForeignKey(
        ApiToken, verbose_name="接口令牌", null=True, blank=True, on_delete=models.PROTECT, related_name="lookups"
    )
    actor_label = models.CharField("查询人标识", max_length=150)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="查询单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.BigIntegerField("信用主体编号", db_index=True)
    subject_name = models.CharField("信用主体名称", max_length=200)
    subject_kind = models.CharField("主体类型", max_length=20)
    subject_code_masked = models.CharField("主体代码（遮蔽）", max_length=40, blank=True)
    what = models.CharField("查询内容", max_length=100)
    purpose_code = models.CharField("查询事由编码", max_length=40)
    purpose_label = models.CharField("查询事由", max_length=100)
    purpose_basis = models.CharField("法律依据", max_length=300, blank=True)
    case_reference = models.CharField("案件或事项编号", max_length=100)
    audit_seq = models.PositiveBigIntegerField("审计事件序号", null=True, blank=True)
    review = models.CharField("审查结论", max_length=12, choices=LookupReview.choices, default=LookupReview.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审查人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审查时间", null=True, blank=True)
    review_note = models.CharField("审查意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "个人信息查询登记"
        verbose_name_plural = "个人信息查询登记"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["review", "occurred_at"]), models.Index(fields=["unit", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.actor_label} 查询 {self.subject_name}（{self.purpose_label}）"
