"""Retrieval of the entries to score: each path on its own index, the fragment path through the vendor's index."""

from __future__ import annotations

import pytest
from django.db import connection

from xinyong.lists import retrieval
from xinyong.lists.models import ListEntry
from xinyong.lists.tests.conftest import HENGYUAN, listed

pytestmark = pytest.mark.django_db


def test_fragment_path_finds_keys_containing_the_fragment_and_follows_renames(rules: None) -> None:
    hengyuan = listed("court_defaulter", "江阴市利港恒远机械有限公司", HENGYUAN)
    listed("major_tax_violation", "江阴大丰化工有限公司")
    assert retrieval.fragment_ids("恒远机械") == {hengyuan.pk}
    assert retrieval.fragment_ids("大丰化工") != {hengyuan.pk}
    if connection.vendor == "postgresql":
        assert retrieval.fragment_ids("恒远") == {hengyuan.pk}  # bigrams: two characters are enough
    # The index follows a changed key (an entry revised by a later file).
    ListEntry.objects.filter(pk=hengyuan.pk).update(name_key="利港宏达重工")
    assert retrieval.fragment_ids("恒远机械") == set()
    assert retrieval.fragment_ids("宏达重工") == {hengyuan.pk}
    assert retrieval.fragment_ids("x") == set()


def test_candidates_come_from_every_path_and_only_active_entries_count(rules: None) -> None:
    hengyuan = listed("court_defaulter", "江阴市利港恒远机械有限公司", HENGYUAN)
    pending = listed("work_safety", "江阴市利港恒远机械有限公司", published=None)
    by_code = retrieval.candidates(HENGYUAN, "", None)
    assert [e.pk for e in by_code] == [hengyuan.pk]
    by_name = retrieval.candidates("", "恒远机械", None)
    assert hengyuan.pk in {e.pk for e in by_name} and pending.pk not in {e.pk for e in by_name}
    assert retrieval.candidates("", "", None) == []


def test_the_stored_key_decides_the_fragment_filter_exactly_as_the_full_keys_do() -> None:
    """The fast path of `may_reach_threshold` (the entry's stored first key) must agree with working out all its
    keys, for every pairing of a few hundred synthetic names and their labelled variants (aliases included)."""
    from xinyong.lists import matching
    from xinyong.lists.variants import labelled_pairs, make_companies

    companies = make_companies(150, seed=11)
    queries = [pair.query_name for pair in labelled_pairs(companies, seed=11) if pair.query_name][:400]
    # Names written from the town on (利港虹奔家具有限公司) carry an alias key without the town (虹奔家具).
    bare = [c.name.removeprefix("江阴市") for c in companies if c.name.startswith("江阴市")]
    names = [c.name for c in companies] + bare + queries[:100]
    queries += bare[:50]
    with_aliases = [name for name in names if len(matching.match_keys(name)) > 1]
    assert with_aliases, "the set must include names with alias keys (a town or zone prefix)"
    outcomes: dict[tuple[bool, bool], int] = {}
    for query in queries:
        qkeys = matching.name_form(query).keys
        for name in names:
            slow = retrieval.may_reach_threshold(name, None, qkeys)
            fast = retrieval.may_reach_threshold(name, matching.match_keys(name)[0], qkeys)
            outcomes[(slow, fast)] = outcomes.get((slow, fast), 0) + 1
    assert set(outcomes) == {(True, True), (False, False)}, outcomes
    assert sum(outcomes.values()) > 50_000


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL's")
def test_the_bigram_indexes_take_new_keys_at_once_without_a_pending_list(rules: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN ('subject_name_bigrams', 'lists_entry_key_bigrams')"
        )
        options = dict(cursor.fetchall())
    assert options == {"subject_name_bigrams": ["fastupdate=off"], "lists_entry_key_bigrams": ["fastupdate=off"]}
