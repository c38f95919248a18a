"""Lists, memoranda and the check, against a real database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from xinyong.audit.models import AuditEvent
from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import make_resident_id
from xinyong.core.names import org_name_key
from xinyong.lists.models import (
    CheckLog,
    CheckOutcome,
    EntryStatus,
    ListEntry,
    ListKind,
    Matter,
    Measure,
    Memorandum,
)
from xinyong.lists.results import CheckHit, CheckResult
from xinyong.lists.services import (
    RULES_DIR,
    check_batch,
    check_subject,
    dismissal_create,
    entry_exit,
    entry_publish,
    lists_load,
    outcome_record,
)
from xinyong.lists.tests.conftest import DAFENG, HENGYUAN, XINGDA, listed
from xinyong.org.models import User

pytestmark = pytest.mark.django_db


# -- rules as data ------------------------------------------------------------------------------------------


def test_shipped_rules_load_and_every_measure_has_a_legal_basis(rules: None) -> None:
    assert ListKind.objects.filter(code="court_defaulter", list_type="black").exists()
    assert ListKind.objects.filter(code="tax_grade_a", list_type="red").exists()
    memo = Memorandum.objects.get(number="发改财金〔2016〕141号")
    assert list(memo.kinds.values_list("code", flat=True)) == ["court_defaulter"]
    assert memo.measures.filter(matters__icontains="procurement").exists()
    assert not Measure.objects.filter(legal_basis="").exists()
    for measure in Measure.objects.all():
        assert set(measure.matters) <= set(Matter.values)
    # Loading again changes nothing.
    before = Measure.objects.count()
    lists_load()
    assert Measure.objects.count() == before
    assert AuditEvent.objects.filter(action="lists.rules_loaded").count() == 2


def test_a_punishment_without_legal_basis_is_refused(db: None, tmp_path: Path) -> None:
    (tmp_path / "list_kinds.yaml").write_text(
        (RULES_DIR / "list_kinds.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    spec = yaml.safe_load((RULES_DIR / "memoranda.yaml").read_text(encoding="utf-8"))
    spec["memoranda"][0]["measures"][0]["legal_basis"] = " "
    (tmp_path / "memoranda.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(XinyongError) as caught:
        lists_load(rules_dir=tmp_path)
    assert caught.value.code == ErrorCode.NO_LEGAL_BASIS
    assert not Memorandum.objects.exists()  # the whole load rolled back


# -- lifecycle -----------------------------------------------------------------------------------------------


def test_recognise_publish_exit_are_audited_and_publish_sets_the_planned_exit(rules: None) -> None:
    entry = listed("court_defaulter", "江阴市恒通五金有限公司", published=None, objection_days=10)
    assert entry.status == EntryStatus.RECOGNISED
    assert entry.objection_end == dt.date(2026, 2, 11)
    with pytest.raises(XinyongError) as caught:
        entry_publish(actor=None, entry=entry, published_on=dt.date(2026, 2, 11))
    assert caught.value.code == ErrorCode.LIST_ENTRY_STATE
    entry = entry_publish(actor=None, entry=entry, published_on=dt.date(2026, 2, 12))
    assert entry.planned_exit == dt.date(2028, 2, 12)  # the court list's two years
    with pytest.raises(XinyongError) as caught:
        entry_exit(actor=None, entry=entry, reason="performance", note="")
    assert caught.value.code == ErrorCode.REQUIRED
    entry = entry_exit(actor=None, entry=entry, reason="performance", note="已全部履行生效法律文书确定的义务")
    assert entry.status == EntryStatus.EXITED
    actions = list(AuditEvent.objects.filter(object_id=str(entry.pk)).values_list("action", flat=True))
    assert actions == ["lists.entry_recognised", "lists.entry_published", "lists.entry_exited"]


# -- the check -----------------------------------------------------------------------------------------------


def test_check_by_code_returns_the_hit_and_the_measures_of_this_matter(
    entries: dict[str, ListEntry], handler: User
) -> None:
    result = check_subject(
        actor=handler, matter="procurement", purpose="2026年办公设备采购项目", code=HENGYUAN
    )
    assert [h.entry for h in result.hits] == [entries["hengyuan"]]
    hit = result.hits[0]
    assert hit.score == 1.0 and "统一社会信用代码一致" in hit.explanation
    assert [m.text for m in hit.measures] == ["限制失信被执行人作为供应商参加政府采购活动"]
    assert all("procurement" in m.matters for m in hit.measures)
    # The same hit in another matter carries that matter's measures.
    land = check_subject(actor=handler, matter="land", purpose="地块出让", code=HENGYUAN)
    assert [m.text for m in land.hits[0].measures] == ["限制失信被执行人取得政府供应土地"]
    log = CheckLog.objects.get(pk=result.log.pk)
    assert (log.actor, log.matter, log.purpose, log.hit_count) == (
        handler,
        "procurement",
        "2026年办公设备采购项目",
        1,
    )
    assert AuditEvent.objects.filter(action="lists.checked", object_id=str(log.pk)).exists()


def test_check_by_name_finds_variants_but_not_branches_or_other_companies(
    entries: dict[str, ListEntry], handler: User
) -> None:
    def found(name: str) -> list[ListEntry]:
        return [
            h.entry for h in check_subject(actor=handler, matter="bidding", purpose="招标", name=name).hits
        ]

    assert found("利港恒远机械有限责任公司") == [entries["hengyuan"]]
    assert found("江蘇省江陰市利港恒遠機械有限公司") == [entries["hengyuan"]]
    assert found("江阴市利港恒远机械有限公司澄江分公司") == []
    assert found("江阴市利港恒达机械有限公司") == []
    hit = check_subject(
        actor=handler, matter="bidding", purpose="招标", name="利港恒远机械有限责任公司"
    ).hits[0]
    assert 0.85 <= hit.score < 1.0 and hit.reasons


def test_unpublished_and_exited_entries_produce_no_hits(entries: dict[str, ListEntry], handler: User) -> None:
    assert (
        check_subject(actor=handler, matter="bidding", purpose="招标", name="江阴澄安建设工程有限公司").hits
        == []
    )
    assert check_subject(actor=handler, matter="funds", purpose="专项资金", code=DAFENG).hits
    entry_exit(actor=None, entry=entries["dafeng"], reason="repair", note="已补缴税款并完成信用修复")
    assert check_subject(actor=handler, matter="funds", purpose="专项资金", code=DAFENG).hits == []


def test_an_entry_past_its_planned_exit_stops_hitting_before_the_exit_run(
    entries: dict[str, ListEntry], handler: User
) -> None:
    ListEntry.objects.filter(pk=entries["hengyuan"].pk).update(planned_exit=dt.date(2026, 11, 27))
    assert check_subject(actor=handler, matter="procurement", purpose="采购", code=HENGYUAN).hits
    with clock.frozen("2026-11-27T00:00:01+08:00"):
        assert check_subject(actor=handler, matter="procurement", purpose="采购", code=HENGYUAN).hits == []


def test_red_list_hits_carry_rewards(entries: dict[str, ListEntry], handler: User) -> None:
    result = check_subject(actor=handler, matter="licence", purpose="施工许可", name="江阴兴达纺织有限公司")
    assert [h.entry for h in result.hits] == [entries["xingda_red"]]
    assert [m.nature for m in result.hits[0].measures] == ["reward"]


def test_check_needs_a_matter_a_purpose_and_a_party(entries: dict[str, ListEntry], handler: User) -> None:
    for kwargs, code in (
        ({"matter": "lottery", "purpose": "x", "code": HENGYUAN}, ErrorCode.UNKNOWN_MATTER),
        ({"matter": "bidding", "purpose": " ", "code": HENGYUAN}, ErrorCode.REQUIRED),
        ({"matter": "bidding", "purpose": "招标"}, ErrorCode.REQUIRED),
    ):
        with pytest.raises(XinyongError) as caught:
            check_subject(actor=handler, **kwargs)  # type: ignore[arg-type]
        assert caught.value.code == code
    assert not CheckLog.objects.exists()


# -- closing the loop ----------------------------------------------------------------------------------------


def test_outcome_applied_or_not_applied_with_reason(entries: dict[str, ListEntry], handler: User) -> None:
    result = check_subject(actor=handler, matter="procurement", purpose="采购", code=HENGYUAN)
    measure = result.hits[0].measures[0]
    with pytest.raises(XinyongError) as caught:
        outcome_record(
            actor=handler, check_log=result.log, entry=entries["hengyuan"], measure=measure, applied=False
        )
    assert caught.value.code == ErrorCode.REQUIRED
    outcome = outcome_record(
        actor=handler, check_log=result.log, entry=entries["hengyuan"], measure=measure, applied=True
    )
    assert CheckOutcome.objects.get(pk=outcome.pk).applied
    # An entry the check did not return cannot get an outcome.
    with pytest.raises(XinyongError):
        outcome_record(actor=handler, check_log=result.log, entry=entries["dafeng"], applied=True)
    assert AuditEvent.objects.filter(action="lists.outcome_recorded").count() == 1


def test_a_dismissal_is_remembered_for_later_checks_of_the_same_party(
    entries: dict[str, ListEntry], handler: User
) -> None:
    name = "利港恒远机械有限责任公司"
    first = check_subject(actor=handler, matter="bidding", purpose="招标", name=name)
    assert first.hits
    dismissal_create(
        actor=handler,
        check_log=first.log,
        entry=entries["hengyuan"],
        reason="经核实为不同主体，注册地址和法定代表人均不同",
    )
    later = check_subject(actor=handler, matter="bidding", purpose="招标", name=name)
    assert later.hits == []
    assert [h.entry for h in later.dismissed] == [entries["hengyuan"]]
    assert later.dismissed[0].dismissal is not None and later.dismissed[0].dismissal.actor == handler
    # Another party with a similar name is not covered by this dismissal; the exact code still hits.
    assert check_subject(actor=handler, matter="bidding", purpose="招标", code=HENGYUAN).hits


def test_an_identifier_match_cannot_be_dismissed(entries: dict[str, ListEntry], handler: User) -> None:
    result = check_subject(actor=handler, matter="bidding", purpose="招标", code=HENGYUAN)
    with pytest.raises(XinyongError) as caught:
        dismissal_create(
            actor=handler, check_log=result.log, entry=entries["hengyuan"], reason="不是同一主体"
        )
    assert caught.value.code == ErrorCode.BAD_CHOICE


def test_a_batch_is_logged_per_check_and_audited_per_chunk(entries: dict[str, ListEntry], handler: User) -> None:
    from xinyong.audit.services import audit_verify

    rows = [("江阴市利港恒远机械有限公司", ""), ("", DAFENG), ("江阴市清风电子有限公司", ""), ("", "")]
    results = check_batch(actor=handler, matter="bidding", purpose="某工程招标资格审查", rows=rows)
    assert [bool(r.any_hit) for r in results] == [True, True, False]  # the empty row is skipped
    logs = {r.log.pk for r in results}
    assert len({r.log.batch_ref for r in results}) == 1
    assert all(r.log.department == handler.unit for r in results)
    event = AuditEvent.objects.get(action="lists.batch_checked")
    assert set(event.after["checks"]) == logs and len(event.after["hits"]) == 2
    assert not AuditEvent.objects.filter(action="lists.checked").exists()
    assert audit_verify() is None


def _answer(result: CheckResult) -> dict[str, object]:
    def hits(found: list[CheckHit]) -> list[tuple[int, float, object, list[int], int | None]]:
        return [
            (h.entry.pk, h.score, h.reasons, [m.pk for m in h.measures], h.dismissal.pk if h.dismissal else None)
            for h in found
        ]

    return {
        "subject": result.subject.pk if result.subject else None,
        "hits": hits(result.hits),
        "dismissed": hits(result.dismissed),
        "records": [(h.record.pk, h.reasons, [m.pk for m in h.measures]) for h in result.record_hits],
        "stored": result.log.hits,
    }


def test_a_batch_answers_each_party_exactly_as_a_single_check_does(
    entries: dict[str, ListEntry], handler: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinyong.lists import services
    from xinyong.subjects.models import Subject

    person = make_resident_id("320281", dt.date(1980, 5, 17), 123)
    listed("court_defaulter", "王某某", person_id=person)
    now = clock.now()
    Subject.objects.create(kind="legal_person", name="江阴兴达纺织有限公司", name_key=org_name_key("江阴兴达纺织有限公司"),
                           uscc=XINGDA, created_at=now, updated_at=now)
    dismissed_name = "利港恒远机械有限责任公司"
    first = check_subject(actor=handler, matter="procurement", purpose="采购", name=dismissed_name)
    dismissal_create(actor=handler, check_log=first.log, entry=entries["hengyuan"], reason="经核实为不同主体")
    rows = [
        ("江阴市利港恒远机械有限公司", ""),  # as listed
        ("江陰市利港恒遠機械有限公司", ""),  # traditional forms
        ("江阴市利港恒远机械有限公司江阴分公司", ""),  # a branch: no hit
        (dismissed_name, ""),  # dismissed for this party
        ("", DAFENG),  # by code
        ("随便写的名字", DAFENG.lower()),  # the code decides
        ("江阴兴达纺织有限公司", ""),  # a registered subject found by its name: the red list by its link
        ("", person),  # a person's id
        ("江阴市清风电子有限公司", ""),  # nobody
        ("江阴市利港恒远机械有限公司", ""),  # the same party twice in one batch
    ]
    # Chunks of three: the screening of one chunk must not leak into the next.
    monkeypatch.setattr(services, "_BATCH_COMMIT_ROWS", 3)
    batch = check_batch(actor=handler, matter="procurement", purpose="某采购项目资格审查", rows=rows)
    single = [
        check_subject(actor=handler, matter="procurement", purpose="某采购项目资格审查", name=name, code=code)
        for name, code in rows
    ]
    assert [_answer(b) for b in batch] == [_answer(s) for s in single]
    assert [len(b.hits) for b in batch] == [1, 1, 0, 0, 1, 1, 1, 1, 0, 1]
    assert batch[3].dismissed and batch[3].dismissed[0].entry == entries["hengyuan"]
    assert batch[6].subject is not None and batch[6].subject.uscc == XINGDA
    assert AuditEvent.objects.filter(action="lists.batch_checked").count() == 4
