"""Publicity periods as pure rules: no database. Boundary dates of each rule version, severity, periods, warnings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from xinyong.records.models import RecordStatus, Severity
from xinyong.records.publicity import (
    RULES_PATH,
    SEVERITY_LABELS,
    STATUS_ACTIVE,
    STATUS_REPAIRED,
    STATUS_REVOKED,
    PublicityCalculator,
    PublicityRulesError,
    PublicityState,
    add_months,
    kinds_of,
    load_rules,
    parse_rules,
    publicity_term,
    rules_from_text,
    state_of,
)

D = dt.date.fromisoformat
RULES = load_rules()
CATALOG_DIR = RULES_PATH.parents[2] / "catalog" / "rules"
FIRE = "《中华人民共和国消防法》第六十条"
ROADS = "《城市道路管理条例》第四十二条"
PENALTY_KINDS = [
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级", "吊销许可证件",
    "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他",
]


def penalty(kinds: list[str], *, basis: str = ROADS, end: str | None = None, **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {"CF_CFLB": kinds, "CF_YJ": basis, "CF_WFXW": "擅自占用城市道路", "CF_CFJG": "某综合执法局"}
    if end:
        data["CF_GSJZQ"] = end
    data.update(extra)
    return data


def term(data: dict[str, Any], decision: str, rule: str = "admin_penalty") -> Any:
    return publicity_term(rule, data, D(decision), rules=RULES)


# --- the shipped rules --------------------------------------------------------------------------------------


def test_shipped_rules_name_their_sources_and_dates() -> None:
    penalty_rules = RULES.rule_sets["admin_penalty"]
    assert [(r.code, r.effective_from) for r in penalty_rules.regimes] == [
        ("fgw-2019-527", D("2019-07-01")),
        ("fgw-2023-58", D("2023-05-01")),
        ("fgw-2026-xyxf", D("2026-04-01")),
    ]
    assert "发改办财金〔2019〕527号" in penalty_rules.regimes[0].source
    assert "第58号" in penalty_rules.regimes[1].source
    assert "信用修复管理办法" in penalty_rules.regimes[2].source
    for rule_set in RULES.rule_sets.values():
        for regime in rule_set.regimes:
            assert regime.source and regime.note
    assert RULES.rule_sets["admin_license"].regimes[0].source.startswith("《中华人民共和国行政许可法》第四十条")


def test_labels_match_the_model() -> None:
    assert dict(Severity.choices) == SEVERITY_LABELS
    model_statuses = (RecordStatus.ACTIVE.value, RecordStatus.REVOKED.value, RecordStatus.REPAIRED.value)
    assert model_statuses == (STATUS_ACTIVE, STATUS_REVOKED, STATUS_REPAIRED)


def test_every_catalog_penalty_kind_is_graded_by_every_regime() -> None:
    """A kind the catalog accepts but a regime lacks would silently take the default: the tables name them all
    where it matters, and the catalog's list is the one the rules expect."""
    catalog = yaml.safe_load((CATALOG_DIR / "admin_penalty.yaml").read_text("utf-8"))
    kinds = next(f for f in catalog["fields"] if f["code"] == "CF_CFLB")["choices"]
    assert kinds == PENALTY_KINDS
    for regime in RULES.rule_sets["admin_penalty"].regimes:
        assert set(regime.kinds) <= set(kinds)


# --- rule version by decision date --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "regime", "severity", "end"),
    [
        # Before the first rule: nothing to rely on, not published (and the clerk is told).
        ("2019-06-30", "", "", None),
        ("2019-07-01", "fgw-2019-527", "general", "2020-07-01"),
        ("2023-04-30", "fgw-2019-527", "general", "2024-04-30"),
        ("2023-05-01", "fgw-2023-58", "general", "2026-05-01"),
        ("2026-03-31", "fgw-2023-58", "general", "2029-03-31"),
        ("2026-04-01", "fgw-2026-xyxf", "general", "2027-04-01"),
    ],
)
def test_fine_at_the_boundaries_of_each_rule_version(decision: str, regime: str, severity: str, end: str | None) -> None:
    result = term(penalty(["罚款"]), decision)
    assert (result.regime, result.severity) == (regime, severity)
    assert result.end == (D(end) if end else None)
    assert bool(result.warning) == (regime == "")


@pytest.mark.parametrize(
    ("decision", "severity", "end"),
    [
        ("2019-07-01", "general", "2020-07-01"),  # 527号 has no minor class: a warning is general
        ("2026-03-31", "general", "2029-03-31"),  # 58号令: 3 months to 3 years
        ("2026-04-01", "minor", None),  # 2026: minor, not published in principle
    ],
)
def test_warning_only(decision: str, severity: str, end: str | None) -> None:
    result = term(penalty(["警告"]), decision)
    assert (result.severity, result.end) == (severity, D(end) if end else None)
    assert result.warning == ""


def test_circulated_criticism_is_minor_only_from_2026() -> None:
    assert term(penalty(["通报批评"]), "2026-03-31").severity == "general"
    assert term(penalty(["通报批评"]), "2026-04-01").severity == "minor"


@pytest.mark.parametrize(
    ("decision", "min_end", "end"),
    [
        ("2020-03-10", "2020-09-10", "2023-03-10"),  # 527号 serious: 6 months to 3 years
        ("2023-05-10", "2023-08-10", "2026-05-10"),  # 58号令: the same range for every penalty outside the domains
        ("2026-04-10", "2027-04-10", "2029-04-10"),  # 2026 serious: 1 to 3 years
    ],
)
def test_licence_revoked_is_serious(decision: str, min_end: str, end: str) -> None:
    result = term(penalty(["罚款", "吊销许可证件"]), decision)
    assert result.severity == "serious"
    assert (result.min_end, result.end, result.max_end) == (D(min_end), D(end), D(end))


@pytest.mark.parametrize("kind", ["吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业"])
def test_several_kinds_the_longest_period_applies(kind: str) -> None:
    alone = term(penalty(["警告", "罚款"]), "2026-05-06")
    assert (alone.severity, alone.end) == ("general", D("2027-05-06"))
    combined = term(penalty(["警告", "罚款", kind]), "2026-05-06")
    assert (combined.severity, combined.end) == ("serious", D("2029-05-06"))
    assert any("以期限最长的为准" in reason for reason in combined.reasons)


def test_kinds_written_as_text_count_too() -> None:
    assert kinds_of("警告、罚款,责令停产停业") == ("警告", "罚款", "责令停产停业")
    assert kinds_of(["罚款", "罚款", " "]) == ("罚款",)
    assert kinds_of(None) == ()
    assert term({"CF_CFLB": "罚款、吊销许可证件"}, "2020-01-15").severity == "serious"


def test_no_kinds_takes_the_default() -> None:
    result = term({}, "2020-01-15")
    assert (result.severity, result.end) == ("general", D("2021-01-15"))


# --- the last public day ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2020-01-15", 12, "2021-01-15"),
        ("2019-11-30", 3, "2020-02-29"),  # no 30 February: the month's last day
        ("2020-02-29", 12, "2021-02-28"),
        ("2020-08-31", 1, "2020-09-30"),
        ("2020-12-31", 2, "2021-02-28"),
        ("2020-05-20", 0, "2020-05-20"),
    ],
)
def test_add_months(start: str, months: int, end: str) -> None:
    assert add_months(D(start), months) == D(end)


@given(st.dates(dt.date(2000, 1, 1), dt.date(2090, 12, 31)), st.integers(0, 120))
def test_add_months_lands_in_the_right_month_on_the_corresponding_day(start: dt.date, months: int) -> None:
    end = add_months(start, months)
    assert (end.year - start.year) * 12 + end.month - start.month == months
    assert end.day == start.day or (end.day < start.day and (end + dt.timedelta(days=1)).day == 1)


# --- the department's 公示截止期 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_end", "end", "warned"),
    [
        ("2020-04-15", "2020-04-15", False),  # the minimum itself
        ("2020-04-14", "2021-01-15", True),  # a day short of the minimum
        ("2020-10-01", "2020-10-01", False),
        ("2021-01-15", "2021-01-15", False),  # the maximum itself
        ("2021-01-16", "2021-01-15", True),  # a day past the maximum
    ],
)
def test_department_end_is_honoured_inside_the_range(given_end: str, end: str, warned: bool) -> None:
    result = term(penalty(["罚款"], end=given_end), "2020-01-15")
    assert result.end == D(end)
    assert bool(result.warning) == warned
    if warned:
        assert given_end in result.warning and "2021-01-15" in result.warning and "527号" in result.warning


def test_minor_2026_published_when_the_department_sets_an_end_within_three_months() -> None:
    within = term(penalty(["警告"], end="2026-06-30"), "2026-04-15")
    assert (within.severity, within.end, within.warning) == ("minor", D("2026-06-30"), "")
    at_most = term(penalty(["警告"], end="2026-07-15"), "2026-04-15")
    assert at_most.end == D("2026-07-15")
    beyond = term(penalty(["警告"], end="2026-12-31"), "2026-04-15")
    assert beyond.end == D("2026-07-15") and "2026-12-31" in beyond.warning


def test_minor_publication_follows_the_flag_in_the_rules() -> None:
    spec = yaml.safe_load(RULES_PATH.read_text("utf-8"))
    minor = spec["rule_sets"]["admin_penalty"]["regimes"][2]["classes"]["minor"]
    minor["department_may_publish"] = False
    strict = parse_rules(spec)
    assert publicity_term("admin_penalty", penalty(["警告"], end="2026-05-01"), D("2026-04-15"), rules=strict).end is None
    minor["published"] = True
    published = parse_rules(spec)
    assert publicity_term("admin_penalty", penalty(["警告"]), D("2026-04-15"), rules=published).end == D("2026-07-15")


def test_simple_procedure_is_minor_in_2026_only_for_warnings_and_fines() -> None:
    simple = penalty(["罚款"], CF_NR="适用简易程序，当场处罚款二百元")
    assert term(simple, "2026-04-15").severity == "minor"
    assert term(simple, "2026-03-31").severity == "general"
    assert term(penalty(["罚款", "没收违法所得"], CF_NR="简易程序"), "2026-04-15").severity == "general"


# --- 58号令: food, drugs, special equipment, work safety, fire safety -------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        penalty(["罚款"], basis=FIRE),
        penalty(["罚款"], basis="《中华人民共和国食品安全法》第一百二十四条"),
        penalty(["罚款"], basis="《中华人民共和国药品管理法》第一百二十五条"),
        penalty(["罚款"], basis="《中华人民共和国特种设备安全法》第八十四条"),
        penalty(["罚款"], basis="《中华人民共和国安全生产法》第九十七条"),
        penalty(["罚款"], CF_WFXW="销售超过保质期的食品"),
        penalty(["罚款"], CF_CFJG="江阴市消防救援大队"),
    ],
)
def test_serious_domains_have_a_one_year_minimum_under_58(data: dict[str, Any]) -> None:
    result = term(data, "2024-03-10")
    assert result.min_end == D("2025-03-10")
    assert result.end == D("2027-03-10")
    assert any("最短公示期一年" in reason for reason in result.reasons)
    # A department's end before the year is refused; after it, honoured.
    assert term({**data, "CF_GSJZQ": "2024-09-10"}, "2024-03-10").end == D("2027-03-10")
    assert term({**data, "CF_GSJZQ": "2025-03-10"}, "2024-03-10").end == D("2025-03-10")


def test_other_domains_keep_the_three_month_minimum_under_58() -> None:
    result = term(penalty(["罚款"], end="2024-06-10"), "2024-03-10")
    assert (result.min_end, result.end, result.warning) == (D("2024-06-10"), D("2024-06-10"), "")


def test_domain_minimum_applies_only_under_58() -> None:
    assert term(penalty(["罚款"], basis=FIRE), "2023-04-30").min_end == D("2023-07-30")
    assert term(penalty(["罚款"], basis=FIRE), "2026-04-01").min_end == D("2026-07-01")


# --- licences -----------------------------------------------------------------------------------------------


def test_licence_is_public_while_in_force() -> None:
    data = {"XK_YXQZ": "2020-05-06", "XK_YXQZI": "2023-05-05", "XK_ZT": "有效"}
    result = term(data, "2020-05-06", "admin_license")
    assert (result.regime, result.severity, result.end) == ("xk-in-force", "", D("2023-05-05"))
    assert term({**data, "XK_ZT": "无效"}, "2020-05-06", "admin_license").end is None
    assert term({"XK_ZT": "有效"}, "2020-05-06", "admin_license").warning


def test_category_without_rules_gets_nothing() -> None:
    result = publicity_term("legal_person", {"CF_CFLB": ["罚款"]}, D("2020-01-01"), rules=RULES)
    assert (result.severity, result.regime, result.end, result.warning) == ("", "", None, "")


def test_missing_decision_date_is_not_published() -> None:
    result = publicity_term("admin_penalty", penalty(["罚款"]), None, rules=RULES)
    assert result.end is None and result.warning


# --- properties ---------------------------------------------------------------------------------------------

decisions = st.dates(dt.date(2019, 7, 1), dt.date(2031, 12, 31))
kind_sets = st.lists(st.sampled_from(PENALTY_KINDS), min_size=1, max_size=4, unique=True)
bases = st.sampled_from([ROADS, FIRE, "《中华人民共和国食品安全法》第一百二十四条"])


@given(decisions, kind_sets, bases)
def test_term_lies_within_its_rule(decision: dt.date, kinds: list[str], basis: str) -> None:
    result = term(penalty(kinds, basis=basis), decision.isoformat())
    regime = RULES.rule_sets["admin_penalty"].regime(result.regime)
    assert regime is not None and regime.effective_from <= decision
    # The latest version in force on the decision date, not an older one.
    assert not [
        r for r in RULES.rule_sets["admin_penalty"].regimes if regime.effective_from < r.effective_from <= decision
    ]
    assert result.min_end is not None and result.max_end is not None
    assert decision <= result.min_end <= result.max_end <= add_months(decision, 36)
    if result.end is not None:
        assert result.min_end <= result.end <= result.max_end or result.severity == "minor"
        assert result.end >= decision
    else:
        assert result.severity == "minor"


@given(decisions, kind_sets, st.sampled_from(PENALTY_KINDS))
def test_adding_a_kind_never_shortens_the_period(decision: dt.date, kinds: list[str], extra: str) -> None:
    before = term(penalty(kinds), decision.isoformat())
    after = term(penalty([*kinds, extra]), decision.isoformat())
    assert after.max_end is not None and before.max_end is not None
    assert after.max_end >= before.max_end


@given(decisions, kind_sets, st.dates(dt.date(2019, 7, 1), dt.date(2035, 12, 31)))
def test_department_end_is_used_exactly_when_inside_the_range(decision: dt.date, kinds: list[str], end: dt.date) -> None:
    result = term(penalty(kinds, end=end.isoformat()), decision.isoformat())
    if result.severity == "minor":
        return
    assert result.min_end is not None and result.max_end is not None
    inside = result.min_end <= end <= result.max_end
    assert result.end == (end if inside else result.max_end)
    assert bool(result.warning) == (not inside)


SHARED = PublicityCalculator("admin_penalty", rules=RULES)


@given(
    decisions,
    kind_sets,
    bases,
    st.sampled_from(["", "适用简易程序", "当场处罚", "罚款五百元"]),
    st.sampled_from(["某综合执法局", "江阴市消防救援大队"]),
    st.none() | st.dates(dt.date(2019, 7, 1), dt.date(2033, 12, 31)),
)
def test_calculator_gives_the_same_terms(
    decision: dt.date, kinds: list[str], basis: str, content: str, authority: str, end: dt.date | None
) -> None:
    """One calculator across all examples, so that terms it shares between records are checked too."""
    data = penalty(kinds, basis=basis, end=end.isoformat() if end else None, CF_NR=content, CF_CFJG=authority)
    assert SHARED(data, decision) == term(data, decision.isoformat())


# --- state --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "end", "objection", "on", "expected"),
    [
        ("active", "2021-01-15", False, "2021-01-15", PublicityState.PUBLIC),
        ("active", "2021-01-15", True, "2021-01-15", PublicityState.OBJECTION),
        ("active", "2021-01-15", False, "2021-01-16", PublicityState.EXPIRED),
        ("active", "2021-01-15", True, "2021-01-16", PublicityState.EXPIRED),
        ("active", None, False, "2021-01-15", PublicityState.NOT_PUBLISHED),
        ("revoked", "2021-01-15", False, "2021-01-15", PublicityState.REVOKED),
        ("repaired", "2021-01-15", False, "2021-01-15", PublicityState.REPAIRED),
    ],
)
def test_state_of(status: str, end: str | None, objection: bool, on: str, expected: PublicityState) -> None:
    got = state_of(status=status, publicity_end=D(end) if end else None, under_objection=objection, on=D(on))
    assert got == expected
    assert state_of(status="active", publicity_end=D("2030-01-01"), under_objection=False, on=D(on), disclosed=False) == (
        PublicityState.NOT_PUBLISHED
    )


# --- the file an administrator edits ------------------------------------------------------------------------


def _spec() -> dict[str, Any]:
    return yaml.safe_load(RULES_PATH.read_text("utf-8"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s["rule_sets"]["admin_penalty"]["regimes"][0]["kinds"].update({"警告": "minor"}), "minor"),
        (lambda s: s["rule_sets"]["admin_penalty"]["regimes"][0].pop("source"), "source"),
        (lambda s: s["rule_sets"]["admin_penalty"]["regimes"][1].update({"effective_from": "2019-07-01"}), "生效日期相同"),
        (lambda s: s["rule_sets"]["admin_penalty"]["regimes"][0]["classes"]["general"].update({"min": {"years": 2}}), "最短"),
        (lambda s: s["rule_sets"]["admin_penalty"]["regimes"][1]["minimums"][0].update({"domains": ["tobacco"]}), "tobacco"),
        (lambda s: s["rule_sets"]["admin_penalty"]["regimes"][0].update({"effective_form": "2019-07-01"}), "effective_form"),
        (lambda s: s["rule_sets"]["admin_penalty"].update({"method": "fixed"}), "method"),
    ],
)
def test_mistakes_in_the_rules_file_are_refused_with_the_place(edit: Any, message: str) -> None:
    spec = _spec()
    edit(spec)
    with pytest.raises(PublicityRulesError, match=message):
        parse_rules(spec)


def test_rules_text_carries_its_checksum() -> None:
    text = RULES_PATH.read_text("utf-8")
    assert rules_from_text(text).sha256 == RULES.sha256 and len(RULES.sha256) == 64
    with pytest.raises(PublicityRulesError):
        rules_from_text("version: [")


def test_every_catalog_publicity_rule_has_its_rule_set() -> None:
    named = {
        spec["code"]: spec.get("publicity_rule", "")
        for spec in (yaml.safe_load(path.read_text("utf-8")) for path in CATALOG_DIR.glob("*.yaml"))
    }
    assert {code: rule for code, rule in named.items() if rule} == {
        "admin_penalty": "admin_penalty", "admin_license": "admin_license",
    }
    assert set(named.values()) - {""} <= set(RULES.rule_sets)
