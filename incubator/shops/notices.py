"""Notification kinds of the shops area (text made in the reader's language)."""

from flask_babel import get_locale
from flask_babel import gettext as _

from incubator.notify.messages import message


def _stage(p: dict) -> str:
    return p.get("stage_zh") if str(get_locale() or "zh").startswith("zh") else p.get("stage_en")


@message("shops.applied")
def _applied(p):
    return _("%(owner)s applied to join with the shop %(shop)s.", owner=p["owner"], shop=p["shop"])


@message("shops.stage_changed")
def _stage_changed(p):
    return _("Your shop %(shop)s is now at the stage: %(stage)s.", shop=p["shop"], stage=_stage(p))


@message("shops.sent_back")
def _sent_back(p):
    return _("Your shop %(shop)s went back to the stage %(stage)s: %(note)s",
             shop=p["shop"], stage=_stage(p), note=p.get("note", ""))


@message("shops.stalled")
def _stalled(p):
    return _("%(shop)s has been at the stage %(stage)s for %(days)s days (target %(target)s).",
             shop=p["shop"], stage=_stage(p), days=p["days"], target=p["target"])
