"""A comparison key for Chinese organisation names (domain.md §4, screening by name).

`org_name_key(name)` is stored beside the original name; two spellings of one organisation should get the
same key, so matching can compare keys (exactly, or by containment). The key is built in steps:

1. Clean: NFKC, traditional → simplified for characters common in company names (a small built-in table;
   opencc is not a dependency), every bracket kind → "()", whitespace and punctuation removed, Latin
   letters upper-cased.
2. Split off the part after the last legal-form word (…有限公司利港分公司 → 利港分公司). That part names a
   branch or unit, which is a different entity from its head office, so it is kept verbatim in the key.
3. Reduce the head to its core, repeatedly: drop bracketed regions and legal forms ("(江阴)", "(有限合伙)"),
   strip legal-form suffixes (有限公司, 厂, 商行 …), strip leading region prefixes (省/市/县/区 names,
   Jiangyin towns and streets).

Choices, so the key is predictable:
- Nothing is stripped if less than 2 characters would remain, and a region is not stripped when the rest is
  only generic words (江苏银行 stays 江苏银行, not 银行; 江阴市人民医院 stays whole).
- Public bodies (…局, …委员会, …法院, …学校, …医院 …) keep their region: 江阴市公安局 ≠ 无锡市公安局.
- Bare town names (利港, 华士 …) and development zones are stripped only right after a city or county
  prefix, because they double as trade names: 江阴市利港恒远机械有限公司 → 恒远机械, but 华士达机械
  stays 华士达机械. Matching 利港恒远 against 恒远 therefore relies on the city prefix being present.
- Shop words (店, 超市, 饭店) are part of a 个体工商户's trade name and are kept.
- The key is deterministic but not idempotent (key(key(x)) may strip further); store key(original).
- A non-empty name never gets an empty key: the fallback is the cleaned full name.
"""

from __future__ import annotations

import re
import unicodedata

# --------------------------------------------------------------------------------------------------------
# step 1: cleaning
# --------------------------------------------------------------------------------------------------------

# Traditional → simplified pairs (each token: traditional char then simplified char). Only unambiguous
# one-to-one conversions; characters whose simplification depends on the word (乾, 著, 於, 係, 鍊 …)
# are left alone.
_TRAD_SIMP_PAIRS = """
廠厂 際际 業业 貿贸 設设 備备 機机 電电 氣气 網网 絡络 發发 區区 東东 華华 國国 實实 團团 製制 紡纺
織织 鋼钢 鐵铁 環环 綠绿 築筑 裝装 飾饰 運运 輸输 貨货 勞劳 務务 諮咨 詢询 銷销 產产 農农 醫医 藥药
學学 會会 計计 師师 門门 車车 長长 開开 關关 陽阳 陰阴 陸陆 陳陈 億亿 價价 優优 傳传 儀仪 兩两 創创
勝胜 協协 衛卫 廣广 慶庆 應应 歷历 壓压 廳厅 縣县 鄉乡 鎮镇 島岛 嶺岭 灣湾 滬沪 遼辽 寧宁 蘇苏 漢汉
濟济 瀋沈 錫锡 無无 維维 線线 組组 經经 營营 總总 聯联 聲声 職职 與与 興兴 舊旧 藝艺 蘭兰 號号 處处
眾众 衆众 補补 複复 覽览 觀观 訊讯 訓训 許许 証证 評评 試试 話话 誠诚 語语 說说 調调 談谈 請请 諾诺
講讲 譽誉 讀读 豐丰 貴贵 費费 資资 賓宾 賣卖 買买 質质 購购 贏赢 趙赵 軟软 軒轩 輕轻 輪轮 辦办 遠远
適适 選选 鄭郑 郵邮 釀酿 鈴铃 銀银 銅铜 鋁铝 鍛锻 鎖锁 鏈链 鑄铸 閣阁 閥阀 隊队 雙双 雜杂 雞鸡 離离
順顺 預预 領领 頭头 顧顾 風风 飛飞 飯饭 館馆 馬马 驗验 體体 髮发 鬆松 魚鱼 鳥鸟 麗丽 麥麦 黃黄 齊齐
龍龙 塊块 場场 塗涂 壩坝 壽寿 夢梦 寶宝 對对 導导 屬属 層层 幣币 帶带 幫帮 張张 彈弹 後后 徵征 戶户
擁拥 擇择 擔担 據据 擴扩 攝摄 數数 斷断 時时 書书 構构 樂乐 標标 樣样 橋桥 櫃柜 檢检 權权 歡欢 決决
淨净 測测 溫温 滿满 漁渔 潔洁 澤泽 濕湿 濱滨 燈灯 爐炉 牆墙 狀状 獎奖 獨独 獲获 現现 畫画 當当 療疗
監监 盤盘 礦矿 碼码 磚砖 禮礼 種种 稅税 穩稳 競竞 筆笔 節节 範范 籃篮 紅红 紙纸 級级 細细 終终 結结
給给 統统 絲丝 綜综 緊紧 編编 緣缘 練练 縫缝 績绩 繩绳 繪绘 纖纤 義义 習习 聖圣 腦脑 臺台 舉举 艙舱
莊庄 萬万 葉叶 藍蓝 蟲虫 衝冲 術术 裡里 襪袜 見见 規规 視视 親亲 覺觉 記记 訂订 認认 詩诗 誼谊 論论
證证 識识 變变 讓让 財财 販贩 貸贷 賀贺 賃赁 賢贤 賽赛 贈赠 跡迹 軍军 軌轨 載载 輔辅 輝辉 轉转 迴回
這这 連连 進进 達达 過过 遊游 鄰邻 醬酱 針针 釘钉 錄录 錦锦 鍋锅 鍵键 鏡镜 鐘钟 閃闪 間间 闆板 陣阵
險险 隱隐 雲云 靈灵 韓韩 頂顶 項项 額额 類类 顏颜 題题 餘余 駕驾 騰腾 鬥斗 鮮鲜 鴻鸿 鵬鹏 鹽盐 麵面
點点 黨党 齡龄 恆恒 滙汇 匯汇 彙汇 廈厦 倉仓 庫库 剛刚 劉刘 吳吴 週周 鑽钻 鋒锋 銳锐 鋪铺 錢钱 膠胶
紗纱 綢绸 緞缎 緯纬 絨绒 傢家 燦灿 煉炼 熱热 潤润 濤涛 瀾澜 濾滤 滌涤 湯汤 溝沟 漲涨 濃浓 瓊琼 礎础
碩硕 確确 積积 稱称 穀谷 簡简 簽签 籌筹 糧粮 紀纪 約约 紋纹 納纳 純纯 續续 縮缩 罰罚 羅罗 聞闻 聰聪
脫脱 膚肤 艦舰 蓋盖 蔣蒋 薦荐 薩萨 蘋苹 虛虚 蝦虾 蠶蚕 襯衬 訪访 詞词 譯译 護护 讚赞 貝贝 負负 貢贡
責责 貫贯 貼贴 賬账 賠赔 賞赏 賴赖 賺赚 贊赞 趕赶 踐践 躍跃 軸轴 較较 輛辆 輯辑 轄辖 辭辞 邊边 遷迁
遞递 還还 邏逻 鄧邓 釋释 鈞钧 鈦钛 鉅钜 鉛铅 銘铭 鋅锌 鋰锂 錳锰 錯错 錶表 鍍镀 鎂镁 鎳镍 鑒鉴 鑑鉴
閘闸 閩闽 閱阅 陝陕 隨随 雖虽 霧雾 靜静 韻韵 響响 頁页 頓顿 頻频 顆颗 願愿 顯显 飼饲 餅饼 養养 饋馈
駐驻 騎骑 驅驱 鬱郁 魯鲁 鳳凤 鴨鸭 鵝鹅 鶴鹤 鷹鹰 齒齿 龜龟 專专 叢丛 嚴严 園园 圓圆 圖图 執执 堅坚
報报 壯壮 夥伙 奮奋 婦妇 嬰婴 孫孙 寫写 審审 寬宽 將将 尋寻 屆届 崗岗 嶽岳 巖岩 幹干 幾几 廢废 強强
徑径 從从 復复 徹彻 悅悦 愛爱 態态 慣惯 憑凭 懷怀 戰战 掛挂 採采 揚扬 換换 損损 擊击 擬拟 擺摆 攜携
敗败 昇升 晉晋 暉晖 暢畅 曆历 曉晓 條条 棟栋 楓枫 楊杨 榮荣 樓楼 樞枢 檔档 檯台 櫻樱 欄栏 歐欧 殼壳
氫氢 汙污 沖冲 況况 淺浅 準准 滾滚 漿浆 潛潜 灘滩 爭争 牽牵 獅狮 瑤瑶 畢毕 異异 疊叠 盃杯 盡尽 磯矶
禦御 窮穷 箋笺 篤笃 簾帘 籤签 粵粤 紐纽 絕绝 綁绑 綱纲 綵彩 緒绪 締缔 緩缓 縱纵 繳缴 繼继 纜缆 莖茎
萊莱 蒼苍 蓮莲 蔔卜 蕭萧 薑姜 蘆芦 螢萤 蠟蜡 裏里 褲裤 觸触 託托 訴诉 診诊 詳详 誌志 誕诞 課课 謀谋
謝谢 譜谱 議议 豬猪 貞贞 貧贫 賊贼 贖赎 趨趋 蹤踪 軋轧 遜逊 遲迟 鈔钞 銜衔 錘锤 鎊镑 闖闯 難难 韋韦
頸颈 颱台 飄飘 駛驶 驚惊 鯨鲸 鹼碱 黴霉 齋斋
"""
_TRAD_TO_SIMP = {token[0]: token[1] for token in _TRAD_SIMP_PAIRS.split()}

_OPEN_BRACKETS = "(（[［{｛【〔〖「『﹙"
_CLOSE_BRACKETS = ")）]］}｝】〕〗」』﹚"
_CLEAN_TABLE = str.maketrans(
    {
        **_TRAD_TO_SIMP,
        **dict.fromkeys(_OPEN_BRACKETS, "("),
        **dict.fromkeys(_CLOSE_BRACKETS, ")"),
    }
)


def _keeps(ch: str) -> bool:
    # Letters (incl. CJK) and digits carry the name; brackets still matter for steps 2 and 3.
    return ch in "()" or unicodedata.category(ch)[0] in "LN"


def clean_org_name(name: str) -> str:
    """Step 1 of the key: NFKC, traditional → simplified, brackets unified, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", name).translate(_CLEAN_TABLE)
    return "".join(ch for ch in text if _keeps(ch)).upper()


# --------------------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------------------

_MIN_CORE = 2


def _words(text: str) -> list[str]:
    """A whitespace-separated word table (easier to read and edit than a list of quoted words)."""
    return text.split()


# Legal-form suffixes, stripped from the end of the head (longest match first). 经营部/门市部/商行 are the
# usual forms of a 个体工商户 name; they only reach here when no company name precedes them (after one,
# step 2 keeps them as a unit).
_LEGAL_SUFFIXES = sorted(
    (
        "股份有限公司",
        "有限责任公司",
        "股份合作公司",
        "有限公司",
        "股份公司",
        "总公司",
        "公司",
        "(有限合伙)",
        "(普通合伙)",
        "(特殊普通合伙)",
        "有限合伙",
        "特殊普通合伙",
        "普通合伙",
        "合伙企业",
        "个人独资企业",
        "独资企业",
        "农民专业合作社",
        "专业合作社",
        "集团",
        "(集团)",
        "厂",
        "总厂",
        "商行",
        "经营部",
        "门市部",
    ),
    key=len,
    reverse=True,
)

# Words after which the rest of a name is a branch or unit of the organisation named before them. The 公司
# of 分公司 is the branch's own, not its head office's.
_SPLIT_AT = re.compile(r"(?<!分)公司|集团|合伙企业|\((?:特殊)?普通合伙\)|\(有限合伙\)|独资企业")

# Bracket contents that are dropped wherever they appear in the head.
_BRACKET_NOISE = frozenset({"有限合伙", "普通合伙", "特殊普通合伙", "集团", "个人独资", "有限公司", ""})

_PROVINCES = _words(
    "北京 天津 上海 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 "
    "广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾 中国"
)
_PROVINCE_SUFFIXES = (
    "省",
    "市",
    "自治区",
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "",
)

_CITIES = _words(
    # Jiangsu prefecture-level cities
    "南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 "
    # Jiangsu county-level cities and districts often seen in names
    "江阴 宜兴 常熟 张家港 昆山 太仓 溧阳 丹阳 扬中 句容 如皋 海安 启东 靖江 泰兴 兴化 高邮 仪征 东台 "
    "邳州 新沂 锡山 惠山 滨湖 梁溪 新吴 江宁 吴江 吴中 相城 姑苏 武进 金坛 沭阳 泗阳 泗洪 "
    # other major cities
    "广州 深圳 杭州 宁波 温州 绍兴 嘉兴 湖州 合肥 福州 厦门 济南 青岛 郑州 武汉 长沙 成都 西安 沈阳 大连 "
    "长春 哈尔滨 石家庄 太原 南昌 南宁 昆明 贵阳 兰州 西宁 银川 乌鲁木齐 呼和浩特 拉萨 海口 东莞 佛山 "
    "珠海 烟台 潍坊 洛阳 芜湖"
)
_CITY_SUFFIXES = ("市", "区", "县", "")

# Jiangyin towns and streets (街道/镇): the full form is always a place; the bare form only after a city.
_JIANGYIN_TOWNS = {
    "澄江": "街道",
    "南闸": "街道",
    "云亭": "街道",
    "城东": "街道",
    "夏港": "街道",
    "申港": "街道",
    "利港": "街道",
    "临港": "街道",
    "月城": "镇",
    "青阳": "镇",
    "徐霞客": "镇",
    "华士": "镇",
    "周庄": "镇",
    "新桥": "镇",
    "长泾": "镇",
    "顾山": "镇",
    "祝塘": "镇",
    "璜土": "镇",
}
_ZONES = (
    "临港经济开发区",
    "临港开发区",
    "高新技术产业开发区",
    "经济技术开发区",
    "经济开发区",
    "高新区",
    "开发区",
    "工业园区",
    "工业园",
)


def _forms(names: list[str], suffixes: tuple[str, ...]) -> set[str]:
    return {name + suffix for name in names for suffix in suffixes}


_PLACE_PREFIXES = sorted(
    _forms(_PROVINCES, _PROVINCE_SUFFIXES)
    | _forms(_CITIES, _CITY_SUFFIXES)
    | {town + kind for town, kind in _JIANGYIN_TOWNS.items()},
    key=len,
    reverse=True,
)
# Stripped only right after another place prefix (see module docstring).
_AFTER_PLACE_PREFIXES = sorted(set(_JIANGYIN_TOWNS) | set(_ZONES), key=len, reverse=True)
_KNOWN_PLACES = frozenset(_PLACE_PREFIXES) | frozenset(_AFTER_PLACE_PREFIXES)


def _by_first_char(prefixes: list[str]) -> dict[str, tuple[str, ...]]:
    """Prefixes grouped by their first character, longest first as in the table: a name is tried only
    against the few prefixes that can match it, not all seven hundred (imports key thousands of names)."""
    groups: dict[str, list[str]] = {}
    for prefix in prefixes:
        groups.setdefault(prefix[0], []).append(prefix)
    return {char: tuple(group) for char, group in groups.items()}


_PLACE_INDEX = _by_first_char(_PLACE_PREFIXES)
_AFTER_PLACE_INDEX = _by_first_char(_AFTER_PLACE_PREFIXES)

# Generic "XX省/市/县/区" prefixes for places not in the tables. Two- or three-character CJK prefixes only
# (one for 县: 丰县, 沛县), and not when the suffix character is part of an ordinary word (超市, 社区 …,
# or 市场, 区块 … after it).
_GENERIC_PLACE = re.compile(r"(?:([\u4e00-\u9fff]{2,3}?)(省|市|县|区)|([\u4e00-\u9fff])(县))")
_NOT_A_PLACE = frozenset(
    _words(
        "超市 城市 都市 门市 夜市 街市 股市 楼市 车市 花市 菜市 集市 早市 社区 小区 园区 景区 校区 "
        "专区 片区 郊区 城区 矿区 营区 展区 库区 厂区 街区 商区 港区 牧区 山区 湖区 误区 反省 节省"
    )
)
_ADMIN_CHARS = frozenset("省市县区镇乡街")
_WORD_AFTER = {
    "市": frozenset("场政民容值面井级内"),
    "区": frozenset("域块间别分"),
    "县": frozenset("城级域"),
    "省": frozenset("级内钱力"),
}

# Names ending like this are public bodies, whose region is part of their identity.
_PUBLIC_BODY_ENDINGS = (
    "局",
    "委员会",
    "委",
    "办公室",
    "政府",
    "法院",
    "检察院",
    "办事处",
    "派出所",
    "司法所",
    "财政所",
    "大队",
    "支队",
    "中队",
    "管委会",
    "居委会",
    "村委会",
    "党委",
    "工会",
    "联合会",
    "协会",
    "商会",
    "学会",
    "中学",
    "小学",
    "学校",
    "幼儿园",
    "医院",
    "卫生院",
    "图书馆",
    "博物馆",
    "档案馆",
    "纪念馆",
    "文化馆",
    "街道",
)

# Words that do not distinguish one organisation from another; a region is kept when the rest of the
# name consists only of these (and ordinals like 第一).
_GENERIC_WORDS = sorted(
    _words(
        "银行 农村 商业 农商 信用社 信用 合作社 合作 保险 证券 信托 基金 期货 租赁 担保 小额贷款 贷款 "
        "典当 财产 人寿 大学 学院 中学 小学 学校 幼儿园 医院 人民 日报 晚报 电视台 广播 广电 电力 供电 "
        "电信 移动 联通 邮政 烟草 石油 石化 化工 机械 纺织 建设 建筑 建工 工程 钢铁 实业 贸易 商贸 "
        "科技 投资 发展 控股 物流 运输 置业 房地产 地产 开发 食品 农业 工业 服务 管理 咨询 环保 能源 "
        "新能源 材料 新材料 制造 设备 电子 电器 电气 汽车 医药 药业 水务 自来水 燃气 公交 公共交通 "
        "交通 旅游 文化 传媒 体育 粮食 城投 城建 国资 资产 经营 五金 塑料 化纤 印染 服装 家纺 光伏 "
        "港口 港务 码头 船舶 重工 金属 钢管 冶金 有色 机电 包装 印刷 装饰 装潢 劳务 人力资源 中心 "
        "市场 超市 商场 商店 酒店 饭店 宾馆 事务所 律师 会计师 研究所 研究院 设计院 集团 国际 中国 "
        "产业 企业 供销 生物 信息 网络 软件 数据 智能 安装 市政 园林 绿化 水利 路桥 公路 铁路 航空 "
        "机场 热电 发电 水泥 建材 混凝土 商品 再生 资源 回收 环境 卫生 清洁 物业 保安 安全 消防 检测 "
        "检验 认证 人才 教育 培训 职业 技术 高新 经济 开发区 园区 工业园 新区 城市 水产 畜牧 养殖 "
        "种植 蔬菜 果蔬 茶叶 酒业 饮料 乳业 粮油 农资 种子 化肥 农药 有限 总 分 公司"
    ),
    key=len,
    reverse=True,
)
_ORDINAL = re.compile(r"第[〇零一二三四五六七八九十百\d]+")


# --------------------------------------------------------------------------------------------------------
# step 3 helpers
# --------------------------------------------------------------------------------------------------------


def _is_distinctive(rest: str) -> bool:
    """Whether `rest` still names something once generic industry and organisation words are removed."""
    text = _ORDINAL.sub("", rest.replace("(", "").replace(")", ""))
    for word in _GENERIC_WORDS:
        text = text.replace(word, "")
    return bool(text)


def _acceptable_rest(rest: str) -> bool:
    return len(rest) >= _MIN_CORE and _is_distinctive(rest)


def _is_place(text: str) -> bool:
    if text in _KNOWN_PLACES:
        return True
    match = _GENERIC_PLACE.fullmatch(text)
    return match is not None and _generic_place_ok(*_generic_parts(match), "")


def _generic_parts(match: re.Match[str]) -> tuple[str, str]:
    """(place name, administrative suffix) of a _GENERIC_PLACE match, whichever alternative matched."""
    if match.group(1) is not None:
        return match.group(1), match.group(2)
    return match.group(3), match.group(4)


def _generic_place_ok(prefix: str, suffix: str, following: str) -> bool:
    if prefix[-1] + suffix in _NOT_A_PLACE:
        return False
    return not (following and following[0] in _WORD_AFTER[suffix])


def _drop_bracket_groups(core: str) -> str:
    def replace(match: re.Match[str]) -> str:
        content = match.group(1)
        if content in _BRACKET_NOISE or _is_place(content):
            return ""
        return match.group(0)

    dropped = re.sub(r"\(([^()]*)\)", replace, core)
    return dropped if len(dropped.replace("(", "").replace(")", "")) >= _MIN_CORE else core


def _strip_legal_suffix(core: str) -> str | None:
    # Only the longest matching suffix is tried: when "有限公司" would leave too little, stripping just
    # "公司" would leave the fragment "有限", and "股份" must not survive "中国银行股份有限公司".
    for suffix in _LEGAL_SUFFIXES:
        if core.endswith(suffix):
            rest = core[: -len(suffix)]
            return rest if len(rest) >= _MIN_CORE else None
    return None


def _place_prefix_ok(prefix: str, rest: str) -> bool:
    suffix = prefix[-1]
    # "江阴市政工程": 市 belongs to 市政, so the longer 江阴市 is not the place here.
    if suffix in _WORD_AFTER and rest[:1] in _WORD_AFTER[suffix]:
        return False
    # A bare name right before an administrative suffix ("江阴" in "江阴市…") is only part of the place;
    # the full form was tried first and refused for a reason.
    if rest[:1] in _ADMIN_CHARS:
        return False
    return _acceptable_rest(rest)


def _strip_place_prefix(core: str, after_place: bool) -> str | None:
    indexes = (_PLACE_INDEX, _AFTER_PLACE_INDEX) if after_place else (_PLACE_INDEX,)
    first = core[:1]
    for index in indexes:
        for prefix in index.get(first, ()):
            if core.startswith(prefix) and _place_prefix_ok(prefix, core[len(prefix) :]):
                return core[len(prefix) :]
    match = _GENERIC_PLACE.match(core)
    if match is not None:
        prefix, suffix = _generic_parts(match)
        rest = core[match.end() :]
        if _generic_place_ok(prefix, suffix, rest) and _acceptable_rest(rest):
            return rest
    return None


def _is_public_body(core: str) -> bool:
    return core.endswith(_PUBLIC_BODY_ENDINGS)


def _reduce_head(head: str) -> str:
    core = head
    after_place = False
    while True:
        core = _drop_bracket_groups(core)
        shorter = _strip_legal_suffix(core)
        if shorter is not None:
            core = shorter
            continue
        if _is_public_body(core):
            return core
        shorter = _strip_place_prefix(core, after_place)
        if shorter is None:
            return core
        core, after_place = shorter, True


# --------------------------------------------------------------------------------------------------------
# step 2 and the key
# --------------------------------------------------------------------------------------------------------


def split_branch(cleaned: str) -> tuple[str, str]:
    """(head, unit): the unit is whatever follows the last legal-form word, e.g. 利港分公司."""
    cut = max((m.end() for m in _SPLIT_AT.finditer(cleaned)), default=-1)
    if cut < 0:
        return cleaned, ""
    head, unit = cleaned[:cut], cleaned[cut:]
    if unit.replace("(", "").replace(")", "") == "" or _is_bracketed_place(unit):
        return cleaned, ""
    return head, unit


def _is_bracketed_place(unit: str) -> bool:
    return unit.startswith("(") and unit.endswith(")") and _is_place(unit[1:-1])


def _unbracket(text: str) -> str:
    return text.replace("(", "").replace(")", "")


def org_name_key(name: str) -> str:
    """Comparison key of an organisation name; see the module docstring for the rules."""
    cleaned = clean_org_name(name)
    head, unit = split_branch(cleaned)
    key = _unbracket(_reduce_head(head)) + _unbracket(unit)
    if key:
        return key
    # Only brackets or punctuation: fall back to something non-empty rather than a key that matches all.
    return _unbracket(cleaned) or cleaned or "".join(unicodedata.normalize("NFKC", name).split())
