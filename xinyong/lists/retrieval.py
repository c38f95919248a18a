"""Cheap retrieval of the list entries a check should score: one indexed query per path, never a scan.

Each path (the code, the registered subject, equal keys, keys inside the query's key, keys containing the query's
distinctive fragment) is its own query on its own index: OR-ing them in one WHERE with the active-entry filter makes
both SQLite and PostgreSQL walk the status index over a million rows. Which entries are active is applied last,
in Python, to the few entries found (`selectors.is_active`, the rule of `selectors.active_entries`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from xinyong.core import clock
from xinyong.core.indexes import sqlite_table_exists
from xinyong.lists import matching
from xinyong.lists.models import ListEntry
from xinyong.lists.selectors import is_active, is_active_state
from xinyong.subjects.models import Subject

FTS = "lists_listentry_key_fts"
BIGRAMS = "subject_name_bigrams"
TRIGRAM_MIN = 3
# Bounds the fragment path: a common fragment must not bring back thousands of entries to score.
FRAGMENT_LIMIT = 200


def fragment_ids(fragment: str, *, limit: int = FRAGMENT_LIMIT) -> set[int]:
    """Entries whose key contains `fragment`, through the vendor's index (migration 0003); none without one.

    The shortest keys first: past the limit, the longest keys are the least like a query that short.
    """
    if len(fragment) < 2:
        return set()
    pattern = f"%{fragment}%"
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT id FROM lists_listentry WHERE {BIGRAMS}(name_key) @> {BIGRAMS}(%s) AND name_key LIKE %s "
            "ORDER BY length(name_key), id LIMIT %s"
        )
        params: list[str | int] = [fragment, pattern, limit]
    elif connection.vendor == "sqlite" and len(fragment) >= TRIGRAM_MIN and _sqlite_fts_ready():
        sql = f"SELECT rowid FROM {FTS} WHERE name_key LIKE %s ORDER BY length(name_key), rowid LIMIT %s"
        params = [pattern, limit]
    else:
        # Two characters on SQLite (below a trigram) or no index: the equal-key and inner-key paths still apply.
        return set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(row[0]) for row in cursor.fetchall()}


def _sqlite_fts_ready() -> bool:
    return sqlite_table_exists(FTS)


@dataclass(frozen=True)
class Party:
    """Who is checked: a code (USCC or person id, normalised) and/or a name, and the registered subject if any."""

    code: str
    name: str
    subject: Subject | None = None


def candidates(code: str, name: str, subject: Subject | None) -> list[ListEntry]:
    """The active entries worth scoring for a party: by code, by its registered subject, and by name keys."""
    return candidates_many([Party(code, name, subject)])[0]


def _by_value(field: str, values: set[str] | set[int]) -> dict[Any, set[int]]:
    """Entry ids per value of `field`, one IN query per 500 values (each on the field's own index)."""
    found: dict[Any, set[int]] = defaultdict(set)
    ordered = sorted(values)
    for start in range(0, len(ordered), 500):
        rows = ListEntry.objects.filter(**{f"{field}__in": ordered[start : start + 500]})
        for pk, value in rows.values_list("pk", field):
            found[value].add(pk)
    return found


def candidates_many(parties: Sequence[Party]) -> list[list[ListEntry]]:
    """`candidates` for many parties at once: each path is one query per 500 values for the whole set, not one
    per party (a batch check of ten thousand names would otherwise pay ten queries a name). The fragment path
    stays one query per distinct fragment: an FTS or bigram match does not take a list of patterns."""
    codes = {p.code for p in parties if p.code} | {
        p.subject.uscc for p in parties if p.subject is not None and p.subject.uscc
    }
    by_uscc = _by_value("uscc", codes) if codes else {}
    by_person = _by_value("person_id", {p.code for p in parties if p.code})
    by_subject = _by_value("subject_id", {p.subject.pk for p in parties if p.subject is not None})
    forms = {p.name.strip(): matching.name_form(p.name) for p in parties if p.name.strip()}
    lookups = {name: matching.lookup_keys(form) for name, form in forms.items()}
    by_key = _by_value("name_key", {key for keys, _fragment in lookups.values() for key in keys})
    by_fragment: dict[str, set[int]] = {}
    wanted: list[tuple[set[int], set[int], tuple[str, ...]]] = []
    for party in parties:
        found: set[int] = set()
        near: set[int] = set()
        qkeys: tuple[str, ...] = ()
        if party.code:
            found |= by_uscc.get(party.code, set()) | by_person.get(party.code, set())
        if party.subject is not None:
            found |= by_subject.get(party.subject.pk, set())
            if party.subject.uscc:
                found |= by_uscc.get(party.subject.uscc, set())
        name = party.name.strip()
        if name:
            keys, fragment = lookups[name]
            for key in keys:
                found |= by_key.get(key, set())
            if fragment not in by_fragment:
                by_fragment[fragment] = fragment_ids(fragment)
            near = by_fragment[fragment] - found
            found |= near
            qkeys = forms[name].keys
        wanted.append((found, near, qkeys))
    # Entries found by a fragment alone are first read as the few columns that decide whether they can reach the
    # threshold, so that the hundreds a common two-character brand brings back are never built as models.
    today = clock.today()
    near_all = sorted(set().union(*(near for _found, near, _qkeys in wanted)))
    near_names: dict[int, tuple[str, str]] = {}
    for start in range(0, len(near_all), 500):
        rows = ListEntry.objects.filter(pk__in=near_all[start : start + 500])
        for pk, entry_name, key, status, planned_exit in rows.values_list(
            "pk", "name", "name_key", "status", "planned_exit"
        ):
            if is_active_state(status, planned_exit, today):
                near_names[pk] = (entry_name, key)
    kept = [
        {pk for pk in found if pk not in near}
        | {pk for pk in near if pk in near_names and may_reach_threshold(*near_names[pk], qkeys)}
        for found, near, qkeys in wanted
    ]
    needed = sorted(set().union(*kept))
    active: dict[int, ListEntry] = {}
    for start in range(0, len(needed), 500):
        # By primary key only: with the status condition in SQL, SQLite walks the status index (950k rows).
        rows = ListEntry.objects.filter(pk__in=needed[start : start + 500]).select_related("kind")
        active.update((entry.pk, entry) for entry in rows if is_active(entry, today))
    return [[active[pk] for pk in sorted(pks) if pk in active] for pks in kept]


def may_reach_threshold(name: str, key: str | None, qkeys: tuple[str, ...]) -> bool:
    """Whether a name found by a fragment alone can score a hit: `matching.assess` caps a name none of whose keys
    equals, contains or lies inside a query key at CAP_DIFFERENT_NAME (the in-memory index's `_bound`).

    `key`, the entry's stored `name_key` (its first match key) or None, decides most entries without working out the
    name's keys: the other keys are aliases, suffixes of the first (a town or zone prefix taken off), so an alias
    can only matter when it lies inside a query key, and then some suffix of `key` does.
    """
    if match_threshold() <= matching.CAP_DIFFERENT_NAME:
        return True
    if key is not None:
        if any(q in key or key in q for q in qkeys):
            return True
        if not any(key[start:] in q for start in range(1, len(key) - 1) for q in qkeys):
            return False
    return any(k in qkeys or any(q in k or k in q for q in qkeys) for k in matching.match_keys(name))


def match_threshold() -> float:
    return float(getattr(settings, "XINYONG_MATCH_THRESHOLD", matching.DEFAULT_THRESHOLD))
