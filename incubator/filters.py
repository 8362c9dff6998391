"""Jinja filters: dates and times in the site's zone and the reader's locale,
money from integer fen."""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import dates
from flask_babel import format_decimal, get_locale, get_timezone

# Each filter shows a time on the reader's clock (the Flask-Babel time zone
# of the request: the signed-in person's base, see i18n.select_timezone), or
# on the clock of the zone given: a public page shows a livestream on its
# own base's clock, whoever reads it.

def local_datetime(value: datetime | None, style: str = "medium", zone: str | None = None) -> str:
    """A stored (naive UTC) datetime in the site's zone."""
    return _formatted("datetime", value, style, zone) if value else ""


def local_date(value: date | datetime | None, style: str = "medium", zone: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC).astimezone(_zone(zone or _request_zone())).date()
    return _formatted("date", value, style, zone)


def local_time(value: datetime | None, style: str = "HH:mm", zone: str | None = None) -> str:
    """HH:mm unless asked for the locale's own style ("short": 9:00 PM in English)."""
    return _formatted("time", value, style, zone) if value else ""


_FORMATS = {"datetime": dates.format_datetime, "time": dates.format_time}  # a date has no zone


def _request_zone() -> str:
    return str(get_timezone())


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _formatted(kind: str, value, style: str, zone: str | None = None) -> str:
    return _format_once(kind, value, style, str(get_locale()), zone or _request_zone())


@lru_cache(maxsize=8192)
def _format_once(kind: str, value, style: str, locale: str, zone: str) -> str:
    """Babel takes about 20 µs a date, and a page draws the same few days and
    times again and again (a week of slots repeats each day's date dozens of
    times): each is formatted once per locale and zone, which are in the key.
    Naive values are UTC; Babel moves them to the zone."""
    if kind == "date":
        return dates.format_date(value, style, locale=locale)
    return _FORMATS[kind](value, style, tzinfo=_zone(zone), locale=locale)


def yuan(fen: int | None) -> str:
    """Integer fen shown as yuan: 123456 -> 1,234.56."""
    if fen is None:
        return ""
    return format_decimal(Decimal(fen) / 100, format="#,##0.00")


def hours(value: float | None) -> str:
    """Hours to one decimal, grouped, without a trailing .0: 20340.0 -> 20,340, 7.5 -> 7.5."""
    if value is None:
        return ""
    return format_decimal(round(value, 1), format="#,##0.#")


def register(app) -> None:
    app.jinja_env.filters.update(datetime=local_datetime, date=local_date, time=local_time, yuan=yuan, hours=hours)
