"""Screening a subject against list entries by identifier and by name (domain.md §4, issue 5 item 4).

Pure functions and an in-memory index; no database, no Django models. The list services call `assess` for a
few entries and `MatchIndex` for many.

Rules, in order (the screening practice of sanctions tools, adapted to Chinese organisation names):

1. An exact identifier match decides alone: the same 统一社会信用代码 on both sides scores 1.0, whatever the
   names say (the subject may have been renamed).
2. Both sides carrying valid USCCs that differ is strong evidence of two subjects: the name score is halved,
   which puts any name below a sensible threshold. A query code that fails its checksum is not used at all.
3. Otherwise the names are compared, on one ladder of scores so that a clerk can read them:

   =====  ==============================================================================================
   1.00   the same name once width, brackets, spaces and punctuation are unified
   0.98   the same name after traditional → simplified conversion
   0.95   the same comparison key: region prefixes (江苏省, 无锡市, 江阴市, 利港街道, （江阴）) and legal
          forms (有限公司, 有限责任公司, 股份有限公司, 集团, 厂 …) removed (`xinyong.core.names`)
   0.92   the same key once a bare town or zone name is removed from the front of one key (利港恒远机械 /
          恒远机械), or one key is the other plus only place or legal-form words (恒远机械江阴 / 恒远机械)
   -----  default threshold 0.85 (a parameter; the setting comes with the list models)
   0.80   same key, but the places cannot both be right (江阴市 / 宜兴市: two registrations)
   ≤0.80  any other difference — one character (恒远 / 恒达), another industry word (机械 / 化工), an extra
          word: the character similarity of the keys, capped at 0.80
   0.70   a branch and its head office (…有限公司利港分公司 / …有限公司): different subjects
   0.65   two different branches of one head office
   ×0.99  the name matched is a former name (曾用名) of the entry
   =====  ==============================================================================================

   Anything not explained by places and legal forms is a different name: near-misses fall below the
   threshold by construction, not by tuning a similarity cut-off.

Every assessment carries its reasons (a code for programs and a Chinese sentence for clerks).

Candidate retrieval (`MatchIndex`), so that a check over a million entries stays in milliseconds:

- a dict from USCC to entries, and a dict from comparison key (and its alias keys: the key without a leading
  bare town name) to entries — the exact paths;
- a character-bigram inverted index over the keys. A query's bigrams are taken rarest first (IDF-style) until
  a budget of postings is spent, the entries sharing the most of them are candidates, and a cheap upper bound
  of their score (key equality / containment, else the 0.80 cap) skips those that cannot reach the floor
  before the full assessment.

The same candidate generation can later run in the database. The list entry's keys (`entry_keys(entry)`: the
name's key, its alias keys and its former names' keys) go to a side table, one row per key, and the query's
`match_keys(name)` are looked up there:

    -- exact paths: B-tree indexes on lists_entry.uscc and on lists_entry_key.key
    SELECT id FROM lists_entry WHERE uscc = %(code)s
    UNION SELECT entry_id FROM lists_entry_key WHERE key = ANY(%(keys)s);
    -- candidates for containment and near names, PostgreSQL: CREATE EXTENSION pg_trgm;
    -- CREATE INDEX ON lists_entry_key USING gin (key gin_trgm_ops). pg_trgm only makes trigrams of characters
    -- that the database's LC_CTYPE calls alphanumeric: check that SELECT show_trgm('恒远机械') is not empty,
    -- or use pg_bigm, which is made for CJK.
    SELECT entry_id FROM lists_entry_key
     WHERE key LIKE '%%' || %(key)s || '%%' OR key %% %(key)s
     ORDER BY similarity(key, %(key)s) DESC LIMIT 50;
    -- keys inside the query's key: the exact path again, with every substring of 2+ characters of it
    SELECT entry_id FROM lists_entry_key WHERE key = ANY(%(substrings)s);
    -- SQLite: CREATE VIRTUAL TABLE entry_key_fts USING fts5(key, tokenize='trigram'); a trigram MATCH or
    -- LIKE needs at least 3 characters, so 2-character keys take the exact path only.

and the rows found are assessed by `assess` here, as the in-memory index does.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import opencc  # type: ignore[import-untyped]
from rapidfuzz.distance import Indel

from xinyong.core.identifiers import is_valid_uscc, normalize_code
from xinyong.core.names import clean_org_name, org_name_key, split_branch

DEFAULT_THRESHOLD = 0.85

SCORE_CODE = 1.0
SCORE_SAME_NAME = 1.0
SCORE_SIMPLIFIED = 0.98
SCORE_SAME_KEY = 0.95
SCORE_PLACE_OR_FORM_AFFIX = 0.92
SCORE_PLACE_CONFLICT = 0.80
CAP_DIFFERENT_NAME = 0.80
SCORE_BRANCH_AND_HEAD = 0.70
SCORE_OTHER_BRANCH = 0.65
FACTOR_FORMER_NAME = 0.99
FACTOR_CODE_CONFLICT = 0.5


# --------------------------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """A list entry as the matcher sees it: an id for the caller, the names and the optional USCC."""

    id: Hashable
    name: str
    uscc: str = ""
    former_names: tuple[str, ...] = ()
    # `entry_keys(entry)` as stored beside the entry, so that loading a large list does not key every name
    # again; computed when empty.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """What a handling officer checks: a name, a USCC, or both (a bidder with its code)."""

    name: str = ""
    code: str = ""

    @classmethod
    def parse(cls, text: str) -> Query:
        """One input box: 18 letters and digits (hyphens allowed between) are a USCC, even with a typo;
        anything else is a name."""
        code = normalize_code(text).replace("-", "")
        if re.fullmatch(r"[0-9A-Z]{18}", code):
            return cls(code=code)
        return cls(name=text.strip())


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Assessment:
    score: float
    is_match: bool
    reasons: tuple[Reason, ...]
    matched_name: str = ""

    @property
    def explanation(self) -> str:
        return "；".join(reason.text for reason in self.reasons)


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    is_match: bool
    reasons: tuple[Reason, ...]
    matched_name: str

    @property
    def explanation(self) -> str:
        return "；".join(reason.text for reason in self.reasons)


# --------------------------------------------------------------------------------------------------------
# places (rules as data: a small hierarchy, enough to tell 江阴 ⊂ 无锡 ⊂ 江苏 from 江阴 ≠ 宜兴)
# --------------------------------------------------------------------------------------------------------

# label parent alias…  ("-" = no parent). Places outside the table are simply not judged.
_PLACE_TABLE = """
江苏省 - 江苏
浙江省 - 浙江
安徽省 - 安徽
山东省 - 山东
上海市 - 上海
北京市 - 北京
南京市 江苏省 南京
无锡市 江苏省 无锡
徐州市 江苏省 徐州
常州市 江苏省 常州
苏州市 江苏省 苏州
南通市 江苏省 南通
连云港市 江苏省 连云港
淮安市 江苏省 淮安
盐城市 江苏省 盐城
扬州市 江苏省 扬州
镇江市 江苏省 镇江
泰州市 江苏省 泰州
宿迁市 江苏省 宿迁
杭州市 浙江省 杭州
宁波市 浙江省 宁波
温州市 浙江省 温州
江阴市 无锡市 江阴
宜兴市 无锡市 宜兴
梁溪区 无锡市 梁溪
锡山区 无锡市 锡山
惠山区 无锡市 惠山
滨湖区 无锡市 滨湖
新吴区 无锡市 新吴
常熟市 苏州市 常熟
张家港市 苏州市 张家港
昆山市 苏州市 昆山
太仓市 苏州市 太仓
吴江区 苏州市 吴江
吴中区 苏州市 吴中
相城区 苏州市 相城
姑苏区 苏州市 姑苏
溧阳市 常州市 溧阳
武进区 常州市 武进
金坛区 常州市 金坛
丹阳市 镇江市 丹阳
扬中市 镇江市 扬中
句容市 镇江市 句容
靖江市 泰州市 靖江
泰兴市 泰州市 泰兴
兴化市 泰州市 兴化
江宁区 南京市 江宁
澄江街道 江阴市 澄江 澄江镇
南闸街道 江阴市 南闸 南闸镇
云亭街道 江阴市 云亭 云亭镇
城东街道 江阴市 城东
夏港街道 江阴市 夏港 夏港镇
申港街道 江阴市 申港 申港镇
利港街道 江阴市 利港 利港镇
临港街道 江阴市 临港
月城镇 江阴市 月城
青阳镇 江阴市 青阳
徐霞客镇 江阴市 徐霞客
华士镇 江阴市 华士
周庄镇 江阴市 周庄
新桥镇 江阴市 新桥
长泾镇 江阴市 长泾
顾山镇 江阴市 顾山
祝塘镇 江阴市 祝塘
璜土镇 江阴市 璜土
"""

# Zones: places, but in every city, so they are stripped like towns and never judged for conflicts.
_ZONES = (
    "临港经济开发区",
    "高新技术产业开发区",
    "经济技术开发区",
    "经济开发区",
    "高新区",
    "开发区",
    "工业园区",
    "工业园",
)


def _load_places() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    parents: dict[str, str] = {}
    aliases: dict[str, str] = {}
    towns: set[str] = set()
    for line in _PLACE_TABLE.strip().splitlines():
        label, parent, *names = line.split()
        parents[label] = "" if parent == "-" else parent
        for alias in (label, *names):
            aliases[alias] = label
        if label.endswith(("街道", "镇")):
            towns.add(label)
    return parents, aliases, frozenset(towns)


_PLACE_PARENT, _PLACE_ALIASES, _TOWNS = _load_places()
_PLACE_WORDS = sorted([*_PLACE_ALIASES, *_ZONES], key=len, reverse=True)
# Bare town and zone names removed from the front of a key to make an alias key (names.py keeps them there,
# because they double as trade names: 华士达机械).
_ALIAS_PREFIXES = sorted(
    [alias for alias, label in _PLACE_ALIASES.items() if label in _TOWNS] + list(_ZONES),
    key=len,
    reverse=True,
)


def _ancestors(label: str) -> set[str]:
    seen = {label}
    while _PLACE_PARENT.get(label):
        label = _PLACE_PARENT[label]
        seen.add(label)
    return seen


def _place_conflict(left: Sequence[str], right: Sequence[str]) -> tuple[str, str] | None:
    """Two known places that cannot both describe one registration (neither contains the other)."""
    for a in left:
        for b in right:
            if a not in _ancestors(b) and b not in _ancestors(a):
                return a, b
    return None


# --------------------------------------------------------------------------------------------------------
# words
# --------------------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A whitespace-separated word table (easier to read and edit than a list of quoted words)."""
    return text.split()


# Legal-form words, for explanations and for deciding that an extra fragment is "only the legal form".
_FORM_WORDS = sorted(
    _words(
        "股份有限公司 有限责任公司 股份合作公司 有限公司 股份公司 总公司 公司 有限合伙 普通合伙 合伙企业 "
        "个人独资企业 独资企业 专业合作社 合作社 集团 总厂 厂 商行 有限责任 有限 股份 责任"
    ),
    key=len,
    reverse=True,
)

# Words that say what a company does, not who it is: a difference made only of these is an industry
# difference (恒远机械 / 恒远化工), a different name all the same.
_INDUSTRY_WORDS = sorted(
    _words(
        "机械 精密机械 机械制造 机电 化工 纺织 五金 电子 电器 电气 科技 技术 贸易 商贸 实业 建设 建筑 工程 "
        "物流 运输 服饰 服装 塑业 塑料 塑胶 制品 钢结构 钢铁 金属 印染 新材料 材料 汽车配件 汽车 配件 "
        "环保 食品 建材 制造 设备 投资 发展 控股 置业 房地产 能源 新能源 光伏 医药 生物 信息 网络 软件 "
        "智能 自动化 装饰 装潢 包装 印刷 物业 管理 咨询 服务 劳务 餐饮 酒店 农业 种植 养殖 水产 化纤 "
        "家纺 针织 毛纺 冶金 铸造 锻造 模具 管业 线缆 电缆 电线 照明 仪器 仪表 阀门 泵业 轴承 船舶 "
        "重工 轻工 纸业 木业 家具 橡胶 玻璃 陶瓷 石材 水泥 混凝土 涂料 油漆 化学 化学品 日化 安装 "
        "市政 园林 绿化 水利 交通 消防 安全 检测 文化 传媒 广告 教育 培训 旅游 商务 供应链 进出口"
    ),
    key=len,
    reverse=True,
)

_BRANCH_WORDS = (
    "分公司",
    "分厂",
    "分店",
    "分行",
    "支行",
    "分部",
    "分社",
    "分所",
    "分院",
    "分中心",
    "营业部",
    "经营部",
    "门市部",
    "办事处",
    "代表处",
    "车间",
)
# A head that is a 厂 (no 公司 for names.split_branch to cut after) followed by a unit: 恒远机械厂利港分厂.
_FACTORY_BRANCH = re.compile(r"(.{2,}?厂)(.+(?:" + "|".join(_BRANCH_WORDS) + r"))")
# A branch written without its head office's legal form (恒远机械利港分公司, 中国银行江阴支行). 经营部 and 门市部
# are left out: alone they are the whole name of a 个体工商户.
_BARE_BRANCH = re.compile(
    r"(.{2,}?)((?:第[一二三四五六七八九十\d]+)?(?:分公司|分厂|分店|分行|支行|分部|分社|分所|分院|分中心|营业部|办事处|代表处))"
)

# Names ending like this are public bodies: a bare town in front of them is their identity, not a prefix.
_PUBLIC_BODY_ENDINGS = (
    "局",
    "委员会",
    "政府",
    "法院",
    "检察院",
    "办事处",
    "派出所",
    "所",
    "院",
    "学校",
    "中学",
    "小学",
    "幼儿园",
    "医院",
    "街道",
    "大队",
    "中队",
    "村委会",
    "居委会",
)


class _Words:
    """A word list for greedy longest-first scanning, indexed by first character (scans run per name)."""

    def __init__(self, *groups: Iterable[str]) -> None:
        words = sorted({w for group in groups for w in group}, key=len, reverse=True)
        self.by_first: dict[str, tuple[str, ...]] = {}
        for word in words:
            self.by_first[word[0]] = (*self.by_first.get(word[0], ()), word)

    def scan(self, text: str) -> tuple[list[str], str]:
        """The words found in `text`, and what is left once they are removed."""
        found: list[str] = []
        left: list[str] = []
        i = 0
        while i < len(text):
            for word in self.by_first.get(text[i], ()):
                if text.startswith(word, i):
                    found.append(word)
                    i += len(word)
                    break
            else:
                left.append(text[i])
                i += 1
        return found, "".join(left)

    def prefix(self, text: str) -> str:
        """The longest word that `text` starts with, or ''."""
        for word in self.by_first.get(text[:1], ()):
            if text.startswith(word):
                return word
        return ""


_GENERIC = _Words(_INDUSTRY_WORDS, _FORM_WORDS)
_AFFIXES = _Words(_PLACE_WORDS, _FORM_WORDS)
_PLACES = _Words(_PLACE_WORDS)
_ALIAS_WORDS = _Words(_ALIAS_PREFIXES)


def _distinctive(text: str) -> str:
    """What is left of a key once industry and legal-form words are removed."""
    return _GENERIC.scan(text)[1]


# --------------------------------------------------------------------------------------------------------
# traditional → simplified
# --------------------------------------------------------------------------------------------------------


@functools.cache
def _t2s() -> tuple[opencc.OpenCC, frozenset[str]]:
    # The package's own character table tells which names need the (slow, phrase-aware) conversion at all:
    # nearly every name is already simplified and skips it.
    converter = opencc.OpenCC("t2s")
    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    traditional = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] != parts[1]:
            traditional.add(parts[0])
    return converter, frozenset(traditional)


def to_simplified(text: str) -> str:
    converter, traditional = _t2s()
    if traditional.isdisjoint(text):
        return text
    return str(converter.convert(text))


# --------------------------------------------------------------------------------------------------------
# name forms
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameForm:
    """Everything the comparison needs about one name, computed once."""

    original: str
    cleaned: str  # width, brackets, spaces and punctuation unified (names.clean_org_name)
    simplified: str  # the same, after traditional → simplified
    traditional: bool  # the conversion changed something: the name was (partly) written in traditional
    head_key: str  # comparison key of the organisation (names.org_name_key)
    unit: str  # branch or unit after the head (利港分公司), '' for a head office
    key: str  # head_key + unit with redundant places removed from the unit
    aliases: tuple[str, ...]  # keys with a leading bare town or zone removed (利港恒远机械 → 恒远机械)
    alias_places: tuple[str, ...]  # the place labels those aliases removed
    places: tuple[str, ...] = field(default=())  # known place labels around the key (江苏省, 江阴市 …)
    forms: tuple[str, ...] = field(default=())  # legal-form words around the key

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.aliases)


def _split_unit(simplified: str) -> tuple[str, str]:
    head, unit = split_branch(simplified)
    if not unit:
        match = _FACTORY_BRANCH.fullmatch(simplified)
        if match is not None:
            head, unit = match.group(1), match.group(2)
        else:
            head, unit = _split_bare_branch(simplified)
    return head, unit.replace("(", "").replace(")", "")


def _split_bare_branch(text: str) -> tuple[str, str]:
    """(head, unit) for a branch named without its head office's legal form; (text, '') otherwise.
    The unit is the branch word with the place (or ordinal) before it; an unknown place is taken as the
    two characters before the branch word."""
    match = _BARE_BRANCH.fullmatch(text)
    if match is None:
        return text, ""
    head, unit = match.group(1), match.group(2)
    if not unit.startswith("第"):
        place = next((w for w in _PLACE_WORDS if head.endswith(w) and len(head) > len(w)), "")
        cut = len(place) or 2
        head, unit = head[:-cut], head[-cut:] + unit
    plain = head.replace("(", "").replace(")", "")
    # 江阴市利港街道办事处 is a public body, not a branch of 江阴市.
    if len(plain) < 2 or not _PLACES.scan(plain)[1]:
        return text, ""
    return head, unit


def _unit_core(unit: str) -> str:
    """The unit without leading places that only repeat where the head office is (江阴利港分公司 → 利港分公司);
    a place directly before the branch word is the unit's identity (江阴分公司 ≠ 无锡分公司)."""
    core = unit
    while True:
        word = _PLACES.prefix(core)
        rest = core[len(word) :]
        if not word or not any(rest.endswith(b) and len(rest) > len(b) for b in _BRANCH_WORDS):
            return core
        core = rest


def _key_aliases(head_key: str) -> tuple[list[str], list[str]]:
    if head_key.endswith(_PUBLIC_BODY_ENDINGS):
        return [], []
    word = _ALIAS_WORDS.prefix(head_key)
    rest = head_key[len(word) :]
    if not word or len(rest) < 2 or len(_distinctive(rest)) < 2:
        return [], []
    label = _PLACE_ALIASES.get(word)
    return [rest], [label] if label else []


def _surroundings(head: str, head_key: str) -> tuple[list[str], list[str]]:
    """Known places and legal forms in the parts of the head that the key left out."""
    plain = head.replace("(", "").replace(")", "")
    at = plain.find(head_key)
    if at < 0 or not head_key:
        return [], []
    outside = plain[:at] + "|" + plain[at + len(head_key) :]
    found, _ = _AFFIXES.scan(outside)
    places = [_PLACE_ALIASES[w] for w in found if w in _PLACE_ALIASES]
    forms = [w for w in found if w in _FORM_WORDS]
    return places, forms


@dataclass(frozen=True, slots=True)
class _Keys:
    cleaned: str
    simplified: str
    traditional: bool
    head: str
    head_key: str
    unit: str
    aliases: tuple[str, ...]
    alias_places: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.head_key + self.unit

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *(alias + self.unit for alias in self.aliases))


def _keys(name: str) -> _Keys:
    cleaned = clean_org_name(name)
    simplified_text = to_simplified(name)
    simplified = clean_org_name(simplified_text) if simplified_text != name else cleaned
    head, unit = _split_unit(simplified)
    head_key = (org_name_key(head) if head else "") or simplified
    aliases, alias_places = _key_aliases(head_key)
    return _Keys(
        cleaned=cleaned,
        simplified=simplified,
        traditional=simplified_text != name,
        head=head,
        head_key=head_key,
        unit=_unit_core(unit) if unit else "",
        aliases=tuple(aliases),
        alias_places=tuple(alias_places),
    )


@functools.lru_cache(maxsize=65_536)
def match_keys(name: str) -> tuple[str, ...]:
    """The comparison key of a name and its alias keys: what an index (or a database column) stores.

    Cached: a batch check meets the same listed names again and again through the fragment path."""
    return _keys(name).keys


def entry_keys(entry: Entry) -> tuple[str, ...]:
    """All keys an entry is found by: its name's key first, then aliases and former names' keys."""
    keys = match_keys(entry.name)
    for former in entry.former_names:
        keys = (*keys, *match_keys(former))
    return tuple(dict.fromkeys(keys))


@functools.lru_cache(maxsize=65_536)
def name_form(name: str) -> NameForm:
    parts = _keys(name)
    places, forms = _surroundings(parts.head, parts.head_key)
    return NameForm(
        original=name,
        cleaned=parts.cleaned,
        simplified=parts.simplified,
        traditional=parts.traditional,
        head_key=parts.head_key,
        unit=parts.unit,
        key=parts.key,
        aliases=parts.keys[1:],
        alias_places=parts.alias_places,
        places=tuple(dict.fromkeys(places)),
        forms=tuple(dict.fromkeys(forms)),
    )


# --------------------------------------------------------------------------------------------------------
# comparing two names
# --------------------------------------------------------------------------------------------------------


def _display_places(labels: Sequence[str]) -> str:
    return "".join(labels) or "无"


def _difference_reason(q: NameForm, e: NameForm, similarity: float) -> Reason:
    """Say in words what differs between two keys that do not match."""
    pair = f"{q.key}／{e.key}"
    if _distinctive(q.key) == _distinctive(e.key) and _distinctive(q.key):
        return Reason("industry_different", f"字号相同但行业或经营表述不同（{pair}），不是同一名称")
    changes = [
        op
        for op in difflib.SequenceMatcher(a=q.key, b=e.key, autojunk=False).get_opcodes()
        if op[0] != "equal"
    ]
    if len(changes) == 1:
        tag, i1, i2, j1, j2 = changes[0]
        ours, theirs = q.key[i1:i2], e.key[j1:j2]
        if tag == "replace" and len(ours) == len(theirs) == 1:
            return Reason("one_character", f"名称相差一字（“{ours}”与“{theirs}”：{pair}），不是同一名称")
        if tag in ("insert", "delete"):
            return Reason("name_extra", f"名称多出或缺少“{ours or theirs}”（{pair}），不是同一名称")
    return Reason("name_different", f"名称不同（{pair}，相似度{similarity:.2f}）")


def _key_equal_reason(q: NameForm, e: NameForm) -> Reason:
    differ_place = set(q.places) != set(e.places)
    differ_form = set(q.forms) != set(e.forms)
    if differ_place and not differ_form:
        what = "地域前缀"
    elif differ_form and not differ_place:
        what = "组织形式"
    else:
        what = "地域前缀和组织形式"
    return Reason("key_equal", f"名称去除{what}后一致：{q.key}")


def _conflict_reason(q: NameForm, e: NameForm) -> Reason | None:
    conflict = _place_conflict((*q.places, *q.alias_places), (*e.places, *e.alias_places))
    if conflict is None:
        return None
    return Reason(
        "place_conflict",
        f"所在地不同（{conflict[0]}／{conflict[1]}），可能是异地同名的不同主体，请核对统一社会信用代码",
    )


def _affix_only(extra: str) -> tuple[bool, list[str]]:
    found, left = _AFFIXES.scan(extra)
    return (not left and bool(found)), found


def _has_text(form: NameForm) -> bool:
    return bool(form.cleaned.replace("(", "").replace(")", ""))


def compare_names(q: NameForm, e: NameForm, *, floor: float = 0.0) -> tuple[float, list[Reason]]:
    """Score and reasons for two organisation names (no identifiers involved). Below `floor` the caller
    drops the result, so a different name is not explained in detail."""
    if not _has_text(q) or not _has_text(e):
        # Punctuation or brackets alone name nothing: two such "names" must not match each other.
        return 0.0, [Reason("no_name", "名称为空，无法比对")]
    traditional = q.traditional or e.traditional
    if q.original == e.original:
        return SCORE_SAME_NAME, [Reason("name_equal", "名称一致")]
    if q.simplified == e.simplified:
        if traditional:
            return SCORE_SIMPLIFIED, [Reason("simplified_equal", "繁简体转换后一致")]
        return SCORE_SAME_NAME, [Reason("name_equal", "名称一致（已统一全角半角、括号、空格和标点）")]
    reasons: list[Reason] = []
    if traditional:
        reasons.append(Reason("simplified", "已作繁简体转换"))

    if q.key == e.key:
        reasons.append(_key_equal_reason(q, e))
        conflict = _conflict_reason(q, e)
        if conflict:
            reasons.append(conflict)
            return SCORE_PLACE_CONFLICT, reasons
        return SCORE_SAME_KEY, reasons

    if q.head_key == e.head_key and q.unit != e.unit:
        if not q.unit or not e.unit:
            branch, head = (q, e) if q.unit else (e, q)
            reasons.append(
                Reason(
                    "branch_and_head",
                    f"分支机构与总公司不是同一主体：“{branch.original}”是“{head.original}”的分支机构"
                    if branch is q
                    else f"分支机构与总公司不是同一主体：“{head.original}”是“{branch.original}”的总公司",
                )
            )
            return SCORE_BRANCH_AND_HEAD, reasons
        reasons.append(
            Reason("other_branch", f"同一总公司的不同分支机构，不是同一主体（{q.unit}／{e.unit}）")
        )
        return SCORE_OTHER_BRANCH, reasons

    shared = set(q.keys) & set(e.keys)
    if shared:
        key = next(k for k in (*q.keys, *e.keys) if k in shared)
        removed = "、".join(dict.fromkeys(f.key[: len(f.key) - len(key)] for f in (q, e) if f.key != key))
        reasons.append(Reason("place_removed", f"名称去除地名“{removed}”后一致：{key}"))
        conflict = _conflict_reason(q, e)
        if conflict:
            reasons.append(conflict)
            return SCORE_PLACE_CONFLICT, reasons
        return SCORE_PLACE_OR_FORM_AFFIX, reasons

    if q.unit == e.unit:
        short, long_ = sorted((q.head_key, e.head_key), key=len)
        if short and len(short) >= 2 and short != long_:
            extra = ""
            if long_.startswith(short):
                extra = long_[len(short) :]
            elif long_.endswith(short):
                extra = long_[: -len(short)]
            only_affix, words = _affix_only(extra) if extra else (False, [])
            if only_affix:
                reasons.append(
                    Reason("affix_removed", f"名称去除“{'、'.join(words)}”后一致：{short}{q.unit}")
                )
                return SCORE_PLACE_OR_FORM_AFFIX, reasons

    similarity = Indel.normalized_similarity(q.key, e.key)
    score = min(similarity, CAP_DIFFERENT_NAME)
    if score < floor:
        reasons.append(Reason("name_different", f"名称不同（{q.key}／{e.key}）"))
    else:
        reasons.append(_difference_reason(q, e, similarity))
    return score, reasons


# --------------------------------------------------------------------------------------------------------
# assessing a query against an entry
# --------------------------------------------------------------------------------------------------------


def _clean_code(raw: str) -> str:
    return normalize_code(raw) if raw else ""


def assess(
    query: Query, entry: Entry, *, threshold: float = DEFAULT_THRESHOLD, floor: float = 0.0
) -> Assessment:
    """Score in [0, 1] and reasons for one query against one entry. `floor`: scores below it are only
    compared, not explained in detail (for callers that drop them)."""
    qcode = _clean_code(query.code)
    ecode = _clean_code(entry.uscc)
    if qcode and qcode == ecode:
        decided = (Reason("uscc_equal", "统一社会信用代码一致"),)
        return Assessment(SCORE_CODE, threshold <= SCORE_CODE, decided, entry.name)

    notes: list[Reason] = []
    qcode_valid = bool(qcode) and is_valid_uscc(qcode)
    if qcode and not qcode_valid:
        notes.append(Reason("uscc_invalid", f"查询的统一社会信用代码{qcode}未通过校验，未用于比对"))
    if not query.name.strip():
        return Assessment(0.0, False, tuple(notes), "")

    qform = name_form(query.name)
    best_score, best_name = -1.0, entry.name
    best_reasons: list[Reason] = []
    for index, name in enumerate((entry.name, *entry.former_names)):
        score, reasons = compare_names(qform, name_form(name), floor=floor)
        if index:
            score *= FACTOR_FORMER_NAME
            reasons = [Reason("former_name", f"与曾用名“{name}”比对"), *reasons]
        if score > best_score:
            best_score, best_reasons, best_name = score, reasons, name

    if qcode_valid and ecode and ecode != qcode and is_valid_uscc(ecode):
        best_score *= FACTOR_CODE_CONFLICT
        best_reasons.append(
            Reason("uscc_conflict", f"统一社会信用代码不一致（{qcode}／{ecode}），应为不同主体")
        )
    score = round(max(best_score, 0.0), 4)
    return Assessment(score, score >= threshold, (*best_reasons, *notes), best_name)


def screen(
    query: Query,
    entries: Iterable[Entry],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_score: float | None = None,
) -> list[Hit]:
    """Assess every entry (no index): for a handful of entries, and as the reference the index must agree with."""
    floor = threshold if min_score is None else min_score
    hits = []
    for entry in entries:
        result = assess(query, entry, threshold=threshold, floor=floor)
        if result.score >= floor and result.score > 0:
            hits.append(Hit(entry, result.score, result.is_match, result.reasons, result.matched_name))
    hits.sort(key=lambda hit: -hit.score)
    return hits


# --------------------------------------------------------------------------------------------------------
# the index
# --------------------------------------------------------------------------------------------------------


def _grams(key: str) -> set[str]:
    if len(key) < 2:
        return {key} if key else set()
    return {key[i : i + 2] for i in range(len(key) - 1)}


def _substrings(key: str) -> list[str]:
    """Every substring of 2 or more characters, shorter than the key itself."""
    size = len(key)
    return [key[i:j] for i in range(size) for j in range(i + 2, size + 1) if j - i < size]


def lookup_keys(form: NameForm) -> tuple[frozenset[str], str]:
    """How stored name keys (list entries, watches) are looked up for a name: the keys equal to one of its keys or
    lying inside its key, and the distinctive fragment that a longer stored key must contain."""
    return frozenset({*form.keys, *_substrings(form.key)}), _distinctive(form.key) or form.key


def _put(first: dict[str, int], more: dict[str, list[int]], key: str, index: int) -> None:
    # One int per key in the common case; a list only for the few keys shared by several entries.
    current = first.setdefault(key, index)
    if current != index:
        bucket = more.setdefault(key, [])
        if index not in bucket:
            bucket.append(index)


def _get(first: dict[str, int], more: dict[str, list[int]], key: str) -> list[int]:
    found = first.get(key)
    if found is None:
        return []
    return [found, *more.get(key, ())]


class MatchIndex:
    """Entries held in memory for fast screening by code and by name.

    A process that keeps a large index should build it and then call `gc.freeze()`: otherwise each full
    collection of the garbage collector walks the million entries and stalls a check.

    `max_postings` is the budget of postings read from the bigram index per query (rarest bigrams first);
    `max_candidates` is how many of the entries sharing the most bigrams are assessed.
    """

    def __init__(self, entries: Iterable[Entry] = (), *, max_postings: int = 2_000, max_candidates: int = 40):
        self.max_postings = max_postings
        self.max_candidates = max_candidates
        self._entries: list[Entry] = []
        self._keys: list[str] = []
        self._code_first: dict[str, int] = {}
        self._code_more: dict[str, list[int]] = {}
        self._key_first: dict[str, int] = {}
        self._key_more: dict[str, list[int]] = {}
        self._grams: dict[str, array[int]] = {}
        self._other_keys: dict[int, tuple[str, ...]] = {}  # aliases and former names' keys
        self.extend(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def extend(self, entries: Iterable[Entry]) -> None:
        for entry in entries:
            self.add(entry)

    def add(self, entry: Entry) -> None:
        index = len(self._entries)
        self._entries.append(entry)
        if entry.uscc:
            _put(self._code_first, self._code_more, normalize_code(entry.uscc), index)
        # Keys only (no cached NameForm): a million entries would just evict the queries from the cache.
        keys = entry.keys or entry_keys(entry)
        self._keys.append(keys[0])
        if len(keys) > 1:
            self._other_keys[index] = keys[1:]
        grams: set[str] = set()
        for key in dict.fromkeys(keys):
            _put(self._key_first, self._key_more, key, index)
            grams |= _grams(key)
        for gram in grams:
            postings = self._grams.get(gram)
            if postings is None:
                postings = self._grams[gram] = array("I")
            postings.append(index)

    # -- retrieval ---------------------------------------------------------------------------------------

    def _gram_candidates(self, key: str) -> list[int]:
        grams = sorted(
            ((len(self._grams[g]), g) for g in _grams(key) if g in self._grams),
        )
        if not grams:
            return []
        if grams[0][0] > 10 * self.max_postings:
            # Only very common bigrams (a key like 机械): the exact path is all that is worth doing.
            return []
        used: list[array[int]] = []
        spent = 0
        for size, gram in grams:
            if used and spent + size > self.max_postings:
                break
            used.append(self._grams[gram])
            spent += size
        counts = Counter(chain.from_iterable(used))
        # An entry sharing under half of the rare bigrams cannot be close to the key.
        needed = max(1, math.ceil(len(used) / 2))
        return [index for index, count in counts.most_common(self.max_candidates) if count >= needed]

    def _bound(self, index: int, qkeys: tuple[str, ...]) -> float:
        """An upper bound of the name score of entry `index` (see compare_names), from its key alone."""
        bound = CAP_DIFFERENT_NAME
        for ekey in (self._keys[index], *self._other_keys.get(index, ())):
            if ekey in qkeys:
                return 1.0
            if any(qkey in ekey or ekey in qkey for qkey in qkeys):
                bound = SCORE_PLACE_OR_FORM_AFFIX
        return bound

    def candidates(self, query: Query) -> tuple[list[int], list[int]]:
        """(entries found by code or exact key, entries found by bigrams only) as positions in the index."""
        exact: dict[int, None] = {}
        code = _clean_code(query.code)
        if code:
            exact.update(dict.fromkeys(_get(self._code_first, self._code_more, code)))
        fuzzy: list[int] = []
        if query.name.strip():
            form = name_form(query.name)
            for key in form.keys:
                exact.update(dict.fromkeys(_get(self._key_first, self._key_more, key)))
            # Keys inside the query's key (恒远机械 in 恒远机械有限责任) by exact lookups of its substrings:
            # bigram overlap misses them when the query's key is much longer.
            inside: dict[int, None] = {}
            for sub in _substrings(form.key):
                inside.update(
                    dict.fromkeys(_get(self._key_first, self._key_more, sub)[: self.max_candidates])
                )
            grams = self._gram_candidates(form.key)
            fuzzy = [i for i in dict.fromkeys(chain(inside, grams)) if i not in exact]
        return list(exact), fuzzy

    def check(
        self,
        query: Query,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        min_score: float | None = None,
        limit: int | None = 50,
    ) -> list[Hit]:
        """Hits for one query, best first: those at or above `min_score` (default: the threshold), each
        marked `is_match` when at or above the threshold."""
        floor = threshold if min_score is None else min_score
        exact, fuzzy = self.candidates(query)
        qkeys = name_form(query.name).keys if query.name.strip() else ()
        # Entries found only by bigrams are first bounded by their key: most cannot reach the floor.
        fuzzy = [index for index in fuzzy if self._bound(index, qkeys) >= floor]
        hits: list[Hit] = []
        for index in chain(exact, fuzzy):
            entry = self._entries[index]
            result = assess(query, entry, threshold=threshold, floor=floor)
            if result.score >= floor and result.score > 0:
                hits.append(Hit(entry, result.score, result.is_match, result.reasons, result.matched_name))
        hits.sort(key=lambda hit: -hit.score)
        return hits if limit is None else hits[:limit]

    def check_many(
        self,
        queries: Iterable[Query],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        min_score: float | None = None,
    ) -> list[list[Hit]]:
        return [self.check(query, threshold=threshold, min_score=min_score) for query in queries]
