"""Jinja filters: dates and times in the site's zone and the reader's locale,
money from integer fen."""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
    get_timezone,
    to_user_timezone,
)


def local_datetime(value: datetime | None, style: str = "medium") -> str:
    """A stored (naive UTC) datetime in the site's zone."""
    return _formatted("datetime", value, style) if value else ""


def local_date(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value.replace(tzinfo=UTC)).date()
    return _formatted("date", value, style)


def local_time(value: datetime | None) -> str:
    return _formatted("time", value, "HH:mm") if value else ""


_FORMATS = {"datetime": format_datetime, "date": format_date, "time": format_time}


def _formatted(kind: str, value, style: str) -> str:
    return _format_once(kind, value, style, str(get_locale()), str(get_timezone()))


@lru_cache(maxsize=8192)
def _format_once(kind: str, value, style: str, _locale: str, _zone: str) -> str:
    """Babel takes about 20 µs a date, and a page draws the same few days and
    times again and again (a week of slots repeats each day's date dozens of
    times): each is formatted once per locale and zone, which are in the key
    (Flask-Babel reads them from the request)."""
    return _FORMATS[kind](value, style)


def yuan(fen: int | None) -> str:
    """Integer fen shown as yuan: 123456 -> 1,234.56."""
    if fen is None:
        return ""
    return format_decimal(Decimal(fen) / 100, format="#,##0.00")


def register(app) -> None:
    app.jinja_env.filters.update(datetime=local_datetime, date=local_date, time=local_time, yuan=yuan)
