"""The dashboard's figures, counted in the database.

Each figure's drill-down lists its rows (sources.py), and its value is the
count of those rows. The dashboard and the impact report need only the
values, the breakdowns and the monthly trends; building every figure's rows
for them loaded every application, certificate, booking... of the period and,
row by row, the people, classes and studios they name (81 statements on a
tiny base, more with every record). Here each area's figures are counted by
one statement (two for shops and for bookings) whose conditions are the
rules of sources.py written in SQL; a figure's monthly trend is counted in
the same statement, one conditional aggregate per month.

Counted so, a base's year was still hundreds of thousands of rows at
district scale (67 ms in process, 1.4 s p95 on PostgreSQL). Without
programme, class or group filters, what the figures sum is read from the
base's day rows instead (by_day; reports/daily.py keeps them with every
write), and only what no sum of days gives is counted here.

The statements are built once for each shape of scope (how many months,
which filters) with named parameters (the P_* below), and run with the
scope's values: building them afresh, a dozen conditions a month for every
figure, cost more than running them on a small base.

Each function below names the source function whose rule it counts (and
daily.py's DAILY the rules of the day rows); a change to a rule is made in
every place, and tests/test_reports_counts.py and test_reports_days.py hold
them equal, figure by figure, over random bases with and without filters.
"""

from collections import Counter, OrderedDict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from threading import Lock
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from incubator.enrolment.models import GROUP_AUDIENCE, Application, Cohort, Programme
from incubator.extensions import db
from incubator.reports import sources
from incubator.reports.scope import Scope, optional_model
from incubator.reports.sources import ENROLLED_STATUSES, Result, group_name, percent
from incubator.shops.models import Shop
from incubator.timeutil import to_local, to_utc, utcnow
from incubator.training.models import Certificate, TrainingSession

# The statements' parameters; _values gives each its value for a scope.
P_START_AT = bindparam("start_at", type_=DateTime())  # the period, in UTC: [start_at, end_at)
P_END_AT = bindparam("end_at", type_=DateTime())
P_START = bindparam("start", type_=Date())  # the period, in local days: [start, end]
P_END = bindparam("end", type_=Date())
P_TODAY = bindparam("today", type_=Date())
P_NOW = bindparam("now", type_=DateTime())
P_SITE = bindparam("site_id", type_=Integer())
P_PROGRAMME = bindparam("programme_id", type_=Integer())
P_COHORT = bindparam("cohort_id", type_=Integer())
P_GROUPS = bindparam("groups", type_=String(), expanding=True)  # applicant_group values of the group
P_PROGRAMMES = bindparam("programmes", type_=Integer(), expanding=True)  # programmes for the group
P_SHOP_STAGE = bindparam("shop_stage", type_=String())
P_BOOKED_UNTIL = bindparam("booked_until", type_=DateTime())
P_DUE_UNTIL = bindparam("due_until", type_=DateTime())
P_NOW_DAY = bindparam("now_day", type_=Date())  # the base's today, from the clock (scope.today is for tests)
P_NOW_FROM = bindparam("now_from", type_=DateTime())  # the start of that day in the period, in UTC
P_TZ = bindparam("tz", type_=String())


def figures(scope: Scope) -> dict[str, Result | None]:
    """Every figure of sources.FIGURES by key: value, numerator and
    denominator, breakdown and, for figures with a trend, the value of each
    month of the period (Result.months). None while an area is absent.

    Without programme, class or group filters, what a base's days add up
    to is read from its day rows (by_day, reports/daily.py); the rest, and
    everything under those filters, is counted from the records here."""
    from incubator.reports.settings import rule_for

    programmes = _programmes_of_group(scope)
    values = _values(scope, programmes)
    if not (scope.programme_id or scope.cohort_id or scope.group):
        found = by_day(scope, values)
        if found is not None:
            return found
    found = enrolment(scope, values)
    found |= training(scope, values, rule_for(scope.site_id))
    found |= shops(scope, values)
    found |= booking(scope, values)
    found["mentorships"] = active_mentorships(scope, values)
    return found


# --- Statements, months and filters -------------------------------------------------------

_built: dict = {}


def _statement(key: tuple, build: Callable):
    """The statement for `key` (a function's name and the shape of the
    scope), built the first time it is asked for. Its compiled SQL is then
    cached by SQLAlchemy too, so a request only binds the values."""
    found = _built.get(key)
    if found is None:
        found = _built[key] = build()
    return found


def _shape(scope: Scope) -> tuple:
    """What decides a statement's form: the number of months, and which filters there are."""
    return (len(scope.months()), scope.site_id is not None, bool(scope.programme_id), bool(scope.cohort_id),
            bool(scope.group))


def _month_days(scope: Scope) -> list[date]:
    """The local days that open each month of the period, its first day for
    the first month, then the day after the period: month i is
    [days[i], days[i + 1])."""
    return ([scope.start] + [date(year, month, 1) for year, month in scope.months()[1:]]
            + [scope.end + timedelta(days=1)])


def _values(scope: Scope, programmes: list[int] | None) -> dict:
    """The value of every parameter for this scope (a statement reads those it has)."""
    today = sources._local_today(scope)
    last = min(scope.end, today)
    now = utcnow()
    now_day = to_local(now, scope.tz).date()
    values = {
        "start_at": scope.start_at, "end_at": scope.end_at, "start": scope.start, "end": scope.end,
        "today": today, "now": now, "site_id": scope.site_id, "programme_id": scope.programme_id,
        "cohort_id": scope.cohort_id, "groups": _applicant_groups(scope.group) if scope.group else [],
        "programmes": programmes or [],
        # Utilisation runs from the start of the period up to today; no-shows up to now.
        "booked_until": scope.with_(end=last).end_at if last >= scope.start else scope.start_at,
        "due_until": min(scope.end_at, now),
        "now_day": now_day, "now_from": max(scope.start_at, to_utc(datetime.combine(now_day, time()), scope.tz)),
        "tz": scope.tz,
    }
    for i, day in enumerate(_month_days(scope)):
        values[f"day{i}"] = day
        values[f"at{i}"] = to_utc(datetime.combine(day, time()), scope.tz)
    return values


def per_month(months: int, column, *, value=None, dates: bool = False) -> list:
    """One aggregate per month of the period over the rows whose `column`
    falls in that month of the base's calendar: a count, or the sum of
    `value`. `column` holds UTC times (their local day decides, as
    Scope.local_day does for the rows), or local dates with dates=True."""
    bounds = [bindparam(f"day{i}", type_=Date()) if dates else bindparam(f"at{i}", type_=DateTime())
              for i in range(months + 1)]
    aggregate = func.count() if value is None else func.sum(value)
    return [aggregate.filter(column >= low, column < high).label(f"m{i}")
            for i, (low, high) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))]


def counted_per_month(months: int, count_between: Callable) -> list:
    """One count per month of the period, each its own subquery:
    count_between(low, high) counts the rows of [low, high) (UTC times).
    For rows an index holds by base and time, each month is a range of the
    index; per_month's conditional counts test every row of the period
    against every month (7 of the 10 ms of a base's year of applications
    at district scale)."""
    bounds = [bindparam(f"at{i}", type_=DateTime()) for i in range(months + 1)]
    return [count_between(low, high).correlate(None).scalar_subquery().label(f"m{i}")
            for i, (low, high) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))]


def _months(row, scope: Scope) -> list[int]:
    return [int(getattr(row, f"m{i}") or 0) for i in range(len(scope.months()))]


def _monthly_result(months: list[int], **extra) -> Result:
    return Result(sum(months), None, months=months, **extra)


def _applicant_groups(group: str) -> list[str]:
    """The applicant_group values of an audience (sources.application_groups)."""
    return [own for own, audience in GROUP_AUDIENCE.items() if audience == group]


def _programmes_of_group(scope: Scope) -> list[int] | None:
    """Programmes whose audiences include the scope's group, as the sources
    read them (a programme for no one in particular is for "anyone"); None
    without a group filter. A handful of rows, read once, so the audiences
    (a JSON list) are matched in Python exactly as sources.py does."""
    if not scope.group:
        return None
    return [programme_id for programme_id, audiences in db.session.execute(
        select(Programme.id, Programme.audiences))
        if scope.group in (set(audiences or []) or {"anyone"})]


def _programme_filters(shape: tuple) -> list:
    """The programme and group filters of classes_run and sessions_held, on a class."""
    _months_n, _on_site, by_programme, _by_cohort, by_group = shape
    conditions = []
    if by_programme:
        conditions.append(Cohort.programme_id == P_PROGRAMME)
    if by_group:
        conditions.append(Cohort.programme_id.in_(P_PROGRAMMES))
    return conditions


# --- From the day rows ---------------------------------------------------------------

def by_day(scope: Scope, values: dict) -> dict[str, Result | None] | None:
    """The figures of a scope without programme, class or group filters: what
    its days add up to from report_days (a year is 365 rows a base; the
    certificates, sessions and people incubated by month, studio
    minutes, bookings due and no-shows, places in classes that ended), and
    what is not a sum of days from the records: the people counted once
    each, the classes, the shops, livestreams and mentorships, and the
    bookings due today up to now. None when a base's rows are not built (or
    kept in another time zone than the scope's): then everything is counted
    from the records."""
    on_site = scope.site_id is not None
    rows = db.session.execute(_statement(("days", on_site), lambda: _days(on_site)), values).all()
    today = next(row for row in rows if row.part == "today")
    if not today.bases or today.built != today.bases or today.other_zones:
        return None
    month = {key: i for i, key in enumerate(scope.months())}
    # Not the applications: the applicants' trend counts people (enrolment()).
    trends = {column: [0] * len(month) for column in ("certificates", "sessions", "incubated")}
    minutes, ended, completed = 0, 0, 0
    due, no_shows = int(today.bookings_due or 0), int(today.no_shows or 0)
    for row in rows:
        if row.part != "days":
            continue
        i = month[(int(row.year), int(row.month))]
        for column, counts in trends.items():
            counts[i] += int(getattr(row, column) or 0)
        if row.vs_today <= 0:  # utilisation: up to today
            minutes += int(row.studio_minutes or 0)
        if row.vs_today < 0:  # completion: classes that ended before today
            ended, completed = ended + int(row.places_ended or 0), completed + int(row.places_completed or 0)
        if row.vs_now < 0:  # bookings due: the days before today (today's come from the bookings)
            due, no_shows = due + int(row.bookings_due or 0), no_shows + int(row.no_shows or 0)
    found = enrolment(scope, values, (completed, ended), today.stamp)
    found["certificates"] = _monthly_result(trends["certificates"])
    found["sessions"] = _monthly_result(trends["sessions"])
    if on_site:
        found["incubated"] = _monthly_result(trends["incubated"])
    else:  # across bases a person is incubated once, under the default rule: not a sum of bases
        from incubator.reports.settings import rule_for

        found["incubated"] = training(scope, values, rule_for(None))["incubated"]
    found |= shops(scope, values)
    found |= booking(scope, values, (minutes, due, no_shows))
    found["mentorships"] = active_mentorships(scope, values)
    return found


def _days(on_site: bool):
    """The day rows of the period summed by month, and by where each day lies
    beside the scope's today and the clock's (rows "days"); and one row
    ("today") with the bookings due today up to now, counted from the
    bookings, and whether the bases' rows are built, in the scope's zone."""
    from incubator.reports import daily
    from incubator.reports.models import ReportDay, ReportSite
    from incubator.sites.models import Site

    def versus(bound):
        return case((ReportDay.day < bound, -1), (ReportDay.day == bound, 0), else_=1)

    days = (select(extract("year", ReportDay.day).label("year"), extract("month", ReportDay.day).label("month"),
                   versus(P_TODAY).label("vs_today"), versus(P_NOW_DAY).label("vs_now"),
                   *[getattr(ReportDay, column) for column in daily.COLUMNS])
            .where(ReportDay.day >= P_START, ReportDay.day <= P_END))
    days = days.where(ReportDay.site_id == P_SITE) if on_site else days
    days = days.subquery()
    grouped = (select(literal("days").label("part"), days.c.year, days.c.month, days.c.vs_today, days.c.vs_now,
                      *[func.sum(days.c[column]).label(column) for column in daily.COLUMNS],
                      *[literal(None, Integer()).label(name) for name in ("built", "bases", "other_zones", "stamp")])
               .group_by(days.c.year, days.c.month, days.c.vs_today, days.c.vs_now))

    def of_site(query, column):
        return query.where(column == P_SITE) if on_site else query

    Booking = optional_model("incubator.booking.models", "Booking")
    live = {}
    if Booking is not None:
        from incubator.booking.models import CONFIRMED, NO_SHOW

        def due(*statuses):
            return of_site(select(func.count()).select_from(Booking).where(
                Booking.status.in_(statuses), Booking.starts_at >= P_NOW_FROM, Booking.starts_at < P_DUE_UNTIL),
                Booking.site_id).scalar_subquery()

        live = {"bookings_due": due(CONFIRMED, NO_SHOW), "no_shows": due(NO_SHOW)}
    today = select(literal("today"), *[literal(None, Integer())] * 4,
                   *[live.get(column, literal(0)).label(column) for column in daily.COLUMNS],
                   of_site(select(func.count()).select_from(ReportSite), ReportSite.site_id).scalar_subquery(),
                   of_site(select(func.count()).select_from(Site), Site.id).scalar_subquery(),
                   of_site(select(func.count()).select_from(Site).where(Site.timezone != P_TZ), Site.id)
                   .scalar_subquery(),
                   (select(ReportSite.enrolment_stamp).where(ReportSite.site_id == P_SITE).scalar_subquery()
                    if on_site else literal(None, Integer())))
    return union_all(grouped, today)


# --- Enrolment: applicants, enrolled, completion, benefited, classes ------------------------

def enrolment(scope: Scope, values: dict, completion: tuple[int, int] | None = None,
              stamp: int | None = None) -> dict[str, Result]:
    """sources.applicants, enrolled, completion_rate, benefited and
    classes_run: one statement over the applications of the scope (the
    filters of sources._applications), joining one row from each of three
    parts, each reading only the applications its figures count: those
    submitted in the period (applicants, by month), the places in classes
    running in it (enrolled, by group) and those in classes that ended in
    it (completion). One pass over all the base's applications, with a
    count(DISTINCT) per figure, took 100 ms at district scale.

    From the day rows (by_day), the places of the classes that ended
    (completed, ended) are given, and only the people (counted once each,
    and by the month of their first application) and the classes are
    counted here,
    and remembered under the base's enrolment_stamp, which every change to
    its applications or classes replaces (reports/daily.py): 10 ms at
    district scale, the one part of a base's year no sum of days can give."""
    shape = _shape(scope)
    by_day = completion is not None
    key = (scope.site_id, stamp, scope.start, scope.end) if stamp is not None else None
    row = _recall(key) if key else None
    if row is None:
        row = db.session.execute(_statement(("enrolment", shape, by_day), lambda: _enrolment(shape, by_day)),
                                 values).one()
        if key:
            _remember(key, row)
    by_group = {GROUP_AUDIENCE[own]: getattr(row, f"group_{own}") for own in GROUP_AUDIENCE}
    breakdown = [(group_name(g), n) for g, n in sorted(by_group.items(), key=lambda kv: (-kv[1], kv[0])) if n]
    completed, ended = completion if by_day else (row.completed, row.ended)
    return {
        "applicants": Result(row.applicants, None, months=_months(row, scope)),
        "enrolled": Result(row.enrolled, None),
        "completion": Result(percent(completed, ended), None, completed, ended),
        "benefited": Result(row.enrolled, None, breakdown=breakdown),
        "classes": Result(row.classes, None),
    }


# (site, enrolment stamp, start, end) -> the row of _enrolment(by_day=True), the latest looks last.
_people_counted: OrderedDict = OrderedDict()
_people_lock = Lock()
REMEMBERED = 256


def _recall(key: tuple):
    with _people_lock:
        row = _people_counted.get(key)
        if row is not None:
            _people_counted.move_to_end(key)
        return row


def _remember(key: tuple, row) -> None:
    with _people_lock:
        _people_counted[key] = row
        while len(_people_counted) > REMEMBERED:
            _people_counted.popitem(last=False)


def _enrolment(shape: tuple, by_day: bool = False):
    months, on_site, by_programme, by_cohort, by_group = shape

    def of_scope(query, *of_class):
        """The scope's applications, in a class meeting the conditions given.
        The classes as a list (not a join) let the places be read from the
        index of the base's applications by status and class alone."""
        query = query.select_from(Application)
        if by_programme:
            of_class += (Cohort.programme_id == P_PROGRAMME,)
        if of_class:
            query = query.where(Application.cohort_id.in_(select(Cohort.id).where(*of_class)))
        if on_site:
            query = query.where(Application.site_id == P_SITE)
        if by_cohort:
            query = query.where(Application.cohort_id == P_COHORT)
        if by_group:
            query = query.where(Application.applicant_group.in_(P_GROUPS))
        return query

    in_period = (Application.submitted_at >= P_START_AT, Application.submitted_at < P_END_AT)
    # The applicants and their trend: each person once, in the month of her
    # first application of the period (sources.applicants says why). One
    # grouping of the period's applications by person gives both.
    firsts = of_scope(select(func.min(Application.submitted_at).label("first")).where(*in_period)
                      .group_by(Application.user_id)).subquery()
    applied = select(func.count().label("applicants"), *per_month(months, firsts.c.first)).subquery()
    # A person counts once among the enrolled, and once in each group she
    # gave on a place in the period.
    places = of_scope(select(Application.user_id, Application.applicant_group).distinct()
                      .where(Application.status.in_(ENROLLED_STATUSES)),
                      Cohort.starts_on <= P_END, Cohort.ends_on >= P_START).subquery()
    enrolled = select(func.count(places.c.user_id.distinct()).label("enrolled"),
                      *[func.count().filter(places.c.applicant_group == own).label(f"group_{own}")
                        for own in GROUP_AUDIENCE]).subquery()
    earned = (select(Certificate.id).where(Certificate.user_id == Application.user_id,
                                           Certificate.cohort_id == Application.cohort_id).exists())
    ended = of_scope(select(func.count().label("ended"), func.count().filter(earned).label("completed"))
                     .where(Application.status.in_(ENROLLED_STATUSES)),
                     Cohort.ends_on >= P_START, Cohort.ends_on <= P_END, Cohort.ends_on < P_TODAY).subquery()
    # Classes are counted from their own table, not through the applications.
    classes = (select(func.count()).select_from(Cohort)
               .where(Cohort.starts_on <= P_END, Cohort.ends_on >= P_START, *_programme_filters(shape)))
    if on_site:
        classes = classes.where(Cohort.site_id == P_SITE)
    if by_cohort:
        classes = classes.where(Cohort.id == P_COHORT)
    if by_day:
        return select(applied, enrolled, classes.scalar_subquery().label("classes")).select_from(
            applied.join(enrolled, true()))
    return (select(applied, enrolled, ended, classes.scalar_subquery().label("classes"))
            .select_from(applied.join(enrolled, true()).join(ended, true())))


# --- Training: certificates, sessions, people incubated --------------------------------------

def _certificates(shape: tuple):
    """sources.certificates without the period: (person_id, at) of each
    certificate of the scope."""
    _months_n, on_site, by_programme, by_cohort, by_group = shape
    query = select(Certificate.user_id.label("person_id"), Certificate.issued_at.label("at"))
    if on_site:
        query = query.where(Certificate.site_id == P_SITE)
    if by_programme:
        query = query.where(Certificate.programme_id == P_PROGRAMME)
    if by_cohort:
        query = query.where(Certificate.cohort_id == P_COHORT)
    if by_group:
        # sources.certificate_groups: the group on her application for the
        # class, else the audiences of the programme.
        own = aliased(Application)
        query = query.outerjoin(own, and_(own.user_id == Certificate.user_id,
                                          own.cohort_id == Certificate.cohort_id)).where(or_(
            own.applicant_group.in_(P_GROUPS),
            and_(own.id.is_(None), Certificate.programme_id.in_(P_PROGRAMMES))))
    return query


def _shops_reached(on_site: bool):
    """sources.shops_reached_stage over the whole history: (person_id, at),
    the owner and when the shop first reached a stage with the rule's key
    (its first move there, else when it entered the stage it is in); None
    while the shops area records no stages."""
    Stage = optional_model("incubator.shops.models", "Stage")
    Event = optional_model("incubator.shops.models", "ShopStageEvent")
    if Stage is None or Event is None:
        return None
    stages = select(Stage.id).where(Stage.key == P_SHOP_STAGE)
    first_move = (select(func.min(Event.at)).where(Event.shop_id == Shop.id, Event.to_stage_id.in_(stages))
                  .scalar_subquery())
    entered = func.coalesce(first_move, case((Shop.stage_id.in_(stages), Shop.stage_entered_at)))
    query = select(Shop.owner_id.label("person_id"), entered.label("at"))
    if on_site:
        query = query.where(Shop.site_id == P_SITE)
    return query


def training(scope: Scope, values: dict, rule) -> dict[str, Result]:
    """sources.certificates_issued, sessions_held and incubated: one
    statement, a row of monthly counts per figure."""
    shape = _shape(scope)
    ways = (rule.by_completion, rule.by_shop_stage and not scope.has_training_filters)
    statement = _statement(("training", shape, ways), lambda: _training(shape, *ways))
    found = {row.figure: _months(row, scope)
             for row in db.session.execute(statement, values | {"shop_stage": rule.shop_stage})}
    nothing = [0] * len(scope.months())
    return {key: _monthly_result(found.get(key, nothing)) for key in ("certificates", "sessions", "incubated")}


def _training(shape: tuple, by_completion: bool, by_shop_stage: bool):
    months, on_site, _by_programme, by_cohort, _by_group = shape
    def issued(low, high):
        return select(func.count()).select_from(
            _certificates(shape).where(Certificate.issued_at >= low, Certificate.issued_at < high).subquery())

    def held(low, high):
        sessions = (select(func.count()).select_from(TrainingSession)
                    .where(TrainingSession.starts_at >= low, TrainingSession.starts_at < high))
        if on_programmes := _programme_filters(shape):
            sessions = sessions.join(Cohort, Cohort.id == TrainingSession.cohort_id).where(*on_programmes)
        if on_site:
            sessions = sessions.where(TrainingSession.site_id == P_SITE)
        if by_cohort:
            sessions = sessions.where(TrainingSession.cohort_id == P_COHORT)
        return sessions

    parts = [select(literal("certificates").label("figure"), *counted_per_month(months, issued)),
             select(literal("sessions").label("figure"), *counted_per_month(months, held))]
    # incubated: the day each person first became incubated, counted in
    # the month it falls in (a person incubated before the period is not).
    ways = []
    if by_completion:
        ways.append(_certificates(shape))
    if by_shop_stage:
        reached = _shops_reached(on_site)
        if reached is not None:
            ways.append(reached)
    if ways:
        ways = union_all(*ways).subquery()
        first = (select(ways.c.person_id, func.min(ways.c.at).label("at"))
                 .group_by(ways.c.person_id).subquery())
        parts.append(select(literal("incubated").label("figure"), *per_month(months, first.c.at))
                     .where(first.c.at >= P_START_AT, first.c.at < P_END_AT))
    return union_all(*parts)


# --- Shops: joined, per stage, first sales, sales ------------------------------------------

def shops(scope: Scope, values: dict) -> dict[str, Result | None]:
    """sources.shops_joined, first_sales, sales_total and livestreams_held in
    one statement (a row of monthly values per figure, and per kind of
    livestream), shops_per_stage in another."""
    Sales = optional_model("incubator.shops.models", "SalesRecord")
    Livestream = optional_model("incubator.livestreams.models", "Livestream")
    months, on_site = len(scope.months()), scope.site_id is not None
    statement = _statement(("shops", months, on_site), lambda: _shops(months, on_site, Sales, Livestream))
    found, streams = {}, {}
    for row in db.session.execute(statement, values):
        if row.figure == "livestreams":
            streams[row.kind] = _months(row, scope)
        else:
            found[row.figure] = _months(row, scope)
    return {"shops_joined": _monthly_result(found["shops_joined"]),
            "shops_per_stage": shops_per_stage(scope, values),
            "first_sales": _monthly_result(found["first_sales"]) if Sales is not None else None,
            "sales": _monthly_result(found["sales"]) if Sales is not None else None,
            "livestreams": _livestreams(streams, scope) if Livestream is not None else None}


def _shops(months: int, on_site: bool, Sales, Livestream):  # noqa: N803 (models)
    def of_site(query, model=Shop):
        return query.where(model.site_id == P_SITE) if on_site else query

    no_kind = literal(None, String()).label("kind")
    joined = select(literal("shops_joined").label("figure"), no_kind, *per_month(months, Shop.created_at)).where(
        Shop.created_at >= P_START_AT, Shop.created_at < P_END_AT)
    parts = [of_site(joined)]
    if Sales is not None:
        # A shop's first sale: its first result with an order, up to the end of the period.
        first = of_site(select(func.min(Sales.occurred_on).label("day")).select_from(Sales)
                        .join(Shop, Shop.id == Sales.shop_id)
                        .where(Sales.orders > 0, Sales.occurred_on <= P_END)
                        .group_by(Sales.shop_id)).subquery()
        parts.append(select(literal("first_sales").label("figure"), no_kind,
                            *per_month(months, first.c.day, dates=True)).where(first.c.day >= P_START))
        parts.append(of_site(select(literal("sales").label("figure"), no_kind,
                                    *per_month(months, Sales.occurred_on, value=Sales.revenue_fen, dates=True))
                             .select_from(Sales).join(Shop, Shop.id == Sales.shop_id)
                             .where(Sales.occurred_on >= P_START, Sales.occurred_on <= P_END)))
    if Livestream is not None:
        # sources.livestreams_held: begun in the period, ended by now, not cancelled.
        parts.append(of_site(select(literal("livestreams").label("figure"), Livestream.kind.label("kind"),
                                    *per_month(months, Livestream.starts_at))
                             .where(Livestream.cancelled_at.is_(None), Livestream.starts_at >= P_START_AT,
                                    Livestream.starts_at < P_END_AT, Livestream.ends_at <= P_NOW)
                             .group_by(Livestream.kind), Livestream))
    return union_all(*parts)


def shops_per_stage(scope: Scope, values: dict) -> Result | None:
    """sources.shops_per_stage: shops that had joined by the end of the
    period, counted by the name of their current stage."""
    Stage = optional_model("incubator.shops.models", "Stage")
    if Stage is None or not hasattr(Shop, "stage_id"):
        return None
    on_site = scope.site_id is not None

    def build():
        counts = select(Shop.stage_id, func.count().label("n")).where(Shop.created_at < P_END_AT)
        counts = (counts.where(Shop.site_id == P_SITE) if on_site else counts).group_by(Shop.stage_id).subquery()
        return select(counts.c.n, Stage).select_from(counts).outerjoin(Stage, Stage.id == counts.c.stage_id)

    by_name, order = {}, {}
    for n, stage in db.session.execute(_statement(("shops_per_stage", on_site), build), values):
        name = stage.name if stage else str(_l("No stage"))
        order[name] = min(order.get(name, 10**6), stage.position if stage else -1)
        by_name[name] = by_name.get(name, 0) + n
    breakdown = [(name, by_name[name]) for name in sorted(by_name, key=lambda n: (order[n], n))]
    return Result(sum(by_name.values()), None, breakdown=breakdown)


# --- Booking: studio utilisation, no-shows ----------------------------------------------

class minutes_between(FunctionElement):  # noqa: N801 (an SQL function)
    """Whole minutes from one time to a later one (a booking's length):
    SQLite and PostgreSQL subtract times differently."""

    type = Integer()
    inherit_cache = True


@compiles(minutes_between)
def _minutes_between(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 60) AS INTEGER)"


@compiles(minutes_between, "sqlite")
def _minutes_between_sqlite(element, compiler, **kw):
    # julianday() holds a time to the millisecond: the difference, rounded
    # to whole milliseconds (a double's error is a twentieth of one), then
    # floored to minutes, as Python's timedelta // 60 s. Half the cost of
    # strftime('%s') over the tens of thousands of bookings of a base's year.
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST(ROUND((julianday({end}) - julianday({start})) * 86400000) AS INTEGER) / 60000)"


def booking(scope: Scope, values: dict, counted: tuple[int, int, int] | None = None) -> dict[str, Result | None]:
    """sources.studio_utilisation and no_show_rate: the studios with their
    opening hours, and one statement counting the bookings (or, from the
    day rows, counted: the booked minutes, the bookings due, the no-shows)."""
    Booking = optional_model("incubator.booking.models", "Booking")
    open_hours = optional_model("incubator.booking.service", "open_hours")
    if Booking is None:
        return {"utilisation": None, "no_shows": None}
    if counted is None:
        on_site = scope.site_id is not None
        row = db.session.execute(_statement(("booking", on_site), lambda: _bookings(on_site, Booking)),
                                 values).one()
        counted = (int(row.booked or 0), row.due, row.no_shows)
    minutes, due, no_shows = counted
    utilisation = None
    if open_hours is not None:
        last = min(scope.end, values["today"])
        if last < scope.start:
            utilisation = Result(None, None, 0, 0)
        else:
            days = (last - scope.start).days + 1
            # Studios with the same hours are open as long: each set of hours is worked out once.
            available = sum(n * int(round(open_hours(studio, scope.start, days) * 60))
                            for studio, n in _studios(values).items())
            utilisation = Result(percent(minutes, available), None, minutes, available)
    return {"utilisation": utilisation, "no_shows": Result(percent(no_shows, due), None, no_shows, due)}


def _bookings(on_site: bool, Booking):  # noqa: N803 (a model)
    """Each figure is its own subquery, so each walks an index of its own
    rows: the studios' confirmed bookings by resource, the base's due
    bookings by base. One pass over the bookings of either (joined to their
    resource, the base matched on either side) read every booking of the
    year in the district, 450 ms at district scale."""
    from incubator.booking.models import CONFIRMED as BOOKED
    from incubator.booking.models import NO_SHOW, STUDIO, Resource

    studio_ids = select(Resource.id).where(Resource.kind == STUDIO)
    if on_site:
        studio_ids = studio_ids.where(Resource.site_id == P_SITE)
    booked = (select(func.sum(minutes_between(Booking.starts_at, Booking.ends_at)))
              .where(Booking.resource_id.in_(studio_ids), Booking.status == BOOKED,
                     Booking.starts_at >= P_START_AT, Booking.starts_at < P_BOOKED_UNTIL))

    def due(*statuses):
        query = (select(func.count()).select_from(Booking)
                 .where(Booking.status.in_(statuses), Booking.starts_at >= P_START_AT,
                        Booking.starts_at < P_DUE_UNTIL))
        return query.where(Booking.site_id == P_SITE) if on_site else query

    return select(booked.scalar_subquery().label("booked"), due(BOOKED, NO_SHOW).scalar_subquery().label("due"),
                  due(NO_SHOW).scalar_subquery().label("no_shows"))


class _Hours(NamedTuple):
    weekday: int
    opens: time
    closes: time


class _Studio(NamedTuple):
    """What the booking area's open_hours reads of a studio: its weekly
    hours (weekday, opens, closes) and how many it has."""

    quantity: int
    hours: tuple[_Hours, ...]


def _studios(values: dict) -> Counter:
    """The base's studios, as how many have each set of weekly hours: a row
    a studio with its week as text ("weekday@opens-closes,..."), and each set
    of hours made into times once. A base's studios with their hours as ORM
    objects were hundreds of objects (5 to 10 ms at district scale), and
    their 336 rows of hours, times read one by one, still 2 ms of 12."""
    from incubator.booking.models import STUDIO, OpeningHours, Resource

    on_site = values["site_id"] is not None

    def build():
        day = (cast(OpeningHours.weekday, String) + "@" + cast(OpeningHours.opens, String) + "-"
               + cast(OpeningHours.closes, String))
        query = (select(Resource.quantity, func.aggregate_strings(day, ","))
                 .outerjoin(OpeningHours, OpeningHours.resource_id == Resource.id).where(Resource.kind == STUDIO)
                 .group_by(Resource.id, Resource.quantity))
        return query.where(Resource.site_id == P_SITE) if on_site else query

    alike = Counter((quantity, tuple(sorted(week.split(","))) if week else ())
                    for quantity, week in db.session.execute(_statement(("studios", on_site), build), values))
    return Counter({_Studio(quantity, tuple(_hours(day) for day in week)): n for (quantity, week), n in alike.items()})


def _hours(text: str) -> _Hours:
    weekday, times = text.split("@")
    opens, closes = times.split("-")
    return _Hours(int(weekday), time.fromisoformat(opens), time.fromisoformat(closes))


# --- Mentoring and livestreams -------------------------------------------------------

def active_mentorships(scope: Scope, values: dict) -> Result | None:
    """sources.active_mentorships: mentorships active at some time in the
    period. One still running lasts at least until today; one that ended
    lasted until the day it ended, else until its planned end."""
    Mentorship = optional_model("incubator.mentoring.models", "Mentorship")
    if Mentorship is None:
        return None
    on_site, started = scope.site_id is not None, values["today"] >= scope.start

    def build():
        running = Mentorship.status == "active"
        reaches_start = or_(
            and_(running, true() if started else Mentorship.ends_on >= P_START),
            and_(~running, Mentorship.ended_at.is_not(None), Mentorship.ended_at >= P_START_AT),
            and_(~running, Mentorship.ended_at.is_(None), Mentorship.ends_on >= P_START))
        query = select(func.count()).select_from(Mentorship).where(Mentorship.starts_on <= P_END, reaches_start)
        return query.where(Mentorship.site_id == P_SITE) if on_site else query

    return Result(db.session.scalar(_statement(("mentorships", on_site, started), build), values), None)


def _livestreams(by_kind: dict[str, list[int]], scope: Scope) -> Result:
    """sources.livestreams_held from the monthly counts of each kind."""
    totals = [sum(counts) for counts in zip(*by_kind.values(), strict=True)] if by_kind else [0] * len(scope.months())
    breakdown = [(sources.LIVESTREAM_KIND_LABELS.get(k, k), sum(n))  # lazy: see sources.group_name
                 for k, n in sorted(by_kind.items())]
    return _monthly_result(totals, breakdown=breakdown)
