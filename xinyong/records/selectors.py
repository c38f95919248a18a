"""Reads of credit records. What the public may see is decided here, and only here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xinyong.catalog.models import Disclosure
from xinyong.core import clock
from xinyong.records.models import Record, RecordStatus
from xinyong.records.publicity import (
    PublicityRules,
    PublicityState,
    PublicityTerm,
    Regime,
    load_rules,
    publicity_term,
    state_of,
)


def published_records(on: dt.date | None = None) -> QuerySet[Record]:
    """Records in public view on a day (today by the platform clock).

    Evaluated at query time, so a record leaves public view the moment its period ends or it is revoked or
    repaired, not after a nightly job. The period's last day (`publicity_end`) is still public. Records under
    objection stay in view, flagged 异议中 (`publicity_state`). `publicity_end` is NULL for records the rules
    never publish (e.g. minor penalties under the 2026 rules), so they never match.
    """
    day = on or clock.today()
    return Record.objects.filter(
        Q(decision_date__isnull=True) | Q(decision_date__lte=day),  # a clock set back in time shows no later decision
        status=RecordStatus.ACTIVE,
        publicity_end__isnull=False,
        publicity_end__gte=day,
        category__disclosure=Disclosure.PUBLIC,
    )


def publicity_state(record: Record, on: dt.date | None = None) -> str:
    """公示中 / 异议中 / 公示期满 / 已撤销 / 已信用修复 / 不予公示 — the selector's decision in words, for pages.

    The category's disclosure is consulted when the record's category is already loaded (select_related), so
    that lists do not pay a query per row; records reached through `published_records` are public by it.
    """
    disclosed = True
    if Record.category.is_cached(record):
        disclosed = record.category.disclosure == Disclosure.PUBLIC
    return str(
        state_of(
            status=record.status,
            publicity_end=record.publicity_end,
            under_objection=record.under_objection,
            on=on or clock.today(),
            disclosed=disclosed,
        )
    )


@dataclass(frozen=True)
class PublicityExplanation:
    """Why a record is (not) public: the stored term, the term the current rules give, and the rule version."""

    record: Record
    state: PublicityState
    stored: PublicityTerm
    current: PublicityTerm
    regime: Regime | None
    rule_set_name: str

    @property
    def stale(self) -> bool:
        """The rules changed since the term was stored: `xinyong publicity recompute` brings it up to date."""
        return (self.stored.severity, self.stored.regime, self.stored.end) != (
            self.current.severity,
            self.current.regime,
            self.current.end,
        )


def publicity_explain(
    record: Record, *, on: dt.date | None = None, rules: PublicityRules | None = None
) -> PublicityExplanation:
    rules = rules or load_rules()
    category = record.category
    rule_code = category.publicity_rule
    current = publicity_term(rule_code, record.data, record.decision_date, rules=rules)
    rule_set = rules.rule_sets.get(rule_code)
    regime = rule_set.regime(record.publicity_regime or current.regime) if rule_set else None
    stored = PublicityTerm(severity=record.severity, regime=record.publicity_regime, end=record.publicity_end)
    state = state_of(
        status=record.status,
        publicity_end=record.publicity_end,
        under_objection=record.under_objection,
        on=on or clock.today(),
        disclosed=category.disclosure == Disclosure.PUBLIC,
    )
    return PublicityExplanation(record, state, stored, current, regime, rule_set.name if rule_set else "")


def keys_owned_by_others(*, category_code: str, keys: list[str], unit_id: int | None) -> set[str]:
    """The keys among `keys` whose records belong to a unit other than `unit_id` (see `records_upsert`)."""
    found: set[str] = set()
    for start in range(0, len(keys), 900):
        found.update(
            Record.objects.filter(category_code=category_code, key__in=keys[start : start + 900])
            .exclude(source_unit_id=unit_id)
            .values_list("key", flat=True)
        )
    return found
