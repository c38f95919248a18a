"""Delegated reporting (代报): which deciding authorities a unit may report for. Pure rules, then the loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinyong.org.authority import UnitFacts, entry_problems, scope_of
from xinyong.org.models import Unit
from xinyong.org.selectors import authority_scope
from xinyong.org.services import ConfigError, org_load_config

SQUAD = UnitFacts("scjgzd", "市场监督管理中队", "中队", "113202817519937875", ({"name": "江阴市市场监督管理局"},))
ENFORCEMENT = UnitFacts("zhzfj", "综合执法局（含安全监督科）", "综合执法局", "11320281014188032B")
OFFICE = UnitFacts("jjfzk", "经济发展科", "", "11320281426694273H", ({"name_pattern": "*人民法院"},))
CITY = UnitFacts("xyb", "江阴市信用办", "", "113202818291733682", ({"outside_organisation": True},))
UNITS = [SQUAD, ENFORCEMENT, OFFICE, CITY]


def test_a_unit_reports_for_itself_by_code_or_by_name() -> None:
    scope = scope_of(ENFORCEMENT, UNITS)
    assert scope.allows("综合执法局（含安全监督科）", "11320281014188032B")
    assert scope.allows(" 综合执法局 ", None)  # short name, spaces
    assert not scope.allows("综合执法局", SQUAD.uscc)  # another unit's code decides, whatever the name says
    assert not scope.allows("市场监督管理中队", None)
    assert not scope.allows("江阴市市场监督管理局", "11320281014321788Y")
    assert not scope.allows(None, None)


def test_delegation_by_name_pattern_and_outside_the_organisation() -> None:
    squad = scope_of(SQUAD, UNITS)
    assert squad.allows("江阴市市场监督管理局", "11320281014321788Y")  # an outside authority's own code
    assert not squad.allows("江阴市公安局", None)
    office = scope_of(OFFICE, UNITS)
    assert office.allows("江阴市人民法院", None) and office.allows("无锡市中级人民法院", None)
    assert not office.allows("国家税务总局江阴市税务局", None)
    city = scope_of(CITY, UNITS)
    assert city.allows("国家税务总局江阴市税务局", None) and city.allows("江阴市人民法院", "11320281466000000X")
    # Outside means outside: the organisation's own units stay theirs.
    assert not city.allows("综合执法局", None) and not city.allows("任意名称", ENFORCEMENT.uscc)
    assert "本组织机构以外的机关" in city.describe() and "名称符合“*人民法院”的机关" in office.describe()


def test_configuration_mistakes_are_named() -> None:
    known = {"zhzfj"}
    assert entry_problems([{"unit": "zhzfj"}, {"name": "江阴市公安局"}], known) == []
    problems = entry_problems(
        [{"unit": "nope"}, {"name_pattern": "*"}, "江阴市公安局", {"outside_organisation": "yes"}], known
    )
    assert len(problems) == 4
    assert "单位编码“nope”不存在" in problems[0] and "不能只有通配符" in problems[1]


@pytest.mark.django_db
def test_the_bundled_configuration_loads_delegation(tmp_path: Path) -> None:
    org_load_config()
    squad = Unit.objects.get(code="scjgzd")
    assert squad.reports_for == [{"name": "江阴市市场监督管理局"}]
    assert authority_scope(squad).allows("江阴市市场监督管理局", None)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "source: 测试\nunits:\n  - {code: x1, name: 测试单位, reports_for: [{unit: missing}]}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="单位“x1”的可代报机关：单位编码“missing”不存在"):
        org_load_config(path=bad)
