"""Tests for xinyong.core.identifiers.

Expected check characters come from reference implementations written differently from the module under
test (weights as powers modulo the prime, letter values via int(c, 36)), from python-stdnum where stdnum is
right, and from literals published elsewhere (GB 11643's own examples, stdnum's documentation).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from xinyong.core import identifiers as ids
from xinyong.core.errors import ErrorCode, XinyongError
from xinyong.core.identifiers import PersonDocType

TODAY = dt.date(2024, 6, 1)
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PROVINCES = [
    *("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"),
    *("41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"),
]


# --------------------------------------------------------------------------------------------------------
# reference implementations (independent formulations)
# --------------------------------------------------------------------------------------------------------


def ref_org_check(body8: str) -> str:
    # GB 11714 weights 3,7,9,10,5,8,4,2 are 2^8..2^1 mod 11; the check makes the weighted sum ≡ 0 (mod 11).
    total = sum(int(ch, 36) * pow(2, 8 - i, 11) for i, ch in enumerate(body8))
    value = -total % 11
    return "X" if value == 10 else str(value)


def ref_uscc_check(first17: str) -> str:
    # GB 32100 weights are 3^i mod 31; the check makes the weighted sum ≡ 0 (mod 31).
    total = sum(ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return ALPHABET[-total % 31]


def ref_uscc(prefix2: str, area6: str, body8: str) -> str:
    first17 = prefix2 + area6 + body8 + ref_org_check(body8)
    return first17 + ref_uscc_check(first17)


def ref_mod11_2(first17: str) -> str:
    # ISO 7064 MOD 11-2: weights 2^(17-i) mod 11, and sum + check ≡ 1 (mod 11).
    total = sum(int(ch) * pow(2, 17 - i, 11) for i, ch in enumerate(first17))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


def ref_id(area6: str, birth: dt.date, order3: str) -> str:
    first17 = area6 + birth.strftime("%Y%m%d") + order3
    return first17 + ref_mod11_2(first17)


def error_of(func: object, *args: object, **kwargs: object) -> XinyongError:
    assert callable(func)
    with pytest.raises(XinyongError) as info:
        func(*args, **kwargs)
    return info.value


def person_error(raw: str, doc_type: PersonDocType | str | None = None) -> XinyongError:
    return error_of(ids.validate_person_id, raw, doc_type, today=TODAY)


# --------------------------------------------------------------------------------------------------------
# normalize_code
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),  # full-width
        ("91110000600037341l", "91110000600037341L"),  # lower case
        (" 9111 0000\u30006000 3734 1L ", "91110000600037341L"),  # ASCII and ideographic spaces
        ("9111\u200b0000\ufeff600037341L\n", "91110000600037341L"),  # zero-width, BOM, newline
        ("\t3202811990\xa00101123x", "32028119900101123X"),  # tab, NBSP, lower x
        ("9111-0000", "9111-0000"),  # '-' is kept for the validator to name
        ("", ""),
    ],
)
def test_normalize_code(raw: str, expected: str) -> None:
    assert ids.normalize_code(raw) == expected


# --------------------------------------------------------------------------------------------------------
# check characters
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "check"),
    [("60003734", "1"), ("MB2C9217", "3")],  # from 91110000600037341L and 12440300MB2C92173E
)
def test_org_code_check_char_known(body: str, check: str) -> None:
    assert ids.org_code_check_char(body) == check


def _body_with_org_value(value: int) -> str:
    for n in range(10_000_000, 10_001_000):
        body = str(n)
        total = sum(int(ch) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        if 11 - total % 11 == value:
            return body
    raise AssertionError("no body found")


def test_org_code_check_char_x_and_zero() -> None:
    # 11 - sum%11 == 10 is written X, == 11 is written 0.
    assert ids.org_code_check_char(_body_with_org_value(10)) == "X"
    assert ids.org_code_check_char(_body_with_org_value(11)) == "0"


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8))
def test_org_code_check_char_matches_reference(body: str) -> None:
    assert ids.org_code_check_char(body) == ref_org_check(body)


@pytest.mark.parametrize("bad", ["1234567", "123456789", "1234567a", "1234-678"])
def test_org_code_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        ids.org_code_check_char(bad)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_matches_reference(first17: str) -> None:
    assert ids.uscc_check_char(first17) == ref_uscc_check(first17)


@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet=ALPHABET, min_size=9, max_size=9)
)
def test_uscc_check_char_matches_stdnum(digits8: str, rest9: str) -> None:
    first17 = digits8 + rest9
    assert ids.uscc_check_char(first17) == stdnum_uscc.calc_check_digit(first17)


@pytest.mark.parametrize("bad", ["1" * 16, "1" * 18, "1" * 16 + "I", "1" * 16 + "a"])
def test_uscc_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        ids.uscc_check_char(bad)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_resident_id_check_char_matches_reference_and_stdnum(first17: str) -> None:
    assert ids.resident_id_check_char(first17) == ref_mod11_2(first17)
    assert ids.resident_id_check_char(first17) == stdnum_ric.calc_check_digit(first17 + "0")


# --------------------------------------------------------------------------------------------------------
# validate_uscc: valid codes
# --------------------------------------------------------------------------------------------------------

# Real-world-shaped codes. The first is python-stdnum's documented example; the second was published as
# valid by another implementation; the rest were computed with the reference functions above (and are
# re-checked against them in test_literal_codes_agree_with_reference).
VALID_USCCS = [
    "91110000600037341L",
    "12440300MB2C92173E",
    "N2320281MA1XN8K46Y",  # village collective, letters in the first 8 characters
    "Y1320281MA27QW3B5G",
    "A1100000TY8HL6GD4N",
    "93320281MA1Q7R2C5P",
    "92320281L7N3KPB27J",
    "51320281509876A17Y",
    "31320000K4N7R2X873",
]


@pytest.mark.parametrize("code", VALID_USCCS)
def test_validate_uscc_accepts_real_world_shapes(code: str) -> None:
    assert ids.validate_uscc(code) == code


@pytest.mark.parametrize("code", VALID_USCCS)
def test_literal_codes_agree_with_reference(code: str) -> None:
    assert ref_uscc(code[:2], code[2:8], code[8:16]) == code


@pytest.mark.parametrize("code", [c for c in VALID_USCCS if c[:8].isdigit()])
def test_digit_prefixed_codes_agree_with_stdnum(code: str) -> None:
    assert stdnum_uscc.validate(code) == code


@pytest.mark.parametrize("prefix", ids.USCC_PREFIXES)
def test_make_uscc_every_prefix(prefix: str) -> None:
    code = ids.make_uscc(prefix, "320281", "MA1XN8K4")
    assert code == ref_uscc(prefix, "320281", "MA1XN8K4")
    assert ids.validate_uscc(code) == code


@pytest.mark.parametrize(
    "raw",
    [
        "９１１１００００６０００３７３４１Ｌ",
        "91110000600037341l",
        "n2320281ma1xn8k46y",
        "9111 0000 6000 3734 1L",
        "\u3000N2320281MA1XN8K46Y\u3000",
        "A110\u200b0000TY8HL6GD4N",
    ],
)
def test_validate_uscc_normalises_messy_input(raw: str) -> None:
    assert ids.validate_uscc(raw) == ids.normalize_code(raw)
    assert ids.validate_uscc(raw) in VALID_USCCS


def test_validate_uscc_accepts_codes_stdnum_rejects() -> None:
    # stdnum requires digits in the first 8 characters; GB 32100 does not.
    for code in ("N2320281MA1XN8K46Y", "Y1320281MA27QW3B5G", "A1100000TY8HL6GD4N"):
        assert ids.is_valid_uscc(code)


# --------------------------------------------------------------------------------------------------------
# validate_uscc: errors
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_validate_uscc_empty(raw: str) -> None:
    assert error_of(ids.validate_uscc, raw).code == ErrorCode.REQUIRED


def test_validate_uscc_17_chars() -> None:
    err = error_of(ids.validate_uscc, "9111000060003734L")
    assert err.code == ErrorCode.USCC_LENGTH
    assert "应为18位，实际为17位" in err.message
    assert "漏" in err.message


def test_validate_uscc_19_chars() -> None:
    err = error_of(ids.validate_uscc, "91110000600037341LL")
    assert err.code == ErrorCode.USCC_LENGTH
    assert "实际为19位" in err.message
    assert "多" in err.message


def test_validate_uscc_old_registration_number_hint() -> None:
    err = error_of(ids.validate_uscc, "320281000123456")
    assert err.code == ErrorCode.USCC_LENGTH
    assert "实际为15位" in err.message
    assert "工商注册号" in err.message


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_validate_uscc_forbidden_letters(letter: str) -> None:
    code = "91110000" + letter + "00037341L"
    err = error_of(ids.validate_uscc, code)
    assert err.code == ErrorCode.USCC_CHARS
    assert f"第9位“{letter}”" in err.message
    assert "I、O、S、V、Z" in err.message


def test_validate_uscc_letter_o_hint() -> None:
    err = error_of(ids.validate_uscc, "911100O0600037341L")
    assert "第7位“O”" in err.message
    assert "数字0" in err.message


@pytest.mark.parametrize(
    ("code", "pos", "char"), [("9111-000600037341L", 5, "-"), ("91110000600037341*", 18, "*")]
)
def test_validate_uscc_other_bad_characters(code: str, pos: int, char: str) -> None:
    err = error_of(ids.validate_uscc, code)
    assert err.code == ErrorCode.USCC_CHARS
    assert f"第{pos}位“{char}”" in err.message


def test_validate_uscc_unknown_authority() -> None:
    code = ref_uscc("B1", "320281", "MA1XN8K4")  # B is in the alphabet but no registering authority
    err = error_of(ids.validate_uscc, code)
    assert err.code == ErrorCode.USCC_PREFIX
    assert "第1位“B”" in err.message


@pytest.mark.parametrize("prefix", ["94", "99", "56", "N4", "Y2", "A2", "1A"])
def test_validate_uscc_bad_entity_type(prefix: str) -> None:
    code = ref_uscc(prefix, "320281", "MA1XN8K4")
    err = error_of(ids.validate_uscc, code)
    assert err.code == ErrorCode.USCC_PREFIX
    assert f"第2位“{prefix[1]}”" in err.message


def test_validate_uscc_area_must_be_digits() -> None:
    code = ref_uscc("91", "32A281", "MA1XN8K4")
    err = error_of(ids.validate_uscc, code)
    assert err.code == ErrorCode.USCC_CHARS
    assert "第5位" in err.message


def test_validate_uscc_bad_org_code_check_char() -> None:
    # Final check recomputed so that only the embedded organisation code is wrong.
    first17 = "91110000600037342"
    code = first17 + ref_uscc_check(first17)
    err = error_of(ids.validate_uscc, code)
    assert err.code == ErrorCode.USCC_ORG_CODE
    assert "第17位应为1，实际为2" in err.message


def test_stdnum_misses_bad_org_code() -> None:
    # Documents why the org code check exists: stdnum accepts this code.
    first17 = "91110000600037342"
    assert stdnum_uscc.is_valid(first17 + ref_uscc_check(first17))


def test_validate_uscc_bad_final_check_char() -> None:
    err = error_of(ids.validate_uscc, "91110000600037341A")
    assert err.code == ErrorCode.USCC_CHECKSUM
    assert err.message == "统一社会信用代码校验位错误：第18位应为L，实际为A"


# --------------------------------------------------------------------------------------------------------
# USCC helpers and properties
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("91110000600037341L", "企业"),
        ("92320281L7N3KPB27J", "个体工商户"),
        ("93320281MA1Q7R2C5P", "农民专业合作社"),
        ("11", "机关"),
        ("12440300MB2C92173E", "事业单位"),
        ("51320281509876A17Y", "社会团体"),
        ("52", "民办非企业单位"),
        ("53", "基金会"),
        ("31", "律师执业机构"),
        ("a1", "军队事业单位"),
    ],
)
def test_uscc_entity_hint(code: str, hint: str) -> None:
    assert ids.uscc_entity_hint(code) == hint


def test_uscc_entity_hint_village_collectives() -> None:
    for prefix in ("N1", "N2", "N3", "N9"):
        assert "农村集体经济组织" in ids.uscc_entity_hint(prefix)


@pytest.mark.parametrize("code", ["", "9", "94", "B1", "ZZ"])
def test_uscc_entity_hint_unknown(code: str) -> None:
    assert ids.uscc_entity_hint(code) == ""


@pytest.mark.parametrize(
    ("prefix", "area", "body"),
    [
        ("95", "320281", "MA1XN8K4"),
        ("91", "32028", "MA1XN8K4"),
        ("91", "320281", "MA1XN8K"),
        ("91", "320281", "MA1XN8KO"),
    ],
)
def test_make_uscc_rejects_bad_parts(prefix: str, area: str, body: str) -> None:
    with pytest.raises(ValueError):
        ids.make_uscc(prefix, area, body)


uscc_parts = st.tuples(
    st.sampled_from(ids.USCC_PREFIXES),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=8, max_size=8),
)


@given(uscc_parts)
def test_make_uscc_always_validates(parts: tuple[str, str, str]) -> None:
    code = ids.make_uscc(*parts)
    assert code == ref_uscc(*parts)
    assert ids.validate_uscc(code) == code


REPLACEMENTS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"


@given(uscc_parts, st.integers(min_value=0, max_value=17), st.sampled_from(REPLACEMENTS))
def test_single_changed_character_in_uscc_is_rejected(
    parts: tuple[str, str, str], position: int, replacement: str
) -> None:
    code = ids.make_uscc(*parts)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(XinyongError):
        ids.validate_uscc(changed)


# --------------------------------------------------------------------------------------------------------
# parse_doc_type
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, PersonDocType.RESIDENT_ID),
        ("", PersonDocType.RESIDENT_ID),
        ("  ", PersonDocType.RESIDENT_ID),
        ("身份证", PersonDocType.RESIDENT_ID),
        ("居民身份证", PersonDocType.RESIDENT_ID),
        ("二代身份证", PersonDocType.RESIDENT_ID),
        ("中华人民共和国居民身份证", PersonDocType.RESIDENT_ID),
        ("身份证号码", PersonDocType.RESIDENT_ID),
        (" 居民 身份证 ", PersonDocType.RESIDENT_ID),
        ("港澳台居民居住证", PersonDocType.HMT_RESIDENCE_PERMIT),
        ("台湾居民居住证", PersonDocType.HMT_RESIDENCE_PERMIT),
        ("外国人永久居留身份证", PersonDocType.FOREIGN_PR),
        ("外国人永久居留证", PersonDocType.FOREIGN_PR),
        ("护照", PersonDocType.PASSPORT),
        ("护照号", PersonDocType.PASSPORT),
        ("港澳居民来往内地通行证", PersonDocType.HK_MACAO_PASS),
        ("回乡证", PersonDocType.HK_MACAO_PASS),
        ("台湾居民来往大陆通行证", PersonDocType.TAIWAN_PASS),
        ("台胞证", PersonDocType.TAIWAN_PASS),
        ("其他", PersonDocType.OTHER),
        ("其它证件", PersonDocType.OTHER),
    ],
)
def test_parse_doc_type(raw: str | None, expected: PersonDocType) -> None:
    assert ids.parse_doc_type(raw) is expected


@pytest.mark.parametrize("doc_type", list(PersonDocType))
def test_parse_doc_type_accepts_every_enum_value(doc_type: PersonDocType) -> None:
    assert ids.parse_doc_type(str(doc_type)) is doc_type


@pytest.mark.parametrize("raw", ["驾驶证", "学生证", "号码"])
def test_parse_doc_type_unknown(raw: str) -> None:
    err = error_of(ids.parse_doc_type, raw)
    assert err.code == ErrorCode.ID_TYPE
    assert raw in err.message


# --------------------------------------------------------------------------------------------------------
# resident ID
# --------------------------------------------------------------------------------------------------------


def test_resident_id_gb11643_example() -> None:
    person = ids.validate_person_id("11010519491231002X", today=TODAY)
    assert person == ids.PersonId(
        "11010519491231002X", PersonDocType.RESIDENT_ID, dt.date(1949, 12, 31), "女"
    )
    assert stdnum_ric.is_valid("11010519491231002X")


@pytest.mark.parametrize(
    "raw", ["11010519491231002x", " 110105 19491231 002x ", "１１０１０５１９４９１２３１００２ｘ"]
)
def test_resident_id_messy_input(raw: str) -> None:
    person = ids.validate_person_id(raw, "身份证", today=TODAY)
    assert person.number == "11010519491231002X"


def test_resident_id_area_newer_than_birth_year() -> None:
    # 320281 (江阴市) was created in 1987; people born earlier hold 320281 numbers (stdnum rejects them).
    number = "320281196005011237"
    assert number == ref_id("320281", dt.date(1960, 5, 1), "123")
    person = ids.validate_person_id(number, PersonDocType.RESIDENT_ID, today=TODAY)
    assert person.birth_date == dt.date(1960, 5, 1)
    assert person.sex == "男"


def test_resident_id_sex_from_order_digit() -> None:
    male = ref_id("320281", dt.date(1990, 1, 1), "123")
    female = ref_id("320281", dt.date(1990, 1, 1), "124")
    assert ids.validate_person_id(male, today=TODAY).sex == "男"
    assert ids.validate_person_id(female, today=TODAY).sex == "女"


@pytest.mark.parametrize(
    ("number", "born"),
    [
        ("810000198507040026", dt.date(1985, 7, 4)),
        ("820000199211110036", dt.date(1992, 11, 11)),
        ("83000020000229004X", dt.date(2000, 2, 29)),
    ],
)
def test_hmt_residence_permits(number: str, born: dt.date) -> None:
    assert number == ref_id(number[:6], born, number[14:17])
    inferred = ids.validate_person_id(number, today=TODAY)
    assert inferred.doc_type is PersonDocType.HMT_RESIDENCE_PERMIT
    assert inferred.birth_date == born
    explicit = ids.validate_person_id(number, "港澳台居民居住证", today=TODAY)
    assert explicit.doc_type is PersonDocType.HMT_RESIDENCE_PERMIT
    # Filed under 居民身份证: accepted, and the stated type is kept.
    as_resident = ids.validate_person_id(number, PersonDocType.RESIDENT_ID, today=TODAY)
    assert as_resident.doc_type is PersonDocType.RESIDENT_ID


def test_hmt_permit_requires_hmt_area() -> None:
    err = person_error("11010519491231002X", PersonDocType.HMT_RESIDENCE_PERMIT)
    assert err.code == ErrorCode.ID_AREA
    assert "810000" in err.message


@pytest.mark.parametrize("number", ["810001199001010015", "710000199001010015"])
def test_resident_id_rejects_non_issuing_areas(number: str) -> None:
    assert ref_mod11_2(number[:17]) == number[17]
    assert person_error(number).code == ErrorCode.ID_AREA


def test_resident_id_rejects_unknown_province() -> None:
    number = ref_id("000000", dt.date(1990, 1, 1), "001")
    err = person_error(number, PersonDocType.RESIDENT_ID)
    assert err.code == ErrorCode.ID_AREA
    assert "“00”" in err.message


def test_resident_id_starting_with_9_points_to_foreign_card() -> None:
    err = person_error("932840198808080113", PersonDocType.RESIDENT_ID)
    assert err.code == ErrorCode.ID_AREA
    assert "外国人永久居留身份证" in err.message


def test_resident_id_future_birth_date() -> None:
    number = "320281203001010010"
    assert number == ref_id("320281", dt.date(2030, 1, 1), "001")
    err = person_error(number)
    assert err.code == ErrorCode.ID_FUTURE_BIRTH
    assert "出生日期晚于今天" in err.message


def test_resident_id_born_today_is_valid_and_tomorrow_is_not() -> None:
    assert ids.validate_person_id(ref_id("320281", TODAY, "001"), today=TODAY).birth_date == TODAY
    tomorrow = ref_id("320281", TODAY + dt.timedelta(days=1), "001")
    assert person_error(tomorrow).code == ErrorCode.ID_FUTURE_BIRTH


def test_resident_id_february_30() -> None:
    number = "320281202002300015"
    assert ref_mod11_2(number[:17]) == number[17]
    err = person_error(number)
    assert err.code == ErrorCode.ID_BIRTH_DATE
    assert "出生日期20200230不是有效日期" in err.message


def test_resident_id_february_29_only_in_leap_years() -> None:
    assert ids.validate_person_id(ref_id("320281", dt.date(2000, 2, 29), "001"), today=TODAY)
    first17 = "32028119000229001"  # 1900 was not a leap year
    assert person_error(first17 + ref_mod11_2(first17)).code == ErrorCode.ID_BIRTH_DATE


def test_resident_id_born_before_1900() -> None:
    # GB 11643's own second example (born 1880) is well-formed but not a living holder's number.
    err = person_error("440524188001010014")
    assert err.code == ErrorCode.ID_BIRTH_DATE
    assert "1900" in err.message


def test_resident_id_wrong_check_char() -> None:
    err = person_error("110105194912310021")
    assert err.code == ErrorCode.ID_CHECKSUM
    assert "居民身份证号码校验位错误：应为X" in err.message


def test_resident_id_15_digits_is_converted_in_message() -> None:
    err = person_error("110105491231002")
    assert err.code == ErrorCode.ID_LENGTH
    assert "15位" in err.message
    assert "11010519491231002X" in err.message


def test_resident_id_15_digits_with_bad_date_gets_no_conversion() -> None:
    err = person_error("110105491331002")
    assert err.code == ErrorCode.ID_LENGTH
    assert "15位" in err.message
    assert "推算" not in err.message


@pytest.mark.parametrize(("number", "length"), [("11010519491231002", 17), ("11010519491231002X1", 19)])
def test_resident_id_wrong_length(number: str, length: int) -> None:
    err = person_error(number)
    assert err.code == ErrorCode.ID_LENGTH
    assert f"实际为{length}位" in err.message


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("1101051949123100AX", "第17位“A”"),
        ("11010519491231002Y", "第18位“Y”"),
        ("1101-5194912310021", "第5位“-”"),
    ],
)
def test_resident_id_bad_characters(number: str, fragment: str) -> None:
    err = person_error(number, PersonDocType.RESIDENT_ID)
    assert err.code == ErrorCode.ID_CHARS
    assert fragment in err.message


@pytest.mark.parametrize("raw", ["", "  "])
def test_person_id_empty(raw: str) -> None:
    assert person_error(raw).code == ErrorCode.REQUIRED


def test_unknown_doc_type_string_is_rejected() -> None:
    assert person_error("11010519491231002X", "驾驶证").code == ErrorCode.ID_TYPE


def test_blank_doc_type_string_means_infer() -> None:
    assert (
        ids.validate_person_id("810000198507040026", "", today=TODAY).doc_type
        is PersonDocType.HMT_RESIDENCE_PERMIT
    )


id_parts = st.tuples(
    st.sampled_from(PROVINCES),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@given(id_parts)
def test_make_resident_id_always_validates(parts: tuple[str, str, dt.date, int]) -> None:
    province, rest, born, order = parts
    number = ids.make_resident_id(province + rest, born, order)
    assert number == ref_id(province + rest, born, f"{order:03d}")
    person = ids.validate_person_id(number, today=TODAY)
    assert person.birth_date == born
    assert person.sex == ("男" if order % 2 else "女")


@given(id_parts, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_single_changed_character_in_resident_id_is_rejected(
    parts: tuple[str, str, dt.date, int], position: int, replacement: str
) -> None:
    province, rest, born, order = parts
    number = ids.make_resident_id(province + rest, born, order)
    if number[position] == replacement:
        return
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(XinyongError):
        ids.validate_person_id(changed, today=TODAY)


@pytest.mark.parametrize(("area", "order"), [("32028", 1), ("3202811", 1), ("320281", -1), ("320281", 1000)])
def test_make_resident_id_rejects_bad_parts(area: str, order: int) -> None:
    with pytest.raises(ValueError):
        ids.make_resident_id(area, dt.date(1990, 1, 1), order)


# --------------------------------------------------------------------------------------------------------
# foreign permanent residence cards
# --------------------------------------------------------------------------------------------------------


def test_foreign_pr_2023_inferred() -> None:
    number = "932840198808080113"
    # 9 + province 32 + nationality 840 + 19880808 + order 011 + check
    assert number[17] == ref_mod11_2(number[:17])
    person = ids.validate_person_id(number, today=TODAY)
    assert person == ids.PersonId(number, PersonDocType.FOREIGN_PR, dt.date(1988, 8, 8), "男")


def test_foreign_pr_2023_explicit_type_and_bad_check() -> None:
    assert (
        ids.validate_person_id("932840198808080113", "外国人永久居留证", today=TODAY).doc_type
        is PersonDocType.FOREIGN_PR
    )
    err = person_error("932840198808080112", PersonDocType.FOREIGN_PR)
    assert err.code == ErrorCode.ID_CHECKSUM
    assert "应为3" in err.message


def test_foreign_pr_2023_bad_province() -> None:
    first17 = "99984019880808011"
    err = person_error(first17 + ref_mod11_2(first17))
    assert err.code == ErrorCode.ID_AREA


def test_foreign_pr_2023_future_birth() -> None:
    first17 = "93284020300808011"
    assert person_error(first17 + ref_mod11_2(first17)).code == ErrorCode.ID_FUTURE_BIRTH


def test_foreign_pr_given_a_resident_id() -> None:
    err = person_error("11010519491231002X", PersonDocType.FOREIGN_PR)
    assert err.code == ErrorCode.ID_CHARS
    assert "第1位应为9" in err.message


@given(
    st.sampled_from(PROVINCES),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)
def test_make_foreign_pr_id_always_validates(
    province: str, nationality: str, born: dt.date, order: int
) -> None:
    number = ids.make_foreign_pr_id(province, nationality, born, order)
    first17 = f"9{province}{nationality}{born:%Y%m%d}{order:03d}"
    assert number == first17 + ref_mod11_2(first17)
    person = ids.validate_person_id(number, today=TODAY)
    assert person.doc_type is PersonDocType.FOREIGN_PR
    assert person.birth_date == born


def test_foreign_pr_2017() -> None:
    # KAZ + issuing area 1100 + YYMMDD 901231 + 0 + 5: 2090 is in the future, so the holder was born in 1990.
    person = ids.validate_person_id("KAZ110090123105", today=TODAY)
    assert person.doc_type is PersonDocType.FOREIGN_PR
    assert person.birth_date == dt.date(1990, 12, 31)
    assert person.sex is None


def test_foreign_pr_2017_lower_case_and_explicit_type() -> None:
    person = ids.validate_person_id("kaz 1100 901231 05", PersonDocType.FOREIGN_PR, today=TODAY)
    assert person.number == "KAZ110090123105"


def test_foreign_pr_2017_ambiguous_century() -> None:
    person = ids.validate_person_id("USA320015031501", today=TODAY)
    assert person.doc_type is PersonDocType.FOREIGN_PR
    assert person.birth_date is None  # 1915 or 2015


@pytest.mark.parametrize("number", ["KAZ110090133105", "KAZ110090023105"])
def test_foreign_pr_2017_bad_birth_date(number: str) -> None:
    err = person_error(number)
    assert err.code == ErrorCode.ID_BIRTH_DATE
    assert number[7:13] in err.message


@pytest.mark.parametrize(
    ("number", "fragment"), [("K4Z110090123105", "第2位“4”"), ("KAZ11009012310X", "第15位“X”")]
)
def test_foreign_pr_2017_bad_characters(number: str, fragment: str) -> None:
    err = person_error(number, PersonDocType.FOREIGN_PR)
    assert err.code == ErrorCode.ID_CHARS
    assert fragment in err.message


def test_foreign_pr_wrong_length() -> None:
    err = person_error("KAZ11009012310", PersonDocType.FOREIGN_PR)
    assert err.code == ErrorCode.ID_LENGTH
    assert "实际为14位" in err.message


def test_foreign_pr_2017_filed_as_resident_id() -> None:
    err = person_error("KAZ110090123105", PersonDocType.RESIDENT_ID)
    assert err.code == ErrorCode.ID_LENGTH
    assert "外国人永久居留身份证" in err.message


# --------------------------------------------------------------------------------------------------------
# passports and travel permits
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "doc_type", "number"),
    [
        ("E12345678", "护照", "E12345678"),
        ("e1234 5678", PersonDocType.PASSPORT, "E12345678"),
        ("H12345678", "港澳居民来往内地通行证", "H12345678"),
        ("12345678", "台胞证", "12345678"),
        ("ABCD", "其他", "ABCD"),
        ("A" * 20, "护照", "A" * 20),
    ],
)
def test_shape_only_documents(raw: str, doc_type: str | PersonDocType, number: str) -> None:
    person = ids.validate_person_id(raw, doc_type, today=TODAY)
    assert person.number == number
    assert person.birth_date is None
    assert person.sex is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [("E12", ErrorCode.ID_LENGTH), ("A" * 21, ErrorCode.ID_LENGTH), ("E1234-678", ErrorCode.ID_CHARS)],
)
def test_shape_only_documents_rejected(raw: str, code: ErrorCode) -> None:
    err = person_error(raw, PersonDocType.PASSPORT)
    assert err.code == code
    assert "护照号码" in err.message


# --------------------------------------------------------------------------------------------------------
# masking and classification
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("320281199001011234", "3202**********1234"),
        ("KAZ110090123105", "KAZ1*******3105"),
        ("E12345678", "E*******8"),
        ("ABC", "A*C"),
        ("AB", "**"),
        ("", ""),
        (" 3202 8119 9001 0112 34 ", "3202**********1234"),
    ],
)
def test_mask_person_id(number: str, masked: str) -> None:
    assert ids.mask_person_id(number) == masked


@given(st.text(alphabet="0123456789ABCDEFX", max_size=25))
def test_mask_keeps_length_and_hides_at_least_half(number: str) -> None:
    masked = ids.mask_person_id(number)
    assert len(masked) == len(number)
    hidden = masked.count("*")
    assert len(number) - hidden <= 8
    assert hidden * 2 >= len(number) - 1
    if len(number) >= 3:
        assert masked[0] == number[0]
        assert masked[-1] == number[-1]


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("91110000600037341L", "uscc"),
        ("n2320281ma1xn8k46y", "uscc"),
        ("11010519491231002X", "person"),
        ("810000198507040026", "person"),
        ("KAZ110090123105", "person"),
        ("91110000600037341A", "unknown"),
        ("张三", "unknown"),
        ("", "unknown"),
    ],
)
def test_classify_party_code(raw: str, kind: str) -> None:
    assert ids.classify_party_code(raw, today=TODAY) == kind


def test_classify_party_code_uses_the_clock_by_default() -> None:
    from xinyong.core import clock

    number = ref_id("320281", dt.date(2030, 1, 1), "001")
    with clock.frozen("2029-12-31"):
        assert ids.classify_party_code(number) == "unknown"
    with clock.frozen("2030-01-02"):
        assert ids.classify_party_code(number) == "person"
