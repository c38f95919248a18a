"""Tests for xinyong.core.names.org_name_key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.core.names import _TRAD_TO_SIMP, clean_org_name, org_name_key, split_branch

# --------------------------------------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("恒远机械（江阴）有限公司", "恒远机械(江阴)有限公司"),
        ("恒远【集团】有限公司", "恒远(集团)有限公司"),
        ("恒远〔江阴〕", "恒远(江阴)"),
        ("恒远 机械\u3000有限公司", "恒远机械有限公司"),
        ("恒远·机械、有限公司。", "恒远机械有限公司"),
        ("ＡＢＣ ｔｒａｄｉｎｇ", "ABCTRADING"),
        ("江陰市恆遠機械廠", "江阴市恒远机械厂"),
        ("無錫華東國際貿易有限公司", "无锡华东国际贸易有限公司"),
    ],
)
def test_clean_org_name(name: str, cleaned: str) -> None:
    assert clean_org_name(name) == cleaned


def test_traditional_table_is_one_to_one_and_maps_to_simplified() -> None:
    for traditional, simplified in _TRAD_TO_SIMP.items():
        assert traditional != simplified
        # GB 2312 is the simplified character set: every target must be in it.
        simplified.encode("gb2312")
        # No target is itself converted again (translation is a single pass, but keep the table clean).
        assert simplified not in _TRAD_TO_SIMP


# --------------------------------------------------------------------------------------------------------
# same organisation, different spellings
# --------------------------------------------------------------------------------------------------------

SAME_AS_HENGYUAN_JIXIE = [
    "江阴市恒远机械有限公司",
    "江阴恒远机械有限公司",
    "江苏省江阴市恒远机械有限公司",
    "江苏省无锡市江阴市恒远机械有限公司",
    "恒远机械（江阴）有限公司",
    "（江阴）恒远机械有限公司",
    "江陰市恆遠機械有限公司",
    "江阴市恒远机械有限责任公司",
    "江阴市恒远机械股份有限公司",
    "恒远机械有限公司",
    "恒远机械厂",
    "江阴市 恒远机械 有限公司",
    "江阴市恒远机械集团有限公司",
    "江阴市利港街道恒远机械厂",
    "江阴高新区恒远机械有限公司",
]


@pytest.mark.parametrize("name", SAME_AS_HENGYUAN_JIXIE)
def test_spellings_of_one_company_share_a_key(name: str) -> None:
    assert org_name_key(name) == "恒远机械"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("恒远（江阴）投资合伙企业（有限合伙）", "恒远投资"),
        ("江阴恒远投资合伙企业(普通合伙)", "恒远投资"),
        ("江阴市华士镇恒远五金经营部", "恒远五金"),
        ("江阴市恒远商行", "恒远"),
        ("江阴市祝塘镇恒远葡萄种植专业合作社", "恒远葡萄种植"),
        ("西门子（中国）有限公司", "西门子"),
        ("上海市恒远贸易有限公司", "恒远贸易"),
        ("张家港市恒远纺织有限公司", "恒远纺织"),
        ("ABC Trading 有限公司", "ABCTRADING"),
    ],
)
def test_region_and_legal_form_are_stripped(name: str, key: str) -> None:
    assert org_name_key(name) == key


def test_shop_words_are_kept() -> None:
    assert org_name_key("江阴市澄江街道恒远五金店") == "恒远五金店"
    assert org_name_key("华联超市有限公司") == "华联超市"


# --------------------------------------------------------------------------------------------------------
# different organisations keep different keys
# --------------------------------------------------------------------------------------------------------


def test_branch_is_a_different_entity() -> None:
    head = org_name_key("江阴市恒远机械有限公司")
    branch = org_name_key("江阴市恒远机械有限公司利港分公司")
    assert head != branch
    assert branch == "恒远机械利港分公司"
    assert org_name_key("江阴市恒远机械有限公司申港分公司") != branch


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("恒远机械有限公司江阴分厂", "恒远机械江阴分厂"),
        ("恒远超市有限公司澄江分店", "恒远超市澄江分店"),
        ("华泰证券股份有限公司江阴虹桥北路证券营业部", "华泰证券江阴虹桥北路证券营业部"),
        ("恒远机械有限公司上海办事处", "恒远机械上海办事处"),
        ("中国银行股份有限公司江阴分行", "中国银行江阴分行"),
        ("恒远集团江阴分公司", "恒远江阴分公司"),
        ("恒远机械有限公司江阴经营部", "恒远机械江阴经营部"),
    ],
)
def test_branch_suffixes_are_kept(name: str, key: str) -> None:
    assert org_name_key(name) == key


def test_split_branch() -> None:
    assert split_branch("恒远机械有限公司利港分公司") == ("恒远机械有限公司", "利港分公司")
    assert split_branch("恒远机械有限公司") == ("恒远机械有限公司", "")
    assert split_branch("恒远机械厂") == ("恒远机械厂", "")
    assert split_branch("恒远机械有限公司(江阴)") == ("恒远机械有限公司(江阴)", "")


def test_region_named_banks_stay_apart() -> None:
    # Stripping the region would leave only 银行 for both.
    assert org_name_key("江苏银行股份有限公司") == "江苏银行"
    assert org_name_key("南京银行股份有限公司") == "南京银行"
    assert org_name_key("江阴农村商业银行股份有限公司") == "江阴农村商业银行"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("江阴市公安局", "无锡市公安局"),
        ("江阴市人民医院", "无锡市人民医院"),
        ("江阴市第一中学", "无锡市第一中学"),
        ("江阴市利港街道办事处", "江阴市申港街道办事处"),
        ("江阴化工机械有限公司", "无锡化工机械有限公司"),
    ],
)
def test_public_bodies_and_generic_names_keep_their_region(a: str, b: str) -> None:
    assert org_name_key(a) != org_name_key(b)


def test_public_body_key() -> None:
    assert org_name_key("江阴市公安局") == "江阴市公安局"


def test_bare_town_name_only_stripped_after_a_city() -> None:
    # 利港 after 江阴市 is a place; 华士 at the very start may be a trade name (华士达).
    assert org_name_key("江阴市利港恒远机械有限公司") == "恒远机械"
    assert "恒远机械" in org_name_key("江阴市利港恒远机械有限公司")
    assert org_name_key("华士达机械有限公司") == "华士达机械"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("江阴市农贸市场管理有限公司", "农贸市场管理"),  # 市 of 市场 is not an administrative suffix
        ("恒远城市建设有限公司", "恒远城市建设"),  # nor is 城市
        ("宜兴市恒远区块链科技有限公司", "恒远区块链科技"),  # nor 区 of 区块链
        ("江阴市政工程有限公司", "江阴市政工程"),  # 市政 is generic, so the region stays
    ],
)
def test_generic_patterns_do_not_eat_ordinary_words(name: str, key: str) -> None:
    assert org_name_key(name) == key


def test_generic_place_pattern() -> None:
    # Places outside the tables are recognised by their 省/市/县/区 suffix.
    assert org_name_key("丰县恒远机械有限公司") == org_name_key("恒远机械有限公司")
    assert org_name_key("黄浦区恒远贸易有限公司") == "恒远贸易"


# --------------------------------------------------------------------------------------------------------
# degenerate names
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["有限公司", "江苏省", "公司", "厂", "机械厂", "（）", "·、", "江阴市"])
def test_key_never_empty(name: str) -> None:
    assert org_name_key(name) != ""


def test_fallback_is_cleaned_full_name() -> None:
    assert org_name_key("有限公司") == "有限公司"
    assert org_name_key("江苏省") == "江苏省"


def test_whitespace_only_name_has_empty_key() -> None:
    assert org_name_key("   ") == ""
    assert org_name_key("") == ""


cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
name_chars = st.one_of(cjk, st.sampled_from("()（）【】·、 .,-ABCabc123公司有限厂江阴市省区县镇街道分"))


@given(st.text(min_size=1, max_size=30))
def test_key_is_non_empty_for_any_visible_name(name: str) -> None:
    if name.strip():
        assert org_name_key(name) != ""


@given(st.text(alphabet=name_chars, min_size=1, max_size=30))
def test_key_is_deterministic_and_has_no_brackets_or_spaces(name: str) -> None:
    key = org_name_key(name)
    assert key == org_name_key(name)
    if clean_org_name(name).strip("()"):
        assert "(" not in key
        assert ")" not in key
    assert " " not in key


# Characters that form no place, legal-form or generic word in the tables: any string of them is a
# distinctive trade name.
TRADE_NAME_CHARS = "恒远宏鑫达盛隆昌瑞祥福裕顺旺"


@given(
    st.text(alphabet=TRADE_NAME_CHARS, min_size=2, max_size=6),
    st.sampled_from(["", "江阴市", "江苏省江阴市", "江阴", "无锡市江阴市利港街道", "江阴市华士镇"]),
    st.sampled_from(["有限公司", "有限责任公司", "股份有限公司", "厂", "集团有限公司", "(江阴)有限公司"]),
)
def test_region_and_legal_form_never_change_a_trade_name(core: str, region: str, form: str) -> None:
    assert org_name_key(region + core + form) == core


@given(
    st.text(alphabet=TRADE_NAME_CHARS, min_size=2, max_size=6),
    st.sampled_from(["利港分公司", "江阴分厂", "澄江分店", "江阴营业部", "上海办事处"]),
)
def test_branch_key_differs_from_head_key(core: str, branch: str) -> None:
    head = org_name_key("江阴市" + core + "有限公司")
    assert org_name_key("江阴市" + core + "有限公司" + branch) == head + branch
