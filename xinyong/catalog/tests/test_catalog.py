from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from xinyong.audit.models import AuditEvent
from xinyong.catalog.models import Category
from xinyong.catalog.selectors import category_in_force
from xinyong.catalog.services import RULES_DIR, catalog_load_file
from xinyong.core.errors import XinyongError

pytestmark = pytest.mark.django_db


def test_shipped_categories_record_their_source(reference_data: Any) -> None:
    codes = set(Category.objects.values_list("code", flat=True))
    assert {"legal_person", "natural_person", "admin_license", "admin_penalty"} <= codes
    for category in Category.objects.all():
        assert category.legal_source and category.effective_from
        assert category.fields.exists()
    penalty = Category.objects.get(code="admin_penalty")
    assert penalty.cycle_kind == "workdays_after_decision" and penalty.cycle_workdays == 7
    assert "424" in penalty.cycle_source
    names = set(penalty.fields.values_list("name", flat=True))
    assert {"行政相对人名称", "行政处罚决定书文号", "处罚类别", "罚款金额（万元）", "处罚决定日期", "处罚机关统一社会信用代码"} <= names
    assert set(penalty.owner_units.values_list("code", flat=True)) >= {"zhzfj", "scjgzd"}
    licence_fields = set(Category.objects.get(code="admin_license").fields.values_list("code", flat=True))
    assert {"XK_XKLB", "XK_YXQZ", "XK_YXQZI", "XK_ZT"} <= licence_fields


def test_registry_headers_the_issue_names(reference_data: Any) -> None:
    legal = Category.objects.get(code="legal_person")
    headers = {alias for f in legal.fields.all() for alias in [f.name, *f.aliases]}
    assert {"名称", "企业名称", "主体名称", "单位名称", "统一社会信用代码", "法定代表人", "负责人", "成立日期"} <= headers
    natural = Category.objects.get(code="natural_person")
    headers = {alias for f in natural.fields.all() for alias in [f.name, *f.aliases]}
    assert {"姓名", "证件类型", "证件号码", "身份证号码"} <= headers


def test_a_new_version_applies_from_its_effective_date(reference_data: Any, tmp_path: Any) -> None:
    spec = yaml.safe_load((RULES_DIR / "admin_penalty.yaml").read_text(encoding="utf-8"))
    spec["version"] = 2
    spec["effective_from"] = dt.date(2026, 4, 1)
    spec["legal_source"] = "《信用修复管理办法》"
    path = tmp_path / "penalty_v2.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    catalog_load_file(path=path)
    assert category_in_force("admin_penalty", dt.date(2026, 3, 31)).version == 1
    assert category_in_force("admin_penalty", dt.date(2026, 4, 1)).version == 2
    events = AuditEvent.objects.filter(action__startswith="catalog.", object_type="catalog.Category").count()
    catalog_load_file(path=path)
    assert AuditEvent.objects.filter(action__startswith="catalog.", object_type="catalog.Category").count() == events


def test_unknown_category_is_named(reference_data: Any) -> None:
    with pytest.raises(XinyongError) as excinfo:
        category_in_force("admin_fines", dt.date(2020, 1, 1))
    assert "admin_penalty" in excinfo.value.message
