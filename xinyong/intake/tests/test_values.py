"""Cell value parsing: the forms clerks really type, and the ones that must be refused with a reason."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from xinyong.intake.values import (
    clean_text,
    excel_serial_to_date,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
)

PENALTY_KINDS = [
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "没收违法所得、没收非法财物",
    "暂扣许可证件",
    "吊销许可证件",
    "责令停产停业",
    "行政拘留",
    "其他",
]

# ----------------------------------------------------------------------------------------------------------
# clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("abc", "abc"),
        ("  abc  ", "abc"),
        ("a  b\t\tc\nd", "a b c d"),
        ("江阴市\u3000利港街道", "江阴市 利港街道"),
        ("ＡＢＣ１２３", "ABC123"),
        ("９１３２０２８１ＭＡ１ＭＹ０Ｋ５Ｘ", "91320281MA1MY0K5X"),
        ("\u200b江阴\ufeff", "江阴"),
        ("a\xa0b", "a b"),
        (123, "123"),
        (123.0, "123"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (999999999999999.0, "999999999999999"),  # 15 digits: what Excel keeps exactly
        (-999999999999999, "-999999999999999"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        ("'320281199001011234", "320281199001011234"),  # Excel's text marker
        ("' 3202", "3202"),
        ("''abc", "abc"),
        ("＇江阴", "江阴"),
        ("O'Brien", "O'Brien"),
        ("abc'", "abc'"),
        ("1.5E+04", "1.5E+04"),  # small numbers in scientific notation are the parsers' business
        ("GB2E+5", "GB2E+5"),
        (True, "TRUE"),
        (Decimal("1.50"), "1.50"),
        (dt.date(2020, 11, 19), "2020-11-19"),
        (dt.datetime(2020, 11, 19), "2020-11-19"),
        (dt.datetime(2020, 11, 19, 8, 30), "2020-11-19 08:30:00"),
    ],
)
def test_clean_text(raw: object, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        3.202811975030412e17,  # an identity card number typed into a number cell
        320281199001011234.0,
        9.13203e17,
        1e15,
        -1e16,
        1234567890123456,  # a whole float the reader turned into int: still a number cell
    ],
)
def test_clean_text_refuses_numbers_excel_has_cut_to_15_digits(raw: object) -> None:
    with pytest.raises(
        ValueError, match="该单元格是数值格式，Excel 只保留15位有效数字，号码已失真"
    ) as exc_info:
        clean_text(raw)
    assert "“文本”格式" in str(exc_info.value)


@pytest.mark.parametrize(
    "raw", ["9.13203E+17", "3.20281E+17", " 9.13203E+17 ", "９.１３２０３Ｅ＋１７", "'9.1E+17", "1E+15"]
)
def test_clean_text_refuses_long_numbers_in_scientific_notation(raw: str) -> None:
    with pytest.raises(ValueError, match=r"科学计数法.*号码已失真.*15位有效数字"):
        clean_text(raw)


def test_parsers_keep_their_own_messages_for_huge_numbers() -> None:
    with pytest.raises(ValueError, match="日期"):
        parse_date(1e20)
    assert parse_decimal(3.2e17) == Decimal("3.2E+17")
    assert parse_decimal(" 1.5E+20 ") == Decimal("1.5E+20")
    with pytest.raises(ValueError, match="可选"):
        parse_choice(1e20, ["罚款"])


def _plain(text: str) -> str:
    # The definition: NFKC, invisible characters dropped, whitespace collapsed, Excel's leading text marker
    # (an apostrophe) dropped.
    invisible = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
    return " ".join(unicodedata.normalize("NFKC", text).translate(invisible).split()).lstrip("' ")


@given(st.text())
@example("'")
@example(" ' x")
@example("1E+99")
@example("\uff07\u3000\uff11\uff25+\uff11\uff19")
def test_clean_text_matches_the_plain_definition(text: str) -> None:
    # The fast paths must agree with the definition; only long numbers in scientific notation are refused.
    expected = _plain(text)
    try:
        cleaned = clean_text(text)
    except ValueError:
        assert "E+" in expected and float(expected) >= 1e15
    else:
        assert cleaned == expected


def test_clean_text_returns_clean_ascii_unchanged() -> None:
    # The fast path: no copy for text that needs no work.
    text = "".join(["91320281", "MA1MY0K5X"])
    assert clean_text(text) is text


@given(st.text())
def test_clean_text_is_idempotent_and_tidy(text: str) -> None:
    try:
        cleaned = clean_text(text)
    except ValueError:
        return
    assert clean_text(cleaned) == cleaned
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned


# ----------------------------------------------------------------------------------------------------------
# parse_date

NOV_19 = dt.date(2020, 11, 19)


@pytest.mark.parametrize(
    "raw",
    [
        "2020-11-19",
        "2020/11/19",
        "2020.11.19",
        "2020年11月19日",
        "2020年11月19号",
        "2020年11月19",
        "2020 年 11 月 19 日",
        "20201119",
        "2020-11-19 00:00:00",
        "2020-11-19 08:30:15.123",
        "2020-11-19T08:30",
        "2020/11/19 8:30",
        "２０２０－１１－１９",
        "２０２０年１１月１９日",
        "  2020-11-19  ",
        "44154",
        "44154.5",
        "二〇二〇年十一月十九日",
        44154,
        44154.0,
        44154.99,
        20201119,
        Decimal("44154"),
        NOV_19,
        dt.datetime(2020, 11, 19, 23, 59),
    ],
)
def test_parse_date_accepts(raw: object) -> None:
    assert parse_date(raw) == NOV_19


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-1-9", dt.date(2020, 1, 9)),
        ("2020/1/9", dt.date(2020, 1, 9)),
        ("2020年1月9日", dt.date(2020, 1, 9)),
        ("二〇二一年一月三十一日", dt.date(2021, 1, 31)),
        ("二〇二一年十月十日", dt.date(2021, 10, 10)),
        ("2020-02-29", dt.date(2020, 2, 29)),
    ],
)
def test_parse_date_other_days(raw: object, expected: dt.date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_parse_date_empty(raw: object) -> None:
    assert parse_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2020-02-30", "日期不存在：2020年2月30日"),
        ("2021-02-29", "日期不存在：2021年2月29日"),
        ("2020-13-01", "日期不存在：2020年13月1日"),
        ("2020年4月31日", "日期不存在：2020年4月31日"),
        ("20200230", "日期不存在：2020年2月30日"),
        (60, "日期不存在：1900年2月29日"),
    ],
)
def test_parse_date_rejects_days_that_do_not_exist(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "19/11/2020",  # day first: ambiguous with month first, refused rather than guessed
        "11/19/2020",
        "20-11-19",  # two-digit year
        "2020-11/19",  # mixed separators
        "2020",
        "202011",
        "2020-11",
        "2020年11月",
        "2020-11-19 abc",
        "1/2",
        True,
        dt.time(8, 30),
        0,
        -1,
        2958466,
        float("nan"),
        float("inf"),
    ],
)
def test_parse_date_rejects_unrecognised(raw: object) -> None:
    with pytest.raises(ValueError, match="日期"):
        parse_date(raw)


def test_parse_date_message_shows_the_accepted_forms() -> None:
    with pytest.raises(ValueError) as info:
        parse_date("19/11/2020")
    assert str(info.value) == "无法识别的日期“19/11/2020”，请使用 2020-11-19 或 2020年11月19日 的格式"


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (43831, dt.date(2020, 1, 1)),
        (44154, NOV_19),
        (2958465, dt.date(9999, 12, 31)),
    ],
)
def test_excel_serial_1900_system(serial: int, expected: dt.date) -> None:
    assert excel_serial_to_date(serial) == expected


def test_excel_serial_1904_system() -> None:
    assert excel_serial_to_date(0, epoch_1904=True) == dt.date(1904, 1, 1)
    assert parse_date(44154 - 1462, excel_epoch_1904=True) == NOV_19
    assert parse_date("42692", excel_epoch_1904=True) == NOV_19


def _excel_serial(day: dt.date) -> int:
    serial = (day - dt.date(1899, 12, 30)).days
    return serial


_FULL_WIDTH = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")
_CN_DIGITS = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[units] if units else "")


_FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}-{d.month}-{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}号",
    lambda d: f" {d.year} 年 {d.month} 月 {d.day} 日 ",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S"),
    lambda d: d.strftime("%Y-%m-%dT08:30"),
    lambda d: d.strftime("%Y/%m/%d 23:59"),
    lambda d: d.isoformat().translate(_FULL_WIDTH),
    lambda d: f"{d.year}年{d.month}月{d.day}日".translate(_FULL_WIDTH),
    lambda d: (
        "".join(_CN_DIGITS[int(c)] for c in str(d.year)) + f"年{_cn_number(d.month)}月{_cn_number(d.day)}日"
    ),
    lambda d: d,
    lambda d: dt.datetime(d.year, d.month, d.day, 12, 0),
    lambda d: _excel_serial(d),
    lambda d: float(_excel_serial(d)) + 0.25,
    lambda d: int(d.strftime("%Y%m%d")),
]


@given(
    day=st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2999, 12, 31)),
    form=st.sampled_from(range(len(_FORMATS))),
)
@example(day=dt.date(2000, 2, 29), form=5)
@example(day=dt.date(1900, 3, 1), form=17)
def test_parse_date_round_trips(day: dt.date, form: int) -> None:
    assert parse_date(_FORMATS[form](day)) == day


@given(day=st.dates(min_value=dt.date(1927, 6, 1), max_value=dt.date(2173, 10, 1)))
def test_parse_date_serial_text_round_trips(day: dt.date) -> None:
    assert parse_date(str(_excel_serial(day))) == day


@given(st.text(max_size=30))
def test_parse_date_only_raises_value_error(text: str) -> None:
    try:
        result = parse_date(text)
    except ValueError as exc:
        assert "日期" in str(exc)
    else:
        assert result is None or isinstance(result, dt.date)


@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)))
def test_parse_date_rejects_day_first(day: dt.date) -> None:
    with pytest.raises(ValueError):
        parse_date(f"{day.day:02d}/{day.month:02d}/{day.year}")


# ----------------------------------------------------------------------------------------------------------
# parse_decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.5", Decimal("1.5")),
        ("1,500.00", Decimal("1500.00")),
        ("1，500", Decimal("1500")),
        ("１.５", Decimal("1.5")),
        ("１．５", Decimal("1.5")),
        ("1.5万元", Decimal("1.5")),
        ("1.5万", Decimal("1.5")),
        ("1.5 万元", Decimal("1.5")),
        ("￥1.5万元", Decimal("1.5")),
        ("人民币2万元", Decimal("2")),
        (" 2 ", Decimal("2")),
        ("-2", Decimal("-2")),
        ("+2", Decimal("2")),
        (".5", Decimal("0.5")),
        ("0", Decimal("0")),
        ("1.5E+04", Decimal("15000")),
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),
        (1.1 + 2.2, Decimal("3.3000000000000003")),
        (1.5, Decimal("1.5")),
        (Decimal("2.50"), Decimal("2.50")),
    ],
)
def test_parse_decimal(raw: object, expected: Decimal) -> None:
    assert parse_decimal(raw) == expected


def test_parse_decimal_float_has_no_binary_noise() -> None:
    assert str(parse_decimal(0.1)) == "0.1"


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_parse_decimal_empty(raw: object) -> None:
    assert parse_decimal(raw) is None


@pytest.mark.parametrize(
    "raw",
    ["abc", "1.2.3", "1,5", "12,34.5", "1 500", "NaN", "Infinity", "1_000", "--1", "1.5亿", "约1.5", True],
)
def test_parse_decimal_rejects(raw: object) -> None:
    with pytest.raises(ValueError, match="不是有效的数字"):
        parse_decimal(raw)


def test_parse_decimal_refuses_yuan_for_a_wan_yuan_column() -> None:
    with pytest.raises(ValueError, match="单位是元"):
        parse_decimal("15000元")


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), Decimal("NaN")])
def test_parse_decimal_rejects_non_finite(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_decimal(raw)


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=4))
def test_parse_decimal_round_trips(value: Decimal) -> None:
    text = format(value, "f")
    assert parse_decimal(text) == value
    assert parse_decimal(f"{text}万元") == value
    assert parse_decimal(text.translate(_FULL_WIDTH)) == value
    assert parse_decimal(format(value, ",f")) == value


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_decimal_float_matches_its_shortest_repr(value: float) -> None:
    result = parse_decimal(value)
    assert result is not None
    assert float(result) == value


# ----------------------------------------------------------------------------------------------------------
# parse_choice


def test_parse_choice_exact_and_cleaned() -> None:
    assert parse_choice("罚款", PENALTY_KINDS) == "罚款"
    assert parse_choice(" 罚款\u3000", PENALTY_KINDS) == "罚款"
    assert parse_choice("", PENALTY_KINDS) == ""
    assert parse_choice(None, PENALTY_KINDS, multi=True) == []


def test_parse_choice_aliases_and_case() -> None:
    aliases = {"罚没款": "罚款", "普通许可": "普通"}
    assert parse_choice("罚没款", PENALTY_KINDS, aliases=aliases) == "罚款"
    assert parse_choice("y", ["Y", "N"]) == "Y"
    assert parse_choice("普通许可", ["普通", "特许"], aliases=aliases) == "普通"


def test_parse_choice_rejects_with_the_choices_listed() -> None:
    with pytest.raises(ValueError) as info:
        parse_choice("拘留", ["警告", "罚款"])
    assert str(info.value) == "“拘留”不在可选值中，可选：警告、罚款"


def test_parse_choice_single_refuses_several_values() -> None:
    with pytest.raises(ValueError, match="不在可选值中"):
        parse_choice("罚款、警告", PENALTY_KINDS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("罚款", ["罚款"]),
        ("罚款、警告", ["罚款", "警告"]),
        ("罚款,警告", ["罚款", "警告"]),
        ("罚款，警告；通报批评", ["罚款", "警告", "通报批评"]),
        ("罚款 / 警告", ["罚款", "警告"]),
        ("罚款 警告", ["罚款", "警告"]),
        ("罚款、警告、罚款", ["罚款", "警告"]),
        ("没收违法所得、没收非法财物", ["没收违法所得、没收非法财物"]),
        ("罚款、没收违法所得、没收非法财物", ["罚款", "没收违法所得、没收非法财物"]),
        ("没收违法所得", ["没收违法所得"]),
        ("罚款、", ["罚款"]),
    ],
)
def test_parse_choice_multi(raw: str, expected: list[str]) -> None:
    assert parse_choice(raw, PENALTY_KINDS, multi=True) == expected


def test_parse_choice_multi_names_the_bad_part() -> None:
    with pytest.raises(ValueError, match=r"^“拘留”不在可选值中"):
        parse_choice("罚款、拘留", PENALTY_KINDS, multi=True)


def test_parse_choice_multi_with_alias() -> None:
    assert parse_choice("罚没款、警告", PENALTY_KINDS, aliases={"罚没款": "罚款"}, multi=True) == [
        "罚款",
        "警告",
    ]


@given(st.lists(st.sampled_from(["警告", "通报批评", "罚款", "其他"]), min_size=1, max_size=4, unique=True))
def test_parse_choice_multi_round_trips(kinds: list[str]) -> None:
    for sep in ("、", ",", "；", " / "):
        assert parse_choice(sep.join(kinds), PENALTY_KINDS, multi=True) == kinds


# ----------------------------------------------------------------------------------------------------------
# parse_bool


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0.0, False),
        (True, True),
        (None, None),
        ("", None),
    ],
)
def test_parse_bool(raw: object, expected: bool | None) -> None:
    assert parse_bool(raw) is expected


@pytest.mark.parametrize("raw", ["有效", "无效", "对", "2", 2, "maybe"])
def test_parse_bool_rejects(raw: object) -> None:
    with pytest.raises(ValueError, match="是/否"):
        parse_bool(raw)
