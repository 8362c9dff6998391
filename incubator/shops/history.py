"""What the history page calls this area's changes and records."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "shops.applied": _l("Shop applied"),
    "shops.advanced": _l("Shop moved on a stage"),
    "shops.sent_back": _l("Shop sent back a stage"),
    "shops.first_sale": _l("Shop's first sale"),
    "shops.checklist_ticked": _l("Checklist item ticked"),
    "shops.checklist_unticked": _l("Checklist item unticked"),
    "shops.evidence_added": _l("Evidence added"),
    "shops.sales_recorded": _l("Sales recorded"),
    "shops.support_added": _l("Support recorded"),
    "shops.stage_saved": _l("Stage saved"),
    "shops.stage_moved": _l("Stage moved in the order"),
    "shops.stage_deleted": _l("Stage deleted"),
    "shops": _l("Shop"),
    "shop_stages": _l("Stage"),
    "shop_checklist_items": _l("Checklist item"),
    "shop_checklist_ticks": _l("Checklist tick"),
    "shop_evidence": _l("Evidence"),
    "shop_sales_records": _l("Sales record"),
    "shop_support_records": _l("Support record"),
}
