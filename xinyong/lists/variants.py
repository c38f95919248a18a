"""Labelled name variants of synthetic companies, for the matcher's tests and benchmark (issue 5 item 4).

Each company is composed from parts — region, trade name (字号), industry, legal form, branch unit — and every
variant is composed again from changed parts, so its label comes from how it was made, never from the
matcher's own normaliser (`xinyong.core.names`, `xinyong.lists.matching`): nothing here imports them. The
traditional forms come from a table of this module, not from the matcher's converter.

Positive kinds (the same subject written differently) and negative kinds (another subject with a similar name)
are registered in `KINDS`; some of each are *held out*: the tests only check them as a group against an overall
bar, and the benchmark reports them apart, so that the matcher is not tuned to every rule of this generator.

Everything is deterministic for a given seed. Names are synthetic; USCCs are made with `make_uscc` so that they
pass their checksums.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from xinyong.core.identifiers import make_uscc

# --------------------------------------------------------------------------------------------------------
# parts
# --------------------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A whitespace-separated word table (easier to read and edit than a list of quoted words)."""
    return text.split()


# county label, bare name, prefecture label, prefecture bare name, GB/T 2260 code
_COUNTIES = (
    ("江阴市", "江阴", "无锡市", "无锡", "320281"),
    ("宜兴市", "宜兴", "无锡市", "无锡", "320282"),
    ("梁溪区", "梁溪", "无锡市", "无锡", "320213"),
    ("锡山区", "锡山", "无锡市", "无锡", "320205"),
    ("惠山区", "惠山", "无锡市", "无锡", "320206"),
    ("滨湖区", "滨湖", "无锡市", "无锡", "320211"),
    ("新吴区", "新吴", "无锡市", "无锡", "320214"),
    ("常熟市", "常熟", "苏州市", "苏州", "320581"),
    ("张家港市", "张家港", "苏州市", "苏州", "320582"),
    ("昆山市", "昆山", "苏州市", "苏州", "320583"),
    ("溧阳市", "溧阳", "常州市", "常州", "320481"),
    ("丹阳市", "丹阳", "镇江市", "镇江", "321181"),
)
# Most entries of a Jiangyin credit office are Jiangyin's own.
_COUNTY_WEIGHTS = (60, 8, 4, 4, 4, 4, 4, 3, 3, 2, 2, 2)

# Jiangyin towns: bare name, kind.
_JIANGYIN_TOWNS = (
    ("澄江", "街道"),
    ("南闸", "街道"),
    ("云亭", "街道"),
    ("城东", "街道"),
    ("夏港", "街道"),
    ("申港", "街道"),
    ("利港", "街道"),
    ("月城", "镇"),
    ("青阳", "镇"),
    ("徐霞客", "镇"),
    ("华士", "镇"),
    ("周庄", "镇"),
    ("新桥", "镇"),
    ("长泾", "镇"),
    ("顾山", "镇"),
    ("祝塘", "镇"),
    ("璜土", "镇"),
)

# Characters of trade names. Left out: administrative characters (省市县区镇乡), characters that read as
# part of a word after one of them (市场, 市政, 区域 …), and characters of common place names, so that a
# trade name never reads as a place or as a generic word.
_TRADE_CHARS = "".join(
    dict.fromkeys(
        "恒远达鑫盛兴隆泰昌源丰宏伟瑞祥福顺和康嘉佳进发万龙凤鸿腾飞创宝锦荣汇聚诚信润辉光明亮晶金银铭"
        "德仁义礼智勤俭朗峰岭森林松柏竹梅兰菊莲荷燕鹏鹰骏驰奔跃优越卓超凡博雅瀚海洋波涛澜舟帆航扬"
        "振奋启星辰日月晨曦旭升豪杰俊彦英才志永久长青翠绿蓝紫彩虹霞雪霖露泉溪川岳石磊鼎铸锐"
    )
)

# Words that must not appear inside a trade name (places, generic words) — this module's own list.
_NOT_IN_TRADE = tuple(
    _words(
        "江阴 宜兴 无锡 常熟 昆山 丹阳 溧阳 苏州 常州 镇江 南京 上海 北京 天津 重庆 海南 "
        "四川 云南 广东 广西 山东 山西 河南 河北 湖南 湖北 江西 浙江 福建 安徽 宁夏 青海 "
        "长春 长沙 太原 昆明 兰州 西宁 海口 东台 泰兴 兴化 靖江 金坛 武进 江宁 吴江 吴中 "
        "相城 太仓 扬中 句容 泰州 扬州 南通 如皋 海安 启东 高邮 仪征 新沂 邳州 宿迁 沭阳 "
        "泗阳 泗洪 徐州 淮安 盐城 温州 宁波 杭州 绍兴 嘉兴 湖州 合肥 福州 厦门 济南 青岛 "
        "郑州 武汉 成都 西安 沈阳 大连 南昌 南宁 贵阳 东莞 佛山 珠海 烟台 潍坊 洛阳 芜湖 "
        "澄江 南闸 云亭 城东 夏港 申港 利港 月城 青阳 华士 周庄 新桥 长泾 顾山 祝塘 璜土 "
        "临港 发展 国际 实业 科技 华东 中华 新华 光明 长青 长江 金属 银行 信用 兴业 进出 "
        "日月 海洋 星辰 英才 博雅 德才 光彩 金融 和平 泰山 锦绣 明珠 永久 万达 长城 恒大 "
        "华润 鼎盛 远洋 金石"
    )
)

# Industries; pairs where one contains the other (机械 / 精密机械) are never used as a negative pair.
_INDUSTRIES = tuple(
    _words(
        "机械 化工 纺织 五金 电子 科技 贸易 建设工程 物流 服饰 塑业 钢结构 印染 新材料 精密机械 汽车配件 电气 环保科技 "
        "食品 建材 纸业 针织 模具 轴承 阀门 线缆 家具 不锈钢制品 光电 生物科技 包装材料 机电设备 液压件 橡塑制品 工艺品 金属制品"
    )
)

_COMPANY_FORMS = ("有限公司", "有限责任公司", "股份有限公司")
_FORMS = (*_COMPANY_FORMS, "厂", "集团有限公司")
_FORM_WEIGHTS = (55, 15, 8, 15, 7)

# Region styles of the registered name: how the region is written (a registration authority's choice).
_STYLES = ("county", "county_town", "city", "province", "bracket", "none")
_STYLE_WEIGHTS = (45, 10, 10, 5, 10, 20)

_TUNING_BRANCH_WORDS = ("分公司", "分厂")
_HELD_OUT_BRANCH_WORDS = ("经营部", "营业部", "办事处")
_BRANCH_PLACES_OUTSIDE = ("上海", "南京", "苏州", "常州", "杭州", "宁波")

# simplified → traditional for the characters the parts use (this module's own table, pairs "简繁").
_TRADITIONAL_PAIRS = """
机機 纺紡 织織 贸貿 业業 厂廠 远遠 达達 华華 兴興 丰豐 伟偉 顺順 宁寧 进進 发發 万萬 龙龍 凤鳳 鸿鴻 腾騰
飞飛 创創 宝寶 锦錦 荣榮 汇匯 诚誠 润潤 辉輝 东東 阳陽 银銀 钢鋼 铁鐵 构構 结結 环環 气氣 车車 饰飾 装裝
设設 备備 压壓 纸紙 针針 锈鏽 线線 缆纜 阀閥 门門 轴軸 电電 属屬 艺藝 无無 锡錫 阴陰 苏蘇 镇鎮 滨濱 吴吳
张張 闸閘 云雲 庄莊 桥橋 长長 泾涇 顾顧 临臨 经經 营營 办辦 处處 责責 团團 鹏鵬 鹰鷹 骏駿 驰馳 跃躍 涛濤
恒恆 澜瀾 扬揚 奋奮 启啟 岭嶺 铸鑄 锐銳 铭銘 义義 礼禮 俭儉 泽澤 亿億 凤鳳 优優 晓曉 宏宏
"""
_TRADITIONAL = {pair[0]: pair[1] for pair in _TRADITIONAL_PAIRS.split() if pair[0] != pair[1]}


def _to_traditional(text: str) -> str:
    return "".join(_TRADITIONAL.get(ch, ch) for ch in text)


# --------------------------------------------------------------------------------------------------------
# companies
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    """A synthetic registered subject and the parts its name was composed from."""

    index: int
    uscc: str  # '' for entries listed without a code
    county: int  # index into _COUNTIES
    town: int  # index into _JIANGYIN_TOWNS (-1 outside Jiangyin)
    style: str
    trade: str
    industry: str
    form: str
    unit: str = ""  # branch unit (利港分公司); '' for a head office
    former_trade: str = ""  # trade name before a renaming, '' if never renamed

    @property
    def name(self) -> str:
        return compose(self)

    @property
    def former_names(self) -> tuple[str, ...]:
        return (compose(self, trade=self.former_trade),) if self.former_trade else ()

    @property
    def head_name(self) -> str:
        return compose(self, unit="")


def compose(
    company: Company,
    *,
    style: str | None = None,
    county: int | None = None,
    trade: str | None = None,
    industry: str | None = None,
    form: str | None = None,
    unit: str | None = None,
    prefix: str | None = None,
    brackets: tuple[str, str] = ("（", "）"),
) -> str:
    """The company's name from its parts, with any part replaced. `prefix` overrides the region prefix."""
    style = company.style if style is None else style
    county_bare = _COUNTIES[company.county if county is None else county][1]
    trade = company.trade if trade is None else trade
    industry = company.industry if industry is None else industry
    form = company.form if form is None else form
    unit = company.unit if unit is None else unit
    bracket = brackets[0] + county_bare + brackets[1] if style == "bracket" and prefix is None else ""
    if prefix is None:
        prefix = region_prefix(company, style=style, county=county)
    return f"{prefix}{trade}{industry}{bracket}{form}{unit}"


def region_prefix(company: Company, *, style: str | None = None, county: int | None = None) -> str:
    """The region written in front of the trade name in a given style ('' for none and bracket)."""
    style = company.style if style is None else style
    county_label, _, _, city_bare, _ = _COUNTIES[company.county if county is None else county]
    if style == "county":
        return county_label
    if style == "county_town":
        return county_label + _JIANGYIN_TOWNS[company.town][0]
    if style == "city":
        return city_bare
    if style == "province":
        return "江苏"
    return ""


# A few trade names are Latin letters (as some registered names are).
_LATIN = "ABCDEFGHJKLMNPRSTUWXYZ"


def _alphabet(trade: str) -> str:
    return _LATIN if trade.isascii() else _TRADE_CHARS


def _trade(rng: random.Random) -> str:
    while True:
        size = 2 if rng.random() < 0.85 else 3
        alphabet = _LATIN if rng.random() < 0.02 else _TRADE_CHARS
        if alphabet is _LATIN:
            size = 3
        trade = "".join(rng.choice(alphabet) for _ in range(size))
        if len(set(trade)) == size and not any(word in trade for word in _NOT_IN_TRADE):
            return trade


def _unit(rng: random.Random, town: int, words: Sequence[str], form: str) -> str:
    word = rng.choice(words)
    if word == "分厂" and form != "厂":
        word = "分公司"
    roll = rng.random()
    if town >= 0 and roll < 0.6:
        place = _JIANGYIN_TOWNS[rng.randrange(len(_JIANGYIN_TOWNS))][0]
    elif roll < 0.8:
        place = _COUNTIES[rng.randrange(len(_COUNTIES))][1]
    else:
        place = rng.choice(_BRANCH_PLACES_OUTSIDE)
    return place + word


def make_companies(
    count: int, *, seed: int = 0, code_letter: str = "M", branch_share: float = 0.08
) -> list[Company]:
    """`count` companies with distinct names. `code_letter` starts the organisation-code body of every USCC,
    so that two populations (list entries, subjects) never share a code by accident."""
    rng = random.Random(seed)
    seen: set[str] = set()
    companies: list[Company] = []
    county_choices = range(len(_COUNTIES))
    while len(companies) < count:
        index = len(companies)
        county = rng.choices(county_choices, _COUNTY_WEIGHTS)[0]
        town = rng.randrange(len(_JIANGYIN_TOWNS)) if county == 0 else -1
        style = rng.choices(_STYLES, _STYLE_WEIGHTS)[0]
        if style == "county_town" and town < 0:
            style = "county"
        form = rng.choices(_FORMS, _FORM_WEIGHTS)[0]
        company = Company(
            index=index,
            uscc="",
            county=county,
            town=town,
            style=style,
            trade=_trade(rng),
            industry=rng.choice(_INDUSTRIES),
            form=form,
        )
        if rng.random() < branch_share:
            company = replace(company, unit=_unit(rng, town, _TUNING_BRANCH_WORDS, form))
        if rng.random() < 0.06:
            former = _trade(rng)
            if former != company.trade:
                company = replace(company, former_trade=former)
        if company.name in seen:
            continue
        seen.add(company.name)
        if rng.random() < 0.85:
            body = f"{code_letter}{index:07d}"
            company = replace(company, uscc=make_uscc("91", _COUNTIES[county][4], body))
        companies.append(company)
    return companies


def other_code(company: Company, county: int | None = None) -> str:
    """A valid USCC that no generated company has (organisation-code body starting with Q)."""
    area = _COUNTIES[company.county if county is None else county][4]
    return make_uscc("91", area, f"Q{company.index:07d}")


# --------------------------------------------------------------------------------------------------------
# variant kinds
# --------------------------------------------------------------------------------------------------------

Variant = tuple[str, str]  # (query name, query code)
Maker = Callable[[Company, random.Random], Variant | None]


@dataclass(frozen=True)
class Kind:
    name: str
    same: bool  # a positive: the variant names the same subject
    held_out: bool
    make: Maker
    label: str  # Chinese label for reports


def _name_only(name: str | None) -> Variant | None:
    return None if name is None else (name, "")


def _drop_region(c: Company, rng: random.Random) -> Variant | None:
    if c.style == "none":
        return None
    return _name_only(compose(c, style="none"))


def _add_region(c: Company, rng: random.Random) -> Variant | None:
    if c.style != "none":
        return None
    return _name_only(compose(c, style="county"))


def _full_region(c: Company, rng: random.Random) -> Variant | None:
    county_label, _, city_label, _, _ = _COUNTIES[c.county]
    prefix = "江苏省" + city_label + county_label
    if c.style == "county_town":
        town, kind = _JIANGYIN_TOWNS[c.town]
        prefix += town + kind
    return _name_only(compose(c, prefix=prefix))


def _bracket_region(c: Company, rng: random.Random) -> Variant | None:
    if c.style == "bracket":
        return None
    return _name_only(compose(c, style="bracket"))


def _bracket_width(c: Company, rng: random.Random) -> Variant | None:
    if c.style == "bracket":
        return _name_only(compose(c, brackets=("(", ")")))
    return _name_only(compose(c, style="bracket", brackets=("(", ")")))


def _legal_form(c: Company, rng: random.Random) -> Variant | None:
    if c.form not in _COMPANY_FORMS:
        if c.form == "集团有限公司":
            return _name_only(compose(c, form="集团股份有限公司"))
        return None
    return _name_only(compose(c, form=rng.choice([f for f in _COMPANY_FORMS if f != c.form])))


def _legal_form_dropped(c: Company, rng: random.Random) -> Variant | None:
    if c.unit or c.form == "集团有限公司":
        return None
    return _name_only(compose(c, form=""))


def _traditional(c: Company, rng: random.Random) -> Variant | None:
    name = _to_traditional(c.name)
    return None if name == c.name else (name, "")


def _spacing(c: Company, rng: random.Random) -> Variant | None:
    name = c.name
    cut = len(region_prefix(c))
    after = cut + len(c.trade) + len(c.industry)
    space = rng.choice([" ", "\u3000"])
    return name[:cut] + space + name[cut:after] + space + name[after:], ""


def _town(c: Company, rng: random.Random) -> Variant | None:
    if c.town < 0:
        return None
    if c.style == "county_town":
        return _name_only(compose(c, style="county"))
    town, kind = _JIANGYIN_TOWNS[c.town]
    return _name_only(compose(c, prefix=_COUNTIES[c.county][0] + town + kind))


def _former_name(c: Company, rng: random.Random) -> Variant | None:
    return (c.former_names[0], "") if c.former_names else None


def _code_only(c: Company, rng: random.Random) -> Variant | None:
    return ("", c.uscc) if c.uscc else None


def _code_and_new_name(c: Company, rng: random.Random) -> Variant | None:
    # Renamed since the listing: the code still decides.
    if not c.uscc:
        return None
    return compose(c, trade=_trade(rng), industry=rng.choice(_INDUSTRIES)), c.uscc


# held-out positives


def _traditional_hk(c: Company, rng: random.Random) -> Variant | None:
    # A Hong Kong style spelling with full-width brackets turned into 【】 and a traditional form.
    name = _to_traditional(compose(c, style="bracket" if c.style == "none" else c.style)).replace("（", "【")
    return name.replace("）", "】"), ""


def _short_region(c: Company, rng: random.Random) -> Variant | None:
    return _name_only(compose(c, prefix="江苏" + _COUNTIES[c.county][1]))


def _city_and_county(c: Company, rng: random.Random) -> Variant | None:
    return _name_only(compose(c, prefix=_COUNTIES[c.county][3] + _COUNTIES[c.county][1]))


def _punctuation(c: Company, rng: random.Random) -> Variant | None:
    name = c.name
    cut = len(region_prefix(c))
    return f" {name[:cut]}·{name[cut:]}。", ""


def _fullwidth_latin(c: Company, rng: random.Random) -> Variant | None:
    if not c.trade.isascii():
        return None
    # Full-width lower-case letters, as an input method in full-width mode types them.
    return _name_only(compose(c, trade="".join(chr(ord(ch) - ord("A") + 0xFF41) for ch in c.trade)))


def _town_without_city(c: Company, rng: random.Random) -> Variant | None:
    if c.town < 0:
        return None
    town, kind = _JIANGYIN_TOWNS[c.town]
    return _name_only(compose(c, prefix=town + kind))


def _bracket_at_end(c: Company, rng: random.Random) -> Variant | None:
    if c.unit:
        return None
    return _name_only(compose(c, style="none") + "（" + _COUNTIES[c.county][1] + "）")


# negatives


def _branch_of_head(c: Company, rng: random.Random) -> Variant | None:
    if c.unit:
        return None
    return _name_only(c.name + _unit(rng, c.town, _TUNING_BRANCH_WORDS, c.form))


def _head_of_branch(c: Company, rng: random.Random) -> Variant | None:
    return _name_only(c.head_name) if c.unit else None


def _other_branch(c: Company, rng: random.Random) -> Variant | None:
    if not c.unit:
        return None
    for _ in range(10):
        unit = _unit(rng, c.town, _TUNING_BRANCH_WORDS, c.form)
        if unit != c.unit and unit[:-3] != c.unit[:-3]:
            return _name_only(compose(c, unit=unit))
    return None


def _one_character(c: Company, rng: random.Random) -> Variant | None:
    for _ in range(20):
        at = rng.randrange(len(c.trade))
        trade = c.trade[:at] + rng.choice(_alphabet(c.trade)) + c.trade[at + 1 :]
        if trade != c.trade and not any(word in trade for word in _NOT_IN_TRADE):
            return _name_only(compose(c, trade=trade))
    return None


def _other_industry(c: Company, rng: random.Random) -> Variant | None:
    choices = [i for i in _INDUSTRIES if i not in c.industry and c.industry not in i]
    return _name_only(compose(c, industry=rng.choice(choices)))


def _other_county_other_code(c: Company, rng: random.Random) -> Variant | None:
    if not c.uscc:
        return None
    county = rng.choice([i for i in range(len(_COUNTIES)) if i != c.county])
    return compose(c, style="county", county=county), other_code(c, county)


# held-out negatives


def _swapped_trade(c: Company, rng: random.Random) -> Variant | None:
    trade = c.trade[::-1]
    if trade == c.trade or any(word in trade for word in _NOT_IN_TRADE):
        return None
    return _name_only(compose(c, trade=trade))


def _extra_character(c: Company, rng: random.Random) -> Variant | None:
    at = rng.randrange(len(c.trade) + 1)
    trade = c.trade[:at] + rng.choice(_alphabet(c.trade)) + c.trade[at:]
    if any(word in trade for word in _NOT_IN_TRADE):
        return None
    return _name_only(compose(c, trade=trade))


def _same_name_other_code(c: Company, rng: random.Random) -> Variant | None:
    return (c.name, other_code(c)) if c.uscc else None


def _other_branch_kind(c: Company, rng: random.Random) -> Variant | None:
    if c.unit or c.form == "厂":
        return None
    return _name_only(c.name + _unit(rng, c.town, _HELD_OUT_BRANCH_WORDS, c.form))


KINDS: tuple[Kind, ...] = (
    Kind("drop_region", True, False, _drop_region, "去掉地域前缀"),
    Kind("add_region", True, False, _add_region, "加上地域前缀"),
    Kind("full_region", True, False, _full_region, "省市县全称前缀"),
    Kind("bracket_region", True, False, _bracket_region, "地域放入括号"),
    Kind("bracket_width", True, False, _bracket_width, "半角括号"),
    Kind("legal_form", True, False, _legal_form, "组织形式变体"),
    Kind("legal_form_dropped", True, False, _legal_form_dropped, "省略组织形式"),
    Kind("traditional", True, False, _traditional, "繁体字"),
    Kind("spacing", True, False, _spacing, "空格和全角空格"),
    Kind("town", True, False, _town, "加上或去掉镇（街道）"),
    Kind("former_name", True, False, _former_name, "曾用名"),
    Kind("code_only", True, False, _code_only, "仅统一社会信用代码"),
    Kind("code_and_new_name", True, False, _code_and_new_name, "代码一致、名称已变更"),
    Kind("traditional_hk", True, True, _traditional_hk, "繁体字和方头括号"),
    Kind("short_region", True, True, _short_region, "简称地域（江苏江阴）"),
    Kind("city_and_county", True, True, _city_and_county, "市县连写（无锡江阴）"),
    Kind("punctuation", True, True, _punctuation, "多余标点和空格"),
    Kind("fullwidth_latin", True, True, _fullwidth_latin, "全角小写字母"),
    Kind("town_without_city", True, True, _town_without_city, "仅镇（街道）全称"),
    Kind("bracket_at_end", True, True, _bracket_at_end, "地域括号置于末尾"),
    Kind("branch_of_head", False, False, _branch_of_head, "总公司的分支机构"),
    Kind("head_of_branch", False, False, _head_of_branch, "分支机构的总公司"),
    Kind("other_branch", False, False, _other_branch, "同一总公司的另一分支机构"),
    Kind("one_character", False, False, _one_character, "字号相差一字"),
    Kind("other_industry", False, False, _other_industry, "字号相同、行业不同"),
    Kind("other_county_other_code", False, False, _other_county_other_code, "异地同名、代码不同"),
    Kind("swapped_trade", False, True, _swapped_trade, "字号颠倒"),
    Kind("extra_character", False, True, _extra_character, "字号多一字"),
    Kind("same_name_other_code", False, True, _same_name_other_code, "同名、代码不同"),
    Kind("other_branch_kind", False, True, _other_branch_kind, "经营部、营业部、办事处"),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
TUNING_KINDS = tuple(kind.name for kind in KINDS if not kind.held_out)
HELD_OUT_KINDS = tuple(kind.name for kind in KINDS if kind.held_out)


@dataclass(frozen=True)
class LabelledPair:
    kind: str
    same: bool
    held_out: bool
    query_name: str
    query_code: str
    company: Company  # the listed subject the query is compared with


def labelled_pairs(
    companies: Iterable[Company], *, seed: int = 0, kinds: Sequence[str] | None = None
) -> list[LabelledPair]:
    """Every applicable variant kind of every company, labelled."""
    chosen = [KINDS_BY_NAME[name] for name in (kinds if kinds is not None else KINDS_BY_NAME)]
    pairs: list[LabelledPair] = []
    for company in companies:
        rng = random.Random(f"{seed}:{company.index}")
        for kind in chosen:
            made = kind.make(company, rng)
            if made is None or (made[0] == company.name and not made[1]):
                continue
            pairs.append(LabelledPair(kind.name, kind.same, kind.held_out, made[0], made[1], company))
    return pairs
