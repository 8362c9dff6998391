"""Notification kinds of the livestream area (rendered in the reader's language)."""

from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from incubator.notify.messages import message


def _when(iso: str) -> str:
    try:
        return format_datetime(datetime.fromisoformat(iso), "short")
    except (TypeError, ValueError):
        return iso or ""


@message("livestreams.host_assigned")
def _host_assigned(p):
    return _("You are a host of the livestream “%(title)s” on %(when)s.", title=p.get("title", ""),
             when=_when(p.get("starts_at", "")))


@message("livestreams.cancelled")
def _cancelled(p):
    return _("The livestream “%(title)s” on %(when)s is cancelled.", title=p.get("title", ""),
             when=_when(p.get("starts_at", "")))


@message("livestreams.reminder")
def _reminder(p):
    return _("Your livestream “%(title)s” starts at %(when)s.", title=p.get("title", ""),
             when=_when(p.get("starts_at", "")))


# The weekly staff digest gets the livestream lines when the notices load.
from incubator.livestreams.digest import register as _register_digest  # noqa: E402

_register_digest()
