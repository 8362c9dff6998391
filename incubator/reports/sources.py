"""Where every figure comes from: one small function per figure, reading one
area's tables for a Scope and returning the rows behind the figure.

A figure's drill-down page and CSV export list these rows, and the value
they give is the figure, so what a person counts on the page is what the
figure says. The dashboard counts the same rules in the database without
the rows (counts.py; tests/test_reports_counts.py holds the two equal): a
change to a rule here is made there too. A source returns None while its
area has not landed (the dashboard then says "not yet recorded"); adding an
area's data is one function here, its count in counts.py and one line in
FIGURES.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from incubator.accounts.models import User
from incubator.enrolment.models import CONFIRMED, DROPPED_OUT, Application, Cohort, Programme
from incubator.extensions import db
from incubator.reports.scope import Column, Scope, Table, optional_model
from incubator.shops.labels import CATEGORY_LABELS, PLATFORM_LABELS
from incubator.shops.models import Shop
from incubator.training.models import Certificate, TrainingSession

# Applications that took a place in a class (she was enrolled, even if she
# later dropped out).
ENROLLED_STATUSES = (CONFIRMED, DROPPED_OUT)

GROUP_LABELS = {
    "mothers": _l("Mothers"),
    "graduates": _l("Graduates"),
    "villagers": _l("Villagers"),
    "shop_staff": _l("Shop staff"),
    "anyone": _l("Others"),
}

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Offered a place"),
    "waitlisted": _l("Waiting list"),
    "rejected": _l("Not accepted"),
    "confirmed": _l("Enrolled"),
    "withdrawn": _l("Withdrawn"),
    "lapsed": _l("Offer lapsed"),
    "dropped_out": _l("Dropped out"),
}

PERSON = Column("person", _l("Person"), "person")


@dataclass
class Result:
    """A figure's value and the rows behind it.

    value: a count, a percent (numerator/denominator kept), or fen.
    table: the rows; None when the figure was counted without them (counts.py).
    breakdown: (label, value) pairs, e.g. people by group.
    months: the value of each month of the period, when counted by month."""

    value: int | None
    table: Table | None
    numerator: int | None = None
    denominator: int | None = None
    breakdown: list[tuple[object, int]] = field(default_factory=list)
    months: list[int] | None = None


def percent(numerator: int, denominator: int) -> int | None:
    """A whole percent, rounded half up; None when there is nothing to divide."""
    if not denominator:
        return None
    return (200 * numerator + denominator) // (2 * denominator)


# --- Groups ----------------------------------------------------------------------

def application_groups(application: Application) -> set[str]:
    """The groups an application counts in: the group she gave on it (the
    enrolment area's applicant_group, as an audience key), or, while that is
    not recorded, the audiences of the programme it is for."""
    own = getattr(application, "applicant_group", None)
    if own:
        from incubator.enrolment import models as enrolment

        return {getattr(enrolment, "GROUP_AUDIENCE", {}).get(own, own)}
    audiences = set(application.cohort.programme.audiences or [])
    return audiences or {"anyone"}


def group_label(key: str) -> str:
    return str(GROUP_LABELS.get(key, key))


def group_name(key: str) -> object:
    """The group's name kept lazy, for a breakdown: the impact report renders
    the same figures once in Chinese and once in English, so the words must be
    chosen when the text is written, not when the figures are counted."""
    return GROUP_LABELS.get(key, key)


def category_label(code: str) -> str:
    """A shop's category in the reader's words (the table stores a code)."""
    return str(CATEGORY_LABELS.get(code, code))


def platform_label(code: str) -> str:
    """A sales platform in the reader's words (the table stores a code)."""
    return str(PLATFORM_LABELS.get(code, code))


# --- Shared queries --------------------------------------------------------------

def _applications(scope: Scope, statuses=None) -> list[Application]:
    query = (select(Application).join(Application.cohort)
             .options(selectinload(Application.cohort).selectinload(Cohort.programme),
                      selectinload(Application.user))
             .order_by(Application.submitted_at, Application.id))
    if scope.site_id is not None:
        query = query.where(Application.site_id == scope.site_id)
    if scope.programme_id:
        query = query.where(Cohort.programme_id == scope.programme_id)
    if scope.cohort_id:
        query = query.where(Application.cohort_id == scope.cohort_id)
    if statuses:
        query = query.where(Application.status.in_(statuses))
    found = db.session.scalars(query).all()
    if scope.group:
        found = [a for a in found if scope.group in application_groups(a)]
    return found


def _groups_text(groups: set[str]) -> str:
    return "、".join(sorted(group_label(g) for g in groups))


def _application_row(scope: Scope, application: Application) -> dict:
    return {
        "person_id": application.user_id,
        "person": application.user.display_name,
        "programme": application.cohort.programme.name,
        "cohort": application.cohort.name,
        "group": _groups_text(application_groups(application)),
        "status": str(STATUS_LABELS.get(application.status, application.status)),
        "submitted": scope.local_day(application.submitted_at),
    }


APPLICATION_COLUMNS = [PERSON, Column("programme", _l("Programme")), Column("cohort", _l("Class")),
                       Column("group", _l("Group")), Column("status", _l("Status")),
                       Column("submitted", _l("Applied on"), "date")]


def enrolments(scope: Scope) -> list[Application]:
    """Places taken in classes that run (at least partly) during the period."""
    return [a for a in _applications(scope, ENROLLED_STATUSES)
            if a.cohort.starts_on <= scope.end and a.cohort.ends_on >= scope.start]


def certificates(scope: Scope, whole_history: bool = False) -> list[Certificate]:
    """Certificates issued during the period (or ever), with the training filters."""
    query = select(Certificate).order_by(Certificate.issued_at, Certificate.id)
    if not whole_history:
        query = query.where(Certificate.issued_at >= scope.start_at, Certificate.issued_at < scope.end_at)
    if scope.site_id is not None:
        query = query.where(Certificate.site_id == scope.site_id)
    if scope.programme_id:
        query = query.where(Certificate.programme_id == scope.programme_id)
    if scope.cohort_id:
        query = query.where(Certificate.cohort_id == scope.cohort_id)
    found = db.session.scalars(query).all()
    if scope.group:
        found = [c for c in found if scope.group in certificate_groups(c)]
    return found


def certificate_groups(certificate: Certificate) -> set[str]:
    application = db.session.scalar(select(Application).where(
        Application.user_id == certificate.user_id, Application.cohort_id == certificate.cohort_id))
    if application is not None:
        return application_groups(application)
    programme = db.session.get(Programme, certificate.programme_id)
    return set(programme.audiences or []) or {"anyone"}


# --- Figures: enrolment and training ------------------------------------------------

def applicants(scope: Scope) -> Result:
    """People who applied in the period; the rows are their applications.

    The monthly trend counts people too, each in the month of her first
    application of the period ("first_applied", set on that row only): staff
    quoting a quarter's applicants month by month expect the months to add
    up to the figure, and counting applications gave 28 "applicants" by
    month beside a figure of 11."""
    rows, seen = [], set()
    for a in _applications(scope):  # in the order they were sent
        if scope.holds(a.submitted_at):
            row = _application_row(scope, a)
            row["first_applied"] = row["submitted"] if a.user_id not in seen else None
            seen.add(a.user_id)
            rows.append(row)
    return Result(len(seen), Table(APPLICATION_COLUMNS, rows))


def enrolled(scope: Scope) -> Result:
    rows = [_application_row(scope, a) | {"starts": a.cohort.starts_on} for a in enrolments(scope)]
    columns = APPLICATION_COLUMNS[:5] + [Column("starts", _l("Class starts"), "date")]
    return Result(len({r["person_id"] for r in rows}), Table(columns, rows))


def completion_rate(scope: Scope) -> Result:
    """Of the places taken in classes that ended during the period (and have
    ended by now), the share that earned the class's certificate."""
    from incubator.timeutil import local_today

    today = scope.today or local_today(scope.tz)
    ended = [a for a in _applications(scope, ENROLLED_STATUSES)
             if scope.holds_day(a.cohort.ends_on) and a.cohort.ends_on < today]
    earned = {(c.user_id, c.cohort_id) for c in db.session.scalars(select(Certificate).where(
        Certificate.cohort_id.in_({a.cohort_id for a in ended} or {-1})))}
    rows = []
    for a in ended:
        done = (a.user_id, a.cohort_id) in earned
        rows.append(_application_row(scope, a) | {"ended": a.cohort.ends_on,
                                                  "completed": str(_l("Yes") if done else _l("No"))})
    numerator = sum(1 for a in ended if (a.user_id, a.cohort_id) in earned)
    columns = APPLICATION_COLUMNS[:5] + [Column("ended", _l("Class ended"), "date"),
                                         Column("completed", _l("Completed"))]
    return Result(percent(numerator, len(ended)), Table(columns, rows), numerator, len(ended))


def benefited(scope: Scope) -> Result:
    """People who took a place in a class running in the period, by group.
    A person is counted once in all, and once in each of her groups."""
    people: dict[int, dict] = {}
    for a in enrolments(scope):
        person = people.setdefault(a.user_id, {"person_id": a.user_id, "person": a.user.display_name,
                                               "groups": set(), "classes": set()})
        person["groups"] |= application_groups(a) & ({scope.group} if scope.group else application_groups(a))
        person["classes"].add(a.cohort.name)
    counts: dict[str, int] = {}
    for person in people.values():
        for group in person["groups"]:
            counts[group] = counts.get(group, 0) + 1
    rows = [{"person_id": p["person_id"], "person": p["person"], "group": _groups_text(p["groups"]),
             "classes": "、".join(sorted(p["classes"]))} for p in people.values()]
    breakdown = [(group_name(g), n) for g, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    columns = [PERSON, Column("group", _l("Group")), Column("classes", _l("Classes"))]
    return Result(len(people), Table(columns, rows), breakdown=breakdown)


def certificates_issued(scope: Scope, whole_history: bool = False) -> Result:
    found = certificates(scope, whole_history)
    rows = []
    for c in found:
        user = db.session.get(User, c.user_id)
        cohort = db.session.get(Cohort, c.cohort_id)
        rows.append({"person_id": c.user_id, "person": user.display_name, "programme": cohort.programme.name,
                     "cohort": cohort.name, "code": c.code, "issued": scope.local_day(c.issued_at)})
    columns = [PERSON, Column("programme", _l("Programme")), Column("cohort", _l("Class")),
               Column("code", _l("Certificate code")), Column("issued", _l("Issued on"), "date")]
    return Result(len(rows), Table(columns, rows))


def classes_run(scope: Scope) -> Result:
    """Classes (cohorts) that run at least partly during the period."""
    query = (select(Cohort).options(selectinload(Cohort.programme))
             .where(Cohort.starts_on <= scope.end, Cohort.ends_on >= scope.start)
             .order_by(Cohort.starts_on, Cohort.id))
    if scope.site_id is not None:
        query = query.where(Cohort.site_id == scope.site_id)
    if scope.programme_id:
        query = query.where(Cohort.programme_id == scope.programme_id)
    if scope.cohort_id:
        query = query.where(Cohort.id == scope.cohort_id)
    found = db.session.scalars(query).all()
    if scope.group:
        found = [c for c in found if scope.group in (set(c.programme.audiences or []) or {"anyone"})]
    rows = [{"programme": c.programme.name, "cohort": c.name, "starts": c.starts_on, "ends": c.ends_on,
             "capacity": c.capacity} for c in found]
    columns = [Column("programme", _l("Programme")), Column("cohort", _l("Class")),
               Column("starts", _l("Starts"), "date"), Column("ends", _l("Ends"), "date"),
               Column("capacity", _l("Places"), "count")]
    return Result(len(rows), Table(columns, rows))


def sessions_held(scope: Scope) -> Result:
    query = (select(TrainingSession).options(selectinload(TrainingSession.cohort).selectinload(Cohort.programme))
             .where(TrainingSession.starts_at >= scope.start_at, TrainingSession.starts_at < scope.end_at)
             .order_by(TrainingSession.starts_at, TrainingSession.id))
    if scope.site_id is not None:
        query = query.where(TrainingSession.site_id == scope.site_id)
    if scope.cohort_id:
        query = query.where(TrainingSession.cohort_id == scope.cohort_id)
    found = [s for s in db.session.scalars(query)
             if (not scope.programme_id or s.cohort.programme_id == scope.programme_id)
             and (not scope.group or scope.group in (set(s.cohort.programme.audiences or []) or {"anyone"}))]
    rows = [{"topic": s.topic, "cohort": s.cohort.name, "day": scope.local_day(s.starts_at)} for s in found]
    columns = [Column("topic", _l("Topic")), Column("cohort", _l("Class")), Column("day", _l("Date"), "date")]
    return Result(len(rows), Table(columns, rows))


# --- Incubated ------------------------------------------------------------------

def incubated(scope: Scope, rule=None) -> Result:
    """People who became incubated during the period under the base's rule:
    the day of her first certificate (when completion counts) or the day her
    shop reached the rule's stage (when shops count and the shops area records
    stages), whichever came first, falls in the period."""
    from incubator.reports.settings import rule_for

    rule = rule or rule_for(scope.site_id)
    first: dict[int, dict] = {}

    def note(person_id, name, day, how):
        known = first.get(person_id)
        if known is None or day < known["day"]:
            first[person_id] = {"person_id": person_id, "person": name, "day": day, "how": how}

    if rule.by_completion:
        for row in certificates_issued(scope, whole_history=True).table.rows:
            note(row["person_id"], row["person"], row["issued"],
                 str(_l("Completed %(programme)s", programme=row["programme"])))
    if rule.by_shop_stage and not scope.has_training_filters:
        reached = shops_reached_stage(scope, rule.shop_stage, whole_history=True)
        for row in reached.table.rows if reached else []:
            note(row["owner_id"], row["owner"], row["reached"],
                 str(_l("Shop %(shop)s incubated", shop=row["shop"])))
    rows = sorted((r for r in first.values() if scope.holds_day(r["day"])), key=lambda r: (r["day"], r["person"]))
    columns = [PERSON, Column("how", _l("How")), Column("day", _l("Incubated on"), "date")]
    return Result(len(rows), Table(columns, rows))


# --- Shops (the core table now; stages and sales when the shops area lands) ------------

def _shops(scope: Scope) -> list:
    query = select(Shop).options(selectinload(Shop.owner)).order_by(Shop.created_at, Shop.id)
    if scope.site_id is not None:
        query = query.where(Shop.site_id == scope.site_id)
    return db.session.scalars(query).all()


def shops_joined(scope: Scope) -> Result:
    rows = [{"person_id": s.owner_id, "shop": s.name, "person": s.owner.display_name,
             "category": category_label(s.category), "joined": scope.local_day(s.created_at)}
            for s in _shops(scope) if scope.holds(s.created_at)]
    columns = [Column("shop", _l("Shop")), PERSON, Column("category", _l("Category")),
               Column("joined", _l("Joined on"), "date")]
    return Result(len(rows), Table(columns, rows))


def _local_today(scope: Scope):
    from incubator.timeutil import local_today

    return scope.today or local_today(scope.tz)


def shops_per_stage(scope: Scope) -> Result | None:
    """Shops at the base by the end of the period, by their current stage."""
    Stage = optional_model("incubator.shops.models", "Stage")
    if Stage is None or not hasattr(Shop, "stage_id"):
        return None
    shops = [s for s in _shops(scope) if s.created_at < scope.end_at]
    stages = {st.id: st for st in db.session.scalars(select(Stage))}
    rows, counts, order = [], {}, {}
    for shop in shops:
        stage = stages.get(shop.stage_id)
        name = stage.name if stage else str(_l("No stage"))
        order[name] = min(order.get(name, 10**6), stage.position if stage else -1)
        counts[name] = counts.get(name, 0) + 1
        rows.append({"person_id": shop.owner_id, "shop": shop.name, "person": shop.owner.display_name,
                     "stage": name, "since": scope.local_day(shop.stage_entered_at)})
    breakdown = [(name, counts[name]) for name in sorted(counts, key=lambda n: (order[n], n))]
    rows.sort(key=lambda r: (order[r["stage"]], r["shop"]))
    columns = [Column("shop", _l("Shop")), PERSON, Column("stage", _l("Stage")),
               Column("since", _l("In this stage since"), "date")]
    return Result(len(rows), Table(columns, rows), breakdown=breakdown)


def shops_reached_stage(scope: Scope, stage_key: str, whole_history: bool = False) -> Result | None:
    """Shops that reached a stage during the period, or ever (rows: owner_id,
    owner, shop, reached). None until the shops area records stage changes."""
    Stage = optional_model("incubator.shops.models", "Stage")
    Event = optional_model("incubator.shops.models", "ShopStageEvent")
    if Stage is None or Event is None:
        return None
    stage_ids = set(db.session.scalars(select(Stage.id).where(Stage.key == stage_key)))
    reached: dict[int, object] = {}
    for event in db.session.scalars(select(Event).where(Event.to_stage_id.in_(stage_ids or {-1}))):
        if event.shop_id not in reached or event.at < reached[event.shop_id]:
            reached[event.shop_id] = event.at
    for shop in _shops(scope):
        if shop.stage_id in stage_ids and shop.stage_entered_at and shop.id not in reached:
            reached[shop.id] = shop.stage_entered_at
    rows = []
    for shop in _shops(scope):
        at = reached.get(shop.id)
        if at is None or not (whole_history or scope.holds(at)):
            continue
        rows.append({"person_id": shop.owner_id, "owner_id": shop.owner_id, "owner": shop.owner.display_name,
                     "person": shop.owner.display_name, "shop": shop.name, "category": category_label(shop.category),
                     "reached": scope.local_day(at)})
    rows.sort(key=lambda r: (r["reached"], r["shop"]))
    columns = [Column("shop", _l("Shop")), PERSON, Column("category", _l("Category")),
               Column("reached", _l("Incubated on"), "date")]
    return Result(len(rows), Table(columns, rows))


def _sales_records(scope: Scope, until_end_only: bool = False):
    Sales = optional_model("incubator.shops.models", "SalesRecord")
    if Sales is None:
        return None
    query = (select(Sales, Shop).join(Shop, Shop.id == Sales.shop_id)
             .order_by(Sales.occurred_on, Sales.id))
    if scope.site_id is not None:
        query = query.where(Shop.site_id == scope.site_id)
    if until_end_only:
        query = query.where(Sales.occurred_on <= scope.end)
    else:
        query = query.where(Sales.occurred_on >= scope.start, Sales.occurred_on <= scope.end)
    return db.session.execute(query).all()


def first_sales(scope: Scope) -> Result | None:
    """Shops whose first recorded sale (a result with at least one order)
    fell in the period."""
    found = _sales_records(scope, until_end_only=True)
    if found is None:
        return None
    first: dict[int, tuple] = {}
    for record, shop in found:
        if record.orders > 0 and shop.id not in first:
            first[shop.id] = (record, shop)
    rows = [{"person_id": shop.owner_id, "shop": shop.name, "person": shop.owner.display_name,
             "day": record.occurred_on, "orders": record.orders, "revenue": record.revenue_fen}
            for record, shop in first.values() if scope.holds_day(record.occurred_on)]
    columns = [Column("shop", _l("Shop")), PERSON, Column("day", _l("First sale on"), "date"),
               Column("orders", _l("Orders"), "count"), Column("revenue", _l("Revenue (yuan)"), "yuan")]
    return Result(len(rows), Table(columns, rows))


def sales_total(scope: Scope) -> Result | None:
    found = _sales_records(scope)
    if found is None:
        return None
    rows = [{"person_id": shop.owner_id, "shop": shop.name, "person": shop.owner.display_name,
             "day": record.occurred_on, "platform": platform_label(record.platform), "viewers": record.viewers,
             "orders": record.orders, "revenue": record.revenue_fen} for record, shop in found]
    columns = [Column("shop", _l("Shop")), PERSON, Column("day", _l("Date"), "date"),
               Column("platform", _l("Platform")), Column("viewers", _l("Viewers"), "count"),
               Column("orders", _l("Orders"), "count"), Column("revenue", _l("Revenue (yuan)"), "yuan")]
    return Result(sum(r["revenue"] for r in rows), Table(columns, rows))


# --- Booking, mentoring, livestreams ------------------------------------------------

def studio_utilisation(scope: Scope) -> Result | None:
    """Booked hours of the studios over their open hours, from the start of
    the period up to today (the future is not "unused" yet)."""
    Booking = optional_model("incubator.booking.models", "Booking")
    open_hours = optional_model("incubator.booking.service", "open_hours")
    if Booking is None or open_hours is None:
        return None
    from incubator.booking.models import CONFIRMED as BOOKED
    from incubator.booking.models import STUDIO, Resource

    last = min(scope.end, _local_today(scope))
    if last < scope.start:
        return Result(None, Table([]), 0, 0)
    window = scope.with_(end=last)
    studios = select(Resource).where(Resource.kind == STUDIO).order_by(Resource.name, Resource.id)
    if scope.site_id is not None:
        studios = studios.where(Resource.site_id == scope.site_id)
    rows = []
    for studio in db.session.scalars(studios):
        booked = sum(int((b.ends_at - b.starts_at).total_seconds() // 60) for b in db.session.scalars(
            select(Booking).where(Booking.resource_id == studio.id, Booking.status == BOOKED,
                                  Booking.starts_at >= window.start_at, Booking.starts_at < window.end_at)))
        available = int(round(open_hours(studio, scope.start, (last - scope.start).days + 1) * 60))
        rows.append({"studio": studio.name, "booked": booked, "open": available,
                     "percent": percent(booked, available)})
    booked, available = sum(r["booked"] for r in rows), sum(r["open"] for r in rows)
    for row in rows:
        row["booked"], row["open"] = _hours(row["booked"]), _hours(row["open"])
    columns = [Column("studio", _l("Studio")), Column("booked", _l("Booked hours")),
               Column("open", _l("Open hours")), Column("percent", _l("Utilisation (%)"), "count")]
    return Result(percent(booked, available), Table(columns, rows), booked, available)


def _hours(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def no_show_rate(scope: Scope) -> Result | None:
    """Of the bookings that were due in the period (confirmed, up to now),
    the share released as no-shows."""
    Booking = optional_model("incubator.booking.models", "Booking")
    if Booking is None:
        return None
    from incubator.booking.models import CONFIRMED as BOOKED
    from incubator.booking.models import NO_SHOW
    from incubator.timeutil import utcnow

    query = (select(Booking).where(Booking.status.in_((BOOKED, NO_SHOW)), Booking.starts_at >= scope.start_at,
                                   Booking.starts_at < min(scope.end_at, utcnow()))
             .order_by(Booking.starts_at, Booking.id))
    if scope.site_id is not None:
        query = query.where(Booking.site_id == scope.site_id)
    found = db.session.scalars(query).all()
    rows = [{"person_id": b.user_id, "person": b.user.display_name, "resource": b.resource.name,
             "day": scope.local_day(b.starts_at),
             "status": str(_l("No-show") if b.status == NO_SHOW else _l("Used"))} for b in found]
    no_shows = sum(1 for b in found if b.status == NO_SHOW)
    columns = [PERSON, Column("resource", _l("Studio or equipment")), Column("day", _l("Date"), "date"),
               Column("status", _l("Status"))]
    return Result(percent(no_shows, len(found)), Table(columns, rows), no_shows, len(found))


def mentorship_spans(scope: Scope):
    """Mentorships with the local days they were active, for the scope's base."""
    Mentorship = optional_model("incubator.mentoring.models", "Mentorship")
    if Mentorship is None:
        return None
    today = _local_today(scope)
    query = select(Mentorship).order_by(Mentorship.starts_on, Mentorship.id)
    if scope.site_id is not None:
        query = query.where(Mentorship.site_id == scope.site_id)
    spans = []
    for m in db.session.scalars(query):
        if m.status == "active":
            last = max(m.ends_on, today)
        else:
            last = scope.local_day(m.ended_at) if m.ended_at else m.ends_on
        spans.append((m, m.starts_on, last))
    return spans


MENTORSHIP_STATUS_LABELS = {"active": _l("Active"), "completed": _l("Completed"), "ended_early": _l("Ended early")}


def active_mentorships(scope: Scope) -> Result | None:
    spans = mentorship_spans(scope)
    if spans is None:
        return None
    rows = [{"person_id": m.mentee_id, "person": m.mentee.display_name, "mentor": m.mentor.display_name,
             "starts": first, "ends": m.ends_on,
             "status": str(MENTORSHIP_STATUS_LABELS.get(m.status, m.status))}
            for m, first, last in spans if first <= scope.end and last >= scope.start]
    columns = [Column("person", _l("Mentee"), "person"), Column("mentor", _l("Mentor")),
               Column("starts", _l("Starts"), "date"), Column("ends", _l("Ends"), "date"),
               Column("status", _l("Status"))]
    return Result(len(rows), Table(columns, rows))


LIVESTREAM_KIND_LABELS = {"sales": _l("Sales"), "policy": _l("Policy interpretation"),
                          "showcase": _l("Training showcase")}


def livestreams_held(scope: Scope) -> Result | None:
    """Public livestreams of the base that began in the period, have ended and
    were not cancelled; by kind."""
    Livestream = optional_model("incubator.livestreams.models", "Livestream")
    if Livestream is None:
        return None
    from incubator.timeutil import utcnow

    query = (select(Livestream).where(Livestream.cancelled_at.is_(None), Livestream.starts_at >= scope.start_at,
                                      Livestream.starts_at < scope.end_at, Livestream.ends_at <= utcnow())
             .order_by(Livestream.starts_at, Livestream.id))
    if scope.site_id is not None:
        query = query.where(Livestream.site_id == scope.site_id)
    found = db.session.scalars(query).all()
    counts: dict[str, int] = {}
    for stream in found:
        counts[stream.kind] = counts.get(stream.kind, 0) + 1
    rows = [{"title": s.title, "kind": str(LIVESTREAM_KIND_LABELS.get(s.kind, s.kind)),
             "day": scope.local_day(s.starts_at), "hosts": "、".join(h.display_name for h in s.hosts)}
            for s in found]
    breakdown = [(LIVESTREAM_KIND_LABELS.get(k, k), n) for k, n in sorted(counts.items())]  # lazy: see group_name
    columns = [Column("title", _l("Livestream")), Column("kind", _l("Kind")), Column("day", _l("Date"), "date"),
               Column("hosts", _l("Hosts"))]
    return Result(len(rows), Table(columns, rows), breakdown=breakdown)


# --- The list the dashboard shows ---------------------------------------------------

@dataclass(frozen=True)
class FigureSource:
    key: str
    label: object
    explain: object  # how it is counted, shown on the drill-down page
    compute: Callable[[Scope], Result | None]
    unit: str = "count"  # count, percent, yuan
    trend_date: str | None = None  # the row date a monthly trend is drawn from
    trend_sum: str | None = None  # a row value summed per month (else rows counted)
    ratio: str = "count"  # what a percent's numerator and denominator are: count, or hours (in minutes)


FIGURES = [
    FigureSource("applicants", _l("Applicants"),
                 _l("People who sent at least one application during the period."), applicants,
                 trend_date="first_applied"),
    FigureSource("enrolled", _l("Enrolled"),
                 _l("People who took a place in a class that runs during the period."), enrolled),
    FigureSource("completion", _l("Completion rate"),
                 _l("Of the places in classes that ended during the period, the share that earned the "
                    "certificate."), completion_rate, unit="percent"),
    FigureSource("benefited", _l("People benefited"),
                 _l("People who took a place in a class during the period, by group; a person is counted "
                    "once in each of her groups."), benefited),
    FigureSource("certificates", _l("Certificates issued"),
                 _l("Certificates of completion issued during the period."), certificates_issued,
                 trend_date="issued"),
    FigureSource("incubated", _l("People incubated"),
                 _l("People who became incubated during the period, under this base's definition."),
                 incubated, trend_date="day"),
    FigureSource("classes", _l("Training classes"),
                 _l("Classes that run at least partly during the period."), classes_run),
    FigureSource("sessions", _l("Training sessions held"),
                 _l("Training sessions that took place during the period."), sessions_held, trend_date="day"),
    FigureSource("shops_joined", _l("Shops joined"),
                 _l("Shops that joined the base during the period."), shops_joined, trend_date="joined"),
    FigureSource("shops_per_stage", _l("Shops per stage"),
                 _l("Every shop of the base by its current stage."), shops_per_stage),
    FigureSource("first_sales", _l("First sales"),
                 _l("Shops whose first recorded sale fell in the period."), first_sales, trend_date="day"),
    FigureSource("sales", _l("Reported sales"),
                 _l("Revenue of the livestream results recorded for the period, in yuan."), sales_total,
                 unit="yuan", trend_date="day", trend_sum="revenue"),
    FigureSource("utilisation", _l("Studio utilisation"),
                 _l("Booked hours of the studios over their open hours, from the start of the period up to "
                    "today."), studio_utilisation, unit="percent", ratio="hours"),
    FigureSource("no_shows", _l("No-show rate"),
                 _l("Bookings released as no-shows, out of the bookings that were due in the period so far."),
                 no_show_rate, unit="percent"),
    FigureSource("mentorships", _l("Active mentorships"),
                 _l("Mentorships active at some time during the period."), active_mentorships),
    FigureSource("livestreams", _l("Livestreams held"),
                 _l("Public livestreams of the base held during the period, by kind."), livestreams_held,
                 trend_date="day"),
]

FIGURES_BY_KEY = {f.key: f for f in FIGURES}
