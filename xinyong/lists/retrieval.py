"""Cheap retrieval of the list entries a check should score: one indexed query per path, never a scan.

Each path (the code, the registered subject, equal keys, keys inside the query's key, keys containing the query's
distinctive fragment) is its own query on its own index: OR-ing them in one WHERE with the active-entry filter makes
both SQLite and PostgreSQL walk the status index over a million rows. Which entries are active is applied last,
in Python, to the few entries found (`selectors.is_active`, the rule of `selectors.active_entries`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connection

from xinyong.core import clock
from xinyong.lists import matching
from xinyong.lists.models import ListEntry
from xinyong.lists.selectors import is_active
from xinyong.subjects.models import Subject

FTS = "lists_listentry_key_fts"
BIGRAMS = "subject_name_bigrams"
TRIGRAM_MIN = 3
# Bounds the fragment path: a common fragment must not bring back thousands of entries to score.
FRAGMENT_LIMIT = 200
_fts_ready: dict[str, bool] = {}


def _ids(query: Iterable[int]) -> set[int]:
    return set(query)


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
    name = str(connection.settings_dict.get("NAME"))
    ready = _fts_ready.get(name)
    if ready is None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS])
                ready = cursor.fetchone() is not None
        except DatabaseError:
            ready = False
        _fts_ready[name] = ready
    return ready


def candidates(code: str, name: str, subject: Subject | None) -> list[ListEntry]:
    """The active entries worth scoring for a party: by code, by its registered subject, and by name keys."""
    entries = ListEntry.objects
    found: set[int] = set()
    near: set[int] = set()
    qkeys: tuple[str, ...] = ()
    if code:
        found |= _ids(entries.filter(uscc=code).values_list("pk", flat=True))
        found |= _ids(entries.filter(person_id=code).values_list("pk", flat=True))
    if subject is not None:
        found |= _ids(entries.filter(subject=subject).values_list("pk", flat=True))
        if subject.uscc and subject.uscc != code:
            found |= _ids(entries.filter(uscc=subject.uscc).values_list("pk", flat=True))
    if name.strip():
        form = matching.name_form(name)
        keys = sorted({*form.keys, *matching._substrings(form.key)})
        for start in range(0, len(keys), 500):
            found |= _ids(entries.filter(name_key__in=keys[start : start + 500]).values_list("pk", flat=True))
        near = fragment_ids(matching._distinctive(form.key) or form.key) - found
        found |= near
        qkeys = form.keys
    if not found:
        return []
    chosen = sorted(found)
    today = clock.today()
    out: list[ListEntry] = []
    for start in range(0, len(chosen), 500):
        # By primary key only: with the status condition in SQL, SQLite walks the status index (950k rows).
        rows = ListEntry.objects.filter(pk__in=chosen[start : start + 500]).select_related("kind")
        out.extend(
            entry
            for entry in rows
            if is_active(entry, today) and (entry.pk not in near or may_reach_threshold(entry.name, qkeys))
        )
    return out


def may_reach_threshold(name: str, qkeys: tuple[str, ...]) -> bool:
    """Whether a name found by a fragment alone can score a hit: `matching.assess` caps a name none of whose keys
    equals, contains or lies inside a query key at CAP_DIFFERENT_NAME (the in-memory index's `_bound`)."""
    if match_threshold() <= matching.CAP_DIFFERENT_NAME:
        return True
    return any(key in qkeys or any(q in key or key in q for q in qkeys) for key in matching.match_keys(name))


def match_threshold() -> float:
    return float(getattr(settings, "XINYONG_MATCH_THRESHOLD", matching.DEFAULT_THRESHOLD))
