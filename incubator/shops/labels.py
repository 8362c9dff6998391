"""Words shown for the codes stored in the shops tables."""

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "food": _l("Food"),
    "agricultural": _l("Agricultural specialties"),
    "jewellery": _l("Jewellery"),
    "clothing": _l("Clothing"),
    "crafts": _l("Crafts"),
    "other": _l("Other"),
}

PLATFORM_LABELS = {
    "douyin": _l("Douyin"),
    "kuaishou": _l("Kuaishou"),
    "wechat_channels": _l("WeChat Channels"),
    "taobao_live": _l("Taobao Live"),
    "tiktok": _l("TikTok (cross-border)"),
    "other": _l("Other platform"),
}

HELP_LABELS = {
    "training": _l("Training"),
    "equipment": _l("Equipment"),
    "funding": _l("Funding"),
    "mentor": _l("A mentor"),
}

SUPPORT_LABELS = {
    "training": _l("Training place"),
    "equipment": _l("Equipment loan"),
    "funding": _l("Funding"),
}

MOVE_LABELS = {
    "applied": _l("Applied to join"),
    "advanced": _l("Moved on"),
    "sent_back": _l("Sent back"),
    "first_sale": _l("First sale recorded"),
}
