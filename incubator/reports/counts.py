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

Each function below names the source function whose rule it counts; a change
to a rule is made in both places, and tests/test_reports_counts.py holds the
two equal, figure by figure, over random bases with and without filters.
"""

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.functions import FunctionElement

from incubator.enrolment.models import GROUP_AUDIENCE, Application, Cohort, Programme
from incubator.extensions import db
from incubator.reports import sources
from incubator.reports.scope import Scope, optional_model
from incubator.reports.sources import ENROLLED_STATUSES, Result, group_label, percent
from incubator.shops.models import Shop
from incubator.timeutil import to_utc, utcnow
from incubator.training.models import Certificate, TrainingSession


def figures(scope: Scope) -> dict[str, Result | None]:
    """Every figure of sources.FIGURES by key: value, numerator and
    denominator, breakdown and, for figures with a trend, the value of each
    month of the period (Result.months). None while an area is absent."""
    from incubator.reports.settings import rule_for

    programmes = _programmes_of_group(scope)
    found = enrolment(scope, programmes)
    found |= training(scope, programmes, rule_for(scope.site_id))
    found |= shops(scope)
    found |= booking(scope)
    found["mentorships"] = active_mentorships(scope)
    found["livestreams"] = livestreams_held(scope)
    return found


# --- Months and filters -------------------------------------------------------------

def _month_days(scope: Scope) -> list[date]:
    """The local days that open each month of the period, its first day for
    the first month, then the day after the period: month i is
    [days[i], days[i + 1])."""
    return ([scope.start] + [date(year, month, 1) for year, month in scope.months()[1:]]
            + [scope.end + timedelta(days=1)])


def per_month(scope: Scope, column, *, value=None, dates: bool = False) -> list:
    """One aggregate per month of the period over the rows whose `column`
    falls in that month of the base's calendar: a count, or the sum of
    `value`. `column` holds UTC times (their local day decides, as
    Scope.local_day does for the rows), or local dates with dates=True."""
    days = _month_days(scope)
    bounds = days if dates else [to_utc(datetime.combine(day, time()), scope.tz) for day in days]
    aggregate = func.count() if value is None else func.sum(value)
    return [aggregate.filter(column >= low, column < high).label(f"m{i}")
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


def _programme_filters(scope: Scope, programmes: list[int] | None) -> list:
    """The programme and group filters of classes_run and sessions_held, on a class."""
    conditions = []
    if scope.programme_id:
        conditions.append(Cohort.programme_id == scope.programme_id)
    if programmes is not None:
        conditions.append(Cohort.programme_id.in_(programmes))
    return conditions


# --- Enrolment: applicants, enrolled, completion, benefited, classes ------------------------

def enrolment(scope: Scope, programmes: list[int] | None) -> dict[str, Result]:
    """sources.applicants, enrolled, completion_rate, benefited and
    classes_run: one statement over the applications of the scope (the
    filters of sources._applications), joining one row from each of three
    parts, each reading only the applications its figures count: those
    submitted in the period (applicants, by month), the places in classes
    running in it (enrolled, by group) and those in classes that ended in
    it (completion). One pass over all the base's applications, with a
    count(DISTINCT) per figure, took 100 ms at district scale."""
    today = sources._local_today(scope)

    def of_scope(query, *, cohorts: bool):
        query = query.select_from(Application)
        if cohorts or scope.programme_id:
            query = query.join(Cohort, Cohort.id == Application.cohort_id)
        if scope.site_id is not None:
            query = query.where(Application.site_id == scope.site_id)
        if scope.programme_id:
            query = query.where(Cohort.programme_id == scope.programme_id)
        if scope.cohort_id:
            query = query.where(Application.cohort_id == scope.cohort_id)
        if scope.group:
            query = query.where(Application.applicant_group.in_(_applicant_groups(scope.group)))
        return query

    applied = of_scope(select(func.count(Application.user_id.distinct()).label("applicants"),
                              *per_month(scope, Application.submitted_at))
                       .where(Application.submitted_at >= scope.start_at, Application.submitted_at < scope.end_at),
                       cohorts=False).subquery()
    # A person counts once among the enrolled, and once in each group she
    # gave on a place in the period.
    places = of_scope(select(Application.user_id, Application.applicant_group).distinct()
                      .where(Application.status.in_(ENROLLED_STATUSES), Cohort.starts_on <= scope.end,
                             Cohort.ends_on >= scope.start), cohorts=True).subquery()
    enrolled = select(func.count(places.c.user_id.distinct()).label("enrolled"),
                      *[func.count().filter(places.c.applicant_group == own).label(f"group_{own}")
                        for own in GROUP_AUDIENCE]).subquery()
    earned = (select(Certificate.id).where(Certificate.user_id == Application.user_id,
                                           Certificate.cohort_id == Application.cohort_id).exists())
    ended = of_scope(select(func.count().label("ended"), func.count().filter(earned).label("completed"))
                     .where(Application.status.in_(ENROLLED_STATUSES), Cohort.ends_on >= scope.start,
                            Cohort.ends_on <= scope.end, Cohort.ends_on < today), cohorts=True).subquery()
    # Classes are counted from their own table, not through the applications.
    classes = (select(func.count()).select_from(Cohort)
               .where(Cohort.starts_on <= scope.end, Cohort.ends_on >= scope.start,
                      *_programme_filters(scope, programmes)))
    if scope.site_id is not None:
        classes = classes.where(Cohort.site_id == scope.site_id)
    if scope.cohort_id:
        classes = classes.where(Cohort.id == scope.cohort_id)
    row = db.session.execute(
        select(applied, enrolled, ended, classes.scalar_subquery().label("classes"))
        .select_from(applied.join(enrolled, true()).join(ended, true()))).one()
    by_group = {GROUP_AUDIENCE[own]: getattr(row, f"group_{own}") for own in GROUP_AUDIENCE}
    breakdown = [(group_label(g), n) for g, n in sorted(by_group.items(), key=lambda kv: (-kv[1], kv[0])) if n]
    return {
        "applicants": Result(row.applicants, None, months=_months(row, scope)),
        "enrolled": Result(row.enrolled, None),
        "completion": Result(percent(row.completed, row.ended), None, row.completed, row.ended),
        "benefited": Result(row.enrolled, None, breakdown=breakdown),
        "classes": Result(row.classes, None),
    }


# --- Training: certificates, sessions, people incubated --------------------------------------

def _certificates(scope: Scope, programmes: list[int] | None):
    """sources.certificates without the period: (person_id, at) of each
    certificate of the scope."""
    query = select(Certificate.user_id.label("person_id"), Certificate.issued_at.label("at"))
    if scope.site_id is not None:
        query = query.where(Certificate.site_id == scope.site_id)
    if scope.programme_id:
        query = query.where(Certificate.programme_id == scope.programme_id)
    if scope.cohort_id:
        query = query.where(Certificate.cohort_id == scope.cohort_id)
    if scope.group:
        # sources.certificate_groups: the group on her application for the
        # class, else the audiences of the programme.
        own = aliased(Application)
        query = query.outerjoin(own, and_(own.user_id == Certificate.user_id,
                                          own.cohort_id == Certificate.cohort_id)).where(or_(
            own.applicant_group.in_(_applicant_groups(scope.group)),
            and_(own.id.is_(None), Certificate.programme_id.in_(programmes))))
    return query


def _shops_reached(scope: Scope, stage_key: str):
    """sources.shops_reached_stage over the whole history: (person_id, at),
    the owner and when the shop first reached a stage with that key (its
    first move there, else when it entered the stage it is in); None while
    the shops area records no stages."""
    Stage = optional_model("incubator.shops.models", "Stage")
    Event = optional_model("incubator.shops.models", "ShopStageEvent")
    if Stage is None or Event is None:
        return None
    stages = select(Stage.id).where(Stage.key == stage_key)
    first_move = (select(func.min(Event.at)).where(Event.shop_id == Shop.id, Event.to_stage_id.in_(stages))
                  .scalar_subquery())
    entered = func.coalesce(first_move, case((Shop.stage_id.in_(stages), Shop.stage_entered_at)))
    query = select(Shop.owner_id.label("person_id"), entered.label("at"))
    if scope.site_id is not None:
        query = query.where(Shop.site_id == scope.site_id)
    return query


def training(scope: Scope, programmes: list[int] | None, rule) -> dict[str, Result]:
    """sources.certificates_issued, sessions_held and incubated: one
    statement, a row of monthly counts per figure."""
    certificates = _certificates(scope, programmes).subquery()
    parts = [select(literal("certificates").label("figure"), *per_month(scope, certificates.c.at))
             .where(certificates.c.at >= scope.start_at, certificates.c.at < scope.end_at)]
    sessions = (select(literal("sessions").label("figure"), *per_month(scope, TrainingSession.starts_at))
                .where(TrainingSession.starts_at >= scope.start_at, TrainingSession.starts_at < scope.end_at))
    if on_programmes := _programme_filters(scope, programmes):
        sessions = sessions.join(Cohort, Cohort.id == TrainingSession.cohort_id).where(*on_programmes)
    if scope.site_id is not None:
        sessions = sessions.where(TrainingSession.site_id == scope.site_id)
    if scope.cohort_id:
        sessions = sessions.where(TrainingSession.cohort_id == scope.cohort_id)
    parts.append(sessions)
    # incubated: the day each person first became incubated, counted in
    # the month it falls in (a person incubated before the period is not).
    ways = []
    if rule.by_completion:
        ways.append(_certificates(scope, programmes))
    if rule.by_shop_stage and not scope.has_training_filters:
        reached = _shops_reached(scope, rule.shop_stage)
        if reached is not None:
            ways.append(reached)
    if ways:
        ways = union_all(*ways).subquery()
        first = (select(ways.c.person_id, func.min(ways.c.at).label("at"))
                 .group_by(ways.c.person_id).subquery())
        parts.append(select(literal("incubated").label("figure"), *per_month(scope, first.c.at))
                     .where(first.c.at >= scope.start_at, first.c.at < scope.end_at))
    found = {row.figure: _months(row, scope) for row in db.session.execute(union_all(*parts))}
    nothing = [0] * len(scope.months())
    return {key: _monthly_result(found.get(key, nothing)) for key in ("certificates", "sessions", "incubated")}


# --- Shops: joined, per stage, first sales, sales ------------------------------------------

def shops(scope: Scope) -> dict[str, Result | None]:
    """sources.shops_joined, first_sales and sales_total in one statement (a
    row of monthly values per figure), shops_per_stage in another."""
    Sales = optional_model("incubator.shops.models", "SalesRecord")
    joined = select(literal("shops_joined").label("figure"), *per_month(scope, Shop.created_at)).where(
        Shop.created_at >= scope.start_at, Shop.created_at < scope.end_at)
    parts = [_on_site(joined, scope)]
    if Sales is not None:
        # A shop's first sale: its first result with an order, up to the end of the period.
        first = _on_site(select(func.min(Sales.occurred_on).label("day")).select_from(Sales)
                         .join(Shop, Shop.id == Sales.shop_id)
                         .where(Sales.orders > 0, Sales.occurred_on <= scope.end)
                         .group_by(Sales.shop_id), scope).subquery()
        parts.append(select(literal("first_sales").label("figure"), *per_month(scope, first.c.day, dates=True))
                     .where(first.c.day >= scope.start))
        parts.append(_on_site(select(literal("sales").label("figure"),
                                     *per_month(scope, Sales.occurred_on, value=Sales.revenue_fen, dates=True))
                              .select_from(Sales).join(Shop, Shop.id == Sales.shop_id)
                              .where(Sales.occurred_on >= scope.start, Sales.occurred_on <= scope.end), scope))
    found = {row.figure: _months(row, scope) for row in db.session.execute(union_all(*parts))}
    return {"shops_joined": _monthly_result(found["shops_joined"]),
            "shops_per_stage": shops_per_stage(scope),
            "first_sales": _monthly_result(found["first_sales"]) if Sales is not None else None,
            "sales": _monthly_result(found["sales"]) if Sales is not None else None}


def _on_site(query, scope: Scope):
    return query.where(Shop.site_id == scope.site_id) if scope.site_id is not None else query


def shops_per_stage(scope: Scope) -> Result | None:
    """sources.shops_per_stage: shops that had joined by the end of the
    period, counted by the name of their current stage."""
    Stage = optional_model("incubator.shops.models", "Stage")
    if Stage is None or not hasattr(Shop, "stage_id"):
        return None
    counts = _on_site(select(Shop.stage_id, func.count().label("n")).where(Shop.created_at < scope.end_at)
                      .group_by(Shop.stage_id), scope).subquery()
    by_name, order = {}, {}
    for n, stage in db.session.execute(select(counts.c.n, Stage).select_from(counts)
                                       .outerjoin(Stage, Stage.id == counts.c.stage_id)):
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


def booking(scope: Scope) -> dict[str, Result | None]:
    """sources.studio_utilisation and no_show_rate: the studios with their
    opening hours, and one statement counting the bookings."""
    Booking = optional_model("incubator.booking.models", "Booking")
    open_hours = optional_model("incubator.booking.service", "open_hours")
    if Booking is None:
        return {"utilisation": None, "no_shows": None}
    from incubator.booking.models import CONFIRMED as BOOKED
    from incubator.booking.models import NO_SHOW, STUDIO, Resource

    # Utilisation runs from the start of the period up to today; no-shows up to now.
    last = min(scope.end, sources._local_today(scope))
    booked_until = scope.with_(end=last).end_at if last >= scope.start else scope.start_at
    due_until = min(scope.end_at, utcnow())
    # Each figure is its own subquery, so each walks an index of its own
    # rows: the studios' confirmed bookings by resource, the base's due
    # bookings by base. One pass over the bookings of either (joined to
    # their resource, the base matched on either side) read every booking
    # of the year in the district, 450 ms at district scale.
    studio_ids = select(Resource.id).where(Resource.kind == STUDIO)
    if scope.site_id is not None:
        studio_ids = studio_ids.where(Resource.site_id == scope.site_id)
    booked = (select(func.sum(minutes_between(Booking.starts_at, Booking.ends_at)))
              .where(Booking.resource_id.in_(studio_ids), Booking.status == BOOKED,
                     Booking.starts_at >= scope.start_at, Booking.starts_at < booked_until))

    def due(*statuses):
        query = (select(func.count()).select_from(Booking)
                 .where(Booking.status.in_(statuses), Booking.starts_at >= scope.start_at,
                        Booking.starts_at < due_until))
        return query.where(Booking.site_id == scope.site_id) if scope.site_id is not None else query

    query = select(booked.scalar_subquery().label("booked"), due(BOOKED, NO_SHOW).scalar_subquery().label("due"),
                   due(NO_SHOW).scalar_subquery().label("no_shows"))
    row = db.session.execute(query).one()
    utilisation = None
    if open_hours is not None:
        if last < scope.start:
            utilisation = Result(None, None, 0, 0)
        else:
            studios = select(Resource).where(Resource.kind == STUDIO).options(joinedload(Resource.hours))
            if scope.site_id is not None:
                studios = studios.where(Resource.site_id == scope.site_id)
            days = (last - scope.start).days + 1
            available = sum(int(round(open_hours(studio, scope.start, days) * 60))
                            for studio in db.session.scalars(studios).unique())
            minutes = int(row.booked or 0)
            utilisation = Result(percent(minutes, available), None, minutes, available)
    return {"utilisation": utilisation, "no_shows": Result(percent(row.no_shows, row.due), None, row.no_shows, row.due)}


# --- Mentoring and livestreams -------------------------------------------------------

def active_mentorships(scope: Scope) -> Result | None:
    """sources.active_mentorships: mentorships active at some time in the
    period. One still running lasts at least until today; one that ended
    lasted until the day it ended, else until its planned end."""
    Mentorship = optional_model("incubator.mentoring.models", "Mentorship")
    if Mentorship is None:
        return None
    running = Mentorship.status == "active"
    reaches_start = or_(
        and_(running, true() if sources._local_today(scope) >= scope.start else Mentorship.ends_on >= scope.start),
        and_(~running, Mentorship.ended_at.is_not(None), Mentorship.ended_at >= scope.start_at),
        and_(~running, Mentorship.ended_at.is_(None), Mentorship.ends_on >= scope.start))
    query = select(func.count()).select_from(Mentorship).where(Mentorship.starts_on <= scope.end, reaches_start)
    if scope.site_id is not None:
        query = query.where(Mentorship.site_id == scope.site_id)
    return Result(db.session.scalar(query), None)


def livestreams_held(scope: Scope) -> Result | None:
    """sources.livestreams_held: by kind, and by month."""
    Livestream = optional_model("incubator.livestreams.models", "Livestream")
    if Livestream is None:
        return None
    query = (select(Livestream.kind, *per_month(scope, Livestream.starts_at))
             .where(Livestream.cancelled_at.is_(None), Livestream.starts_at >= scope.start_at,
                    Livestream.starts_at < scope.end_at, Livestream.ends_at <= utcnow())
             .group_by(Livestream.kind))
    if scope.site_id is not None:
        query = query.where(Livestream.site_id == scope.site_id)
    months, by_kind = [0] * len(scope.months()), {}
    for row in db.session.execute(query):
        counts = _months(row, scope)
        by_kind[row.kind] = sum(counts)
        months = [a + b for a, b in zip(months, counts, strict=True)]
    breakdown = [(str(sources.LIVESTREAM_KIND_LABELS.get(k, k)), n) for k, n in sorted(by_kind.items())]
    return _monthly_result(months, breakdown=breakdown)
