"""The subject registry: legal persons and other organisations, 个体工商户, natural persons."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class SubjectKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INSTITUTION = "institution", "事业单位"
    SOCIAL_ORG = "social_org", "社会组织"
    GOVERNMENT = "government", "机关"
    VILLAGE = "village", "村（居）委会及集体经济组织"
    OTHER_ORG = "other_org", "其他组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    NATURAL_PERSON = "natural_person", "自然人"


class PartyCategory(models.TextChoices):
    """行政相对人类别 as the 双公示 layouts name it."""

    LEGAL = "法人及非法人组织", "法人及非法人组织"
    NATURAL = "自然人", "自然人"
    INDIVIDUAL_BUSINESS = "个体工商户", "个体工商户"


ORGANISATION_KINDS = frozenset(
    {
        SubjectKind.ENTERPRISE,
        SubjectKind.INSTITUTION,
        SubjectKind.SOCIAL_ORG,
        SubjectKind.GOVERNMENT,
        SubjectKind.VILLAGE,
        SubjectKind.OTHER_ORG,
    }
)


class Subject(models.Model):
    kind = models.CharField("主体类型", max_length=30, choices=SubjectKind.choices)
    name = models.CharField("名称", max_length=200)
    name_key = models.CharField("名称比对键", max_length=200, db_index=True, editable=False)
    # NULL, not "", for "no code": the unique constraints must ignore subjects without one.
    uscc = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True)  # noqa: DJ001
    id_type = models.CharField("证件类型", max_length=30, blank=True)
    id_number = models.CharField("证件号码", max_length=30, null=True, blank=True)  # noqa: DJ001
    legal_rep = models.CharField("法定代表人/负责人", max_length=100, blank=True)
    established_on = models.DateField("成立日期", null=True, blank=True)
    address = models.CharField("住所", max_length=300, blank=True)
    created_at = models.DateTimeField("登记时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "信用主体"
        verbose_name_plural = "信用主体"
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=Q(uscc__isnull=False), name="subject_uscc_unique"),
            models.UniqueConstraint(
                fields=["id_type", "id_number"], condition=Q(id_number__isnull=False), name="subject_person_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "name"]),
            # Look-ups by a person's number whatever its document type (a check by code, a watch).
            models.Index(fields=["id_number"], condition=Q(id_number__isnull=False), name="subject_id_number"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def party_category(self) -> str:
        if self.kind == SubjectKind.NATURAL_PERSON:
            return PartyCategory.NATURAL
        if self.kind == SubjectKind.INDIVIDUAL_BUSINESS:
            return PartyCategory.INDIVIDUAL_BUSINESS
        return PartyCategory.LEGAL


class SubjectName(models.Model):
    """A name the subject has carried; the current name is the one with no end date."""

    subject = models.ForeignKey(Subject, verbose_name="主体", on_delete=models.CASCADE, related_name="names")
    name = models.CharField("名称", max_length=200)
    name_key = models.CharField("名称比对键", max_length=200, db_index=True)
    valid_from = models.DateField("起始日期", null=True, blank=True)
    valid_to = models.DateField("终止日期", null=True, blank=True)
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        verbose_name = "主体曾用名"
        verbose_name_plural = "主体曾用名"
        ordering = ["subject", "valid_from"]

    def __str__(self) -> str:
        return self.name
