from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from xinyong.audit.models import AuditEvent
from xinyong.core.errors import XinyongError
from xinyong.core.identifiers import validate_uscc
from xinyong.org.models import LiaisonOfficer, Position, Role, Unit
from xinyong.org.selectors import require_role, unit_tree, units_for_role
from xinyong.org.services import BUNDLED_CONFIG, liaison_change, org_load_config, user_create

pytestmark = pytest.mark.django_db


def test_bundled_ligang_configuration(reference_data: Any) -> None:
    departments = Unit.objects.filter(parent__code="ligang")
    assert departments.count() == 18
    assert {"经济发展科", "综合执法局（含安全监督科）", "政务服务中心", "市场监督管理中队", "派出所"} <= set(
        departments.values_list("name", flat=True)
    )
    for unit in Unit.objects.exclude(uscc=""):
        assert validate_uscc(unit.uscc) == unit.uscc
    assert "7天双公示" in Unit.objects.get(code="zwfwzx").duties
    assert Position.objects.filter(role="leader").count() == 1
    assert LiaisonOfficer.objects.filter(end_date__isnull=True).count() == 18


def test_configuration_has_no_real_names_from_the_seed() -> None:
    seed_names = {"陈奕", "曹鸣", "吴玉兰", "凌建华", "徐坚雯", "崔健", "祖小龙", "王士伟", "许芝娟", "成德祥"}
    text = BUNDLED_CONFIG.read_text(encoding="utf-8")
    assert not [name for name in seed_names if name in text]


def test_tree_of_any_depth_and_reload_is_idempotent(reference_data: Any, tmp_path: Any) -> None:
    config = {
        "source": "测试配置",
        "units": [
            {"code": "ligang-cun", "name": "利港村", "kind": "village", "parent": "ligang"},
            {"code": "ligang-cun-1", "name": "利港村一组", "kind": "other", "parent": "ligang-cun"},
        ],
    }
    path = tmp_path / "deeper.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    org_load_config(path=path)
    depths = {unit.code: depth for unit, depth in unit_tree()}
    assert depths["jiangyin"] == 0 and depths["ligang"] == 1 and depths["ligang-cun-1"] == 3
    events = AuditEvent.objects.count()
    org_load_config(path=path)
    # A reload that changes nothing writes only the load event itself, no unit events.
    assert AuditEvent.objects.count() == events + 1


def test_org_list_json(reference_data: Any, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("org", "list", "--json")
    units = json.loads(capsys.readouterr().out)
    zhzfj = next(u for u in units if u["code"] == "zhzfj")
    assert zhzfj["parent"] == "ligang"
    assert zhzfj["name"] == "综合执法局（含安全监督科）"
    assert validate_uscc(zhzfj["uscc"]) == zhzfj["uscc"]


def test_roles_are_scoped_to_units(reference_data: Any) -> None:
    zhzfj = Unit.objects.get(code="zhzfj")
    zwfwzx = Unit.objects.get(code="zwfwzx")
    reporter = user_create(
        username="bs", password="x-Long-pass-1", display_name="报送员", unit=zhzfj, roles=[(Role.REPORTER, zhzfj)],
        actor=None,
    )
    admin = user_create(
        username="xyb", password="x-Long-pass-1", display_name="管理员", unit=None,
        roles=[(Role.CREDIT_ADMIN, Unit.objects.get(code="ligang"))], actor=None,
    )
    require_role(reporter, Role.REPORTER, zhzfj)
    with pytest.raises(XinyongError) as excinfo:
        require_role(reporter, Role.REPORTER, zwfwzx)
    assert "政务服务中心" in excinfo.value.message
    with pytest.raises(XinyongError):
        require_role(reporter, Role.AUDITOR)
    # The credit office holds every role over the units below it.
    require_role(admin, Role.REPORTER, zwfwzx)
    assert units_for_role(admin, Role.CREDIT_ADMIN).filter(code="zhzfj").exists()
    assert not units_for_role(admin, Role.CREDIT_ADMIN).filter(code="jiangyin").exists()


def test_liaison_change_keeps_history(reference_data: Any) -> None:
    unit = Unit.objects.get(code="hbk")
    liaison_change(
        unit=unit, name="新联络员", phone="0510-80000000", start_date=dt.date(2020, 6, 1), handover_done=True,
        notified=False, actor=None,
    )
    history = list(LiaisonOfficer.objects.filter(unit=unit).order_by("start_date"))
    assert len(history) == 2
    assert history[0].end_date == dt.date(2020, 6, 1) and history[0].handover_done and not history[0].notified
    assert history[1].end_date is None
    assert AuditEvent.objects.filter(action="org.liaison_ended").exists()
