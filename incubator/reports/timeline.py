"""A person's whole journey, one section per area.

Each section is one small provider function (journey, window) -> Found (the
window's events, newest first, and how many the section has in all), or None
while its area has not landed ("not yet recorded"). Adding an area's part of
the journey is one function and one line in SECTIONS.

A section reads its records in one statement, with what its events name
(class, studio, shop, mentor...) loaded alongside, never one record at a
time; what two sections share is read once, on the Journey: her
applications (applications, classes), and the shops area's ledger for her
(sales results, support received: each its own window, in one statement).

The record shows each section's latest RECENT events, and each section has
its own page of all its events: a long-time member has hundreds of bookings
and sessions, and her whole journey on one page was 155 KB of HTML. Sections
with many records (bookings, attendance, sales...) read only the window from
the database, as plain columns, with the section's total counted by a
subquery of the same statement from an index; those a person has a handful
of (applications, shops, mentorships) are built whole and cut in Python.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, bindparam, desc, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload, lazyload

from incubator.accounts.models import User
from incubator.enrolment.models import Application, Cohort, Programme
from incubator.extensions import db
from incubator.reports.models import PersonNote
from incubator.reports.scope import optional_model
from incubator.reports.sources import ENROLLED_STATUSES, STATUS_LABELS
from incubator.shops.models import Shop
from incubator.training.models import Certificate

RECENT = 10  # events of each section on the record itself


@dataclass(frozen=True)
class Window:
    """Which of a section's events to read, newest first: `limit` of them
    after the first `offset`; without a limit, all of them."""

    offset: int = 0
    limit: int | None = None

    @property
    def end(self) -> int | None:
        return None if self.limit is None else self.offset + self.limit


EVERYTHING = Window()


@dataclass
class Event:
    at: datetime | date
    section: str
    title: str
    detail: str = ""
    tone: str = "info"  # ok, warn, bad, info, muted (the status macro's tones)

    @property
    def sort_key(self) -> datetime:
        return self.at if isinstance(self.at, datetime) else datetime.combine(self.at, time())

    @property
    def is_day(self) -> bool:
        return not isinstance(self.at, datetime)


class Journey:
    """The person whose record it is, and the records more than one section reads."""

    def __init__(self, person):
        self.person = person
        self._ledgers: dict = {}

    @cached_property
    def applications(self) -> list[Application]:
        """Her applications, each with its class, programme and status history."""
        return list(db.session.scalars(
            select(Application).where(Application.user_id == self.person.id)
            .options(joinedload(Application.cohort).joinedload(Cohort.programme),
                     joinedload(Application.events))).unique())

    def ledger(self, window: "Window") -> dict[str, tuple[list, int]] | None:
        """The shops area's records for her, in one statement: the results of
        her shops' livestreams ("sales") and the support given to her or her
        shops ("support"), each section's window and total. None while the
        shops area keeps no ledger."""
        if window not in self._ledgers:
            self._ledgers[window] = _ledger(self.person, window)
        return self._ledgers[window]


@dataclass
class Found:
    events: list  # the window's events, newest first
    total: int  # the section's events in all


def _newest_first(events: list[Event], window: Window) -> Found:
    """A section built whole in Python: its events newest first, cut to the window."""
    events = sorted(events, key=lambda e: e.sort_key, reverse=True)
    return Found(events[window.offset:window.end], len(events))


P_PERSON = bindparam("person_id", type_=Integer())  # whose record: the sections' statements are built once
P_OFFSET = bindparam("window_offset", type_=Integer())
P_LIMIT = bindparam("window_limit", type_=Integer())
_built: dict = {}


def _latest(name: str, parts: Callable[[], dict[str, tuple]], person, window: Window) -> dict[str, tuple[list, int]]:
    """Each part's rows in the window, newest first, and how many it has in
    all, for one section or several in one statement (a UNION ALL of each
    part's window). parts() gives each part as (query, count) for the
    person P_PERSON: the query selects plain columns, the same for every
    part, beginning with `at` and `id`, its order newest first; count, a
    select of how many rows it has (None: its rows counted), a subquery of
    the same statement read from an index. (Counted over the window's rows,
    count(*) OVER (), the 539 bookings of a long-time member were all read:
    4 ms.) The statement is built once, with and without a window's limit,
    and run for each person. A window past a part's end finds no row to
    carry its total; one more statement then counts it."""
    limited = window.limit is not None
    built = _built.get((name, limited))
    if built is None:
        built = _built[(name, limited)] = _windows(parts(), limited)
    statement, counts = built
    params = {"person_id": person.id, "window_offset": window.offset, "window_limit": window.limit}
    rows: dict[str, list] = {key: [] for key in counts}
    totals = {key: 0 for key in counts}
    for row in db.session.execute(statement, params):
        rows[row.part].append(row)
        totals[row.part] = row.part_total
    for key in counts:
        rows[key].sort(key=lambda row: (row.at, row.id), reverse=True)
        if not rows[key] and window.offset:
            totals[key] = db.session.scalar(counts[key], params)
    return {key: (rows[key], totals[key]) for key in counts}


def _windows(parts: dict[str, tuple], limited: bool):
    """The statement of _latest, and each part's count."""
    counts = {key: count if count is not None else select(func.count()).select_from(query.subquery())
              for key, (query, count) in parts.items()}
    windows = []
    for key, (query, _count) in parts.items():
        found = (query.add_columns(literal(key).label("part"), counts[key].scalar_subquery().label("part_total"))
                 .order_by(desc("at"), desc("id")))
        windows.append(found.offset(P_OFFSET).limit(P_LIMIT) if limited else found)
    return (windows[0] if len(windows) == 1 else union_all(*[select(w.subquery()) for w in windows])), counts


def _latest_of(name: str, query: Callable, person, window: Window, count: Callable | None = None) -> tuple[list, int]:
    return _latest(name, lambda: {name: (query(), count() if count else None)}, person, window)[name]


def _status(value) -> str:
    return str(STATUS_LABELS.get(value, value)) if value else ""


def applications(journey: Journey, window: Window) -> Found:
    found = journey.applications
    events = []
    for a in found:
        events.append(Event(a.submitted_at, "applications",
                            str(_l("Applied to %(programme)s, class %(cohort)s",
                                   programme=a.cohort.programme.name, cohort=a.cohort.name)),
                            str(_l("Status now: %(status)s", status=_status(a.status)))))
    by_id = {a.id: a for a in found}
    for at, application_id, before, after in _status_changes(found):
        if not after or before == after or (before is None and after == "submitted"):
            continue
        a = by_id[application_id]
        tone = {"confirmed": "ok", "rejected": "bad", "dropped_out": "warn", "withdrawn": "muted",
                "lapsed": "muted", "waitlisted": "warn"}.get(after, "info")
        title = (_l("Application for %(cohort)s: %(before)s → %(after)s", cohort=a.cohort.name,
                    before=_status(before), after=_status(after)) if before else
                 _l("Application for %(cohort)s: %(after)s", cohort=a.cohort.name, after=_status(after)))
        events.append(Event(at, "applications", str(title), tone=tone))
    return _newest_first(events, window)


def _status_changes(found: list[Application]) -> list[tuple]:
    """(at, application id, from, to), oldest first: the enrolment area's
    status history, loaded with the applications."""
    moves = sorted((e for a in found for e in a.events), key=lambda e: (e.at, e.id))
    return [(e.at, e.application_id, e.from_status, e.to_status) for e in moves]


def cohorts(journey: Journey, window: Window) -> Found:
    found = [a for a in journey.applications if a.status in ENROLLED_STATUSES]
    return _newest_first([Event(a.cohort.starts_on, "cohorts",
                                str(_l("Class %(cohort)s (%(programme)s) starts", cohort=a.cohort.name,
                                       programme=a.cohort.programme.name)),
                                _status(a.status), tone="warn" if a.status == "dropped_out" else "info")
                          for a in found], window)


def certificates(journey: Journey, window: Window) -> Found:
    """Named by the programme of the class it completed."""
    found, total = _latest_of("certificates", lambda: (
        select(Certificate.issued_at.label("at"), Certificate.id.label("id"), Certificate.code,
               Programme.name.label("programme"))
        .join(Cohort, Cohort.id == Certificate.cohort_id).join(Programme, Programme.id == Cohort.programme_id)
        .where(Certificate.user_id == P_PERSON)), journey.person, window)
    return Found([Event(c.at, "certificates",
                        str(_l("Completed %(programme)s: certificate %(code)s", programme=c.programme, code=c.code)),
                        tone="ok") for c in found], total)


MARK_LABELS = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"), "excused": _l("Excused")}
MARK_TONES = {"present": "ok", "late": "warn", "absent": "bad", "excused": "muted"}


def attendance(journey: Journey, window: Window) -> Found | None:
    """Her marks and the skills she learned, newest first together: one
    window over both, read in one statement."""
    person = journey.person
    Attendance = optional_model("incubator.training.models", "Attendance")
    if Attendance is None:
        return None
    from incubator.training.models import TrainingSession

    def marks_and_ticks():
        marks = (select(TrainingSession.starts_at.label("at"), Attendance.id.label("id"), literal(0).label("skill"),
                        TrainingSession.topic.label("name"), Attendance.mark, Attendance.reason)
                 .join(TrainingSession, TrainingSession.id == Attendance.session_id)
                 .where(Attendance.user_id == P_PERSON))
        Skill = optional_model("incubator.training.models", "Skill")
        SkillTick = optional_model("incubator.training.models", "SkillTick")
        if Skill is None or SkillTick is None:
            return marks
        ticks = (select(SkillTick.ticked_at.label("at"), SkillTick.id.label("id"), literal(1).label("skill"),
                        Skill.name.label("name"), literal(None, String()).label("mark"),
                        literal(None, String()).label("reason"))
                 .join(Skill, Skill.id == SkillTick.skill_id).where(SkillTick.user_id == P_PERSON))
        return select(*union_all(marks, ticks).subquery().c)

    found, total = _latest_of("attendance", marks_and_ticks, person, window)
    events = []
    for row in found:
        if row.skill:
            events.append(Event(row.at, "attendance", str(_l("Skill learned: %(skill)s", skill=row.name)), tone="ok"))
        else:
            events.append(Event(row.at, "attendance",
                                str(_l("Session %(topic)s: %(mark)s", topic=row.name,
                                       mark=MARK_LABELS.get(row.mark, row.mark))),
                                row.reason or "", tone=MARK_TONES.get(row.mark, "info")))
    return Found(events, total)


def bookings(journey: Journey, window: Window) -> Found | None:
    Booking = optional_model("incubator.booking.models", "Booking")
    if Booking is None:
        return None
    from incubator.booking.models import Resource

    found, total = _latest_of(
        "bookings", lambda: (select(Booking.starts_at.label("at"), Booking.id.label("id"),
                                    Resource.name.label("resource"), Booking.status, Booking.purpose)
                             .join(Resource, Resource.id == Booking.resource_id).where(Booking.user_id == P_PERSON)),
        journey.person, window, lambda: select(func.count()).select_from(Booking).where(Booking.user_id == P_PERSON))
    labels = {"pending": _l("waiting for approval"), "confirmed": _l("booked"), "declined": _l("declined"),
              "cancelled": _l("cancelled"), "no_show": _l("no-show")}
    tones = {"confirmed": "ok", "no_show": "bad", "declined": "warn", "cancelled": "muted", "pending": "info"}
    return Found([Event(b.at, "bookings",
                        str(_l("Booking of %(resource)s: %(status)s", resource=b.resource,
                               status=labels.get(b.status, b.status))),
                        b.purpose or "", tone=tones.get(b.status, "info"))
                  for b in found], total)


def shops(journey: Journey, window: Window) -> Found:
    """Her shops joining the base, then each move to a stage (with the stage)."""
    StageEvent = optional_model("incubator.shops.models", "ShopStageEvent")
    Stage = optional_model("incubator.shops.models", "Stage")
    query = (select(Shop).where(Shop.owner_id == journey.person.id).order_by(Shop.id)
             .options(lazyload(Shop.ticks)))
    if StageEvent is not None:
        query = (select(Shop, StageEvent, Stage).where(Shop.owner_id == journey.person.id)
                 .outerjoin(StageEvent, StageEvent.shop_id == Shop.id)
                 .outerjoin(Stage, Stage.id == StageEvent.to_stage_id)
                 .order_by(Shop.id, StageEvent.id).options(lazyload(Shop.ticks)))
    owned, moves = {}, []
    for shop, *move in db.session.execute(query):
        owned[shop.id] = shop
        if move and move[0] is not None and move[1] is not None:
            moves.append((shop, *move))
    events = [Event(s.created_at, "shops", str(_l("Shop %(shop)s joined the base", shop=s.name)))
              for s in owned.values()]
    for shop, move, stage in moves:
        events.append(Event(move.at, "shops", str(_l("Shop %(shop)s: stage %(stage)s", shop=shop.name,
                                                     stage=stage.name)),
                            move.note or "", tone="warn" if move.kind == "sent_back" else "ok"))
    return _newest_first(events, window)


def _named(relationship):
    """Load a related person for her name, not her roles."""
    return joinedload(relationship).lazyload(User.role_grants)


def mentorships(journey: Journey, window: Window) -> Found | None:
    Mentorship = optional_model("incubator.mentoring.models", "Mentorship")
    if Mentorship is None:
        return None
    person = journey.person
    events = []
    for m in db.session.scalars(select(Mentorship).where(or_(Mentorship.mentee_id == person.id,
                                                             Mentorship.mentor_id == person.id))
                                .options(_named(Mentorship.mentor), _named(Mentorship.mentee))):
        if m.mentee_id == person.id:
            title = _l("Mentored by %(name)s", name=m.mentor.display_name)
        else:
            title = _l("Mentor of %(name)s", name=m.mentee.display_name)
        events.append(Event(m.starts_on, "mentorships", str(title),
                            str(_l("Until %(day)s", day=m.ends_on.isoformat())), tone="info"))
        if m.ended_at:
            events.append(Event(m.ended_at, "mentorships",
                                str(_l("Mentorship ended: %(reason)s", reason=m.end_reason or m.status)),
                                tone="muted"))
    return _newest_first(events, window)


def _ledger(person, window: Window) -> dict[str, tuple[list, int]] | None:
    Sales = optional_model("incubator.shops.models", "SalesRecord")
    Support = optional_model("incubator.shops.models", "SupportRecord")
    if Sales is None and Support is None:
        return None

    def parts():
        nothing = literal(None, Integer())
        found = {}
        if Sales is not None:
            found["sales"] = (select(Sales.occurred_on.label("at"), Sales.id.label("id"), Shop.name.label("what"),
                                     Sales.revenue_fen.label("fen"), Sales.orders, Sales.viewers,
                                     literal(None, String()).label("reason"))
                              .join(Shop, Shop.id == Sales.shop_id).where(Shop.owner_id == P_PERSON), None)
        if Support is not None:
            her_shops = select(Shop.id).where(Shop.owner_id == P_PERSON).scalar_subquery()
            found["support"] = (select(Support.given_on.label("at"), Support.id.label("id"), Support.what,
                                       Support.amount_fen.label("fen"), nothing.label("orders"),
                                       nothing.label("viewers"), Support.reason)
                                .where(or_(Support.user_id == P_PERSON, Support.shop_id.in_(her_shops))), None)
        return found

    return _latest("ledger", parts, person, window)


def sales(journey: Journey, window: Window) -> Found | None:
    found = (journey.ledger(window) or {}).get("sales")
    if found is None:
        return None
    from incubator.filters import yuan

    rows, total = found
    return Found([Event(r.at, "sales",
                        str(_l("%(shop)s livestream: %(orders)s orders, %(yuan)s yuan", shop=r.what,
                               orders=r.orders, yuan=yuan(r.fen))),
                        str(_l("%(viewers)s viewers", viewers=r.viewers)), tone="ok" if r.orders else "info")
                  for r in rows], total)


def support(journey: Journey, window: Window) -> Found | None:
    found = (journey.ledger(window) or {}).get("support")
    if found is None:
        return None
    from incubator.filters import yuan

    rows, total = found
    return Found([Event(r.at, "support",
                        str(_l("Support: %(what)s", what=r.what)) + (f" (¥{yuan(r.fen)})" if r.fen else ""),
                        r.reason or "", tone="info") for r in rows], total)


def notes(journey: Journey, window: Window) -> Found:
    found, total = _latest_of("notes", lambda: (
        select(PersonNote.created_at.label("at"), PersonNote.id.label("id"), PersonNote.body,
               User.display_name.label("author"))
        .outerjoin(User, User.id == PersonNote.author_id).where(PersonNote.person_id == P_PERSON)),
        journey.person, window)
    return Found([Event(n.at, "notes", n.body, str(_l("Note by %(name)s", name=n.author or "—")), tone="muted")
                  for n in found], total)


@dataclass(frozen=True)
class SectionSource:
    key: str
    label: object
    provide: Callable
    staff_only: bool = False


SECTIONS = [
    SectionSource("applications", _l("Applications"), applications),
    SectionSource("cohorts", _l("Classes"), cohorts),
    SectionSource("attendance", _l("Attendance and skills"), attendance),
    SectionSource("certificates", _l("Certificates"), certificates),
    SectionSource("bookings", _l("Bookings and no-shows"), bookings),
    SectionSource("shops", _l("Shop and stage"), shops),
    SectionSource("mentorships", _l("Mentorships"), mentorships),
    SectionSource("sales", _l("Sales results"), sales),
    SectionSource("support", _l("Support received"), support),
    SectionSource("notes", _l("Staff notes"), notes, staff_only=True),
]


@dataclass
class Section:
    key: str
    label: object
    recorded: bool
    count: int  # her events in this section, in all
    shown: int = 0  # of which the record shows (its latest)

    @property
    def has_more(self) -> bool:
        return self.count > self.shown


@dataclass
class Record:
    person: object
    sections: list[Section]
    events: list[Event]  # the latest of each section, oldest first
    labels: dict = field(default_factory=dict)  # section key -> label

    recent: int = RECENT

    @property
    def cut(self) -> bool:
        """Whether some section shows only its latest events."""
        return any(section.has_more for section in self.sections)


def sources_for(include_staff_only: bool) -> list[SectionSource]:
    return [source for source in SECTIONS if include_staff_only or not source.staff_only]


def build_record(person, include_staff_only: bool) -> Record:
    """Each section's count and latest RECENT events, together oldest first."""
    journey = Journey(person)
    sections, events = [], []
    for source in sources_for(include_staff_only):
        found = source.provide(journey, Window(0, RECENT))
        sections.append(Section(source.key, source.label, found is not None,
                                found.total if found else 0, len(found.events) if found else 0))
        events.extend(found.events if found else [])
    events.sort(key=lambda e: e.sort_key)
    return Record(person, sections, events, {source.key: source.label for source in SECTIONS})


@dataclass
class SectionEvents:
    person: object
    section: Section
    events: list[Event]  # newest first


def section_source(key: str, include_staff_only: bool) -> SectionSource | None:
    """The section with that key, if this viewer may see it."""
    return next((s for s in sources_for(include_staff_only) if s.key == key), None)


def build_section(person, source: SectionSource, window: Window) -> SectionEvents | None:
    """One section's events in a window, newest first; None while the
    section's area is not there."""
    found = source.provide(Journey(person), window)
    if found is None:
        return None
    return SectionEvents(person, Section(source.key, source.label, True, found.total, len(found.events)),
                         found.events)
