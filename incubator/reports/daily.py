"""Daily figures: for each base and each of its local days, the sums the
dashboard shows (report_days), so a year of a base is 365 rows to add up,
not the hundreds of thousands of bookings, applications and certificates
behind them.

What a day row holds is defined here, one counting statement per area
(DAILY): the rules of counts.py's statements and sources.py's rows, for one
base, grouped by local day. tests/test_reports_counts.py holds the dashboard
made from these rows equal to the drill-downs, figure by figure, also after
writes made once the rows exist.

Kept in the transaction of every write
--------------------------------------
No area calls this module: the session tells it what each flush writes. For
every row of a tracked table (TRACKED: bookings, applications, certificates,
sessions, classes, studios, shops and their stage moves, stages, the rule
of "incubated", bases) it notes the days the row counted on before the change
and counts on after it. Just before the commit those days are counted again
from the records and written, in the same transaction: a write and the
figures it changes commit together or not at all.

Counting a day again, rather than adding and subtracting, keeps the rows
right whatever the change, and lets the list of days be generous: a day
noted that did not change is merely counted again. Two transactions of one
base must not count from snapshots that miss each other's rows: on
PostgreSQL each first takes the base's advisory lock (held until it
commits), so the second counts after the first committed; on SQLite a
writer holds the database's write lock from its first write anyway.

Writes that bypass the ORM (Core insert or update) are not seen. On the
tracked tables there are two: seed-scale's bulk load, which builds every
base at its end, and the shops area's stage move, which also adds a stage
event (seen). A base whose rows were never built (no report_sites row: a
base made by a Core insert, a database upgraded to this version) is counted
from its records until `flask reports build-figures` or the
reports.build_figures job builds it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    and_,
    bindparam,
    case,
    event,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, attributes
from sqlalchemy.sql.functions import FunctionElement
from werkzeug.utils import import_string

from incubator.extensions import db
from incubator.reports.models import ReportDay, ReportIncubation, ReportSite, new_stamp
from incubator.timeutil import to_local, to_utc, utcnow

EVERY_DAY = "every day"  # a key's day: all of the base's days
# The base whose days a statement counts ("site_id" is a column an UPDATE or INSERT would set).
P_SITE = bindparam("base", type_=Integer())
LOCK_SPACE = 0x7270  # pg_advisory_xact_lock(LOCK_SPACE, site_id): a base's day rows

# --- Local days in SQL ---------------------------------------------------------------


class shifted_date(FunctionElement):  # noqa: N801 (an SQL function)
    """The date of a UTC time moved by a fixed number of seconds: its local
    day where the zone's offset is that many seconds."""

    type = Date()
    inherit_cache = True


@compiles(shifted_date)
def _shifted_date(element, compiler, **kw):
    column, seconds = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST({column} + make_interval(secs => {seconds}) AS DATE)"


@compiles(shifted_date, "sqlite")
def _shifted_date_sqlite(element, compiler, **kw):
    column, seconds = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"date({column}, '{seconds} seconds')"


@lru_cache(maxsize=64)
def offsets(tz: str, first: date, last: date) -> tuple[tuple[datetime | None, int], ...]:
    """The zone's offset from UTC, in seconds, over the days from first to
    last: (until, seconds) pairs, `until` the UTC instant the next offset
    starts (None for the last). One pair where the zone keeps one offset
    (Asia/Shanghai); two more a year where clocks change."""
    zone = ZoneInfo(tz)

    def offset(at: datetime) -> int:
        return int(at.replace(tzinfo=UTC).astimezone(zone).utcoffset().total_seconds())

    at, end = datetime.combine(first - timedelta(days=1), time()), datetime.combine(last + timedelta(days=2), time())
    found, current = [], offset(at)
    while at < end:
        step = min(at + timedelta(hours=12), end)
        if offset(step) != current:
            low, high = at, step  # the change is in (low, high]; clocks change on a whole second
            while high - low > timedelta(seconds=1):
                middle = low + timedelta(seconds=int((high - low).total_seconds()) // 2)
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            found.append((high, current))
            current = offset(high)
        at = step
    return (*found, (None, current))


def local_day(column, seconds: tuple[int, ...]):
    """The local date of a UTC time column, in a zone whose offsets are these
    seconds one after the other (offsets()), the UTC instants between them
    bound as until0, until1..."""
    days = [shifted_date(column, literal_column(str(offset))) for offset in seconds]
    if len(days) == 1:
        return days[0]
    return case(*[(column < bindparam(f"until{i}", type_=DateTime()), day) for i, day in enumerate(days[:-1])],
                else_=days[-1])


@dataclass(frozen=True)
class Days:
    """Which local days of a base a statement counts: `count` of them (bound
    as day0, day1..., each with the UTC range around it, low0 to high0...),
    or every one (count None); and the offsets of the base's zone over them.
    This is the statement's shape: it is built once for each shape and run
    with the values of `of`, so a write compiles nothing."""

    count: int | None
    seconds: tuple[int, ...]

    @classmethod
    def of(cls, tz: str, days: list[date] | None, span: tuple[datetime, datetime] | None = None) -> tuple:
        """The shape and the values for these days (None: every day, its rows
        from span's first to last UTC time)."""
        first, last = (days[0], days[-1]) if days is not None else (span[0].date(), span[1].date())
        found = offsets(tz, first - timedelta(days=1), last + timedelta(days=1))
        values = {f"until{i}": until for i, (until, _seconds) in enumerate(found[:-1])}
        for i, day in enumerate(days or []):
            # A day wider on each side, so no row of the day is missed however
            # the offset moves; rows of the days beside it are left out when written.
            values |= {f"day{i}": day, f"low{i}": to_utc(datetime.combine(day - timedelta(days=1), time()), tz),
                       f"high{i}": to_utc(datetime.combine(day + timedelta(days=2), time()), tz)}
        return cls(None if days is None else len(days), tuple(seconds for _until, seconds in found)), values

    def holds(self, column):
        """The rows whose UTC time `column` falls on (or beside) these days."""
        if self.count is None:
            return true()
        return or_(*(and_(column >= bindparam(f"low{i}", type_=DateTime()),
                          column < bindparam(f"high{i}", type_=DateTime())) for i in range(self.count)))

    def holds_date(self, column):
        """The rows whose local date `column` is one of these days."""
        if self.count is None:
            return true()
        return column.in_([bindparam(f"day{i}", type_=Date()) for i in range(self.count)])

    def day_of(self, column):
        """The local day of a UTC time column."""
        return local_day(column, self.seconds)

    def listed(self):
        """The days themselves, as a subquery of one column, day."""
        days = [select(bindparam(f"day{i}", type_=Date()).label("day")) for i in range(self.count)]
        return (union_all(*days) if len(days) > 1 else days[0]).subquery()


# --- What a day row counts, area by area ---------------------------------------------


@dataclass(frozen=True)
class Daily:
    """Columns of report_days counted from one area's records: count(site_id,
    days) gives (day, *columns) rows for one base. `times` names the model
    and attribute of the UTC time whose local day a row counts on; None for
    counts by date."""

    name: str
    columns: tuple[str, ...]
    count: Callable
    times: tuple[str, str] | None = None

    def span(self, site_id):
        """The first and last UTC time of the base's rows, for counting every day."""
        model = import_string(self.times[0])
        at = getattr(model, self.times[1])
        return select(func.min(at), func.max(at)).where(model.site_id == site_id)


def _each(times: tuple[str, str], column: str) -> Callable:
    """Count the base's rows of a model by the local day of a time of theirs."""

    def count(site_id, days: Days):
        model = import_string(times[0])
        at = getattr(model, times[1])
        day = days.day_of(at)
        return (select(day.label("day"), func.count().label(column))
                .where(model.site_id == site_id, days.holds(at)).group_by(day))

    return count


def _bookings(site_id: int, days: Days):
    """sources.studio_utilisation (booked minutes of the base's studios) and
    no_show_rate (bookings due, and released as no-shows), by the local day
    they start. A booking's base is its studio's base (booking.book sets it)."""
    from incubator.booking.models import CONFIRMED, NO_SHOW, STUDIO, Booking, Resource
    from incubator.reports.counts import minutes_between

    studios = select(Resource.id).where(Resource.site_id == site_id, Resource.kind == STUDIO)
    day = days.day_of(Booking.starts_at)
    booked = and_(Booking.status == CONFIRMED, Booking.resource_id.in_(studios))
    return (select(day.label("day"),
                   func.coalesce(func.sum(minutes_between(Booking.starts_at, Booking.ends_at)).filter(booked), 0)
                   .label("studio_minutes"),
                   func.count().label("bookings_due"),
                   func.count().filter(Booking.status == NO_SHOW).label("no_shows"))
            .where(Booking.site_id == site_id, Booking.status.in_((CONFIRMED, NO_SHOW)), days.holds(Booking.starts_at))
            .group_by(day))


def _completion(site_id: int, days: Days):
    """sources.completion_rate: the places taken in classes ending on a day,
    and how many of them earned the class's certificate."""
    from incubator.enrolment.models import Application, Cohort
    from incubator.reports.sources import ENROLLED_STATUSES
    from incubator.training.models import Certificate

    earned = (select(Certificate.id).where(Certificate.user_id == Application.user_id,
                                           Certificate.cohort_id == Application.cohort_id).exists())
    return (select(Cohort.ends_on.label("day"), func.count().label("places_ended"),
                   func.count().filter(earned).label("places_completed"))
            .select_from(Application).join(Cohort, Cohort.id == Application.cohort_id)
            .where(Application.site_id == site_id, Application.status.in_(ENROLLED_STATUSES),
                   days.holds_date(Cohort.ends_on))
            .group_by(Cohort.ends_on))


APPLIED = ("incubator.enrolment.models:Application", "submitted_at")
ISSUED = ("incubator.training.models:Certificate", "issued_at")
HELD = ("incubator.training.models:TrainingSession", "starts_at")
BOOKED = ("incubator.booking.models:Booking", "starts_at")
INCUBATED = ("incubator.reports.models:ReportIncubation", "at")
DAILY = {daily.name: daily for daily in [
    Daily("applications", ("applications",), _each(APPLIED, "applications"), APPLIED),
    Daily("certificates", ("certificates",), _each(ISSUED, "certificates"), ISSUED),
    Daily("sessions", ("sessions",), _each(HELD, "sessions"), HELD),
    Daily("bookings", ("studio_minutes", "bookings_due", "no_shows"), _bookings, BOOKED),
    Daily("completion", ("places_ended", "places_completed"), _completion),
    Daily("incubated", ("incubated",), _each(INCUBATED, "incubated"), INCUBATED),  # after the first days
]}
COLUMNS = tuple(column for daily in DAILY.values() for column in daily.columns)


def first_incubations(site_id: int, people: Iterable[int] | None, rule):
    """(person_id, at) of each person's first incubation at the base under its
    rule (sources.incubated): her first certificate there, or her shop there
    reaching the rule's stage. people=None: everyone. Its parameters are
    counts.py's (site_id, shop_stage)."""
    from incubator.reports import counts

    ways = []
    if rule.by_completion:
        ways.append(counts._certificates((0, True, False, False, False)))
    if rule.by_shop_stage and (reached := counts._shops_reached(True)) is not None:
        ways.append(reached)
    if not ways:
        return None
    found = union_all(*ways).subquery()
    query = (select(found.c.person_id, func.min(found.c.at).label("at")).where(found.c.at.is_not(None))
             .group_by(found.c.person_id))
    return query.where(found.c.person_id.in_(sorted(people))) if people is not None else query


# --- What a write changes ---------------------------------------------------------


@dataclass(frozen=True)
class Watch:
    """Fields of a tracked row, and the keys its values give: (figure, site,
    UTC time or date or EVERY_DAY); a class, a shop or a person to look up;
    ("people", site) for a change to what enrolment_stamp stands for."""

    fields: tuple[str, ...]
    keys: Callable[[dict], Iterable[tuple]]


TRACKED: dict[str, list[Watch]] = {
    "bookings": [Watch(("site_id", "starts_at", "ends_at", "status", "resource_id"),
                       lambda v: [("bookings", v["site_id"], v["starts_at"])])],
    "applications": [Watch(("site_id", "submitted_at"), lambda v: [("applications", v["site_id"], v["submitted_at"])]),
                     Watch(("site_id", "status", "cohort_id", "user_id"),
                           lambda v: [("class", v["cohort_id"], v["site_id"])]),
                     Watch(("site_id", "submitted_at", "status", "cohort_id", "user_id", "applicant_group"),
                           lambda v: [("people", v["site_id"])])],
    "certificates": [Watch(("site_id", "issued_at"), lambda v: [("certificates", v["site_id"], v["issued_at"])]),
                     Watch(("site_id", "user_id", "cohort_id"), lambda v: [("class", v["cohort_id"], v["site_id"])]),
                     Watch(("site_id", "user_id", "issued_at", "programme_id", "cohort_id"),
                           lambda v: [("person", v["site_id"], v["user_id"])])],
    "training_sessions": [Watch(("site_id", "starts_at"), lambda v: [("sessions", v["site_id"], v["starts_at"])])],
    "cohorts": [Watch(("site_id", "ends_on"), lambda v: [("completion", v["site_id"], v["ends_on"])]),
                Watch(("site_id", "starts_on", "ends_on"), lambda v: [("people", v["site_id"])])],
    "resources": [Watch(("site_id", "kind"), lambda v: [("bookings", v["site_id"], EVERY_DAY)])],
    "shops": [Watch(("site_id", "owner_id", "stage_id", "stage_entered_at"),
                    lambda v: [("person", v["site_id"], v["owner_id"])])],
    "shop_stage_events": [Watch(("shop_id", "to_stage_id", "at"), lambda v: [("shop", v["shop_id"])])],
    "shop_stages": [Watch(("site_id", "key"), lambda v: [("person", v["site_id"], EVERY_DAY)])],
    "incubation_rules": [Watch(("site_id", "by_completion", "by_shop_stage", "shop_stage"),
                               lambda v: [("person", v["site_id"], EVERY_DAY)])],
    "sites": [Watch(("timezone",), lambda v: [("base", v["id"], EVERY_DAY)])],
}

PENDING = "report_days.pending"  # session.info: the keys noted since the transaction began
OLD = "report_days.old"  # session.info: old values read before a flush, by (table, primary key)
UNKNOWN = object()


def _table(obj) -> str | None:
    table = getattr(type(obj), "__tablename__", None)
    return table if table in TRACKED else None


def _pending(session) -> set:
    return session.info.setdefault(PENDING, set())


def _fields(table: str) -> set[str]:
    return {field for watch in TRACKED[table] for field in watch.fields} | {"id"}


def _old_values(session, obj, state, table: str) -> dict:
    """A row's values before this flush: as the session loaded them, else read
    from the database (a field set without being read first)."""
    fields = _fields(table)
    values = {field: state.committed_state[field] if field in state.committed_state
              else state.dict.get(field, UNKNOWN) for field in fields}
    if any(value is UNKNOWN or value is attributes.NO_VALUE for value in values.values()):
        columns = type(obj).__table__.c
        row = session.connection().execute(select(*[columns[f] for f in sorted(fields)])
                                           .where(columns.id == state.identity[0])).mappings().first()
        values = dict(row) if row else {}
    return values


def _note(session, table: str, values: dict, changed: set | None) -> None:
    """The keys of one row's values; changed: the fields a flush changes
    (None for a new or a deleted row: every watch applies)."""
    if not values:
        return
    pending = _pending(session)
    for watch in TRACKED[table]:
        if changed is None or changed & set(watch.fields):
            pending.update(key for key in watch.keys(values) if None not in key)


def _changed(state, table: str) -> set:
    return _fields(table) & set(state.committed_state)


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances):
    """The keys of what rows were, for the rows about to change or go."""
    old = session.info.setdefault(OLD, {})
    for obj in list(session.dirty) + list(session.deleted):
        table = _table(obj)
        state = attributes.instance_state(obj)
        if table is None or not state.has_identity:
            continue
        changed = None if obj in session.deleted else _changed(state, table)
        if changed is not None and not changed:
            continue
        values = _old_values(session, obj, state, table)
        old[(table, state.identity)] = values
        _note(session, table, values, changed)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context):
    """The keys of what rows are now, for the rows just written."""
    old = session.info.pop(OLD, {})
    for obj in list(session.new) + list(session.dirty):
        table = _table(obj)
        if table is None:
            continue
        state = attributes.instance_state(obj)
        if obj in session.new:
            changed, before = None, {}
            if table == "sites":
                _pending(session).add(("built", obj.id))
        else:
            changed, before = _changed(state, table), old.get((table, state.identity), {})
            if not changed:
                continue
        _note(session, table, {field: state.dict.get(field, before.get(field)) for field in _fields(table)},
              changed)


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    if session.new or session.dirty or session.deleted:
        session.flush()
    pending = session.info.pop(PENDING, None)
    if pending:
        count_again(session, pending)


@event.listens_for(Session, "after_transaction_end")
def _transaction_end(session, transaction):
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(OLD, None)


# --- Counting the noted days again -------------------------------------------------


def count_again(session, keys: set) -> None:
    """Count again every day the keys name, and write the day rows."""
    keys = set(keys)
    _look_up_classes_and_shops(session, keys)
    sites = sorted({key[1] for key in keys})
    zones = _lock_bases(session, sites)
    by_base: dict[tuple[str, int], set | None] = {}

    def add(name: str, site_id: int, when) -> None:
        if site_id not in zones:
            return
        days = by_base.setdefault((name, site_id), set())
        if days is None:
            return
        if when is EVERY_DAY:
            by_base[(name, site_id)] = None
        elif isinstance(when, datetime):
            days.add(_local_date(when, zones[site_id]))
        else:
            days.add(when)

    people: dict[int, set | None] = {}
    for key in keys:
        name, site_id = key[0], key[1]
        if name == "base":
            for daily in DAILY:
                add(daily, site_id, EVERY_DAY)
            people[site_id] = None
        elif name == "person":
            if key[2] is EVERY_DAY or people.get(site_id, set()) is None:
                people[site_id] = None
            else:
                people.setdefault(site_id, set()).add(key[2])
        elif name in DAILY:
            add(name, site_id, key[2])
    for site_id, who in sorted(people.items(), key=lambda item: item[0]):
        if site_id in zones:
            for at in _first_incubations_again(session, site_id, who):
                add("incubated", site_id, at)
    for name in DAILY:  # in DAILY's order: "incubated" after the first days it counts
        for (source, site_id), days in sorted(by_base.items(), key=lambda item: item[0][1]):
            if source == name and (days is None or days):
                _write_days(session, DAILY[name], site_id, zones[site_id], days)
    built = sorted({key[1] for key in keys if key[0] == "built"} & set(zones))
    if built:
        _insert(session, ReportSite.__table__,
                [{"site_id": s, "built_at": utcnow(), "enrolment_stamp": new_stamp()} for s in built],
                ["site_id"], ["built_at", "enrolment_stamp"])
    restamped = sorted({key[1] for key in keys if key[0] in ("people", "base")} & set(zones) - set(built))
    if restamped:
        session.execute(update(ReportSite).where(ReportSite.site_id.in_(restamped)).values(
            enrolment_stamp=new_stamp()))


def _local_date(at: datetime, tz: str) -> date:
    return to_local(at, tz).date()


def _look_up_classes_and_shops(session, keys: set) -> None:
    """Classes give the days they end on, at each base with places in them;
    shops give their owner at their base."""
    from incubator.enrolment.models import Application, Cohort

    classes = {key for key in keys if key[0] == "class"}
    if classes:
        keys -= classes
        ids = sorted({key[1] for key in classes})
        found = session.execute(select(Cohort.id, Cohort.site_id, Cohort.ends_on, Application.site_id)
                                .outerjoin(Application, Application.cohort_id == Cohort.id)
                                .where(Cohort.id.in_(ids)).distinct()).all()
        ends = {cohort_id: ends_on for cohort_id, _s, ends_on, _a in found}
        for _cohort, site_id, ends_on, application_site in found:
            keys.add(("completion", site_id, ends_on))
            if application_site is not None:
                keys.add(("completion", application_site, ends_on))
        for _name, cohort_id, site_id in classes:
            if cohort_id in ends:
                keys.add(("completion", site_id, ends[cohort_id]))
    shops = {key for key in keys if key[0] == "shop"}
    if shops:
        keys -= shops
        from incubator.shops.models import Shop

        for site_id, owner_id in session.execute(select(Shop.site_id, Shop.owner_id).where(
                Shop.id.in_(sorted({key[1] for key in shops})))):
            keys.add(("person", site_id, owner_id))


def _lock_bases(session, sites: list[int]) -> dict[int, str]:
    """Each base's time zone, after taking its lock (PostgreSQL), in order of
    id so two transactions never wait for each other in a circle."""
    from incubator.sites.models import Site

    zones = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    for site_id in sites:
        if postgres:
            statement = _built(("lock",), lambda: select(Site.timezone, func.pg_advisory_xact_lock(
                LOCK_SPACE, Site.id)).where(Site.id == P_SITE))
            tz = session.connection().execute(statement, {"base": site_id}).scalar()
        else:
            loaded = session.identity_map.get(session.identity_key(Site, site_id))
            tz = loaded.__dict__.get("timezone") if loaded is not None else None
            tz = tz or session.connection().execute(
                _built(("zone",), lambda: select(Site.timezone).where(Site.id == P_SITE)), {"base": site_id}).scalar()
        if tz:
            zones[site_id] = tz
    return zones


def _first_incubations_again(session, site_id: int, people: set | None) -> list:
    """Work out again when these people (None: everyone) were first
    incubated at the base; the times that changed, old and new, whose days
    must be counted again (EVERY_DAY when everyone's were)."""
    from sqlalchemy import delete

    from incubator.reports.settings import rule_for

    gone = delete(ReportIncubation).where(ReportIncubation.site_id == site_id)
    if people is not None:
        gone = gone.where(ReportIncubation.person_id.in_(sorted(people)))
    before = {person: at for person, at in session.execute(
        gone.returning(ReportIncubation.person_id, ReportIncubation.at))}
    rule = rule_for(site_id)
    query = first_incubations(site_id, people, rule)
    now = dict(session.execute(query, {"site_id": site_id, "shop_stage": rule.shop_stage}).all()) \
        if query is not None else {}
    if now:
        session.execute(ReportIncubation.__table__.insert(),
                        [{"site_id": site_id, "person_id": p, "at": at} for p, at in sorted(now.items())])
    if people is None:
        return [EVERY_DAY]
    return [at for person in people for at in {before.get(person), now.get(person)}
            if at is not None and before.get(person) != now.get(person)]


def _insert(session, table, rows, keys: list[str], updated: list[str]):
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
    statement = insert(table).values(rows)
    return session.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={column: statement.excluded[column] for column in updated}))


def _write_days(session, daily: Daily, site_id: int, tz: str, days: set | None) -> None:
    """Count these days of the base again (None: every day) and write them."""
    connection = session.connection()
    params = {"base": site_id}
    if days is None and daily.times is None:  # counted by date: no zone to follow
        shape, values = Days(None, ()), {}
    elif days is None:
        span = tuple(connection.execute(_built(("span", daily.name), lambda: daily.span(P_SITE)), params).one())
        shape, values = Days.of(tz, None, span) if span[0] is not None else (None, {})
    else:
        shape, values = Days.of(tz, sorted(days))
    for statement in _built(("write", daily.name, shape), lambda: _writing(daily, shape)):
        connection.execute(statement, params | values)


def _writing(daily: Daily, days: Days | None) -> list:
    """The statements that write these days of a base (bound site_id): the
    rows there are updated, the missing ones inserted. (An upsert, INSERT ...
    ON CONFLICT, never enters SQLAlchemy's compiled cache: compiling one cost
    2 ms of every booking.) For every day, first each row's figures are
    set to nothing (days=None when the base has no row to count)."""
    table = ReportDay.__table__
    columns = list(daily.columns)
    statements = []
    if days is None or days.count is None:
        statements.append(update(table).where(table.c.site_id == P_SITE).values({c: 0 for c in columns}))
        if days is None:
            return statements
        counted = daily.count(P_SITE, days).subquery()
    else:
        wanted, found = days.listed(), daily.count(P_SITE, days).subquery()
        counted = (select(wanted.c.day, *[func.coalesce(found.c[c], 0).label(c) for c in columns])
                   .select_from(wanted.outerjoin(found, found.c.day == wanted.c.day))).subquery()
    statements.append(update(table).values({c: counted.c[c] for c in columns})
                      .where(table.c.site_id == P_SITE, table.c.day == counted.c.day))
    there = select(table.c.day).where(table.c.site_id == P_SITE, table.c.day == counted.c.day).exists()
    statements.append(table.insert().from_select(
        ["site_id", "day", *columns], select(P_SITE, counted.c.day, *[counted.c[c] for c in columns]).where(~there)))
    return statements


_statements: dict = {}


def _built(key: tuple, build: Callable):
    """A statement (or list) built once for its shape, so that SQLAlchemy
    compiles it once and each write only binds the values."""
    found = _statements.get(key)
    if found is None:
        found = _statements[key] = build()
    return found


# --- Building a base's rows ---------------------------------------------------------


def build(site_ids: Iterable[int] | None = None) -> list[int]:
    """Count every day of these bases (None: those never built) from their
    records and mark them built; one transaction per base. Returns the ids."""
    from incubator.sites.models import Site

    if site_ids is None:
        site_ids = db.session.scalars(select(Site.id).where(Site.id.not_in(select(ReportSite.site_id)))
                                      .order_by(Site.id)).all()
    done = []
    for site_id in site_ids:
        db.session.connection()  # in a transaction of its own, which the keys belong to
        _pending(db.session).update({("base", site_id, EVERY_DAY), ("built", site_id)})
        db.session.commit()
        done.append(site_id)
    return done
