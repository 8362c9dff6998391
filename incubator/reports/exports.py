"""CSV exports: one table builder per export, honouring the report filters.
A builder returns None while its area has not landed."""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from incubator.accounts.models import User
from incubator.auth import ROLE_LABELS
from incubator.extensions import db
from incubator.reports import sources
from incubator.reports.scope import Column, Scope, Table, optional_model
from incubator.shops.models import Shop


def people(scope: Scope) -> Table:
    """Everyone the period's training touched (applied, enrolled or completed),
    and, without training filters, the owners of shops at the base."""
    found: dict[int, dict] = {}

    def person(person_id: int) -> dict:
        if person_id not in found:
            found[person_id] = {"person_id": person_id, "groups": set(), "applications": 0,
                                "classes": 0, "certificates": 0, "shops": 0, "incubated": None}
        return found[person_id]

    for row in sources.applicants(scope).table.rows:
        person(row["person_id"])["applications"] += 1
    for a in sources.enrolments(scope):
        entry = person(a.user_id)
        entry["classes"] += 1
        entry["groups"] |= sources.application_groups(a)
    for row in sources.certificates_issued(scope).table.rows:
        person(row["person_id"])["certificates"] += 1
    if not scope.has_training_filters:
        for shop in db.session.scalars(select(Shop).where(Shop.created_at < scope.end_at)):
            if scope.on_site(shop.site_id):
                person(shop.owner_id)["shops"] += 1
    for row in sources.incubated(scope).table.rows:
        if row["person_id"] in found:
            found[row["person_id"]]["incubated"] = row["day"]
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(list(found) or [-1])).options(selectinload(User.role_grants)))}
    rows = []
    for person_id, entry in sorted(found.items(), key=lambda kv: users[kv[0]].display_name):
        user = users[person_id]
        rows.append(entry | {
            "person": user.display_name, "phone": user.phone or "", "email": user.email or "",
            "roles": "、".join(str(ROLE_LABELS[r]) for r in sorted(user.roles)),
            "groups": "、".join(sorted(sources.group_label(g) for g in entry["groups"])),
            "joined": scope.local_day(user.created_at)})
    columns = [sources.PERSON, Column("phone", _l("Mobile")), Column("email", _l("E-mail")),
               Column("roles", _l("Roles")), Column("groups", _l("Groups")),
               Column("applications", _l("Applications"), "count"), Column("classes", _l("Classes"), "count"),
               Column("certificates", _l("Certificates"), "count"), Column("shops", _l("Shops"), "count"),
               Column("incubated", _l("Incubated on"), "date"), Column("joined", _l("Account since"), "date")]
    return Table(columns, rows)


def applications(scope: Scope) -> Table:
    return sources.applicants(scope).table


def shops(scope: Scope) -> Table:
    """Shops at the base by the end of the period."""
    rows = []
    for shop in db.session.scalars(select(Shop).where(Shop.created_at < scope.end_at)
                                   .options(selectinload(Shop.owner)).order_by(Shop.name, Shop.id)):
        if scope.on_site(shop.site_id):
            rows.append({"person_id": shop.owner_id, "shop": shop.name, "person": shop.owner.display_name,
                         "category": sources.category_label(shop.category), "joined": scope.local_day(shop.created_at)})
    columns = [Column("shop", _l("Shop")), sources.PERSON, Column("category", _l("Category")),
               Column("joined", _l("Joined on"), "date")]
    return Table(columns, rows)


def attendance(scope: Scope) -> Table | None:
    """Marks of the sessions held in the period, with the training filters."""
    Attendance = optional_model("incubator.training.models", "Attendance")
    if Attendance is None:
        return None
    from incubator.reports.timeline import MARK_LABELS
    from incubator.training.models import TrainingSession

    sessions = {s.id: s for s in _sessions(scope)}
    rows = []
    for mark in db.session.scalars(select(Attendance).where(Attendance.session_id.in_(list(sessions) or [-1]))
                                   .order_by(Attendance.session_id, Attendance.id)):
        session: TrainingSession = sessions[mark.session_id]
        rows.append({"person_id": mark.user_id, "person": mark.user.display_name if mark.user else mark.walkin_name,
                     "programme": session.cohort.programme.name, "cohort": session.cohort.name,
                     "topic": session.topic, "day": scope.local_day(session.starts_at),
                     "mark": str(MARK_LABELS.get(mark.mark, mark.mark)), "reason": mark.reason})
    columns = [sources.PERSON, Column("programme", _l("Programme")), Column("cohort", _l("Class")),
               Column("topic", _l("Topic")), Column("day", _l("Date"), "date"), Column("mark", _l("Mark")),
               Column("reason", _l("Reason"))]
    return Table(columns, rows)


def _sessions(scope: Scope) -> list:
    from incubator.enrolment.models import Cohort
    from incubator.training.models import TrainingSession

    query = (select(TrainingSession).join(Cohort, Cohort.id == TrainingSession.cohort_id)
             .where(TrainingSession.starts_at >= scope.start_at, TrainingSession.starts_at < scope.end_at))
    if scope.site_id is not None:
        query = query.where(TrainingSession.site_id == scope.site_id)
    if scope.programme_id:
        query = query.where(Cohort.programme_id == scope.programme_id)
    if scope.cohort_id:
        query = query.where(TrainingSession.cohort_id == scope.cohort_id)
    found = db.session.scalars(query.order_by(TrainingSession.starts_at, TrainingSession.id)).all()
    if scope.group:
        found = [s for s in found if scope.group in (set(s.cohort.programme.audiences or []) or {"anyone"})]
    return found


BOOKING_STATUS_LABELS = {"pending": _l("Waiting for approval"), "confirmed": _l("Booked"),
                         "declined": _l("Declined"), "cancelled": _l("Cancelled"), "no_show": _l("No-show")}
SUPPORT_KIND_LABELS = {"training": _l("Training place"), "equipment": _l("Equipment loan"),
                       "funding": _l("Funding")}


def bookings(scope: Scope) -> Table | None:
    Booking = optional_model("incubator.booking.models", "Booking")
    if Booking is None:
        return None
    query = (select(Booking).where(Booking.starts_at >= scope.start_at, Booking.starts_at < scope.end_at)
             .order_by(Booking.starts_at, Booking.id))
    if scope.site_id is not None:
        query = query.where(Booking.site_id == scope.site_id)
    rows = [{"person_id": b.user_id, "person": b.user.display_name, "resource": b.resource.name,
             "starts": scope.local_day(b.starts_at), "from": _clock(scope, b.starts_at),
             "to": _clock(scope, b.ends_at), "status": str(BOOKING_STATUS_LABELS.get(b.status, b.status)),
             "purpose": b.purpose,
             "checked_in": "✓" if b.checked_in_at else ""} for b in db.session.scalars(query)]
    columns = [sources.PERSON, Column("resource", _l("Studio or equipment")), Column("starts", _l("Date"), "date"),
               Column("from", _l("From")), Column("to", _l("To")), Column("status", _l("Status")),
               Column("purpose", _l("Purpose")), Column("checked_in", _l("Checked in"))]
    return Table(columns, rows)


def _clock(scope: Scope, at) -> str:
    from incubator.timeutil import to_local

    return to_local(at, scope.tz).strftime("%H:%M")


def outcomes(scope: Scope) -> Table | None:
    result = sources.sales_total(scope)
    return result.table if result is not None else None


def support(scope: Scope) -> Table | None:
    Support = optional_model("incubator.shops.models", "SupportRecord")
    if Support is None:
        return None
    query = (select(Support).where(Support.given_on >= scope.start, Support.given_on <= scope.end)
             .order_by(Support.given_on, Support.id))
    if scope.site_id is not None:
        query = query.where(Support.site_id == scope.site_id)
    rows = []
    for r in db.session.scalars(query):
        person = r.person or (r.shop.owner if r.shop else None)
        rows.append({"person_id": person.id if person else None, "person": person.display_name if person else "",
                     "shop": r.shop.name if r.shop else "", "kind": str(SUPPORT_KIND_LABELS.get(r.kind, r.kind)),
                     "what": r.what,
                     "amount": r.amount_fen, "given": r.given_on, "reason": r.reason})
    columns = [sources.PERSON, Column("shop", _l("Shop")), Column("kind", _l("Kind")), Column("what", _l("What")),
               Column("amount", _l("Amount (yuan)"), "yuan"), Column("given", _l("Given on"), "date"),
               Column("reason", _l("Why"))]
    return Table(columns, rows)


@dataclass(frozen=True)
class ExportSource:
    name: str
    label: object
    explain: object
    build: Callable[[Scope], Table | None]


EXPORTS = [
    ExportSource("people", _l("People"),
                 _l("Everyone who applied, took a place or completed during the period, and shop owners."), people),
    ExportSource("applications", _l("Applications"), _l("Applications sent during the period."), applications),
    ExportSource("attendance", _l("Attendance"), _l("Attendance marks of the period's sessions."), attendance),
    ExportSource("bookings", _l("Bookings"), _l("Studio and equipment bookings of the period."), bookings),
    ExportSource("shops", _l("Shops"), _l("Shops at the base by the end of the period."), shops),
    ExportSource("outcomes", _l("Sales results"), _l("Livestream results recorded for the period."), outcomes),
    ExportSource("support", _l("Support given"), _l("Training, equipment and funding given in the period."),
                 support),
]

EXPORTS_BY_NAME = {e.name: e for e in EXPORTS}
