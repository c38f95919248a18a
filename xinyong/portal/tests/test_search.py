"""The public search: organisations only, ranked exact code, exact name, prefix, contains; paged with a cap."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from xinyong.core import clock
from xinyong.core.identifiers import make_resident_id
from xinyong.portal import search_index
from xinyong.portal.selectors import SEARCH_CAP, MatchKind, SearchMode, normalise_query, search_subjects
from xinyong.portal.tests import data
from xinyong.subjects.models import Subject, SubjectKind

pytestmark = pytest.mark.django_db


def _names(result: Any) -> list[str]:
    return [hit.name for hit in result.hits]


def test_normalise_query_folds_width_and_drops_wildcards() -> None:
    assert normalise_query("  恒远　机械％_\\ ") == "恒远 机械"
    assert normalise_query("ＡＢＣ（江阴）") == "ABC(江阴)"


def test_a_fragment_of_the_name_finds_the_company() -> None:
    data.organisations([data.COMPANY, "江阴市利港华新纺织有限公司"])
    result = search_subjects("恒远机械")
    assert result.mode == SearchMode.NAME
    assert _names(result) == [data.COMPANY]
    assert result.hits[0].match == MatchKind.CONTAINS
    assert result.hits[0].published == 0


def test_ranking_exact_name_then_prefix_then_contains_shorter_first() -> None:
    data.organisations(
        [
            "江阴市利港恒远机械有限公司",  # contains, longer
            "利港恒远机械厂",  # contains, shorter
            "恒远机械制造有限公司",  # prefix
            "恒远机械",  # exact name
            "恒远电子有限公司",  # neither
        ]
    )
    result = search_subjects("恒远机械")
    assert _names(result) == ["恒远机械", "恒远机械制造有限公司", "利港恒远机械厂", "江阴市利港恒远机械有限公司"]
    assert [hit.match for hit in result.hits] == [
        MatchKind.NAME, MatchKind.PREFIX, MatchKind.CONTAINS, MatchKind.CONTAINS,
    ]


@pytest.mark.parametrize("typed", ["lower", "fullwidth", "spaced"])
def test_a_uscc_is_found_exactly_in_any_case_or_width(typed: str) -> None:
    subject = data.organisations([data.COMPANY])[0]
    code = subject.uscc or ""
    text = {
        "lower": code.lower(),
        "fullwidth": "".join(chr(ord(ch) + 0xFEE0) for ch in code),
        "spaced": f" {code[:6]} {code[6:]} ",
    }[typed]
    result = search_subjects(text)
    assert result.mode == SearchMode.CODE
    assert [(hit.id, hit.match) for hit in result.hits] == [(subject.pk, MatchKind.CODE)]


def test_a_valid_code_not_registered_and_a_code_with_a_bad_check_character_are_told_apart() -> None:
    missing = search_subjects(data.uscc(4242))
    assert missing.hits == [] and "未找到统一社会信用代码" in missing.notice
    code = data.uscc(4242)
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    bad = search_subjects(broken)
    assert bad.hits == [] and "校验不通过" in bad.notice


def test_natural_persons_are_never_found_by_name_or_number() -> None:
    number = make_resident_id("320281", dt.date(1979, 8, 1), 35)
    now = clock.now()
    Subject.objects.create(
        kind=SubjectKind.NATURAL_PERSON, name="恒远机械", name_key="恒远机械", id_type="居民身份证",
        id_number=number, created_at=now, updated_at=now,
    )
    # An individual business known only by its operator's ID number is a person in public.
    Subject.objects.create(
        kind=SubjectKind.INDIVIDUAL_BUSINESS, name="利港恒远机械修理部", name_key="利港恒远机械修理部",
        id_type="居民身份证", id_number=make_resident_id("320281", dt.date(1980, 1, 2), 37),
        created_at=now, updated_at=now,
    )
    data.organisations(["利港恒远机械维修店"], kind=SubjectKind.INDIVIDUAL_BUSINESS)
    assert _names(search_subjects("恒远机械")) == ["利港恒远机械维修店"]
    refused = search_subjects(number)
    assert refused.mode == SearchMode.REFUSED
    assert refused.hits == []
    assert number not in refused.query and refused.query.endswith(number[-4:])
    # Nor echoed when mistyped (bad check digit) or in the old 15-digit form.
    typo = number[:-1] + ("1" if number[-1] != "1" else "2")
    for text in (typo, number[:6] + number[8:17]):
        result = search_subjects(text)
        assert result.hits == []
        assert text not in result.query and text not in result.notice


def test_short_and_empty_queries_ask_for_more() -> None:
    assert search_subjects("").mode == SearchMode.EMPTY
    one = search_subjects("恒")
    assert one.hits == [] and "至少输入 2 个字" in one.notice


def test_full_width_brackets_in_stored_names_match_half_width_typing() -> None:
    data.organisations(["利港恒远（江阴）机械有限公司"])
    assert _names(search_subjects("恒远(江阴)")) == ["利港恒远（江阴）机械有限公司"]
    assert _names(search_subjects("恒远（江阴）")) == ["利港恒远（江阴）机械有限公司"]


def test_two_character_fragments_and_letters_in_any_case() -> None:
    data.organisations(["江阴市利港恒远机械有限公司", "江阴ABC恒远电子有限公司", "江阴市利港华新纺织有限公司"])
    assert _names(search_subjects("恒远")) == ["江阴ABC恒远电子有限公司", "江阴市利港恒远机械有限公司"]
    assert _names(search_subjects("abc恒远")) == ["江阴ABC恒远电子有限公司"]
    assert _names(search_subjects("Bc")) == ["江阴ABC恒远电子有限公司"]


def test_a_renamed_organisation_is_found_by_its_new_name_only() -> None:
    subject = data.organisations(["江阴市利港旧名称贸易有限公司"])[0]
    assert _names(search_subjects("旧名称贸易")) == ["江阴市利港旧名称贸易有限公司"]
    Subject.objects.filter(pk=subject.pk).update(name="江阴市利港新名称贸易有限公司")
    assert _names(search_subjects("旧名称贸易")) == []
    assert _names(search_subjects("新名称贸易")) == ["江阴市利港新名称贸易有限公司"]


def test_results_are_capped_and_paged_without_repeats() -> None:
    data.organisations([f"江阴市批量测试{n:04d}机械有限公司" for n in range(SEARCH_CAP + 5)])
    first = search_subjects("批量测试")
    assert (first.total, first.capped, first.pages, len(first.hits)) == (SEARCH_CAP, True, 50, 20)
    assert "超过 1000 个" in first.notice
    seen: list[int] = []
    for page in range(1, first.pages + 1):
        seen.extend(hit.id for hit in search_subjects("批量测试", page=page).hits)
    assert len(seen) == len(set(seen)) == SEARCH_CAP
    past = search_subjects("批量测试", page=999)
    assert past.page == 50 and len(past.hits) == 20
    assert search_subjects("批量测试", page=999, clamp=False).hits == []


def test_counts_of_published_records_come_with_the_hits(officer: Any, tmp_path: Any) -> None:
    unit = data.factories.unit("zhzfj")
    data.import_rows(
        tmp_path, category="admin_penalty", department=unit, actor=officer, name="处罚.csv",
        rows=[
            data.penalty(number="澄利综执罚〔2026〕1号", authority=unit, name=data.COMPANY, code=data.uscc(1)),
            data.penalty(number="澄利综执罚〔2026〕2号", authority=unit, name=data.COMPANY, code=data.uscc(1)),
        ],
    )
    data.publish(data.by_number("澄利综执罚〔2026〕1号"))
    data.publish(data.by_number("澄利综执罚〔2026〕2号"), end=data.TODAY - dt.timedelta(days=1))
    [hit] = search_subjects("恒远机械").hits
    assert hit.published == 1


def test_a_search_takes_a_constant_number_of_queries(django_assert_max_num_queries: Any) -> None:
    data.organisations([f"江阴市常量查询{n:03d}机械有限公司" for n in range(60)])
    search_subjects("常量查询")  # the first search of a process asks once whether the FTS5 table exists
    with django_assert_max_num_queries(3):
        result = search_subjects("常量查询")
    assert len(result.hits) == 20


def test_the_search_indexes_exist_on_this_database() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'subjects_subject'")
            names = {row[0] for row in cursor.fetchall()}
            assert {"subject_name_c", "subject_name_bigrams"} <= names
        else:
            assert search_index._sqlite_fts_ready()
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'subjects_subject'")
            assert "subject_name_binary" in {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize(
    ("fragment", "asked"),
    [
        ("江阴市利港恒远机械有限公司", "恒远机械"),  # the index is asked for the distinctive piece only
        ("恒远机械", "恒远机械"),
        ("有限公司", "有限公司"),  # nothing distinctive: the fragment itself
        ("Abc科技(江阴)有限公司", "ABC科技"),
        ("利港", "利港"),
    ],
)
def test_the_bigram_index_is_asked_for_a_piece_of_the_fragment(fragment: str, asked: str) -> None:
    from xinyong.portal.search_index import _index_fragment

    found = _index_fragment(fragment)
    assert found == asked and found.lower() in fragment.lower()
