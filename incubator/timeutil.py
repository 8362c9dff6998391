"""Time helpers.

Convention: the database holds naive datetimes in UTC. Pages show them in the
site's zone through Flask-Babel's format_datetime, which reads naive values as
UTC. Services that take a local wall-clock time (a session at 9:30) convert it
with to_utc() before storing.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (the storage convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_utc(local: datetime, tz_name: str = DEFAULT_TIMEZONE) -> datetime:
    """A naive wall-clock time in tz_name, as naive UTC."""
    aware = local.replace(tzinfo=ZoneInfo(tz_name))
    return aware.astimezone(UTC).replace(tzinfo=None)


def to_local(utc_value: datetime, tz_name: str = DEFAULT_TIMEZONE) -> datetime:
    """A stored naive UTC datetime, as a naive wall-clock time in tz_name."""
    return utc_value.replace(tzinfo=UTC).astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)


def clock_text(tz_name: str = DEFAULT_TIMEZONE) -> Callable[[datetime | None], str]:
    """A function writing stored UTC datetimes as "2026-05-01 14:30" on
    tz_name's clock ("" for None), for exports that write hundreds of
    thousands: the zone is found once, and the aware time's isoformat is cut
    before its offset (no naive copy; strftime takes three times as long)."""
    zone = ZoneInfo(tz_name)

    def text(utc_value: datetime | None) -> str:
        return utc_value.replace(tzinfo=UTC).astimezone(zone).isoformat(" ", "minutes")[:16] if utc_value else ""

    return text


def iso_clock(tz_name: str = DEFAULT_TIMEZONE) -> Callable[[datetime | None], str | None]:
    """A function writing stored UTC datetimes as ISO 8601 on tz_name's clock
    with its offset ("2026-05-01T14:30:00+08:00"; None for None): for a
    person's own-data download, which must read as her base's time and still
    say which time it is when read elsewhere."""
    zone = ZoneInfo(tz_name)

    def text(utc_value: datetime | None) -> str | None:
        return utc_value.replace(tzinfo=UTC).astimezone(zone).isoformat() if utc_value else None

    return text


def local_today(tz_name: str = DEFAULT_TIMEZONE) -> date:
    return to_local(utcnow(), tz_name).date()


def combine_local(day: date, at: time, tz_name: str = DEFAULT_TIMEZONE) -> datetime:
    """A local date and time of day, as naive UTC."""
    return to_utc(datetime.combine(day, at), tz_name)
