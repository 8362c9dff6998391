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
    history = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == Application.__tablename__,
        AuditEntry.object_id.in_(list(by_id) or [-1])).order_by(AuditEntry.at, AuditEntry.id))
    for entry in history:
        before = (entry.before or {}).get("status")
        after = (entry.after or {}).get("status")
        if not after or before == after:
            continue
        a = by_id[entry.object_id]
        tone = {"confirmed": "ok", "rejected": "bad", "dropped_out": "warn", "withdrawn": "muted",
                "lapsed": "muted", "waitlisted": "warn"}.get(after, "info")
        title = (_l("Application for %(cohort)s: %(before)s → %(after)s", cohort=a.cohort.name,
                    before=_status(before), after=_status(after)) if before else
                 _l("Application for %(cohort)s: %(after)s", cohort=a.cohort.name, after=_status(after)))
        events.append(Event(entry.at, "applications", str(title), tone=tone))
    return events


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


def attendance(person) -> list[Event] | None:
    if optional_model("incubator.training.models", "Attendance") is None:
        return None
    return []


def bookings(person) -> list[Event] | None:
    if optional_model("incubator.booking.models", "Booking") is None:
        return None
    return []


def shops(person) -> list[Event]:
    found = db.session.scalars(select(Shop).where(Shop.owner_id == person.id))
    return [Event(s.created_at, "shops", str(_l("Shop %(shop)s joined the base", shop=s.name)))
            for s in found]


def mentorships(person) -> list[Event] | None:
    if optional_model("incubator.mentoring.models", "Mentorship") is None:
        return None
    return []


def sales(person) -> list[Event] | None:
    if optional_model("incubator.shops.models", "SalesRecord") is None:
        return None
    return []


def support(person) -> list[Event] | None:
    if optional_model("incubator.shops.models", "SupportRecord") is None:
        return None
    return []


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
