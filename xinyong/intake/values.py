"""Parsing of single cell values from imported spreadsheets.

Every parser returns the parsed value or raises ``ValueError`` whose message is a Chinese reason a clerk can
act on; the importer adds the row number and the field name. These functions run about 25 times per row on
files of a million rows, so each has a fast path for the clean ASCII input that most cells are, and only
falls back to Unicode normalisation and the slower regular expressions when the fast path does not apply.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = [
    "ACCEPTED_DATE_FORMS",
    "clean_text",
    "excel_serial_to_date",
    "parse_bool",
    "parse_choice",
    "parse_date",
    "parse_decimal",
]

# Characters that survive NFKC but that a clerk never means: zero-width spaces and joiners, the BOM, word
# joiner.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_WS_RUN = re.compile(r"\s+")


# Full-width ASCII forms (，（）：１２３ and the ideographic space) are what makes most Chinese cell text
# non-NFKC. unicodedata.normalize() re-composes the whole string when anything needs changing (tens of µs for a
# sentence), so map these directly, as NFKC would, and normalise only if something else remains.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _half_width(match: re.Match[str]) -> str:
    char = match.group()
    return " " if char == "\u3000" else chr(ord(char) - 0xFEE0)


def _nfkc(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text):
        return text
    return _nfkc_changed(text)


def _nfkc_changed(text: str) -> str:
    # NFKC of text known not to be in NFKC.
    text = _FULL_WIDTH.sub(_half_width, text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def _is_tidy(text: str) -> bool:
    # isprintable() is False for every whitespace character but the plain space and for the invisible format
    # characters, so together with the checks on plain spaces it proves the text needs no work (C-speed tests).
    return text.isprintable() and "  " not in text and not (text[:1] == " " or text[-1:] == " ")


# Excel keeps 15 significant digits of a number: a longer code (an 18-digit identity card number, a USCC-like
# number) typed into a number cell has lost its last digits, and shows as 3.20281E+17.
_EXCEL_DIGITS = 15
_DISTORTED_FROM = 10**_EXCEL_DIGITS
_DISTORTED_BELOW = -_DISTORTED_FROM
_NUMBER_CELL_DISTORTED = (
    "该单元格是数值格式，Excel 只保留15位有效数字，号码已失真。请将该列设为“文本”格式后重新填写"
)
# Scientific notation written out as text, as a CSV export of such a cell carries it: 9.13203E+17.
_SCIENTIFIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)[eE]\+?\d{1,3}")


def _excel_marked(text: str) -> str:
    """Tidy text that starts with Excel's text marker (an apostrophe) or looks like a number in scientific
    notation: the marker is dropped; a long number shown as 9.13203E+17 is refused (its digits are lost).
    """
    if text[:1] == "'":
        # Excel's "store as text" prefix, which comes along when a sheet is exported or copied as text.
        text = text.lstrip("' ")
    if "E+" in text and _SCIENTIFIC.fullmatch(text) and abs(float(text)) >= _DISTORTED_FROM:
        raise ValueError(
            f"“{text}”是科学计数法形式的数字，号码已失真：Excel 把长号码当作数值，只保留15位有效数字。"
            "请将该列设为“文本”格式后重新填写号码"
        )
    return text


def clean_text(value: object) -> str:
    """Return ``value`` as tidy text: NFKC, stripped, inner whitespace runs collapsed; ``''`` for None.

    Numbers that Excel stored as floats but that are whole (a code typed into a number cell, ``123.0``) come
    back without the ``.0``. Excel's text marker (a leading apostrophe) is dropped.

    Raises ``ValueError`` for a number of 16 or more digits, as a number cell or as text in scientific
    notation (9.13203E+17): Excel keeps only 15 significant digits, so such a code has lost its last digits
    and would otherwise come back as a wrong code with a misleading check-digit error.
    """
    if type(value) is str:
        # The hot path (about 25 calls per row): C-speed tests only. strip() hands back the very same object
        # when there is nothing to strip, which proves in one call that the text has no leading or trailing
        # space and does not start with Excel's text marker (an apostrophe). (Were a copy handed back, the
        # slower path below would still give the same result.)
        if value.isascii():
            if value.isprintable() and "  " not in value and value.strip(" '") is value and "E+" not in value:
                return value
            return _excel_marked(_WS_RUN.sub(" ", value).strip())
        text = value if unicodedata.is_normalized("NFKC", value) else _nfkc_changed(value)
        # Only text that NFKC made ASCII (full-width digits) can be a number in scientific notation.
        if (
            text.isprintable()
            and "  " not in text
            and text.strip(" '") is text
            and not (text.isascii() and "E+" in text)
        ):
            return text
        return _excel_marked(_WS_RUN.sub(" ", text.translate(_INVISIBLE)).strip())
    if value is None:
        return ""
    kind = type(value)
    if kind is int or kind is float:
        number: float = value  # type: ignore[assignment]
        if _DISTORTED_BELOW < number < _DISTORTED_FROM:
            if kind is int:
                return str(number)
            # Whole numbers come back without '.0': a code typed into a number cell.
            return str(int(number)) if number.is_integer() else repr(number)
        if kind is float and not math.isfinite(number):
            return repr(number)
        raise ValueError(_NUMBER_CELL_DISTORTED)
    return _plain_text(value)


def _plain_text(value: object) -> str:
    """clean_text without the checks for Excel's distortions: for the parsers of dates, numbers and choices,
    whose own messages say what is wrong with such a cell.
    """
    if value is None:
        return ""
    if type(value) is str:
        if value.isascii():
            return value if _is_tidy(value) else _WS_RUN.sub(" ", value).strip()
        text = _nfkc(value)
        if _is_tidy(text):
            return text
        return _WS_RUN.sub(" ", text.translate(_INVISIBLE)).strip()
    if isinstance(value, bool):
        # Excel shows boolean cells as TRUE / FALSE.
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return _plain_text(str(value))


# ----------------------------------------------------------------------------------------------------------
# Dates

ACCEPTED_DATE_FORMS = "2020-11-19 或 2020年11月19日"

# Excel's 1900 date system counts 1900-02-29, a day that never existed (a Lotus 1-2-3 compatibility bug):
# serial 60 is that phantom day, serials below it are one day off from those above it.
_EXCEL_1900_BEFORE_BUG = dt.date(1899, 12, 31)
_EXCEL_1900_AFTER_BUG = dt.date(1899, 12, 30)
_EXCEL_1904_BASE = dt.date(1904, 1, 1)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
_EXCEL_1904_MAX_SERIAL = _EXCEL_MAX_SERIAL - 1462
_MIN_YEAR = 1900

_TIME = r"(?:\s*[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
# Year first with one separator used consistently; an optional time of day is ignored.
_SEP_DATE = re.compile(r"(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})" + _TIME)
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?" + _TIME)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# Serial numbers written as text, as they come out of a CSV export of date cells. Only five digits
# (1927–2173): a shorter run of digits such as '2020' is far more likely to be a truncated date than a
# serial number.
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")
# Dates written in Chinese numerals, as in the decision documents themselves: 二〇二〇年十一月十九日.
_CN_NUMERAL_DATE = re.compile(
    r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})[日号]"
)
_CN_DIGITS = {char: value for value, char in enumerate("〇一二三四五六七八九")} | {"零": 0}


def _unrecognised_date(text: str) -> ValueError:
    return ValueError(f"无法识别的日期“{text}”，请使用 {ACCEPTED_DATE_FORMS} 的格式")


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    if year < _MIN_YEAR:
        raise ValueError(f"日期“{text}”的年份{year}不合理，请使用 {ACCEPTED_DATE_FORMS} 的格式")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"日期不存在：{year}年{month}月{day}日") from None


def excel_serial_to_date(serial: float, *, epoch_1904: bool = False) -> dt.date:
    """Convert an Excel serial day number (the time of day, the fraction, is dropped) to a date."""
    if math.isnan(serial) or math.isinf(serial):
        raise ValueError(f"无法识别的日期“{serial}”，请使用 {ACCEPTED_DATE_FORMS} 的格式")
    days = math.floor(serial)
    if epoch_1904:
        if not 0 <= days <= _EXCEL_1904_MAX_SERIAL:
            raise _unrecognised_date(_plain_text(serial))
        return _EXCEL_1904_BASE + dt.timedelta(days=days)
    if not 1 <= days <= _EXCEL_MAX_SERIAL:
        raise _unrecognised_date(_plain_text(serial))
    if days == 60:
        raise ValueError("日期不存在：1900年2月29日（Excel 日期序号60）")
    base = _EXCEL_1900_BEFORE_BUG if days < 60 else _EXCEL_1900_AFTER_BUG
    return base + dt.timedelta(days=days)


def _cn_small_number(text: str) -> int:
    # 一..九, 十, 十一..十九, 二十.., 三十一: enough for months and days.
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else -1
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return -1
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _parse_number_as_date(value: float, epoch_1904: bool) -> dt.date:
    if value.is_integer() and 19000101 <= value <= 29991231:
        # A date typed as the number 20201119 (common in exports from departmental systems).
        text = str(int(value))
        return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    return excel_serial_to_date(value, epoch_1904=epoch_1904)


def parse_date(value: object, *, excel_epoch_1904: bool = False) -> dt.date | None:
    """Parse a date cell; ``None`` for an empty cell.

    Accepts date/datetime objects, Excel serial numbers, and text in the forms clerks use (2020-11-19,
    2020/11/19, 2020.11.19, 2020年11月19日, 20201119, with or without a time of day). Day-first and
    two-digit-year forms are rejected: 03/04/2020 is ambiguous and a wrong guess would publish a wrong date.
    """
    if value is None:
        return None
    if type(value) is str:
        text = value
        # Fast path: a clean ISO date, by far the most common text form.
        if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
            try:
                date = dt.date.fromisoformat(text)
            except ValueError:
                pass
            else:
                if date.year >= _MIN_YEAR:
                    return date
        return _parse_date_text(_plain_text(text), excel_epoch_1904)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _unrecognised_date(_plain_text(value))
    if isinstance(value, int | float):
        return _parse_number_as_date(float(value), excel_epoch_1904)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _unrecognised_date(str(value))
        return _parse_number_as_date(float(value), excel_epoch_1904)
    if isinstance(value, dt.time):
        raise ValueError(f"“{value.isoformat()}”只有时间没有日期，请使用 {ACCEPTED_DATE_FORMS} 的格式")
    return _parse_date_text(_plain_text(value), excel_epoch_1904)


def _parse_date_text(text: str, epoch_1904: bool) -> dt.date | None:
    if not text:
        return None
    match = _SEP_DATE.fullmatch(text)
    if match is not None:
        return _make_date(int(match.group(1)), int(match.group(3)), int(match.group(4)), text)
    match = _CN_DATE.fullmatch(text)
    if match is not None:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), text)
    match = _COMPACT_DATE.fullmatch(text)
    if match is not None:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), text)
    if _SERIAL_TEXT.fullmatch(text):
        return excel_serial_to_date(float(text), epoch_1904=epoch_1904)
    match = _CN_NUMERAL_DATE.fullmatch(text)
    if match is not None:
        year = int("".join(str(_CN_DIGITS[c]) for c in match.group(1)))
        month = _cn_small_number(match.group(2))
        day = _cn_small_number(match.group(3))
        if month > 0 and day > 0:
            return _make_date(year, month, day, text)
    raise _unrecognised_date(text)


# ----------------------------------------------------------------------------------------------------------
# Numbers

# A plain number: optional sign, digits with an optional fraction, optional exponent (CSV exports of large
# amounts sometimes carry 1.5E+04). Anything Decimal() would also accept but a clerk never means (NaN,
# Infinity, underscores) is kept out by this pattern.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_MONEY_PREFIX = re.compile(r"^(?:人民币|rmb|cny|¥|\$)\s*", re.IGNORECASE)
_WAN_SUFFIX = re.compile(r"\s*万(?:元)?(?:人民币)?$")
_YUAN_SUFFIX = re.compile(r"\s*元(?:人民币)?$")


def _not_a_number(text: str) -> ValueError:
    return ValueError(f"“{text}”不是有效的数字")


def parse_decimal(value: object) -> Decimal | None:
    """Parse a number cell; ``None`` for an empty cell.

    Amounts in the 双公示 layouts are in 万元, so a trailing 万 / 万元 is dropped; a value in 元 is refused
    rather than silently taken as 万元 (it would be ten thousand times too large).
    """
    if value is None:
        return None
    if type(value) is str:
        if value.isascii() and _PLAIN_NUMBER.fullmatch(value):
            return Decimal(value)
        return _parse_decimal_text(_plain_text(value))
    if isinstance(value, bool):
        raise _not_a_number(_plain_text(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise _not_a_number(repr(value))
        # repr() is the shortest text that round-trips, so 0.1 becomes Decimal('0.1'), not
        # 0.1000000000000000055…
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _not_a_number(str(value))
        return value
    return _parse_decimal_text(_plain_text(value))


def _parse_decimal_text(text: str) -> Decimal | None:
    if not text:
        return None
    body = _MONEY_PREFIX.sub("", text)
    wan = _WAN_SUFFIX.search(body)
    if wan is not None:
        body = body[: wan.start()]
    elif _YUAN_SUFFIX.search(body):
        raise ValueError(f"“{text}”的单位是元，本栏以万元为单位，请换算为万元后填写（例如 15000元 应填 1.5）")
    body = body.strip()
    if _PLAIN_NUMBER.fullmatch(body):
        number = body
    elif _GROUPED_NUMBER.fullmatch(body):
        number = body.replace(",", "")
    else:
        raise _not_a_number(text)
    try:
        return Decimal(number)
    except InvalidOperation:  # pragma: no cover - the patterns above only let valid literals through
        raise _not_a_number(text) from None


# ----------------------------------------------------------------------------------------------------------
# Choices and booleans

_DEFAULT_SEPARATORS = ",，、;；/ "
_MAX_LISTED_CHOICES = 20


class _ChoiceTable:
    """Lookup tables for one set of choices, built once and cached: the hot path is a dict lookup."""

    def __init__(
        self, choices: tuple[str, ...], aliases: tuple[tuple[str, str], ...], separators: str
    ) -> None:
        self.choices = choices
        self.exact: dict[str, str] = {c: c for c in choices}
        # Case-folded and cleaned forms, so 'y' matches 'Y' and a full-width '（' in an alias still matches.
        self.folded: dict[str, str] = {}
        for choice in choices:
            self.folded.setdefault(_plain_text(choice).casefold(), choice)
        for alias, target in aliases:
            self.folded.setdefault(_plain_text(alias).casefold(), target)
        seps = "".join(sorted(set(_plain_text(separators) + separators)))
        sep_class = "[" + re.escape(seps) + "]" if seps else r"(?!)"
        # Known values first, longest first, so a choice that itself contains a separator (the 2016 layout's
        # 没收违法所得、没收非法财物) is read as one value, not two.
        known = sorted(set(self.folded), key=len, reverse=True)
        known_alt = "|".join(re.escape(k) for k in known if k) or r"(?!)"
        self.splitter = re.compile(
            rf"(?:{known_alt})(?={sep_class}|$)|[^{re.escape(seps) or ' '}]+", re.IGNORECASE
        )
        # A choice may itself contain 、 (没收违法所得、没收非法财物); list them with ； then, so each stays
        # readable.
        joiner = "；" if any("、" in c for c in choices) else "、"
        self.listing = joiner.join(choices[:_MAX_LISTED_CHOICES]) + (
            "…" if len(choices) > _MAX_LISTED_CHOICES else ""
        )

    def lookup(self, text: str) -> str:
        found = self.exact.get(text)
        if found is None:
            found = self.folded.get(text.casefold())
        if found is None:
            raise ValueError(f"“{text}”不在可选值中，可选：{self.listing}")
        return found


@lru_cache(maxsize=256)
def _choice_table(
    choices: tuple[str, ...], aliases: tuple[tuple[str, str], ...], separators: str
) -> _ChoiceTable:
    return _ChoiceTable(choices, aliases, separators)


def parse_choice(
    value: object,
    choices: Sequence[str],
    *,
    aliases: Mapping[str, str] | None = None,
    multi: bool = False,
    separators: str = _DEFAULT_SEPARATORS,
) -> str | list[str]:
    """Match a cell against the allowed values; ``''`` (or ``[]`` with ``multi``) for an empty cell.

    ``aliases`` maps other spellings to a choice (e.g. 普通许可 → 普通). With ``multi`` the cell may hold
    several values separated by any of ``separators``; each is validated and duplicates are dropped, order
    kept.
    """
    if type(value) is str and value in choices:
        # The common case, a clean cell holding exactly one allowed value, needs no table.
        return [value] if multi else value
    text = _plain_text(value)
    table = _choice_table(tuple(choices), tuple(sorted(aliases.items())) if aliases else (), separators)
    if not multi:
        return table.lookup(text) if text else ""
    if not text:
        return []
    whole = table.exact.get(text) or table.folded.get(text.casefold())
    if whole is not None:
        return [whole]
    result: list[str] = []
    for match in table.splitter.finditer(text):
        found = table.lookup(match.group(0).strip())
        if found not in result:
            result.append(found)
    return result


_TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "t"})
_FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "f"})


def parse_bool(value: object) -> bool | None:
    """Parse a yes/no cell (是/否, Y/N, true/false, 1/0); ``None`` for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _plain_text(value)
    if not text:
        return None
    folded = text.casefold()
    if folded in _TRUE_WORDS:
        return True
    if folded in _FALSE_WORDS:
        return False
    raise ValueError(f"“{text}”不是有效的是/否值，请填写“是”或“否”")
