"""How a record reads in public, as pure functions: no database."""

from __future__ import annotations

import datetime as dt

from xinyong.core.identifiers import make_resident_id
from xinyong.portal.layouts import FieldSpec, is_person_party, layout_of, public_fields, scrub_numbers

NUMBER = make_resident_id("320281", dt.date(1986, 4, 15), 17)

FIELDS = [
    FieldSpec("CF_XDR_MC", "行政相对人名称", "text", False),
    FieldSpec("CF_XDR_LB", "行政相对人类别", "party_category", False),
    FieldSpec("CF_XDR_SHDM", "统一社会信用代码", "uscc", False),
    FieldSpec("CF_XDR_GSZC", "工商注册号", "text", False),
    FieldSpec("CF_FRDB", "法定代表人", "text", False),
    FieldSpec("CF_FR_ZJHM", "法定代表人证件号码", "person_id", True),
    FieldSpec("CF_ZJLX", "证件类型", "id_type", False),
    FieldSpec("CF_ZJHM", "证件号码", "person_id", True),
    FieldSpec("CF_WSH", "行政处罚决定书文号", "text", False),
    FieldSpec("CF_SY", "违法事实", "text", False),
    FieldSpec("CF_CFLB", "处罚类别", "multi_choice", False),
    FieldSpec("CF_CFJG", "处罚机关", "text", False),
    FieldSpec("CF_CFJGDM", "处罚机关统一社会信用代码", "uscc", False),
]
MAPPING = {
    "category": "CF_XDR_LB", "name": "CF_XDR_MC", "uscc": "CF_XDR_SHDM", "id_type": "CF_ZJLX",
    "id_number": "CF_ZJHM", "legal_rep": "CF_FRDB",
}
LAYOUT = layout_of(
    category_id=1, key_fields=["CF_WSH", "CF_CFJGDM"], subject_mapping=MAPPING, fields=FIELDS,
    choices={"CF_CFLB": ["警告", "罚款"]},
)


def test_the_layout_is_read_from_the_catalog() -> None:
    assert (LAYOUT.document_number, LAYOUT.kind_field, LAYOUT.authority_field) == ("CF_WSH", "CF_CFLB", "CF_CFJG")
    assert LAYOUT.kind_choices == ("警告", "罚款")
    assert LAYOUT.person_hidden == {"CF_XDR_SHDM", "CF_XDR_GSZC", "CF_FRDB", "CF_FR_ZJHM"}


def test_long_numbers_in_text_are_masked_and_short_ones_kept() -> None:
    assert scrub_numbers(f"当事人（身份证号{NUMBER}）") == f"当事人（身份证号{NUMBER[:4]}{'*' * 10}{NUMBER[-4:]}）"
    assert NUMBER not in scrub_numbers(f"号码 {NUMBER.lower()} 等")
    assert scrub_numbers("罚款20000元，电话13812345678，文号2026123") == "罚款20000元，电话13812345678，文号2026123"
    assert scrub_numbers("代码91320281MA1XXXXXX1") == "代码91320281MA1XXXXXX1"


def test_a_person_record_shows_the_name_and_the_masked_number_only() -> None:
    data = {
        "CF_XDR_MC": "张三", "CF_XDR_LB": "自然人", "CF_XDR_GSZC": "填错的注册号", "CF_ZJLX": "居民身份证",
        "CF_ZJHM": NUMBER, "CF_WSH": "澄利综执罚〔2026〕6号", "CF_CFLB": ["警告", "罚款"],
        "CF_CFJGDM": "11320281179685395R",
    }
    assert is_person_party(LAYOUT, data)
    shown = {spec.code: text for spec, text in public_fields(LAYOUT, data, person=True)}
    assert shown == {
        "CF_XDR_MC": "张三", "CF_XDR_LB": "自然人", "CF_ZJLX": "居民身份证",
        "CF_ZJHM": f"{NUMBER[:4]}{'*' * 10}{NUMBER[-4:]}", "CF_WSH": "澄利综执罚〔2026〕6号", "CF_CFLB": "警告、罚款",
        "CF_CFJGDM": "11320281179685395R",
    }


def test_a_company_record_masks_its_legal_representative_number() -> None:
    data = {"CF_XDR_MC": "江阴市利港恒远机械有限公司", "CF_XDR_LB": "法人及非法人组织", "CF_FRDB": "王建国", "CF_FR_ZJHM": NUMBER}
    assert not is_person_party(LAYOUT, data)
    shown = {spec.code: text for spec, text in public_fields(LAYOUT, data, person=False)}
    assert shown["CF_FRDB"] == "王建国" and shown["CF_FR_ZJHM"] == f"{NUMBER[:4]}{'*' * 10}{NUMBER[-4:]}"
