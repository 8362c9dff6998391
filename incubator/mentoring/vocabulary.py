"""Words of the mentoring area: default skills, time slots, categories and
languages, with their translated labels. Stored values are codes (slots,
categories, skill keys) or the words people typed (languages)."""

from flask_babel import lazy_gettext as _l

from incubator.mentoring.models import PERIODS, SLOTS, WEEKDAYS

DEFAULT_SKILLS = {
    "live_hosting": ("直播主播", _l("Live hosting")),
    "product_photography": ("产品摄影", _l("Product photography")),
    "short_video": ("短视频剪辑", _l("Short-video editing")),
    "platform_operations": ("平台运营", _l("Platform operations")),
    "cross_border": ("跨境电商", _l("Cross-border selling")),
    "agricultural": ("农产品", _l("Agricultural products")),
    "customer_service": ("客服", _l("Customer service")),
}

WEEKDAY_LABELS = {
    "mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
    "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday"),
}
PERIOD_LABELS = {"morning": _l("morning"), "afternoon": _l("afternoon"), "evening": _l("evening")}
# "both free on Tuesday evenings"
SLOT_PHRASES = {
    ("mon", "morning"): _l("Monday mornings"), ("mon", "afternoon"): _l("Monday afternoons"),
    ("mon", "evening"): _l("Monday evenings"),
    ("tue", "morning"): _l("Tuesday mornings"), ("tue", "afternoon"): _l("Tuesday afternoons"),
    ("tue", "evening"): _l("Tuesday evenings"),
    ("wed", "morning"): _l("Wednesday mornings"), ("wed", "afternoon"): _l("Wednesday afternoons"),
    ("wed", "evening"): _l("Wednesday evenings"),
    ("thu", "morning"): _l("Thursday mornings"), ("thu", "afternoon"): _l("Thursday afternoons"),
    ("thu", "evening"): _l("Thursday evenings"),
    ("fri", "morning"): _l("Friday mornings"), ("fri", "afternoon"): _l("Friday afternoons"),
    ("fri", "evening"): _l("Friday evenings"),
    ("sat", "morning"): _l("Saturday mornings"), ("sat", "afternoon"): _l("Saturday afternoons"),
    ("sat", "evening"): _l("Saturday evenings"),
    ("sun", "morning"): _l("Sunday mornings"), ("sun", "afternoon"): _l("Sunday afternoons"),
    ("sun", "evening"): _l("Sunday evenings"),
}

# The shops area's category codes (shops.models.CATEGORIES), named here too.
CATEGORY_LABELS = {
    "food": _l("Food"), "agricultural": _l("Farm produce"), "jewellery": _l("Jewellery"),
    "clothing": _l("Clothing"), "crafts": _l("Crafts"), "other": _l("Other goods"),
}

# Languages are free words; the usual ones are recognised in either language
# and stored in one spelling, so 维吾尔语 and "Uyghur" match.
KNOWN_LANGUAGES = {
    "普通话": (_l("Mandarin"), ("普通话", "mandarin", "putonghua", "chinese", "中文", "汉语")),
    "南京话": (_l("Nanjing dialect"), ("南京话", "nanjing", "nanjing dialect", "nanjinghua")),
    "维吾尔语": (_l("Uyghur"), ("维吾尔语", "uyghur", "uighur", "维语")),
    "哈萨克语": (_l("Kazakh"), ("哈萨克语", "kazakh")),
    "粤语": (_l("Cantonese"), ("粤语", "cantonese", "广东话")),
    "English": (_l("English"), ("english", "英语", "英文")),
}
_ALIASES = {alias.lower(): canonical for canonical, (_, aliases) in KNOWN_LANGUAGES.items()
            for alias in aliases}


def skill_label(skill) -> str:
    if skill.key in DEFAULT_SKILLS:
        return str(DEFAULT_SKILLS[skill.key][1])
    return skill.name


def category_label(code: str | None) -> str:
    return str(CATEGORY_LABELS.get(code or "", code or ""))


def slot_phrase(slot: str) -> str:
    day, period = slot.split("_", 1)
    return str(SLOT_PHRASES[(day, period)])


def language_label(word: str) -> str:
    known = KNOWN_LANGUAGES.get(word)
    return str(known[0]) if known else word


def parse_languages(raw) -> list[str]:
    """'普通话, 南京话、Uyghur' -> ['普通话', '南京话', '维吾尔语'] (order kept, no repeats)."""
    if isinstance(raw, str):
        for separator in "，、;；/\n":
            raw = raw.replace(separator, ",")
        raw = raw.split(",")
    words = []
    for part in raw or []:
        word = "".join(c for c in str(part) if c.isprintable()).strip()[:40]
        if not word:
            continue
        word = _ALIASES.get(word.lower(), word)
        if word not in words:
            words.append(word)
    return words[:12]


def clean_slots(values) -> list[str]:
    """Known slot codes in grid order."""
    chosen = set(values or [])
    return [slot for slot in SLOTS if slot in chosen]


_PERIOD_WORDS = {"morning": ("morning", "上午", "早上"), "afternoon": ("afternoon", "下午"),
                 "evening": ("evening", "晚上", "晚间", "night")}
_DAY_WORDS = {"mon": ("周一", "星期一", "monday"), "tue": ("周二", "星期二", "tuesday"),
              "wed": ("周三", "星期三", "wednesday"), "thu": ("周四", "星期四", "thursday"),
              "fri": ("周五", "星期五", "friday"), "sat": ("周六", "星期六", "saturday"),
              "sun": ("周日", "星期日", "星期天", "周末", "sunday")}


def slots_from_answer(answer) -> list[str]:
    """An application's availability answer as slot codes.

    Takes slot codes ("tue_evening"), or words as people write them ("晚上",
    "周末下午", "weekday mornings"): a period without a day means every day;
    周末/weekend means Saturday and Sunday."""
    if not answer:
        return []
    items = answer if isinstance(answer, list | tuple) else [answer]
    slots: set[str] = set()
    for item in items:
        value = str(item).strip().lower()
        if value in SLOTS:
            slots.add(value)
            continue
        periods = [p for p, words in _PERIOD_WORDS.items() if any(w in value for w in words)]
        days = [d for d, words in _DAY_WORDS.items() if any(w in value for w in words)]
        if "周末" in value or "weekend" in value:
            days = list({*days, "sat", "sun"})
        if "工作日" in value or "weekday" in value:
            days = list({*days, "mon", "tue", "wed", "thu", "fri"})
        for day in days or WEEKDAYS:
            for period in periods or (PERIODS if days else ()):
                slots.add(f"{day}_{period}")
    return clean_slots(slots)
