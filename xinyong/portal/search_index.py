"""The indexed look-ups behind the public name search, one per database vendor.

The indexes come from migration subjects 0002: on PostgreSQL a btree on `name COLLATE "C"` and a GIN index of the
names' bigrams; on SQLite a btree on `name` and an FTS5 trigram table. Exact and prefix matches compare names in
code-point order (C on PostgreSQL, BINARY on SQLite), so a prefix is an index range and its hits come out in index
order. A fragment anywhere in a name: on PostgreSQL the bigram index for any fragment of 2 characters or more; on
SQLite the trigram table from 3 characters, a scan (stopping at the limit) below. The indexes only narrow the
candidates: every hit is checked against the name itself, so the answers are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Collate

from xinyong.core.indexes import sqlite_table_exists
from xinyong.core.names import org_name_key
from xinyong.subjects.models import ORGANISATION_KINDS, Subject, SubjectKind

FTS_TABLE: Final = "subjects_subject_name_fts"
BIGRAMS: Final = "subject_name_bigrams"
# Fragments shorter than this have no trigram; the SQLite trigram table cannot help them.
TRIGRAM_MIN: Final = 3

# Who the public may find: organisations, and 个体工商户 registered with a USCC (public in the market-entity
# registry). Never natural persons, nor an individual business known only by its operator's ID number.
_ORG_KINDS: Final = tuple(sorted(str(kind) for kind in ORGANISATION_KINDS))
PUBLIC_SUBJECTS_Q: Final = Q(kind__in=_ORG_KINDS) | Q(kind=SubjectKind.INDIVIDUAL_BUSINESS, uscc__isnull=False)
_PUBLIC_SUBJECTS_SQL: Final = (
    "(s.kind IN ({}) OR (s.kind = %s AND s.uscc IS NOT NULL))".format(", ".join(["%s"] * len(_ORG_KINDS)))
)
_PUBLIC_SUBJECTS_PARAMS: Final = [*_ORG_KINDS, str(SubjectKind.INDIVIDUAL_BUSINESS)]

Row = tuple[int, str, str | None, str]  # id, name, uscc, kind
ROW_FIELDS: Final = ("id", "name", "uscc", "kind")



def public_subjects() -> QuerySet[Subject]:
    return Subject.objects.filter(PUBLIC_SUBJECTS_Q)


def _ordered_name() -> Any:
    """The name compared in code-point order: the expression the btree index of migration 0002 covers."""
    if connection.vendor == "postgresql":
        return Collate("name", "C")
    return F("name")


def _after_prefix(prefix: str) -> str:
    """The smallest string above every string that starts with `prefix` (code-point order)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(last + 1)


def prefix_rows(variants: Iterable[str], *, limit: int) -> list[Row]:
    """Names starting with one of the variants, in code-point order, at most `limit`."""
    condition = Q()
    for variant in sorted(set(variants)):
        condition |= Q(ordered__gte=variant, ordered__lt=_after_prefix(variant))
    rows = (
        public_subjects()
        .alias(ordered=_ordered_name())
        .filter(condition)
        .order_by("ordered", "id")
        .values_list(*ROW_FIELDS)[:limit]
    )
    return list(rows)


def contains_rows(variants: Iterable[str], *, limit: int) -> list[Row]:
    """Names containing one of the variants anywhere (any case), at most `limit`, in no particular order.

    The variants must hold no LIKE wildcard (`%`, `_`, `\\`): the caller strips them from what the public types.
    """
    fragments = sorted(set(variants))
    patterns = [f"%{fragment}%" for fragment in fragments]
    if not patterns:
        return []
    vendor = connection.vendor
    if vendor == "postgresql":
        # A name containing the fragment holds all of the fragment's bigrams: the index finds those names, ILIKE
        # keeps the ones with the bigrams in the right order. The same SQL function splits name and fragment.
        where = " OR ".join([f"({BIGRAMS}(s.name) @> {BIGRAMS}(%s) AND s.name ILIKE %s)"] * len(patterns))
        sql = (
            f"SELECT s.id, s.name, s.uscc, s.kind FROM subjects_subject s "
            f"WHERE ({where}) AND {_PUBLIC_SUBJECTS_SQL} LIMIT %s"
        )
        params = [value for fragment in fragments for value in (_index_fragment(fragment), f"%{fragment}%")]
        return _fetch(sql, [*params, *_PUBLIC_SUBJECTS_PARAMS, limit])
    if vendor == "sqlite" and _sqlite_fts_ready() and all(len(f) >= TRIGRAM_MIN for f in fragments):
        # FTS5 answers LIKE from its trigram index; the joined row is checked again, so a stale entry can never
        # produce a hit.
        where = " OR ".join(["f.name LIKE %s"] * len(patterns))
        recheck = " OR ".join(["s.name LIKE %s"] * len(patterns))
        sql = (
            f"SELECT s.id, s.name, s.uscc, s.kind FROM {FTS_TABLE} f JOIN subjects_subject s ON s.id = f.rowid "
            f"WHERE ({where}) AND ({recheck}) AND {_PUBLIC_SUBJECTS_SQL} LIMIT %s"
        )
        return _fetch(sql, [*patterns, *patterns, *_PUBLIC_SUBJECTS_PARAMS, limit])
    condition = Q()
    for fragment in fragments:
        condition |= Q(name__icontains=fragment)
    return list(public_subjects().filter(condition).values_list(*ROW_FIELDS)[:limit])


def _index_fragment(fragment: str) -> str:
    """The part of a fragment whose bigrams the index is asked for: its comparison key (江阴市利港迅亚船舶配件股份
    有限公司 → 迅亚船舶配件) when that is a piece of it. A name containing the fragment contains that piece, so the
    answer is the same; the posting lists of 有限, 公司 or 江阴 (most of the registry) are never intersected."""
    key = org_name_key(fragment)
    return key if len(key) >= 2 and key.lower() in fragment.lower() else fragment


def _fetch(sql: str, params: list[Any]) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(r[0]), str(r[1]), r[2], str(r[3])) for r in cursor.fetchall()]


def _sqlite_fts_ready() -> bool:
    """Whether migration 0002 could create the FTS5 table (it needs SQLite ≥ 3.34)."""
    return sqlite_table_exists(FTS_TABLE)
