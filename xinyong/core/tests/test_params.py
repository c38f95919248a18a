"""The page query parameter helpers: defaults, bounds, malformed values and text the database cannot store."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from xinyong.core.params import (
    MAX_YEAR,
    MIN_YEAR,
    BadParameter,
    choice_param,
    date_param,
    int_param,
    page_param,
    text_param,
    text_problem,
    unstorable_in,
    year_param,
)


def q(text: str) -> QueryDict:
    return QueryDict(text)


def qd(**values: str) -> QueryDict:
    return QueryDict(urlencode(values))


def test_missing_or_empty_parameters_take_the_default() -> None:
    assert year_param(q(""), default=2020) == 2020
    assert year_param(q("year=+"), default=2020) == 2020
    assert page_param(q("page=")) == 1
    assert date_param(q("from="), "from", label="起始日期") is None
    assert choice_param(q(""), "status", label="状态", choices={"a"}) == ""
    assert text_param(q("q=%20%20"), "q", label="名称") == ""


def test_good_values_are_read() -> None:
    assert year_param(q("year=2026"), default=2020) == 2026
    assert year_param(q("year=2000&year=2021"), default=2020) == 2021  # the last of repeated values
    assert page_param(q("page=3")) == 3
    assert int_param(q("n=-5"), "n", label="n", default=0, minimum=-10, maximum=10) == -5
    assert date_param(q("from=2020-02-29"), "from", label="起始日期") == dt.date(2020, 2, 29)
    assert choice_param(q("status=a"), "status", label="状态", choices={"a"}) == "a"
    assert text_param(q("q=%E6%81%92%E8%BF%9C+"), "q", label="名称") == "恒远"


@pytest.mark.parametrize(
    "raw", ["0", "1999", "2101", "9999", "10000", "99999999999999999999", "-2020", "20x6", "２０２０", "2020.0", "1e3"]
)
def test_a_year_out_of_range_or_malformed_is_refused_naming_the_parameter(raw: str) -> None:
    with pytest.raises(BadParameter) as caught:
        year_param(qd(year=raw), default=2020)
    message = caught.value.message
    assert "年度" in message and "参数 year" in message and f"{MIN_YEAR}—{MAX_YEAR}" in message
    assert caught.value.code == "E_BAD_PARAMETER"


@pytest.mark.parametrize("raw", ["0", "-1", "10001", str(2**63), str(10**400), "abc", "1.5", "١٢"])
def test_a_page_out_of_range_or_malformed_is_refused(raw: str) -> None:
    with pytest.raises(BadParameter, match="页码"):
        page_param(qd(page=raw))


@pytest.mark.parametrize("raw", ["2020-02-30", "2020-13-01", "0000-01-01", "20200301", "2020-W47-4", "2020/3/1", "x"])
def test_an_impossible_or_malformed_date_is_refused(raw: str) -> None:
    with pytest.raises(BadParameter, match="2020-11-19"):
        date_param(qd(**{"from": raw}), "from", label="起始日期")


def test_choices_and_lengths() -> None:
    with pytest.raises(BadParameter, match="不在可选范围内"):
        choice_param(q("status=zzz"), "status", label="状态", choices={"a"})
    with pytest.raises(BadParameter, match="最多 200 个字，收到 201 个字"):
        text_param(qd(q="字" * 201), "q", label="名称")


def test_text_the_database_cannot_store_is_refused() -> None:
    with pytest.raises(BadParameter, match="空字符") as caught:
        text_param(q("q=a%00b"), "q", label="名称")
    assert "a␀b" in caught.value.message  # shown, not swallowed
    assert text_problem("a\ud800b") and not text_problem("恒远\t机械")
    assert unstorable_in({"rows": [{"名称": "ok"}, {"名称": "a\x00"}]}) == ("rows[1].名称", "含有空字符（NUL）")
    assert unstorable_in({"a\x00": 1})[0] == "a\x00"
    assert unstorable_in({"rows": [1, None, True, "ok"]}) is None
