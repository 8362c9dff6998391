"""What a report looks at: one base (or every base), a period of local
dates, and optional programme, class and group filters; and the plain
tables every figure, drill-down and export is made of."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from importlib import import_module

from incubator.timeutil import DEFAULT_TIMEZONE, to_local, to_utc


@dataclass(frozen=True)
class Scope:
    site_id: int | None  # None: every base (admins only)
    start: date
    end: date  # inclusive
    tz: str = DEFAULT_TIMEZONE
    programme_id: int | None = None
    cohort_id: int | None = None
    group: str | None = None
    today: date | None = None  # for tests; None means the base's today

    @property
    def start_at(self) -> datetime:
        """The first moment of the period, as naive UTC."""
        return to_utc(datetime.combine(self.start, time()), self.tz)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period, as naive UTC (exclusive)."""
        return to_utc(datetime.combine(self.end + timedelta(days=1), time()), self.tz)

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start_at <= at < self.end_at

    def holds_day(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def local_day(self, at: datetime | None) -> date | None:
        return to_local(at, self.tz).date() if at else None

    def on_site(self, site_id: int | None) -> bool:
        return self.site_id is None or site_id == self.site_id

    @property
    def has_training_filters(self) -> bool:
        return bool(self.programme_id or self.cohort_id or self.group)

    def months(self) -> list[tuple[int, int]]:
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def query_args(self) -> dict:
        """The filters as URL arguments, so a link keeps them. The base goes
        too: an admin who chose one must download that base's rows, not every
        base's (for staff the server ignores it and uses their own base)."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for name in ("site_id", "programme_id", "cohort_id", "group"):
            value = getattr(self, name)
            if value:
                args[name.removesuffix("_id")] = value
        return args

    def with_(self, **changes) -> "Scope":
        return replace(self, **changes)


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string
    kind: str = "text"  # text, date, count, yuan, person


@dataclass
class Table:
    """Rows behind a figure, a drill-down page or a CSV export.

    Rows are dicts keyed by column; "person_id" (when present) links a row
    to the person's record."""

    columns: list[Column]
    rows: list[dict] = field(default_factory=list)


def optional_model(module: str, name: str):
    """A model of another area, or None while that area has not landed.
    Each figure whose area is absent says "not yet recorded"."""
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def this_year(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), date(today.year, 12, 31)
