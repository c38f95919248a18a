"""Publicity end to end: files imported with chosen decision dates, then public view on the boundary days."""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from xinyong.audit.models import AuditEvent
from xinyong.audit.services import audit_verify
from xinyong.core import clock
from xinyong.core.errors import XinyongError
from xinyong.core.identifiers import make_uscc
from xinyong.core.timeliness import ON_TIME
from xinyong.intake.models import Batch
from xinyong.intake.services import import_file
from xinyong.intake.tests.test_import import COMPANY, _at, _unit
from xinyong.org.models import Unit, User
from xinyong.records.models import Record, RecordStatus
from xinyong.records.publicity import RULES_PATH, parse_rules
from xinyong.records.selectors import publicity_state, published_records
from xinyong.records.services import RecordDraft, record_publicity_recompute, record_revoke, records_upsert

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat
HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政处罚决定书文号", "违法行为类型", "违法事实",
    "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期", "公示截止期",
    "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码",
]
ROADS = "《城市道路管理条例》第四十二条"


def _penalty(doc: str, decision: str, kinds: str = "罚款", *, end: str = "", basis: str = ROADS) -> list[str]:
    unit = _unit()
    fine = "0.5" if "罚款" in kinds else ""
    licence = "食品经营许可证 JY13202810000001" if "吊销" in kinds else ""
    return [
        "江阴市利港恒远机械有限公司", "法人及非法人组织", COMPANY, doc, "擅自占用城市道路堆放物料", "经查属实", basis, kinds,
        f"{kinds}", fine, licence, decision, end, unit.name, unit.uscc, unit.name, unit.uscc,
    ]


def _import(tmp_path: Path, name: str, rows: list[list[str]], submitted: str) -> Any:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    result = import_file(path=path, category_code="admin_penalty", department=_unit(), submitted_at=_at(submitted))
    assert result.rejected == 0, result.errors
    return result


def _record(doc: str) -> Record:
    return Record.objects.get(key__startswith=doc)


def _public_on(day: str) -> set[str]:
    return {key.split("|")[0] for key in published_records(on=D(day)).values_list("key", flat=True)}


# (document number, decision date, penalty kinds, department's 公示截止期, expected last public day or None)
BOUNDARIES = [
    ("澄综执罚〔2019〕1号", "2019-06-30", "罚款", "", None),  # before the first rule: nothing to rely on
    ("澄综执罚〔2019〕2号", "2019-07-01", "罚款", "", "2020-07-01"),  # 527号, general: 1 year
    ("澄综执罚〔2023〕1号", "2023-04-30", "罚款", "", "2024-04-30"),  # still 527号
    ("澄综执罚〔2023〕2号", "2023-05-01", "罚款", "", "2026-05-01"),  # 58号令: 3 years
    ("澄综执罚〔2026〕1号", "2026-03-31", "警告", "", "2029-03-31"),  # 58号令: a warning is public for 3 years
    ("澄综执罚〔2026〕2号", "2026-04-01", "警告", "", None),  # 2026: minor, not published
    ("澄综执罚〔2026〕3号", "2026-04-01", "罚款、责令停产停业", "", "2029-04-01"),  # 2026 serious: 3 years
    ("澄综执罚〔2026〕4号", "2026-04-01", "罚款", "2026-09-30", "2026-09-30"),  # department's end within 3m–1y
    ("澄综执罚〔2020〕1号", "2020-01-15", "罚款", "2022-01-15", "2021-01-15"),  # beyond 1 year: the maximum
]


def test_imported_records_enter_and_leave_public_view_at_the_boundary_days(reference_data: Any, tmp_path: Path) -> None:
    rows = [_penalty(doc, decision, kinds, end=end) for doc, decision, kinds, end, _ in BOUNDARIES]
    _import(tmp_path, "处罚.csv", rows, "2026-04-03T10:00")
    for doc, decision, _kinds, _end, last in BOUNDARIES:
        record = _record(doc)
        assert record.publicity_end == (D(last) if last else None), doc
        if last is None:
            assert doc not in _public_on(decision)
            assert publicity_state(record, D(decision)) == "不予公示"
            continue
        assert doc in _public_on(decision), doc
        assert doc in _public_on(last), doc
        day_after = (D(last) + dt.timedelta(days=1)).isoformat()
        assert doc not in _public_on(day_after), doc
        assert publicity_state(record, D(last)) == "公示中"
        assert publicity_state(record, D(day_after)) == "公示期满"
        # The platform clock decides "today": the same answer without an explicit day.
        with clock.frozen(f"{last}T23:59:59+08:00"):
            assert record in published_records()
        with clock.frozen(f"{day_after}T00:00:00+08:00"):
            assert record not in published_records()
    assert (_record("澄综执罚〔2019〕2号").publicity_regime, _record("澄综执罚〔2019〕2号").severity) == (
        "fgw-2019-527", "general",
    )
    assert _record("澄综执罚〔2023〕2号").publicity_regime == "fgw-2023-58"
    assert (_record("澄综执罚〔2026〕2号").publicity_regime, _record("澄综执罚〔2026〕2号").severity) == (
        "fgw-2026-xyxf", "minor",
    )
    assert _record("澄综执罚〔2026〕3号").severity == "serious"
    assert _record("澄综执罚〔2019〕1号").publicity_regime == ""


def test_the_upsert_reports_publicity_warnings_for_the_clerk(reference_data: Any, tmp_path: Path) -> None:
    imported = _import(tmp_path, "a.csv", [_penalty("澄综执罚〔2020〕7号", "2020-03-02")], "2020-03-05T10:00")
    batch = Batch.objects.get(pk=imported.batch)
    drafts = [
        RecordDraft(3, "k1", {"CF_CFLB": ["罚款"], "CF_GSJZQ": "2023-01-01"}, None, D("2020-01-15")),
        RecordDraft(4, "k2", {"CF_CFLB": ["罚款"]}, None, D("2019-01-15")),
        RecordDraft(5, "k3", {"CF_CFLB": ["罚款"]}, None, D("2020-01-15")),
    ]
    result = records_upsert(
        batch=batch,
        category=batch.category,
        source_unit_id=None,
        submitted_at=_at("2020-03-05T10:00"),
        drafts=drafts,
        timeliness_of=lambda decision, submitted: ON_TIME,
    )
    assert [row for row, _ in result.publicity_warnings] == [3, 4]
    assert "2023-01-01" in result.publicity_warnings[0][1] and "2021-01-15" in result.publicity_warnings[0][1]
    assert "2019-07-01" in result.publicity_warnings[1][1]
    assert Record.objects.get(key="k1").publicity_end == D("2021-01-15")
    assert Record.objects.get(key="k2").publicity_end is None
    assert Record.objects.get(key="k3").publicity_end == D("2021-01-15")


def test_a_revised_decision_gets_a_new_term(reference_data: Any, tmp_path: Path) -> None:
    _import(tmp_path, "a.csv", [_penalty("澄综执罚〔2020〕5号", "2020-01-15")], "2020-01-20T10:00")
    first = _record("澄综执罚〔2020〕5号")
    assert (first.severity, first.publicity_end) == ("general", D("2021-01-15"))
    _import(tmp_path, "b.csv", [_penalty("澄综执罚〔2020〕5号", "2020-01-15", "罚款、吊销许可证件")], "2020-02-20T10:00")
    revised = _record("澄综执罚〔2020〕5号")
    assert revised.version == 2
    assert (revised.severity, revised.publicity_regime, revised.publicity_end) == (
        "serious", "fgw-2019-527", D("2023-01-15"),
    )
    assert revised in published_records(on=D("2022-06-01"))


def test_revoked_repaired_and_objected_records(reference_data: Any, tmp_path: Path) -> None:
    docs = ["澄综执罚〔2020〕11号", "澄综执罚〔2020〕12号", "澄综执罚〔2020〕13号"]
    _import(tmp_path, "a.csv", [_penalty(doc, "2020-06-01") for doc in docs], "2020-06-03T10:00")
    revoked, repaired, objected = (_record(doc) for doc in docs)
    day = D("2020-08-01")
    assert set(published_records(on=day)) == {revoked, repaired, objected}
    record_revoke(record=revoked, reason="行政复议撤销原处罚决定", actor=None)
    # No repair workflow yet (a later issue): the status is what matters to public view.
    Record.objects.filter(pk=repaired.pk).update(status=RecordStatus.REPAIRED)
    Record.objects.filter(pk=objected.pk).update(under_objection=True)
    assert set(published_records(on=day)) == {objected}
    states = {r.key.split("|")[0]: publicity_state(r, day) for r in Record.objects.select_related("category")}
    assert states == {docs[0]: "已撤销", docs[1]: "已信用修复", docs[2]: "异议中"}
    # Kept internally with their terms.
    assert Record.objects.get(pk=repaired.pk).publicity_end == D("2021-06-01")


def test_a_category_that_is_not_public_shows_nothing(reference_data: Any, tmp_path: Path) -> None:
    _import(tmp_path, "a.csv", [_penalty("澄综执罚〔2020〕21号", "2020-06-01")], "2020-06-03T10:00")
    record = _record("澄综执罚〔2020〕21号")
    type(record.category).objects.filter(pk=record.category_id).update(disclosure="shared")
    assert not published_records(on=D("2020-07-01")).exists()
    assert publicity_state(Record.objects.select_related("category").get(pk=record.pk), D("2020-07-01")) == "不予公示"


LICENCE_HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政许可决定文书名称", "行政许可决定文书号",
    "许可类别", "许可内容", "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态",
    "数据来源单位", "数据来源单位统一社会信用代码",
]


def test_licences_are_public_while_in_force(reference_data: Any, tmp_path: Path) -> None:
    unit = Unit.objects.get(code="zwfwzx")
    other = make_uscc("91", "320281", "MA1P3Q4R")

    def row(doc: str, state: str) -> list[str]:
        return [
            "江阴市利港某某餐饮有限公司", "法人及非法人组织", other, "食品经营许可决定书", doc, "普通", "食品经营许可",
            "2020-05-06", "2020-05-06", "2025-05-05", unit.name, unit.uscc, state, unit.name, unit.uscc,
        ]

    path = tmp_path / "许可.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LICENCE_HEADER)
        writer.writerows([row("澄行审许〔2020〕1号", "有效"), row("澄行审许〔2020〕2号", "无效")])
    result = import_file(path=path, category_code="admin_license", department=unit, submitted_at=_at("2020-05-08T10:00"))
    assert result.rejected == 0, result.errors
    valid, invalid = _record("澄行审许〔2020〕1号"), _record("澄行审许〔2020〕2号")
    assert (valid.publicity_regime, valid.severity, valid.publicity_end) == ("xk-in-force", "", D("2025-05-05"))
    assert invalid.publicity_end is None
    assert set(published_records(on=D("2025-05-05"))) == {valid}
    assert not published_records(on=D("2025-05-06")).exists()


# --- recompute and show -------------------------------------------------------------------------------------


def _longer_rules() -> Any:
    spec = yaml.safe_load(RULES_PATH.read_text("utf-8"))
    spec["rule_sets"]["admin_penalty"]["regimes"][0]["classes"]["general"]["max"] = {"years": 2}
    return parse_rules(spec, sha256="edited")


def test_recompute_after_a_rule_change_is_one_audited_event(reference_data: Any, tmp_path: Path) -> None:
    _import(
        tmp_path,
        "a.csv",
        [_penalty("澄综执罚〔2020〕31号", "2020-01-15"), _penalty("澄综执罚〔2020〕32号", "2020-01-15", "罚款、责令关闭")],
        "2020-01-20T10:00",
    )
    general, serious = _record("澄综执罚〔2020〕31号"), _record("澄综执罚〔2020〕32号")
    result = record_publicity_recompute(actor=None, rules=_longer_rules())
    assert (result.examined, result.changed) == (2, 1)
    general.refresh_from_db()
    serious.refresh_from_db()
    assert general.publicity_end == D("2022-01-15") and serious.publicity_end == D("2023-01-15")
    event = AuditEvent.objects.get(action="records.publicity_recomputed")
    assert event.after is not None and event.after["changed"] == 1 and event.after["rules_sha256"] == "edited"
    # Back to the shipped rules, for one category, from the command line.
    out = _call("publicity", "recompute", "--category", "admin_penalty", "--json")
    assert json.loads(out)["changed"] == 1
    general.refresh_from_db()
    assert general.publicity_end == D("2021-01-15")
    assert AuditEvent.objects.filter(action="records.publicity_recomputed").count() == 2
    assert audit_verify() is None
    assert "已检查 2 条记录，公示期限有变化的 0 条" in _call("publicity", "recompute")
    with pytest.raises(XinyongError, match="没有编码为"):
        record_publicity_recompute(actor=None, category_code="no_such_category")
    with pytest.raises(CommandError, match="没有编码为"):
        _call("publicity", "recompute", "--category", "no_such_category")


def test_show_explains_a_record(reference_data: Any, tmp_path: Path) -> None:
    _import(
        tmp_path, "a.csv", [_penalty("澄综执罚〔2024〕1号", "2024-03-10", basis="《中华人民共和国消防法》第六十条")],
        "2024-03-12T10:00",
    )
    record = _record("澄综执罚〔2024〕1号")
    with clock.frozen("2024-06-01T10:00:00+08:00"):
        out = _call("publicity", "show", str(record.pk))
    assert "国家发展改革委令2023年第58号" in out
    assert "属消防领域" in out and "最短公示期至：2025-03-10" in out
    assert "公示截止日期：2027-03-10" in out and "当前状态：公示中" in out
    assert "注意" not in out
    Record.objects.filter(pk=record.pk).update(publicity_end=D("2025-01-01"))
    with clock.frozen("2024-06-01T10:00:00+08:00"):
        payload = json.loads(_call("publicity", "show", str(record.pk), "--json"))
    assert payload["stale"] is True and payload["current"]["publicity_end"] == "2027-03-10"
    assert payload["regime"] == "fgw-2023-58" and payload["severity"] == "general"
    with pytest.raises(CommandError, match="找不到"):
        _call("publicity", "show", "999999")


def test_admin_shows_publicity_read_only(reference_data: Any, tmp_path: Path) -> None:
    _import(tmp_path, "a.csv", [_penalty("澄综执罚〔2020〕41号", "2020-01-15")], "2020-01-20T10:00")
    record = _record("澄综执罚〔2020〕41号")
    root = User.objects.create_superuser(username="root", password="a-Long-pass-9", email="")
    client = Client()
    # force_login: Client.login calls authenticate() without the request that django-axes' backend needs.
    client.force_login(root)
    with clock.frozen("2020-06-01T10:00:00+08:00"):
        listing = client.get("/admin/records/record/")
        page = client.get(f"/admin/records/record/{record.pk}/change/")
    assert listing.status_code == 200 and "公示中" in listing.content.decode()
    text = page.content.decode()
    assert page.status_code == 200
    assert "公示截止日期" in text and "2021年1月15日" in text and "fgw-2019-527" in text and "公示中" in text
    assert 'name="publicity_end"' not in text


def _call(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_category_without_publicity_rules_stores_no_term(reference_data: Any, tmp_path: Path) -> None:
    path = tmp_path / "登记.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["名称", "统一社会信用代码", "法定代表人", "成立日期"])
        writer.writerow(["江阴市利港恒远机械有限公司", COMPANY, "某乙", "2015-03-02"])
    unit = Unit.objects.get(code="jjfzk")
    result = import_file(path=path, category_code="legal_person", department=unit, submitted_at=_at("2020-01-06T10:00"))
    assert result.accepted == 1, result.errors
    records = list(Record.objects.filter(category_code="legal_person"))
    assert records and all((r.severity, r.publicity_regime, r.publicity_end) == ("", "", None) for r in records)
