"""The information catalog (公共信用信息目录): categories and their fields, versioned, with their sources."""

from __future__ import annotations

import datetime as dt

from django.db import models


class SubjectScope(models.TextChoices):
    LEGAL = "legal", "法人及非法人组织"
    NATURAL = "natural", "自然人"
    BOTH = "both", "法人和自然人"


class CategoryKind(models.TextChoices):
    REGISTRY = "registry", "主体登记信息"
    RECORD = "record", "信用记录"


class Disclosure(models.TextChoices):
    PUBLIC = "public", "公示"
    SHARED = "shared", "仅政府内部共享"
    AUTHORIZED = "authorized", "仅可授权查询"


class CycleKind(models.TextChoices):
    NONE = "none", "不定期"
    WORKDAYS_AFTER_DECISION = "workdays_after_decision", "决定之日起若干个工作日内"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    YEARLY = "yearly", "每年"


class Category(models.Model):
    code = models.SlugField("类别编码", max_length=64)
    version = models.PositiveIntegerField("版本", default=1)
    name = models.CharField("类别名称", max_length=100)
    kind = models.CharField("性质", max_length=20, choices=CategoryKind.choices, default=CategoryKind.RECORD)
    description = models.TextField("说明", blank=True)
    subject_scope = models.CharField("适用主体", max_length=10, choices=SubjectScope.choices)
    disclosure = models.CharField("公开方式", max_length=20, choices=Disclosure.choices)
    publicity_rule = models.CharField("公示期限规则", max_length=64, blank=True)
    cycle_kind = models.CharField("交换周期", max_length=40, choices=CycleKind.choices, default=CycleKind.NONE)
    cycle_workdays = models.PositiveIntegerField("周期工作日数", null=True, blank=True)
    cycle_source = models.CharField("交换周期依据", max_length=300, blank=True)
    decision_date_field = models.CharField("决定日期字段", max_length=64, blank=True)
    key_fields = models.JSONField("记录标识字段", default=list, blank=True)
    subject_mapping = models.JSONField("主体字段映射", default=dict, blank=True)
    rules = models.JSONField("字段间校验规则", default=list, blank=True)
    owner_units = models.ManyToManyField(
        "org.Unit", verbose_name="提供部门", blank=True, related_name="provided_categories"
    )
    legal_source = models.CharField("依据", max_length=500)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "信息类别"
        verbose_name_plural = "信息类别"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="catalog_category_version_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"

    def applies_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class FieldType(models.TextChoices):
    TEXT = "text", "文本"
    DATE = "date", "日期"
    DECIMAL = "decimal", "数值"
    INTEGER = "integer", "整数"
    CHOICE = "choice", "单选"
    MULTI_CHOICE = "multi_choice", "多选"
    USCC = "uscc", "统一社会信用代码"
    PERSON_ID = "person_id", "证件号码"
    ID_TYPE = "id_type", "证件类型"
    PARTY_CATEGORY = "party_category", "行政相对人类别"


class Field(models.Model):
    category = models.ForeignKey(Category, verbose_name="信息类别", on_delete=models.CASCADE, related_name="fields")
    code = models.CharField("字段编码", max_length=64)
    name = models.CharField("字段名称", max_length=100)
    type = models.CharField("类型", max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField("必填", default=False)
    max_length = models.PositiveIntegerField("最大长度", null=True, blank=True)
    choices = models.JSONField("可选值", default=list, blank=True)
    choice_aliases = models.JSONField("可选值别名", default=dict, blank=True)
    aliases = models.JSONField("可接受的列名", default=list, blank=True)
    position = models.PositiveIntegerField("顺序", default=0)
    help_text = models.CharField("填写说明", max_length=300, blank=True)
    example = models.CharField("示例", max_length=200, blank=True)
    sensitive = models.BooleanField("个人敏感信息", default=False)

    class Meta:
        verbose_name = "字段"
        verbose_name_plural = "字段"
        ordering = ["category", "position"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="catalog_field_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
