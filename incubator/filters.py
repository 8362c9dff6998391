"""Jinja filters: dates and times in the site's zone and the reader's locale,
money from integer fen."""

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime, format_decimal, format_time, to_user_timezone


def local_datetime(value: datetime | None, style: str = "medium") -> str:
    """A stored (naive UTC) datetime in the site's zone."""
    return format_datetime(value, style) if value else ""


def local_date(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value.replace(tzinfo=UTC)).date()
    return format_date(value, style)


def local_time(value: datetime | None) -> str:
    return format_time(value, "HH:mm") if value else ""


def yuan(fen: int | None) -> str:
    """Integer fen shown as yuan: 123456 -> 1,234.56."""
    if fen is None:
        return ""
    return format_decimal(Decimal(fen) / 100, format="#,##0.00")


def register(app) -> None:
    app.jinja_env.filters.update(datetime=local_datetime, date=local_date, time=local_time, yuan=yuan)
