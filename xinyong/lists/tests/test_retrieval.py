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
