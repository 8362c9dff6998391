"""A person's whole journey, one section per area.

Each section is one small provider function person -> list of Events, or
None while its area has not landed ("not yet recorded"). Adding an area's part
of the journey is one function and one line in SECTIONS.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from incubator.audit import AuditEntry
from incubator.enrolment.models import Application, Cohort
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


def _status(value) -> str:
    return str(STATUS_LABELS.get(value, value)) if value else ""


def applications(person) -> list[Event]:
    found = db.session.scalars(
        select(Application).where(Application.user_id == person.id)
        .options(selectinload(Application.cohort).selectinload(Cohort.programme))).all()
    events = []
    for a in found:
        events.append(Event(a.submitted_at, "applications",
                            str(_l("Applied to %(programme)s, class %(cohort)s",
                                   programme=a.cohort.programme.name, cohort=a.cohort.name)),
                            str(_l("Status now: %(status)s", status=_status(a.status)))))
    by_id = {a.id: a for a in found}
    for at, application_id, before, after in _status_changes(list(by_id)):
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


def _status_changes(application_ids: list[int]) -> list[tuple]:
    """(at, application id, from, to): the enrolment area's own status history
    when it keeps one, else the history (audit) entries of the applications."""
    ApplicationEvent = optional_model("incubator.enrolment.models", "ApplicationEvent")
    ids = application_ids or [-1]
    if ApplicationEvent is not None:
        return [(e.at, e.application_id, e.from_status, e.to_status) for e in db.session.scalars(
            select(ApplicationEvent).where(ApplicationEvent.application_id.in_(ids))
            .order_by(ApplicationEvent.at, ApplicationEvent.id))]
    return [(e.at, e.object_id, (e.before or {}).get("status"), (e.after or {}).get("status"))
            for e in db.session.scalars(select(AuditEntry).where(
                AuditEntry.object_type == Application.__tablename__, AuditEntry.object_id.in_(ids))
                .order_by(AuditEntry.at, AuditEntry.id))]


def cohorts(person) -> list[Event]:
    found = db.session.scalars(
        select(Application).where(Application.user_id == person.id, Application.status.in_(ENROLLED_STATUSES))
        .options(selectinload(Application.cohort).selectinload(Cohort.programme))).all()
    return [Event(a.cohort.starts_on, "cohorts",
                  str(_l("Class %(cohort)s (%(programme)s) starts", cohort=a.cohort.name,
                         programme=a.cohort.programme.name)),
                  _status(a.status), tone="warn" if a.status == "dropped_out" else "info")
            for a in found]


def certificates(person) -> list[Event]:
    found = db.session.scalars(select(Certificate).where(Certificate.user_id == person.id))
    events = []
    for c in found:
        cohort = db.session.get(Cohort, c.cohort_id)
        events.append(Event(c.issued_at, "certificates",
                            str(_l("Completed %(programme)s: certificate %(code)s",
                                   programme=cohort.programme.name, code=c.code)), tone="ok"))
    return events


MARK_LABELS = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"), "excused": _l("Excused")}
MARK_TONES = {"present": "ok", "late": "warn", "absent": "bad", "excused": "muted"}


def attendance(person) -> list[Event] | None:
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


def bookings(person) -> list[Event] | None:
    Booking = optional_model("incubator.booking.models", "Booking")
    if Booking is None:
        return None
    labels = {"pending": _l("waiting for approval"), "confirmed": _l("booked"), "declined": _l("declined"),
              "cancelled": _l("cancelled"), "no_show": _l("no-show")}
    tones = {"confirmed": "ok", "no_show": "bad", "declined": "warn", "cancelled": "muted", "pending": "info"}
    return [Event(b.starts_at, "bookings",
                  str(_l("Booking of %(resource)s: %(status)s", resource=b.resource.name,
                         status=labels.get(b.status, b.status))),
                  b.purpose or "", tone=tones.get(b.status, "info"))
            for b in db.session.scalars(select(Booking).where(Booking.user_id == person.id))]


def _owned_shops(person) -> list:
    return list(db.session.scalars(select(Shop).where(Shop.owner_id == person.id)))


def shops(person) -> list[Event]:
    owned = _owned_shops(person)
    events = [Event(s.created_at, "shops", str(_l("Shop %(shop)s joined the base", shop=s.name))) for s in owned]
    StageEvent = optional_model("incubator.shops.models", "ShopStageEvent")
    if StageEvent is not None and owned:
        by_id = {s.id: s for s in owned}
        for move in db.session.scalars(select(StageEvent).where(StageEvent.shop_id.in_(list(by_id)))):
            if move.to_stage is None:
                continue
            events.append(Event(move.at, "shops",
                                str(_l("Shop %(shop)s: stage %(stage)s", shop=by_id[move.shop_id].name,
                                       stage=move.to_stage.name)),
                                move.note or "", tone="warn" if move.kind == "sent_back" else "ok"))
    return events


def mentorships(person) -> list[Event] | None:
    Mentorship = optional_model("incubator.mentoring.models", "Mentorship")
    if Mentorship is None:
        return None
    from sqlalchemy import or_

    events = []
    for m in db.session.scalars(select(Mentorship).where(or_(Mentorship.mentee_id == person.id,
                                                             Mentorship.mentor_id == person.id))):
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


def sales(person) -> list[Event] | None:
    Sales = optional_model("incubator.shops.models", "SalesRecord")
    if Sales is None:
        return None
    from incubator.filters import yuan

    owned = {s.id: s for s in _owned_shops(person)}
    return [Event(r.occurred_on, "sales",
                  str(_l("%(shop)s livestream: %(orders)s orders, %(yuan)s yuan", shop=owned[r.shop_id].name,
                         orders=r.orders, yuan=yuan(r.revenue_fen))),
                  str(_l("%(viewers)s viewers", viewers=r.viewers)), tone="ok" if r.orders else "info")
            for r in db.session.scalars(select(Sales).where(Sales.shop_id.in_(list(owned) or [-1])))]


def support(person) -> list[Event] | None:
    Support = optional_model("incubator.shops.models", "SupportRecord")
    if Support is None:
        return None
    from sqlalchemy import or_

    from incubator.filters import yuan

    shop_ids = [s.id for s in _owned_shops(person)] or [-1]
    found = db.session.scalars(select(Support).where(or_(Support.user_id == person.id,
                                                         Support.shop_id.in_(shop_ids))))
    return [Event(r.given_on, "support",
                  str(_l("Support: %(what)s", what=r.what)) + (f" (¥{yuan(r.amount_fen)})" if r.amount_fen else ""),
                  r.reason or "", tone="info") for r in found]


def notes(person) -> list[Event]:
    found = db.session.scalars(select(PersonNote).where(PersonNote.person_id == person.id)
                               .options(selectinload(PersonNote.author)))
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
    sections, events = [], []
    for source in SECTIONS:
        if source.staff_only and not include_staff_only:
            continue
        found = source.provide(person)
        sections.append(Section(source.key, source.label, found is not None, len(found or [])))
        events.extend(found or [])
    events.sort(key=lambda e: e.sort_key)
    return Record(person, sections, events)
