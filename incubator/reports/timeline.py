"""A person's whole journey, one section per area.

Each section is one small provider function journey -> list of Events, or
None while its area has not landed ("not yet recorded"). Adding an area's part
of the journey is one function and one line in SECTIONS.

A section reads its records in one statement, with what its events name
(class, studio, shop, mentor...) loaded alongside, never one record at a
time; what two sections share (her applications) is read once, on the Journey.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import defaultload, joinedload, lazyload

from incubator.accounts.models import User
from incubator.enrolment.models import Application, Cohort, Programme
from incubator.extensions import db
from incubator.reports.models import PersonNote
from incubator.reports.scope import optional_model
from incubator.reports.sources import ENROLLED_STATUSES, STATUS_LABELS
from incubator.shops.models import Shop
from incubator.training.models import Certificate


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


def _status(value) -> str:
    return str(STATUS_LABELS.get(value, value)) if value else ""


def applications(journey: Journey) -> list[Event]:
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
    return events


def _status_changes(found: list[Application]) -> list[tuple]:
    """(at, application id, from, to), oldest first: the enrolment area's
    status history, loaded with the applications."""
    moves = sorted((e for a in found for e in a.events), key=lambda e: (e.at, e.id))
    return [(e.at, e.application_id, e.from_status, e.to_status) for e in moves]


def cohorts(journey: Journey) -> list[Event]:
    found = [a for a in journey.applications if a.status in ENROLLED_STATUSES]
    return [Event(a.cohort.starts_on, "cohorts",
                  str(_l("Class %(cohort)s (%(programme)s) starts", cohort=a.cohort.name,
                         programme=a.cohort.programme.name)),
                  _status(a.status), tone="warn" if a.status == "dropped_out" else "info")
            for a in found]


def certificates(journey: Journey) -> list[Event]:
    """Named by the programme of the class it completed."""
    found = db.session.execute(
        select(Certificate, Programme.name).join(Cohort, Cohort.id == Certificate.cohort_id)
        .join(Programme, Programme.id == Cohort.programme_id).where(Certificate.user_id == journey.person.id))
    return [Event(c.issued_at, "certificates",
                  str(_l("Completed %(programme)s: certificate %(code)s", programme=programme, code=c.code)),
                  tone="ok") for c, programme in found]


MARK_LABELS = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"), "excused": _l("Excused")}
MARK_TONES = {"present": "ok", "late": "warn", "absent": "bad", "excused": "muted"}


def attendance(journey: Journey) -> list[Event] | None:
    person = journey.person
    Attendance = optional_model("incubator.training.models", "Attendance")
    if Attendance is None:
        return None
    from incubator.training.models import TrainingSession

    events = []
    for mark, session in db.session.execute(
            select(Attendance, TrainingSession).join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(Attendance.user_id == person.id)):
        events.append(Event(session.starts_at, "attendance",
                            str(_l("Session %(topic)s: %(mark)s", topic=session.topic,
                                   mark=MARK_LABELS.get(mark.mark, mark.mark))),
                            mark.reason or "", tone=MARK_TONES.get(mark.mark, "info")))
    Skill = optional_model("incubator.training.models", "Skill")
    SkillTick = optional_model("incubator.training.models", "SkillTick")
    if Skill is not None and SkillTick is not None:
        for tick, skill in db.session.execute(select(SkillTick, Skill).join(Skill, Skill.id == SkillTick.skill_id)
                                              .where(SkillTick.user_id == person.id)):
            events.append(Event(tick.ticked_at, "attendance", str(_l("Skill learned: %(skill)s", skill=skill.name)),
                                tone="ok"))
    return events


def bookings(journey: Journey) -> list[Event] | None:
    Booking = optional_model("incubator.booking.models", "Booking")
    if Booking is None:
        return None
    from incubator.booking.models import Resource

    # Each booking comes with its studio (joined); the studio's opening hours are not needed here.
    found = db.session.scalars(select(Booking).where(Booking.user_id == journey.person.id)
                               .options(defaultload(Booking.resource).lazyload(Resource.hours)))
    labels = {"pending": _l("waiting for approval"), "confirmed": _l("booked"), "declined": _l("declined"),
              "cancelled": _l("cancelled"), "no_show": _l("no-show")}
    tones = {"confirmed": "ok", "no_show": "bad", "declined": "warn", "cancelled": "muted", "pending": "info"}
    return [Event(b.starts_at, "bookings",
                  str(_l("Booking of %(resource)s: %(status)s", resource=b.resource.name,
                         status=labels.get(b.status, b.status))),
                  b.purpose or "", tone=tones.get(b.status, "info"))
            for b in found]


def _owned_shops(person):
    """The ids of her shops, for a condition."""
    return select(Shop.id).where(Shop.owner_id == person.id).scalar_subquery()


def shops(journey: Journey) -> list[Event]:
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
    return events


def _named(relationship):
    """Load a related person for her name, not her roles."""
    return joinedload(relationship).lazyload(User.role_grants)


def mentorships(journey: Journey) -> list[Event] | None:
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
    return events


def sales(journey: Journey) -> list[Event] | None:
    Sales = optional_model("incubator.shops.models", "SalesRecord")
    if Sales is None:
        return None
    from incubator.filters import yuan

    found = db.session.execute(select(Sales, Shop.name).join(Shop, Shop.id == Sales.shop_id)
                               .where(Shop.owner_id == journey.person.id))
    return [Event(r.occurred_on, "sales",
                  str(_l("%(shop)s livestream: %(orders)s orders, %(yuan)s yuan", shop=shop,
                         orders=r.orders, yuan=yuan(r.revenue_fen))),
                  str(_l("%(viewers)s viewers", viewers=r.viewers)), tone="ok" if r.orders else "info")
            for r, shop in found]


def support(journey: Journey) -> list[Event] | None:
    Support = optional_model("incubator.shops.models", "SupportRecord")
    if Support is None:
        return None
    from incubator.filters import yuan

    person = journey.person
    found = db.session.scalars(select(Support).where(or_(Support.user_id == person.id,
                                                         Support.shop_id.in_(_owned_shops(person)))))
    return [Event(r.given_on, "support",
                  str(_l("Support: %(what)s", what=r.what)) + (f" (¥{yuan(r.amount_fen)})" if r.amount_fen else ""),
                  r.reason or "", tone="info") for r in found]


def notes(journey: Journey) -> list[Event]:
    found = db.session.scalars(select(PersonNote).where(PersonNote.person_id == journey.person.id)
                               .options(_named(PersonNote.author)))
    return [Event(n.created_at, "notes", n.body,
                  str(_l("Note by %(name)s", name=n.author.display_name if n.author else "—")), tone="muted")
            for n in found]


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
    count: int


@dataclass
class Record:
    person: object
    sections: list[Section]
    events: list[Event]


def build_record(person, include_staff_only: bool) -> Record:
    journey = Journey(person)
    sections, events = [], []
    for source in SECTIONS:
        if source.staff_only and not include_staff_only:
            continue
        found = source.provide(journey)
        sections.append(Section(source.key, source.label, found is not None, len(found or [])))
        events.extend(found or [])
    events.sort(key=lambda e: e.sort_key)
    return Record(person, sections, events)
