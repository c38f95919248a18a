"""Values that break code written for the common case: integers past every database and date limit, years 0 and
10000, impossible dates, NUL bytes, overlong and exotic text."""

from __future__ import annotations

from hypothesis import strategies as st

EDGE_INTS = [
    0, -1, 1, 1999, 2000, 2020, 2100, 2101, 9999, 10000, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, 2**64,
    -(2**63) - 1, 10**30,
]
EDGE_DATES = ["0001-01-01", "1900-01-01", "2020-02-29", "2020-02-30", "2020-13-01", "9999-12-31", "2020/3/1", "20200301"]
# One past the column lengths of the models, the most used first (Hypothesis leans to the first): PostgreSQL refuses
# longer text, SQLite stores it, so a length check missing before a write shows only there.
COLUMN_EDGES = [301, 201, 65, 101, 31, 21, 11, 151, 501, 256, 51, 81, 41, 1001, 4001]
EDGE_TEXT = ["", " ", "\x00", "a\x00b", "%00", "\t\r\n", "NaN", "-0", "1e9", "null", "[]", "{}", "../..", "<script>"]


def edge_ints() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from(EDGE_INTS), st.integers(min_value=-(10**40), max_value=10**40))


def edge_text() -> st.SearchStrategy[str]:
    # Hypothesis leans to the first alternatives: the ones that have broken things come first.
    return st.one_of(
        st.sampled_from(COLUMN_EDGES).map(lambda n: "字" * n),
        st.text(max_size=20).map(lambda s: s + "\x00" + s),
        st.sampled_from(EDGE_TEXT),
        st.sampled_from(EDGE_DATES),
        st.text(min_size=300, max_size=3000),
        st.text(max_size=40),
    )
