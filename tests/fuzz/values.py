"""Values that break code written for the common case: integers past every database and date limit, years 0 and
10000, impossible dates, NUL bytes, overlong and exotic text."""

from __future__ import annotations

from hypothesis import strategies as st

EDGE_INTS = [
    0, -1, 1, 1999, 2000, 2020, 2100, 2101, 9999, 10000, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, 2**64,
    -(2**63) - 1, 10**30,
]
EDGE_DATES = ["0001-01-01", "1900-01-01", "2020-02-29", "2020-02-30", "2020-13-01", "9999-12-31", "2020/3/1", "20200301"]
EDGE_TEXT = ["", " ", "\x00", "a\x00b", "%00", "\t\r\n", "NaN", "-0", "1e9", "null", "[]", "{}", "../..", "<script>"]


def edge_ints() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from(EDGE_INTS), st.integers(min_value=-(10**40), max_value=10**40))


def edge_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(EDGE_TEXT),
        st.sampled_from(EDGE_DATES),
        st.text(max_size=40),
        st.text(min_size=300, max_size=3000),
        st.text(max_size=20).map(lambda s: s + "\x00" + s),
    )
