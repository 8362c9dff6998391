"""A person's whole journey, one section per area.

Each section is one small provider function (journey, window) -> Found (the
window's events, newest first, and how many the section has in all), or None
while its area has not landed ("not yet recorded"). Adding an area's part of
the journey is one function and one line in SECTIONS.

A section reads its records in one statement, with what its events name
(class, studio, shop, mentor...) loaded alongside, never one record at a
time; what two sections share (her applications) is read once, on the Journey.

The record shows each section's latest RECENT events, and each section has
its own page of all its events: a long-time member has hundreds of bookings
and sessions, and her whole journey on one page was 155 KB of HTML. Sections
with many records (bookings, attendance, sales...) read only the window from
the database, with the section's total counted in the same statement; those
a person has a handful of (applications, shops, mentorships) are built whole
and cut in Python.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import defaultload, joinedload, lazyload

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

    @cached_property
    def applications(self) -> list[Application]:
        """Her applications, each with its class, programme and status history."""
        return list(db.session.scalars(
            select(Application).where(Application.user_id == self.person.id)
            .options(joinedload(Application.cohort).joinedload(Cohort.programme),
                     joinedload(Application.events))).unique())


@dataclass
class Found:
    events: list  # the window's events, newest first
    total: int  # the section's events in all


def _newest_first(events: list[Event], window: Window) -> Found:
    """A section built whole in Python: its events newest first, cut to the window."""
    events = sorted(events, key=lambda e: e.sort_key, reverse=True)
    return Found(events[window.offset:window.end], len(events))


def _rows(query, window: Window, *newest_first) -> tuple[list, int]:
    """A section's rows in the window, in the order given (newest first),
    and how many it has in all, counted in the same statement. A window
    past the end finds no row to carry the count; one more statement then
    counts them."""
    windowed = query.add_columns(func.count().over().label("section_total")).order_by(*newest_first)
    if window.limit is not None:
        windowed = windowed.offset(window.offset).limit(window.limit)
    rows = db.session.execute(windowed).all()
    if rows:
        return [tuple(row)[:-1] for row in rows], rows[0].section_total
    if window.offset:
        return [], db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return [], 0


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
    found, total = _rows(
        select(Certificate, Programme.name).join(Cohort, Cohort.id == Certificate.cohort_id)
        .join(Programme, Programme.id == Cohort.programme_id).where(Certificate.user_id == journey.person.id),
        window, Certificate.issued_at.desc(), Certificate.id.desc())
    return Found([Event(c.issued_at, "certificates",
                        str(_l("Completed %(programme)s: certificate %(code)s", programme=programme, code=c.code)),
                        tone="ok") for c, programme in found], total)


MARK_LABELS = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"), "excused": _l("Excused")}
MARK_TONES = {"present": "ok", "late": "warn", "absent": "bad", "excused": "muted"}


def attendance(journey: Journey, window: Window) -> Found | None:
    """Her marks and the skills she learned: the window of the two together
    lies within the first offset + limit of each, newest first."""
    person = journey.person
    Attendance = optional_model("incubator.training.models", "Attendance")
    if Attendance is None:
        return None
    from incubator.training.models import TrainingSession

    either = Window(0, window.end)
    marks, total = _rows(
        select(Attendance, TrainingSession).join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.user_id == person.id), either, TrainingSession.starts_at.desc(), Attendance.id.desc())
    events = [Event(session.starts_at, "attendance",
                    str(_l("Session %(topic)s: %(mark)s", topic=session.topic,
                           mark=MARK_LABELS.get(mark.mark, mark.mark))),
                    mark.reason or "", tone=MARK_TONES.get(mark.mark, "info")) for mark, session in marks]
    Skill = optional_model("incubator.training.models", "Skill")
    SkillTick = optional_model("incubator.training.models", "SkillTick")
    if Skill is not None and SkillTick is not None:
        ticks, learned = _rows(select(SkillTick, Skill).join(Skill, Skill.id == SkillTick.skill_id)
                               .where(SkillTick.user_id == person.id), either,
                               SkillTick.ticked_at.desc(), SkillTick.id.desc())
        events += [Event(tick.ticked_at, "attendance", str(_l("Skill learned: %(skill)s", skill=skill.name)),
                         tone="ok") for tick, skill in ticks]
        total += learned
    return Found(_newest_first(events, window).events, total)


def bookings(journey: Journey, window: Window) -> Found | None:
    Booking = optional_model("incubator.booking.models", "Booking")
    if Booking is None:
        return None
    from incubator.booking.models import Resource

    # Each booking comes with its studio (joined); the studio's opening hours are not needed here.
    found, total = _rows(select(Booking).where(Booking.user_id == journey.person.id)
                         .options(defaultload(Booking.resource).lazyload(Resource.hours)),
                         window, Booking.starts_at.desc(), Booking.id.desc())
    labels = {"pending": _l("waiting for approval"), "confirmed": _l("booked"), "declined": _l("declined"),
              "cancelled": _l("cancelled"), "no_show": _l("no-show")}
    tones = {"confirmed": "ok", "no_show": "bad", "declined": "warn", "cancelled": "muted", "pending": "info"}
    return Found([Event(b.starts_at, "bookings",
                        str(_l("Booking of %(resource)s: %(status)s", resource=b.resource.name,
                               status=labels.get(b.status, b.status))),
                        b.purpose or "", tone=tones.get(b.status, "info"))
                  for (b,) in found], total)


def _owned_shops(person):
    """The ids of her shops, for a condition."""
    return select(Shop.id).where(Shop.owner_id == person.id).scalar_subquery()


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


def sales(journey: Journey, window: Window) -> Found | None:
    Sales = optional_model("incubator.shops.models", "SalesRecord")
    if Sales is None:
        return None
    from incubator.filters import yuan

    found, total = _rows(select(Sales, Shop.name).join(Shop, Shop.id == Sales.shop_id)
                         .where(Shop.owner_id == journey.person.id), window, Sales.occurred_on.desc(), Sales.id.desc())
    return Found([Event(r.occurred_on, "sales",
                        str(_l("%(shop)s livestream: %(orders)s orders, %(yuan)s yuan", shop=shop,
                               orders=r.orders, yuan=yuan(r.revenue_fen))),
                        str(_l("%(viewers)s viewers", viewers=r.viewers)), tone="ok" if r.orders else "info")
                  for r, shop in found], total)


def support(journey: Journey, window: Window) -> Found | None:
    Support = optional_model("incubator.shops.models", "SupportRecord")
    if Support is None:
        return None
    from incubator.filters import yuan

    person = journey.person
    found, total = _rows(select(Support).where(or_(Support.user_id == person.id,
                                                   Support.shop_id.in_(_owned_shops(person)))),
                         window, Support.given_on.desc(), Support.id.desc())
    return Found([Event(r.given_on, "support",
                        str(_l("Support: %(what)s", what=r.what))
                        + (f" (¥{yuan(r.amount_fen)})" if r.amount_fen else ""),
                        r.reason or "", tone="info") for (r,) in found], total)


def notes(journey: Journey, window: Window) -> Found:
    found, total = _rows(select(PersonNote).where(PersonNote.person_id == journey.person.id)
                         .options(_named(PersonNote.author)), window,
                         PersonNote.created_at.desc(), PersonNote.id.desc())
    return Found([Event(n.created_at, "notes", n.body,
                        str(_l("Note by %(name)s", name=n.author.display_name if n.author else "—")), tone="muted")
                  for (n,) in found], total)


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
