"""Validation and normalisation of Chinese identifiers (domain.md §2).

Covered: 统一社会信用代码 (USCC, GB 32100-2015) with its embedded organisation code
(GB 11714), 居民身份证号码 (GB 11643-1999), 港澳台居民居住证, 外国人永久居留身份证 (2023 and 2017
versions), and shape checks for passports and travel permits.

The checksums are implemented here rather than taken from python-stdnum: stdnum's `cn.uscc` rejects
valid codes whose first 8 characters are not all digits (N…, Y…, A… codes), and its `cn.ric` rejects
residence permits (810000/820000/830000) and area codes created after the holder's birth year, and
accepts future birth dates. The algorithms are a dozen lines each; the tests cross-check them against
stdnum where stdnum is right.

Every failure is a `XinyongError` whose Chinese message tells a clerk what is wrong and where.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from xinyong.core import clock
from xinyong.core.errors import ErrorCode, XinyongError

# ----------------------------------------------------------------------------------------------------
# normalisation
# ----------------------------------------------------------------------------------------------------

# Unicode categories that never belong inside a code: spaces (incl. U+3000 and NBSP), line and
# paragraph separators, control characters (tabs, newlines from a pasted cell) and format characters
# (zero-width space/joiners, BOM, soft hyphen). Removing them is unambiguous; '-' and other visible
# punctuation are kept so that the validator can name them instead of silently guessing.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def normalize_code(raw: str) -> str:
    """NFKC (full-width → half-width), drop whitespace and invisible characters, upper-case."""
    if raw.isascii() and raw.isalnum():
        # The common case of a clean cell, taken millions of times per large import.
        return raw.upper()
    text = unicodedata.normalize("NFKC", raw)
    kept = (ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    return "".join(kept).upper()


# ----------------------------------------------------------------------------------------------------
# USCC (GB 32100-2015) and organisation code (GB 11714-1997)
# ----------------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_FORBIDDEN = "IOSVZ"
# What a clerk most likely meant by a forbidden letter.
_FORBIDDEN_HINT = {"O": "0", "I": "1", "Z": "2", "S": "5"}

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY = re.compile(r"[0-9A-Z]{8}")

# Registering authority (1st char) → (authority name, {entity type (2nd char) → label}).
# GB 32100-2015 appendix as amended (3 司法行政, A 中央军委改革和编制办公室, N 农业 added).
# Labels are what `uscc_entity_hint` returns; the N* labels all contain "农村集体经济组织" so
# callers can match on that phrase.
_USCC_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "1": (
        "机构编制",
        {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他机构编制类机构"},
    ),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他外交类机构"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他司法行政类机构",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他文化类机构"}),
    # 54/55 (村民委员会/居民委员会, 基层群众性自治组织特别法人) are not in the commonly
    # published table; they are accepted because village and residents' committees are given
    # codes by the civil affairs departments, and wrongly rejecting a real code costs more than
    # accepting a rare prefix.
    "5": (
        "民政",
        {
            "1": "社会团体",
            "2": "民办非企业单位",
            "3": "基金会",
            "4": "村民委员会",
            "5": "居民委员会",
            "9": "其他社会组织",
        },
    ),
    "6": (
        "旅游",
        {
            "1": "外国旅游部门常驻代表机构",
            "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
            "9": "其他旅游类机构",
        },
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他宗教类机构"}),
    "8": ("工会", {"1": "基层工会", "9": "其他工会组织"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他军队机构"}),
    "N": (
        "农业",
        {
            "1": "农村集体经济组织（组级）",
            "2": "农村集体经济组织（村级）",
            "3": "农村集体经济组织（乡镇级）",
            "9": "其他农村集体经济组织",
        },
    ),
    "Y": ("其他", {"1": "其他组织"}),
}

USCC_PREFIXES: tuple[str, ...] = tuple(a + t for a, (_, types) in _USCC_TYPES.items() for t in types)


def _org_value(ch: str) -> int:
    # GB 11714 values: digits as themselves, letters A=10 … Z=35 (the full Latin alphabet, unlike
    # the USCC values, which skip I, O, S, V, Z).
    return int(ch, 36)


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character for the 8-character organisation code body."""
    if not _ORG_BODY.fullmatch(first8):
        raise ValueError(f"organisation code body must be 8 digits/upper-case letters, got {first8!r}")
    total = sum(_org_value(ch) * w for ch, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character (ISO 7064 MOD 31-3) for the first 17 characters."""
    if len(first17) != 17 or any(ch not in _USCC_VALUES for ch in first17):
        raise ValueError(f"expected 17 characters from {USCC_ALPHABET}, got {first17!r}")
    total = sum(_USCC_VALUES[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _uscc_length_error(code: str) -> XinyongError:
    n = len(code)
    message = f"统一社会信用代码应为18位，实际为{n}位"
    if n == 17:
        message += "，可能漏填了一位"
    elif n == 19:
        message += "，可能多填了一位"
    elif n == 15:
        message += "，可能填成了旧的工商注册号"
    elif n in (9, 10):
        message += "，可能填成了组织机构代码"
    return XinyongError(ErrorCode.USCC_LENGTH, message)


def _check_uscc_chars(code: str) -> None:
    for pos, ch in enumerate(code, start=1):
        if ch in _USCC_VALUES:
            continue
        message = f"统一社会信用代码第{pos}位“{ch}”不是有效字符"
        if ch in _USCC_FORBIDDEN:
            message += "（统一社会信用代码不使用字母I、O、S、V、Z"
            hint = _FORBIDDEN_HINT.get(ch)
            message += f"，是否应为数字{hint}）" if hint else "）"
        raise XinyongError(ErrorCode.USCC_CHARS, message)


def _check_uscc_prefix(code: str) -> None:
    authority, kind = code[0], code[1]
    entry = _USCC_TYPES.get(authority)
    if entry is None:
        raise XinyongError(
            ErrorCode.USCC_PREFIX, f"统一社会信用代码第1位“{authority}”不是有效的登记管理部门代码"
        )
    name, types = entry
    if kind not in types:
        allowed = "、".join(types)
        raise XinyongError(
            ErrorCode.USCC_PREFIX,
            f"统一社会信用代码第2位“{kind}”不是有效的机构类别代码（第1位为{authority}（{name}）时，第2位应为{allowed}）",
        )


def _check_uscc_area(code: str) -> None:
    # Positions 3–8 are the registering authority's GB/T 2260 area code (100000 = national level):
    # digits only.
    for pos in range(3, 9):
        ch = code[pos - 1]
        if not ch.isdigit():
            raise XinyongError(
                ErrorCode.USCC_CHARS,
                f"统一社会信用代码第3至8位应为行政区划代码（6位数字），第{pos}位却是“{ch}”",
            )


def _check_uscc_org_code(code: str) -> None:
    expected = org_code_check_char(code[8:16])
    if code[16] != expected:
        raise XinyongError(
            ErrorCode.USCC_ORG_CODE,
            f"统一社会信用代码第9至17位（组织机构代码）校验位错误：第17位应为{expected}，实际为{code[16]}",
        )


def _check_uscc_checksum(code: str) -> None:
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise XinyongError(
            ErrorCode.USCC_CHECKSUM, f"统一社会信用代码校验位错误：第18位应为{expected}，实际为{code[17]}"
        )


def validate_uscc(raw: str) -> str:
    """Return the normalised USCC or raise `XinyongError` naming the first problem found."""
    code, problem = _uscc_verdict(raw)
    if problem is not None:
        raise XinyongError(problem[0], problem[1])
    return code


@functools.lru_cache(maxsize=65536)
def _uscc_verdict(raw: str) -> tuple[str, tuple[ErrorCode, str] | None]:
    # Authority and source-unit codes repeat on every row of a file; the verdict depends on the text alone.
    try:
        return _validate_uscc(raw), None
    except XinyongError as exc:
        return "", (exc.code, exc.message)


def _validate_uscc(raw: str) -> str:
    code = normalize_code(raw)
    if not code:
        raise XinyongError(ErrorCode.REQUIRED, "统一社会信用代码不能为空")
    if len(code) != 18:
        raise _uscc_length_error(code)
    _check_uscc_chars(code)
    _check_uscc_prefix(code)
    _check_uscc_area(code)
    # The organisation code is checked before the final character: a typo in positions 9–16 breaks both, and
    # naming the smaller range helps the clerk find it.
    _check_uscc_org_code(code)
    _check_uscc_checksum(code)
    return code


def is_valid_uscc(raw: str) -> bool:
    try:
        validate_uscc(raw)
    except XinyongError:
        return False
    return True


def uscc_entity_hint(code: str) -> str:
    """Chinese label of the entity type encoded in the first two characters ('' when unknown)."""
    prefix = normalize_code(code)[:2]
    entry = _USCC_TYPES.get(prefix[:1])
    if entry is None or len(prefix) < 2:
        return ""
    return entry[1].get(prefix[1], "")


def make_uscc(prefix2: str, area6: str, org_body8: str) -> str:
    """Build a valid USCC (synthetic demo and test data): both check characters are computed."""
    if prefix2 not in USCC_PREFIXES:
        raise ValueError(f"unknown USCC prefix {prefix2!r}")
    if not re.fullmatch(r"\d{6}", area6):
        raise ValueError(f"area code must be 6 digits, got {area6!r}")
    if len(org_body8) != 8 or any(ch not in _USCC_VALUES for ch in org_body8):
        raise ValueError(
            f"organisation code body must be 8 characters of the USCC alphabet, got {org_body8!r}"
        )
    first17 = prefix2 + area6 + org_body8 + org_code_check_char(org_body8)
    return first17 + uscc_check_char(first17)


# ----------------------------------------------------------------------------------------------------
# person documents
# ----------------------------------------------------------------------------------------------------


class PersonDocType(StrEnum):
    """Person document types; values are the Chinese names used in spreadsheets."""

    RESIDENT_ID = "居民身份证"
    HMT_RESIDENCE_PERMIT = "港澳台居民居住证"
    FOREIGN_PR = "外国人永久居留身份证"
    PASSPORT = "护照"
    HK_MACAO_PASS = "港澳居民来往内地通行证"
    TAIWAN_PASS = "台湾居民来往大陆通行证"
    OTHER = "其他"


_DOC_TYPE_ALIASES: dict[str, PersonDocType] = {
    alias: doc_type
    for doc_type, aliases in {
        PersonDocType.RESIDENT_ID: (
            "身份证",
            "居民身份证",
            "二代身份证",
            "第二代身份证",
            "第二代居民身份证",
            "中华人民共和国居民身份证",
            "中国居民身份证",
            "大陆居民身份证",
            "临时身份证",
            "临时居民身份证",
            "公民身份号码",
            "身份证件",
        ),
        PersonDocType.HMT_RESIDENCE_PERMIT: (
            "港澳台居民居住证",
            "港澳台居住证",
            "港澳居民居住证",
            "台湾居民居住证",
            "香港居民居住证",
            "澳门居民居住证",
        ),
        PersonDocType.FOREIGN_PR: (
            "外国人永久居留身份证",
            "外国人永久居留证",
            "外国人永久居留证件",
            "外国人永久居留身份证件",
            "中华人民共和国外国人永久居留身份证",
            "永久居留身份证",
            "永久居留证",
            "永居证",
        ),
        PersonDocType.PASSPORT: ("护照", "外国护照", "中国护照", "普通护照", "PASSPORT"),
        PersonDocType.HK_MACAO_PASS: (
            "港澳居民来往内地通行证",
            "港澳居民往来内地通行证",
            "回乡证",
            "港澳回乡证",
        ),
        PersonDocType.TAIWAN_PASS: ("台湾居民来往大陆通行证", "台湾居民往来大陆通行证", "台胞证"),
        PersonDocType.OTHER: ("其他", "其它", "其他证件", "其它证件"),
    }.items()
    for alias in aliases
}


def _doc_type_lookup_key(text: str) -> str:
    key = normalize_code(text)
    # "身份证号码", "护照号" … name the number rather than the document; the document is what we want.
    for suffix in ("号码", "号"):
        if key.endswith(suffix) and key[: -len(suffix)] in _DOC_TYPE_ALIASES:
            return key[: -len(suffix)]
    return key


def parse_doc_type(raw: str | None) -> PersonDocType:
    """Map a spreadsheet's 证件类型 cell to a `PersonDocType`; blank means 居民身份证."""
    if raw is None or not normalize_code(raw):
        return PersonDocType.RESIDENT_ID
    found = _DOC_TYPE_ALIASES.get(_doc_type_lookup_key(raw))
    if found is None:
        raise XinyongError(ErrorCode.ID_TYPE, f"无法识别的证件类型“{raw.strip()}”")
    return found


@dataclass(frozen=True)
class PersonId:
    number: str
    doc_type: PersonDocType
    birth_date: dt.date | None
    sex: str | None  # "男" / "女"


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# GB/T 2260 province-level codes that appear at the start of resident ID numbers. 71 (台湾) is in
# GB/T 2260 but no office issues resident IDs with it; Taiwan residents hold 830000 permits instead.
_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
)
HMT_AREAS = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
_MIN_BIRTH = dt.date(1900, 1, 1)

_LABELS = {
    PersonDocType.RESIDENT_ID: "居民身份证号码",
    PersonDocType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证号码",
    PersonDocType.FOREIGN_PR: "外国人永久居留身份证号码",
    PersonDocType.PASSPORT: "护照号码",
    PersonDocType.HK_MACAO_PASS: "港澳居民来往内地通行证号码",
    PersonDocType.TAIWAN_PASS: "台湾居民来往大陆通行证号码",
    PersonDocType.OTHER: "证件号码",
}
_FOREIGN_2017 = re.compile(r"[A-Z]{3}\d{12}")
_GENERIC_DOC = re.compile(r"[A-Z0-9]{4,20}")


def resident_id_check_char(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _sex_of(order_digit: str) -> str:
    return "男" if int(order_digit) % 2 else "女"


def _parse_ymd(text: str) -> dt.date | None:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _check_birth(text: str, label: str, today: dt.date) -> dt.date:
    born = _parse_ymd(text)
    if born is None:
        raise XinyongError(ErrorCode.ID_BIRTH_DATE, f"{label}中的出生日期{text}不是有效日期")
    if born < _MIN_BIRTH:
        raise XinyongError(ErrorCode.ID_BIRTH_DATE, f"{label}中的出生日期{text}早于1900年，不是有效日期")
    if born > today:
        raise XinyongError(ErrorCode.ID_FUTURE_BIRTH, f"{label}中的出生日期晚于今天")
    return born


def _check_mod11_chars(number: str, label: str) -> None:
    for pos, ch in enumerate(number[:17], start=1):
        if not ch.isdigit():
            raise XinyongError(ErrorCode.ID_CHARS, f"{label}第{pos}位“{ch}”不是数字")
    if not (number[17].isdigit() or number[17] == "X"):
        raise XinyongError(ErrorCode.ID_CHARS, f"{label}第18位“{number[17]}”无效，应为数字或X")


def _check_mod11_checksum(number: str, label: str) -> None:
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise XinyongError(ErrorCode.ID_CHECKSUM, f"{label}校验位错误：应为{expected}，实际为{number[17]}")


def _upgrade_15(number: str) -> str | None:
    """The 18-digit form of a first-generation 15-digit number (born 19xx), or None if it is not one."""
    if not re.fullmatch(r"\d{15}", number):
        return None
    first17 = number[:6] + "19" + number[6:]
    if _parse_ymd(first17[6:14]) is None:
        return None
    return first17 + resident_id_check_char(first17)


def _id_length_error(number: str, label: str) -> XinyongError:
    n = len(number)
    if n == 15:
        upgraded = _upgrade_15(number)
        if upgraded is not None:
            return XinyongError(
                ErrorCode.ID_LENGTH,
                f"{label}应为18位，实际为15位：15位旧身份证号码已停用，请换算为18位号码（按旧号码推算为{upgraded}）",
            )
        if _FOREIGN_2017.fullmatch(number):
            return XinyongError(
                ErrorCode.ID_LENGTH,
                f"{label}应为18位，实际为15位：该号码像是外国人永久居留身份证号码，请核对证件类型",
            )
        return XinyongError(ErrorCode.ID_LENGTH, f"{label}应为18位，实际为15位；15位旧身份证号码需换算为18位")
    message = f"{label}应为18位，实际为{n}位"
    if n == 17:
        message += "，可能漏填了一位"
    elif n == 19:
        message += "，可能多填了一位"
    return XinyongError(ErrorCode.ID_LENGTH, message)


def _check_resident_area(number: str, label: str) -> None:
    province, area = number[:2], number[:6]
    if area in HMT_AREAS:
        return
    if province in ("81", "82", "83"):
        raise XinyongError(
            ErrorCode.ID_AREA,
            f"{label}前6位“{area}”不是有效的地址码：以{province}开头的只能是港澳台居民居住证号码（{province}0000）",
        )
    if province.startswith("9"):
        raise XinyongError(
            ErrorCode.ID_AREA,
            f"{label}不能以9开头；以9开头的18位号码是外国人永久居留身份证号码，请核对证件类型",
        )
    if province not in _PROVINCES:
        raise XinyongError(ErrorCode.ID_AREA, f"{label}前两位“{province}”不是有效的省级行政区划代码")


def _validate_gb11643(number: str, label: str, today: dt.date) -> tuple[dt.date, str]:
    """Shared layout of resident IDs and HMT residence permits; returns (birth date, sex).

    The area code is checked at province level only: the number carries the code of the issuing
    county, which may be newer than the holder's birth (320281 江阴 was created in 1987) or since
    abolished, so a county table would reject real numbers.
    """
    if len(number) != 18:
        raise _id_length_error(number, label)
    _check_mod11_chars(number, label)
    _check_resident_area(number, label)
    born = _check_birth(number[6:14], label, today)
    _check_mod11_checksum(number, label)
    return born, _sex_of(number[16])


def _validate_resident_id(number: str, today: dt.date) -> PersonId:
    # 810000/820000/830000 numbers are accepted under 居民身份证 too (clerks often file residence
    # permits under it); the returned doc_type stays what the caller said. Pass doc_type=None to
    # have it inferred instead.
    born, sex = _validate_gb11643(number, _LABELS[PersonDocType.RESIDENT_ID], today)
    return PersonId(number, PersonDocType.RESIDENT_ID, born, sex)


def _validate_hmt_permit(number: str, today: dt.date) -> PersonId:
    label = _LABELS[PersonDocType.HMT_RESIDENCE_PERMIT]
    if len(number) == 18 and number[:6] not in HMT_AREAS:
        raise XinyongError(
            ErrorCode.ID_AREA,
            f"{label}应以810000（香港）、820000（澳门）或830000（台湾）开头，实际为{number[:6]}",
        )
    born, sex = _validate_gb11643(number, label, today)
    return PersonId(number, PersonDocType.HMT_RESIDENCE_PERMIT, born, sex)


def _validate_foreign_2023(number: str, today: dt.date) -> PersonId:
    """2023 card: '9' + issuing province (2) + nationality (3, ISO 3166 numeric) + YYYYMMDD
    + order (3) + MOD 11-2 check."""
    label = _LABELS[PersonDocType.FOREIGN_PR] + "（2023年版）"
    _check_mod11_chars(number, label)
    if number[0] != "9":
        raise XinyongError(ErrorCode.ID_CHARS, f"{label}第1位应为9，实际为“{number[0]}”")
    if number[1:3] not in _PROVINCES:
        raise XinyongError(ErrorCode.ID_AREA, f"{label}第2至3位“{number[1:3]}”不是有效的省级行政区划代码")
    born = _check_birth(number[6:14], label, today)
    _check_mod11_checksum(number, label)
    # The order code follows the resident ID rule (odd = male), as the 2023 card mirrors GB 11643.
    return PersonId(number, PersonDocType.FOREIGN_PR, born, _sex_of(number[16]))


def _foreign_2017_birth(yymmdd: str, today: dt.date) -> list[dt.date]:
    candidates = []
    for century in ("19", "20"):
        born = _parse_ymd(century + yymmdd)
        if born is not None and _MIN_BIRTH <= born <= today:
            candidates.append(born)
    return candidates


def _validate_foreign_2017(number: str, today: dt.date) -> PersonId:
    """2017 (and 2004) card: 3-letter nationality + 4-digit issuing area + YYMMDD + 1 digit + 1 check digit.

    Only the shape and the embedded birth date (positions 8–13) are checked: that layout is
    confirmed by several independent implementations, but the check digit algorithm and the meaning
    of position 14 are not published in a source we could verify, so they are not enforced (a false
    rejection costs more than a false acceptance). The two-digit year is ambiguous for holders born
    since 2000; birth_date is None when both centuries fit.
    """
    label = _LABELS[PersonDocType.FOREIGN_PR] + "（2017年版）"
    for pos, ch in enumerate(number, start=1):
        if pos <= 3 and not ("A" <= ch <= "Z"):
            raise XinyongError(ErrorCode.ID_CHARS, f"{label}第{pos}位“{ch}”应为字母（国籍代码）")
        if pos > 3 and not ch.isdigit():
            raise XinyongError(ErrorCode.ID_CHARS, f"{label}第{pos}位“{ch}”应为数字")
    yymmdd = number[7:13]
    candidates = _foreign_2017_birth(yymmdd, today)
    if not candidates:
        raise XinyongError(ErrorCode.ID_BIRTH_DATE, f"{label}中的出生日期{yymmdd}不是有效日期")
    birth = candidates[0] if len(candidates) == 1 else None
    return PersonId(number, PersonDocType.FOREIGN_PR, birth, None)


def _validate_foreign_pr(number: str, today: dt.date) -> PersonId:
    if len(number) == 18:
        return _validate_foreign_2023(number, today)
    if len(number) == 15:
        return _validate_foreign_2017(number, today)
    raise XinyongError(
        ErrorCode.ID_LENGTH,
        f"{_LABELS[PersonDocType.FOREIGN_PR]}应为18位（2023年版）或15位（2017年版），实际为{len(number)}位",
    )


def _validate_other_doc(number: str, doc_type: PersonDocType) -> PersonId:
    """Passports, travel permits, other: formats vary by issuer and year, so only the shape is checked."""
    label = _LABELS[doc_type]
    for pos, ch in enumerate(number, start=1):
        if not ("A" <= ch <= "Z" or ch.isdigit()):
            raise XinyongError(ErrorCode.ID_CHARS, f"{label}第{pos}位“{ch}”无效，只能是字母或数字")
    if not _GENERIC_DOC.fullmatch(number):
        raise XinyongError(ErrorCode.ID_LENGTH, f"{label}应为4至20位字母或数字，实际为{len(number)}位")
    return PersonId(number, doc_type, None, None)


def infer_doc_type(number: str) -> PersonDocType:
    """Best guess of the document type from a normalised number's shape.

    Resident ID area codes never start with 9, so an 18-character number starting with 9 is a 2023 foreign
    permanent residence card. Anything unrecognised is treated as a resident ID, so that the error message
    explains what a resident ID number should look like.
    """
    if len(number) == 18 and number.startswith("9"):
        return PersonDocType.FOREIGN_PR
    if len(number) == 18 and number[:6] in HMT_AREAS:
        return PersonDocType.HMT_RESIDENCE_PERMIT
    if _FOREIGN_2017.fullmatch(number):
        return PersonDocType.FOREIGN_PR
    return PersonDocType.RESIDENT_ID


def _coerce_doc_type(doc_type: PersonDocType | str | None) -> PersonDocType | None:
    if isinstance(doc_type, PersonDocType):
        return doc_type
    if doc_type is None or not normalize_code(doc_type):
        # A blank 证件类型 cell means "not stated": infer, rather than assume 居民身份证.
        return None
    return parse_doc_type(doc_type)


def validate_person_id(raw: str, doc_type: PersonDocType | str | None = None, *, today: dt.date) -> PersonId:
    """Validate a person's document number.

    `doc_type` None or blank: inferred from the number's shape (see `infer_doc_type`). `today`
    bounds the birth date (pass the data's as-of date, not the wall clock, when re-checking history).
    """
    number = normalize_code(raw)
    if not number:
        raise XinyongError(ErrorCode.REQUIRED, "证件号码不能为空")
    kind = _coerce_doc_type(doc_type) or infer_doc_type(number)
    if kind is PersonDocType.RESIDENT_ID:
        return _validate_resident_id(number, today)
    if kind is PersonDocType.HMT_RESIDENCE_PERMIT:
        return _validate_hmt_permit(number, today)
    if kind is PersonDocType.FOREIGN_PR:
        return _validate_foreign_pr(number, today)
    return _validate_other_doc(number, kind)


def make_resident_id(area6: str, birth: dt.date, order3: int) -> str:
    """Build a valid resident ID number (synthetic demo and test data)."""
    if not re.fullmatch(r"\d{6}", area6):
        raise ValueError(f"area code must be 6 digits, got {area6!r}")
    if not 0 <= order3 <= 999:
        raise ValueError(f"order must be 0..999, got {order3}")
    first17 = f"{area6}{birth:%Y%m%d}{order3:03d}"
    return first17 + resident_id_check_char(first17)


def make_foreign_pr_id(province2: str, nationality3: str, birth: dt.date, order3: int) -> str:
    """Build a valid 2023-version foreign permanent residence card number (synthetic data)."""
    if province2 not in _PROVINCES:
        raise ValueError(f"unknown province code {province2!r}")
    if not re.fullmatch(r"\d{3}", nationality3):
        raise ValueError(f"nationality code must be 3 digits, got {nationality3!r}")
    if not 0 <= order3 <= 999:
        raise ValueError(f"order must be 0..999, got {order3}")
    first17 = f"9{province2}{nationality3}{birth:%Y%m%d}{order3:03d}"
    return first17 + resident_id_check_char(first17)


def mask_person_id(number: str) -> str:
    """Mask for display: keep the first and last 4 characters of long numbers, 1 of short ones."""
    text = normalize_code(number)
    n = len(text)
    # Hide about half of the number or more: 4+4 from 15 characters up (18-digit IDs, 15-character
    # foreign cards), 1+1 below (passports, permits).
    if n <= 2:
        return "*" * n
    keep = 4 if n >= 15 else 1
    return text[:keep] + "*" * (n - 2 * keep) + text[-keep:]


def classify_party_code(raw: str, *, today: dt.date | None = None) -> Literal["uscc", "person", "unknown"]:
    """Whether a code is a valid USCC, a valid person document number (type inferred), or neither.

    A USCC wins when a string happens to pass both checks (needs two independent checksums to collide).
    """
    if is_valid_uscc(raw):
        return "uscc"
    if today is None:
        today = clock.today()
    try:
        validate_person_id(raw, None, today=today)
    except XinyongError:
        return "unknown"
    return "person"
