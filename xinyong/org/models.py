"""Organisation: a tree of units of any depth, the leading group's positions, liaison officers, users and roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class UnitKind(models.TextChoices):
    CITY = "city", "市"
    DISTRICT = "district", "区/县"
    TOWN = "town", "镇街/园区"
    OFFICE = "office", "信用办"
    DEPARTMENT = "department", "部门/成员单位"
    SUBUNIT = "subunit", "内设科室"
    VILLAGE = "village", "村/社区"
    OTHER = "other", "其他"


class Unit(models.Model):
    code = models.SlugField("单位编码", max_length=64, unique=True)
    name = models.CharField("单位名称", max_length=200)
    short_name = models.CharField("简称", max_length=100, blank=True)
    kind = models.CharField("类型", max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    duties = models.TextField("职责分工", blank=True)
    duty_source = models.CharField("职责依据", max_length=300, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("在用", default=True)
    # Delegated reporting (代报): the deciding authorities, besides the unit itself, whose decisions it may report.
    # Entries: {"unit": code}, {"name": …, "uscc": …} (an authority outside the organisation), {"name_pattern": …}.
    reports_for = models.JSONField("可代报的决定机关", default=list, blank=True)
    # Categories whose batches wait for the unit's reviewer (部门审核员) before they are published.
    review_before_publication = models.JSONField("须审核后公开的信息类别", default=list, blank=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class LeadingGroupRole(models.TextChoices):
    LEADER = "leader", "组长"
    EXECUTIVE_DEPUTY = "executive_deputy", "常务副组长"
    DEPUTY = "deputy", "副组长"
    MEMBER = "member", "成员"
    OFFICE_DIRECTOR = "office_director", "办公室主任"
    OFFICE_LIAISON = "office_liaison", "办公室联络员"


class Position(models.Model):
    """A seat in the leading group (领导小组). Holders are people of the configuration, never fixtures of real names."""

    group = models.ForeignKey(Unit, verbose_name="所属单位", on_delete=models.CASCADE, related_name="positions")
    role = models.CharField("职务", max_length=30, choices=LeadingGroupRole.choices)
    holder_name = models.CharField("姓名", max_length=50)
    holder_title = models.CharField("本职", max_length=100, blank=True)
    holder_unit = models.ForeignKey(
        Unit, verbose_name="所在单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    since = models.DateField("任职日期", null=True, blank=True)

    class Meta:
        verbose_name = "领导小组职务"
        verbose_name_plural = "领导小组职务"
        ordering = ["group", "role", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.holder_name}"


class LiaisonOfficer(models.Model):
    """A department's liaison officer (联络员) over a period; the hand-over facts feed assessment rule 1.1."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="liaisons")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    start_date = models.DateField("起始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    handover_done = models.BooleanField("已完成工作交接", default=False)
    notified = models.BooleanField("已告知市信用办", default=False)
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = "信用工作联络员"
        verbose_name_plural = "信用工作联络员"
        ordering = ["unit", "-start_date"]

    def __str__(self) -> str:
        return f"{self.unit} {self.name}"


class Role(models.TextChoices):
    CREDIT_ADMIN = "credit_admin", "信用办管理员"
    REPORTER = "reporter", "部门报送员"
    REVIEWER = "reviewer", "部门审核员"
    HANDLER = "handler", "经办人员"
    AUDITOR = "auditor", "审计员"


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleGrant(models.Model):
    """A role held by a user over a unit and the units below it."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="grants")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name="适用单位", on_delete=models.CASCADE, related_name="grants")

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="org_rolegrant_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.unit}"
