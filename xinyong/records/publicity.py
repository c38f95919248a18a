"""Publicity periods (公示期限) as versioned rules: which rule version applies to a decision, and until when it is public.

Pure: plain values in, plain values out, no database. The rules are data (`rules/publicity.yaml`), one rule set per
catalog `publicity_rule`, each with rule versions chosen by decision date. Services store the result on the record
(`severity`, `publicity_regime`, `publicity_end`); the selectors decide visibility from what is stored.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_PATH = Path(__file__).resolve().parent / "rules" / "publicity.yaml"

# Kept equal to records.models.Severity / RecordStatus (a test checks): this module must not import Django models.
SEVERITY_ORDER = {"minor": 0, "general": 1, "serious": 2}
SEVERITY_LABELS = {"minor": "轻微", "general": "一般", "serious": "严重"}
STATUS_ACTIVE, STATUS_REVOKED, STATUS_REPAIRED = "active", "revoked", "repaired"

METHOD_GRADED = "graded"
METHOD_IN_FORCE = "in_force"

_KIND_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_CACHE_LIMIT = 100_000


class PublicityRulesError(ValueError):
    """The rules file is not usable; the message names the place in Chinese for the administrator who edited it."""


class PublicityState(StrEnum):
    PUBLIC = "公示中"
    OBJECTION = "异议中"
    EXPIRED = "公示期满"
    REVOKED = "已撤销"
    REPAIRED = "已信用修复"
    NOT_PUBLISHED = "不予公示"


# --- periods ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def add_months(day: dt.date, months: int) -> dt.date:
    """The last day of a period of `months` months starting from `day`.

    The start day is not counted and the period ends on the corresponding day of the last month, or on that
    month's last day when it has no such day (民法典 第二百零一条、第二百零二条): 2020-01-15 + 12 → 2021-01-15,
    2019-11-30 + 3 → 2020-02-29.
    """
    total = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(total, 12)
    month = month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_text(months: int) -> str:
    if months and months % 12 == 0:
        return f"{months // 12}年"
    return f"{months}个月"


# --- the rules ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextMatch:
    """Any of `fields` contains any of `keywords`."""

    fields: tuple[str, ...]
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]

    def find(self, data: Mapping[str, Any]) -> tuple[str, str] | None:
        for code in self.fields:
            value = data.get(code)
            if isinstance(value, str) and value:
                found = self.pattern.search(value)
                if found:
                    return code, found.group(0)
        return None


@dataclass(frozen=True)
class Domain:
    code: str
    name: str
    matches: tuple[TextMatch, ...]

    def find(self, data: Mapping[str, Any]) -> tuple[str, str] | None:
        for match in self.matches:
            found = match.find(data)
            if found:
                return found
        return None


@dataclass(frozen=True)
class Condition:
    """All given parts must hold."""

    kinds_any: frozenset[str] | None = None
    kinds_only: frozenset[str] | None = None
    text: TextMatch | None = None
    domains: tuple[str, ...] = ()
    # The domains' keywords merged per field: one search per field rather than one per domain.
    domain_patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()

    def explain(
        self,
        data: Mapping[str, Any],
        kinds: Sequence[str],
        domains: Mapping[str, Domain],
        labels: Mapping[str, str],
    ) -> str | None:
        """Why the condition holds (for people), or None when it does not."""
        parts: list[str] = []
        if self.kinds_any is not None:
            hit = [k for k in kinds if k in self.kinds_any]
            if not hit:
                return None
            parts.append("处罚类别含" + "、".join(f"“{k}”" for k in hit))
        if self.kinds_only is not None:
            if not kinds or any(k not in self.kinds_only for k in kinds):
                return None
            parts.append("处罚类别仅为" + "、".join(kinds))
        if self.text is not None:
            found = self.text.find(data)
            if found is None:
                return None
            parts.append(f"{labels.get(found[0], found[0])}含“{found[1]}”")
        if self.domains:
            for code in self.domains:
                domain_hit = domains[code].find(data)
                if domain_hit is not None:
                    parts.append(
                        f"属{domains[code].name}领域（{labels.get(domain_hit[0], domain_hit[0])}含“{domain_hit[1]}”）"
                    )
                    break
            else:
                return None
        return "，".join(parts)

    def holds(self, data: Mapping[str, Any], kinds: Sequence[str], domains: Mapping[str, Domain]) -> bool:
        """`explain(...) is not None`, without the words."""
        if self.kinds_any is not None and not any(k in self.kinds_any for k in kinds):
            return False
        if self.kinds_only is not None and (not kinds or any(k not in self.kinds_only for k in kinds)):
            return False
        if self.text is not None and self.text.find(data) is None:
            return False
        if not self.domains:
            return True
        for code, pattern in self.domain_patterns:
            value = data.get(code)
            if isinstance(value, str) and pattern.search(value):
                return True
        return False


@dataclass(frozen=True)
class SeverityClass:
    code: str
    min_months: int
    max_months: int
    published: bool = True
    department_may_publish: bool = False


@dataclass(frozen=True)
class SeverityRule:
    severity: str
    when: Condition
    reason: str


@dataclass(frozen=True)
class MinimumRule:
    when: Condition
    min_months: int
    reason: str


@dataclass(frozen=True)
class Regime:
    code: str
    name: str
    source: str
    effective_from: dt.date
    note: str = ""
    classes: Mapping[str, SeverityClass] = field(default_factory=dict)
    default: str = ""
    kinds: Mapping[str, str] = field(default_factory=dict)
    kinds_basis: str = ""
    rules: tuple[SeverityRule, ...] = ()
    minimums: tuple[MinimumRule, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    code: str
    name: str
    method: str
    regimes: tuple[Regime, ...]
    kinds_field: str = ""
    end_field: str = ""
    valid_to_field: str = ""
    state_field: str = ""
    inactive_states: frozenset[str] = frozenset()

    @cached_property
    def _starts(self) -> list[dt.date]:
        return [r.effective_from for r in self.regimes]

    def regime_on(self, day: dt.date) -> Regime | None:
        """The version in force for a decision on `day`: the latest whose effective date is not after it."""
        at = bisect.bisect_right(self._starts, day)
        return self.regimes[at - 1] if at else None

    def regime(self, code: str) -> Regime | None:
        return next((r for r in self.regimes if r.code == code), None)


@dataclass(frozen=True)
class PublicityRules:
    version: int
    rule_sets: Mapping[str, RuleSet]
    domains: Mapping[str, Domain]
    sha256: str = ""


# --- loading ------------------------------------------------------------------------------------------------


def load_rules(path: Path | None = None) -> PublicityRules:
    """The rules from a YAML file (the shipped one by default), reloaded when the file changes."""
    path = path or RULES_PATH
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime_ns: int, _size: int) -> PublicityRules:
    return rules_from_text(Path(path).read_text(encoding="utf-8"))


def rules_from_text(text: str) -> PublicityRules:
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PublicityRulesError(f"公示期限规则文件不是有效的 YAML：{exc}") from exc
    return parse_rules(spec, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def parse_rules(spec: Any, *, sha256: str = "") -> PublicityRules:
    where = "公示期限规则"
    spec = _mapping(spec, where, {"version", "domains", "rule_sets"})
    version = spec.get("version")
    if not isinstance(version, int):
        raise PublicityRulesError(f"{where}：缺少整数 version")
    domains = {
        str(code): _domain(str(code), body)
        for code, body in _mapping(spec.get("domains") or {}, f"{where} domains").items()
    }
    rule_sets = {
        str(code): _rule_set(str(code), body, domains)
        for code, body in _mapping(spec.get("rule_sets") or {}, f"{where} rule_sets").items()
    }
    return PublicityRules(version=version, rule_sets=rule_sets, domains=domains, sha256=sha256)


def _mapping(value: Any, where: str, allowed: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PublicityRulesError(f"{where}：应为键值对")
    if allowed is not None:
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            raise PublicityRulesError(
                f"{where}：不认识的项 {', '.join(unknown)}（可用：{', '.join(sorted(allowed))}）"
            )
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise PublicityRulesError(f"{where}：应为非空的文字列表")
    return tuple(value)


def _text_match(value: Any, where: str) -> TextMatch:
    body = _mapping(value, where, {"fields", "contains"})
    keywords = _strings(body.get("contains"), f"{where} contains")
    return TextMatch(_strings(body.get("fields"), f"{where} fields"), keywords, _pattern(keywords))


def _pattern(keywords: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so an explanation quotes 食品安全法 rather than 食品.
    return re.compile("|".join(re.escape(k) for k in sorted(keywords, key=lambda k: (-len(k), k))))


def _domain(code: str, value: Any) -> Domain:
    where = f"公示期限规则 领域 {code}"
    body = _mapping(value, where, {"name", "match"})
    matches = body.get("match")
    if not isinstance(matches, list) or not matches:
        raise PublicityRulesError(f"{where}：match 应为非空列表")
    return Domain(
        code, str(body.get("name") or code), tuple(_text_match(m, f"{where} match") for m in matches)
    )


def _period(value: Any, where: str) -> int:
    body = _mapping(value, where, {"months", "years"})
    months, years = body.get("months", 0), body.get("years", 0)
    if not isinstance(months, int) or not isinstance(years, int) or months < 0 or years < 0 or not body:
        raise PublicityRulesError(f"{where}：应写成 {{months: 整数}} 或 {{years: 整数}}")
    return months + 12 * years


def _prose(value: Any) -> str:
    """A block of Chinese text wrapped over several YAML lines: lines join without the space English needs."""
    return "".join(line.strip() for line in str(value or "").splitlines())


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise PublicityRulesError(f"{where}：日期应写成 YYYY-MM-DD") from exc


def _condition(value: Any, where: str, domains: Mapping[str, Domain]) -> Condition:
    body = _mapping(value, where, {"kinds_any", "kinds_only", "text", "domains"})
    if not body:
        raise PublicityRulesError(f"{where}：条件不能为空")
    named = _strings(body["domains"], f"{where} domains") if "domains" in body else ()
    by_field: dict[str, set[str]] = {}
    for code in named:
        if code not in domains:
            raise PublicityRulesError(f"{where}：领域 {code} 未在 domains 中定义")
        for match in domains[code].matches:
            for name in match.fields:
                by_field.setdefault(name, set()).update(match.keywords)
    kinds_any = _strings(body["kinds_any"], f"{where} kinds_any") if "kinds_any" in body else None
    kinds_only = _strings(body["kinds_only"], f"{where} kinds_only") if "kinds_only" in body else None
    return Condition(
        kinds_any=frozenset(kinds_any) if kinds_any is not None else None,
        kinds_only=frozenset(kinds_only) if kinds_only is not None else None,
        text=_text_match(body["text"], f"{where} text") if "text" in body else None,
        domains=named,
        domain_patterns=tuple((name, _pattern(words)) for name, words in sorted(by_field.items())),
    )


_RULE_SET_KEYS = {
    "name",
    "method",
    "regimes",
    "kinds_field",
    "end_field",
    "valid_to_field",
    "state_field",
    "inactive_states",
}
_REGIME_KEYS = {
    "code",
    "name",
    "source",
    "effective_from",
    "note",
    "classes",
    "default",
    "kinds",
    "kinds_basis",
    "rules",
    "minimums",
}


def _rule_set(code: str, value: Any, domains: Mapping[str, Domain]) -> RuleSet:
    where = f"公示期限规则 {code}"
    body = _mapping(value, where, _RULE_SET_KEYS)
    method = body.get("method")
    if method not in (METHOD_GRADED, METHOD_IN_FORCE):
        raise PublicityRulesError(f"{where}：method 应为 {METHOD_GRADED} 或 {METHOD_IN_FORCE}")
    raw_regimes = body.get("regimes")
    if not isinstance(raw_regimes, list) or not raw_regimes:
        raise PublicityRulesError(f"{where}：regimes 应为非空列表")
    regimes = sorted(
        (_regime(where, method, r, domains) for r in raw_regimes), key=lambda r: r.effective_from
    )
    codes = [r.code for r in regimes]
    if len(set(codes)) != len(codes):
        raise PublicityRulesError(f"{where}：规则版本编码重复")
    dates = [r.effective_from for r in regimes]
    if len(set(dates)) != len(dates):
        raise PublicityRulesError(f"{where}：两个规则版本的生效日期相同，无法按决定日期选用")
    rule_set = RuleSet(
        code=code,
        name=str(body.get("name") or code),
        method=method,
        regimes=tuple(regimes),
        kinds_field=str(body.get("kinds_field") or ""),
        end_field=str(body.get("end_field") or ""),
        valid_to_field=str(body.get("valid_to_field") or ""),
        state_field=str(body.get("state_field") or ""),
        inactive_states=frozenset(body.get("inactive_states") or ()),
    )
    if method == METHOD_IN_FORCE and not rule_set.valid_to_field:
        raise PublicityRulesError(f"{where}：按有效期公示的规则须写明 valid_to_field（有效期至字段）")
    return rule_set


def _regime(rule_set_where: str, method: str, value: Any, domains: Mapping[str, Domain]) -> Regime:
    body = _mapping(value, f"{rule_set_where} 规则版本", _REGIME_KEYS)
    code = body.get("code")
    if not isinstance(code, str) or not code or len(code) > 64:
        raise PublicityRulesError(f"{rule_set_where}：每个规则版本须有不超过64个字符的 code")
    where = f"{rule_set_where}/{code}"
    source = body.get("source")
    if not isinstance(source, str) or not source.strip():
        raise PublicityRulesError(f"{where}：须写明依据文件 source")
    regime = Regime(
        code=code,
        name=str(body.get("name") or code),
        source=source.strip(),
        effective_from=_date(body.get("effective_from"), f"{where} effective_from"),
        note=_prose(body.get("note")),
        kinds_basis=_prose(body.get("kinds_basis")),
    )
    if method == METHOD_IN_FORCE:
        return regime
    classes: dict[str, SeverityClass] = {}
    for severity, raw in _mapping(body.get("classes"), f"{where} classes").items():
        if severity not in SEVERITY_ORDER:
            raise PublicityRulesError(
                f"{where}：失信程度 {severity} 不认识（可用：minor 轻微、general 一般、serious 严重）"
            )
        spec = _mapping(
            raw, f"{where} classes {severity}", {"min", "max", "published", "department_may_publish"}
        )
        low, high = (
            _period(spec.get("min"), f"{where} {severity} min"),
            _period(spec.get("max"), f"{where} {severity} max"),
        )
        if low > high:
            raise PublicityRulesError(f"{where}：{severity} 的最短公示期长于最长公示期")
        classes[severity] = SeverityClass(
            severity,
            low,
            high,
            bool(spec.get("published", True)),
            bool(spec.get("department_may_publish", False)),
        )
    if not classes:
        raise PublicityRulesError(f"{where}：classes 不能为空")

    def known(severity: Any, what: str) -> str:
        if severity not in classes:
            raise PublicityRulesError(f"{where}：{what}的失信程度 {severity} 未在本版本的 classes 中定义")
        return str(severity)

    default = known(body.get("default"), "default ")
    kinds = {
        str(k): known(v, f"处罚类别“{k}”")
        for k, v in _mapping(body.get("kinds") or {}, f"{where} kinds").items()
    }
    rules = []
    for n, raw in enumerate(body.get("rules") or (), start=1):
        spec = _mapping(raw, f"{where} rules 第{n}条", {"severity", "when", "reason"})
        rules.append(
            SeverityRule(
                known(spec.get("severity"), f"rules 第{n}条"),
                _condition(spec.get("when"), f"{where} rules 第{n}条 when", domains),
                str(spec.get("reason") or ""),
            )
        )
    minimums = []
    for n, raw in enumerate(body.get("minimums") or (), start=1):
        spec = _mapping(raw, f"{where} minimums 第{n}条", {"domains", "kinds_any", "text", "min", "reason"})
        condition = _condition(
            {k: v for k, v in spec.items() if k in ("domains", "kinds_any", "text")},
            f"{where} minimums 第{n}条",
            domains,
        )
        minimums.append(
            MinimumRule(
                condition,
                _period(spec.get("min"), f"{where} minimums 第{n}条 min"),
                str(spec.get("reason") or ""),
            )
        )
    return Regime(
        code=regime.code,
        name=regime.name,
        source=regime.source,
        effective_from=regime.effective_from,
        note=regime.note,
        classes=classes,
        default=default,
        kinds=kinds,
        kinds_basis=regime.kinds_basis,
        rules=tuple(rules),
        minimums=tuple(minimums),
    )


# --- terms --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicityTerm:
    """What a record's publicity is under the rules: `end` is its last public day, None when never public.

    `min_end` is the end of the minimum period (credit repair may end publicity early only after it), `max_end`
    the end of the maximum period; `warning` is for the clerk who sent the record; `reasons` explain the result.
    """

    severity: str = ""
    regime: str = ""
    end: dt.date | None = None
    min_end: dt.date | None = None
    max_end: dt.date | None = None
    warning: str = ""
    # Only filled when asked for: an import of a million rows does not pay for the words.
    reasons: tuple[str, ...] = field(default=(), compare=False)


NO_RULE = PublicityTerm()


def publicity_term(
    rule_code: str,
    data: Mapping[str, Any],
    decision_date: dt.date | None,
    *,
    rules: PublicityRules | None = None,
    explain: bool = True,
) -> PublicityTerm:
    """The term of one record of the rule set `rule_code` (a catalog category's `publicity_rule`)."""
    rules = rules or load_rules()
    rule_set = rules.rule_sets.get(rule_code)
    if rule_set is None:
        return NO_RULE
    return _term(rule_set, rules, data, decision_date, [] if explain else None, None)


class PublicityCalculator:
    """`publicity_term` for many records of one rule set, without the explanations.

    Thousands of rows share a decision date and penalty kinds: after the few checks that read the record's
    text, rows with the same inputs share one term.
    """

    def __init__(self, rule_code: str, *, rules: PublicityRules | None = None) -> None:
        self.rules = rules or load_rules()
        self.rule_set = self.rules.rule_sets.get(rule_code)
        self._severities: dict[tuple[str, tuple[str, ...]], str] = {}
        self._terms: dict[tuple[Any, ...], PublicityTerm] = {}

    def __call__(self, data: Mapping[str, Any], decision_date: dt.date | None) -> PublicityTerm:
        rule_set = self.rule_set
        if rule_set is None:
            return NO_RULE
        regime = rule_set.regime_on(decision_date) if decision_date is not None else None
        if regime is None or decision_date is None or rule_set.method != METHOD_GRADED:
            return _term(rule_set, self.rules, data, decision_date, None, None)
        kinds = kinds_of(data.get(rule_set.kinds_field))
        domains = self.rules.domains
        # The term depends on the record's text only through these two: the severity a rule gives, and how far
        # a minimum is raised.
        override = next((r.severity for r in regime.rules if r.when.holds(data, kinds, domains)), "")
        raised = max(
            (m.min_months for m in regime.minimums if m.when.holds(data, kinds, domains)), default=-1
        )
        given = data.get(rule_set.end_field) if rule_set.end_field else None
        key = (decision_date, kinds, override, raised, given)
        term = self._terms.get(key)
        if term is None:
            if len(self._terms) >= _CACHE_LIMIT:
                self._terms.clear()
                self._severities.clear()
            term = self._terms[key] = _term(rule_set, self.rules, data, decision_date, None, self._severities)
        return term


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def kinds_of(value: Any) -> tuple[str, ...]:
    """Penalty kinds as stored (a list from a multi-choice field) or as text (older versions, API rows)."""
    if isinstance(value, list | tuple):
        items = [str(v).strip() for v in value]
    elif isinstance(value, str):
        items = _KIND_SEPARATORS.split(value)
    else:
        return ()
    return tuple(dict.fromkeys(i for i in items if i))


# Field labels for explanations; fields the rules read in the shipped catalog.
FIELD_LABELS = {
    "CF_YJ": "处罚依据",
    "CF_WFXW": "违法行为类型",
    "CF_CFJG": "处罚机关",
    "CF_NR": "处罚内容",
    "BZ": "备注",
    "CF_CFLB": "处罚类别",
    "CF_GSJZQ": "公示截止期",
    "XK_YXQZI": "有效期至",
    "XK_ZT": "当前状态",
}

_Why = list[str] | None
_SeverityCache = dict[tuple[str, tuple[str, ...]], str] | None


def _term(
    rule_set: RuleSet,
    rules: PublicityRules,
    data: Mapping[str, Any],
    decision: dt.date | None,
    why: _Why,
    severities: _SeverityCache,
) -> PublicityTerm:
    if decision is None:
        return PublicityTerm(
            warning="缺少决定日期，无法确定公示期限，本条不予公示", reasons=("缺少决定日期",)
        )
    regime = rule_set.regime_on(decision)
    if regime is None:
        first = rule_set.regimes[0]
        message = (
            f"决定日期 {decision} 早于已知最早的公示期限规则（{first.name}，{first.effective_from} 起），"
            "没有可依据的公示期限，本条不予公示"
        )
        return PublicityTerm(warning=message, reasons=(message,))
    if why is not None:
        why.append(f"决定日期 {decision} 适用 {regime.name}（{regime.effective_from} 起施行）")
    if rule_set.method == METHOD_IN_FORCE:
        return _in_force_term(rule_set, regime, data, decision, why)
    return _graded_term(rule_set, regime, rules, data, decision, why, severities)


def _in_force_term(
    rule_set: RuleSet, regime: Regime, data: Mapping[str, Any], decision: dt.date, why: _Why
) -> PublicityTerm:
    reasons: tuple[str, ...] = tuple(why or ())
    state = data.get(rule_set.state_field) if rule_set.state_field else None
    if state in rule_set.inactive_states:
        note = f"许可当前状态为“{state}”，不再公示"
        return PublicityTerm(regime=regime.code, reasons=(*reasons, note) if why is not None else ())
    valid_to = _as_date(data.get(rule_set.valid_to_field))
    if valid_to is None:
        message = "未填有效期至，无法确定公示期限，本条不予公示"
        return PublicityTerm(
            regime=regime.code, warning=message, reasons=(*reasons, message) if why is not None else ()
        )
    return PublicityTerm(
        regime=regime.code,
        end=valid_to,
        min_end=decision,
        max_end=valid_to,
        reasons=(*reasons, f"许可在有效期内公示，至有效期至 {valid_to} 止") if why is not None else (),
    )


def _graded_term(
    rule_set: RuleSet,
    regime: Regime,
    rules: PublicityRules,
    data: Mapping[str, Any],
    decision: dt.date,
    why: _Why,
    severities: _SeverityCache,
) -> PublicityTerm:
    kinds = kinds_of(data.get(rule_set.kinds_field))
    severity = _severity(regime, rules, data, kinds, why, severities)
    klass = regime.classes[severity]
    name = SEVERITY_LABELS[severity]
    min_end, max_end = add_months(decision, klass.min_months), add_months(decision, klass.max_months)
    if why is not None:
        shortest = (
            f"最短公示期{months_text(klass.min_months)}（至 {min_end}）"
            if klass.min_months
            else "不设最短公示期"
        )
        why.append(f"{name}：{shortest}，最长公示期{months_text(klass.max_months)}（至 {max_end}）")
    for minimum in regime.minimums:
        if why is None:
            if not minimum.when.holds(data, kinds, rules.domains):
                continue
            detail = ""
        else:
            found = minimum.when.explain(data, kinds, rules.domains, FIELD_LABELS)
            if found is None:
                continue
            detail = found
        raised = add_months(decision, minimum.min_months)
        if raised > min_end:
            min_end, max_end = raised, max(max_end, raised)
            if why is not None:
                why.append(f"{minimum.reason}：{detail}，最短公示期至 {min_end}")
    given = _as_date(data.get(rule_set.end_field)) if rule_set.end_field else None
    label = FIELD_LABELS.get(rule_set.end_field, "公示截止期")
    warning = ""
    if not klass.published:
        if given is None or not klass.department_may_publish:
            end, note = None, f"{name}失信信息原则上不予公示"
        elif decision <= given <= max_end:
            end, note = given, f"部门填报{label} {given}，视为确有必要公示，在最长公示期内，采用"
        else:
            end = max_end
            note = warning = (
                f"{label} {given} 超出{name}失信信息的公示期限（{decision} 至 {max_end}，依据{regime.name}），"
                f"已按最长公示期公示至 {max_end}"
            )
    elif given is None:
        end = max_end
        note = f"未填报{label}，按最长公示期公示至 {max_end}" if why is not None else ""
    elif min_end <= given <= max_end:
        end = given
        note = f"部门填报{label} {given}，在最短、最长公示期之间，采用" if why is not None else ""
    else:
        end = max_end
        note = warning = (
            f"{label} {given} 不在{name}失信信息的公示期限内（{min_end} 至 {max_end}，依据{regime.name}），"
            f"已按最长公示期公示至 {max_end}"
        )
    return PublicityTerm(
        severity=severity,
        regime=regime.code,
        end=end,
        min_end=min_end,
        max_end=max_end,
        warning=warning,
        reasons=(*why, note) if why is not None else (),
    )


def _severity(
    regime: Regime,
    rules: PublicityRules,
    data: Mapping[str, Any],
    kinds: tuple[str, ...],
    why: _Why,
    severities: _SeverityCache,
) -> str:
    for rule in regime.rules:
        if why is None:
            if rule.when.holds(data, kinds, rules.domains):
                return rule.severity
            continue
        found = rule.when.explain(data, kinds, rules.domains, FIELD_LABELS)
        if found is not None:
            why.append(f"{rule.reason}（{found}）→ {SEVERITY_LABELS[rule.severity]}")
            return rule.severity
    if not kinds:
        if why is not None:
            why.append(f"未填处罚类别，按{SEVERITY_LABELS[regime.default]}")
        return regime.default
    if why is None and severities is not None:
        cached = severities.get((regime.code, kinds))
        if cached is not None:
            return cached
    graded = [(kind, regime.kinds.get(kind, regime.default)) for kind in kinds]
    # The longest maximum period wins; on a tie the graver class, so the label is never milder than the period.
    _, severity = max(graded, key=lambda g: (regime.classes[g[1]].max_months, SEVERITY_ORDER[g[1]]))
    if why is not None:
        listed = "、".join(f"{k}（{SEVERITY_LABELS[s]}）" for k, s in graded)
        if len(graded) > 1:
            why.append(
                f"处罚类别：{listed}；同一决定有多种处罚类别的，以期限最长的为准 → {SEVERITY_LABELS[severity]}"
            )
        else:
            why.append(f"处罚类别：{listed}")
    elif severities is not None:
        severities[(regime.code, kinds)] = severity
    return severity


# --- state --------------------------------------------------------------------------------------------------


def state_of(
    *, status: str, publicity_end: dt.date | None, under_objection: bool, on: dt.date, disclosed: bool = True
) -> PublicityState:
    """The publicity state of a record on a day, for pages: the same decision as the public selector, in words."""
    if status == STATUS_REVOKED:
        return PublicityState.REVOKED
    if status == STATUS_REPAIRED:
        return PublicityState.REPAIRED
    if publicity_end is None or not disclosed or status != STATUS_ACTIVE:
        return PublicityState.NOT_PUBLISHED
    if on > publicity_end:
        return PublicityState.EXPIRED
    return PublicityState.OBJECTION if under_objection else PublicityState.PUBLIC


_calculators: dict[tuple[str, int], PublicityCalculator] = {}


def calculator_for(rule_code: str, *, rules: PublicityRules | None = None) -> PublicityCalculator:
    """A shared calculator per rule set and rules object, so one import's chunks share their cache."""
    rules = rules or load_rules()
    # The calculator holds `rules`, so the id cannot be reused by another object while the entry lives.
    key = (rule_code, id(rules))
    found = _calculators.get(key)
    if found is None:
        if len(_calculators) >= 32:
            _calculators.clear()
        found = _calculators[key] = PublicityCalculator(rule_code, rules=rules)
    return found
