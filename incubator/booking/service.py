"""The rules of booking studios and equipment.

Every function here is one transaction: it writes everything or nothing and
raises a DomainError (Conflict, NotAllowed) with a message a person can read.

What other areas call:
- is_free(resource_id, starts_at, ends_at, ...) / busy_times(...): is a studio
  free, what holds it (bookings, training sessions, closures).
- room_conflict(room_id, starts_at, ends_at, ignore_session_id=None): the message
  a training session would meet in this room, or None.
- reserve(actor, resource, starts_at, ends_at, purpose=...): staff hold a studio
  for a livestream or an event, skipping the person rules (never the overlap).
- book(...), book_kit(...), book_weekly(...), cancel(...), move(...).

Never double-booked: before checking for overlaps the service takes a write
lock on the resources it books (an UPDATE of their rows: a row lock on
PostgreSQL, the database write lock on SQLite, where SQLite serialises writers),
and on PostgreSQL an exclusion constraint refuses overlaps anyway.
"""

import os
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, format_time
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, and_, cast, func, literal, null, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from incubator.accounts.models import User
from incubator.audit import record_change
from incubator.auth import ROLE_LABELS, STAFF_ROLES
from incubator.booking.models import (
    ACTIVE,
    AVAILABLE,
    CANCELLED,
    CONFIRMED,
    DECLINED,
    MAINTENANCE,
    NO_SHOW,
    PENDING,
    RESOURCE_KINDS,
    Blackout,
    Booking,
    BookingPause,
    FeedToken,
    Kit,
    KitItem,
    OpeningHours,
    Resource,
)
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.notify.service import notify
from incubator.sites.service import timezone_of
from incubator.timeutil import to_local, to_utc, utcnow
from incubator.training.models import TrainingSession

SETTINGS = {
    # A booking not checked in this long after its start is released as a no-show.
    "BOOKING_NO_SHOW_MINUTES": 15,
    # This many no-shows within the period pause a person's booking for PAUSE_DAYS.
    "BOOKING_NO_SHOW_LIMIT": 3,
    "BOOKING_NO_SHOW_PERIOD_DAYS": 30,
    "BOOKING_PAUSE_DAYS": 14,
    # Check-in opens this long before the start.
    "BOOKING_CHECKIN_EARLY_MINUTES": 15,
    # Equipment not back this long after the end is flagged to staff.
    "BOOKING_RETURN_GRACE_MINUTES": 30,
}

TAKEN = _l("This time is already taken. Please choose another time.")


def setting(name: str) -> int:
    """A booking setting: the app config, else the environment, else the default."""
    value = current_app.config.get(name, os.environ.get(name, SETTINGS[name]))
    return int(value)


# --- small helpers -----------------------------------------------------------------

def _when(value: datetime) -> str:
    return format_datetime(value, "short")


def _hours(value: float) -> str:
    return format_decimal(round(value, 1), format="#,##0.#")


def _is_staff(user) -> bool:
    return user is not None and user.has_any_role(STAFF_ROLES)


def _overlap(column_start, column_end, starts_at, ends_at):
    return and_(column_start < ends_at, column_end > starts_at)


def _new_key() -> str:
    return secrets.token_hex(8)


def _snapshot(booking: Booking) -> dict:
    return {"status": booking.status, "starts_at": booking.starts_at.isoformat(),
            "ends_at": booking.ends_at.isoformat(), "resource_id": booking.resource_id, "unit": booking.unit}


def _lock_resources(resource_ids) -> None:
    """Take the write lock on these resources before checking for overlaps.

    An UPDATE that changes nothing still locks: a row lock on PostgreSQL (in id
    order, so two kits never deadlock), and on SQLite the database write lock,
    taken with the busy timeout as the first write of the transaction, so the
    overlap check that follows sees every committed booking and no other writer
    can slip in before this transaction commits.
    """
    table = Resource.__table__
    for resource_id in sorted(set(resource_ids)):
        db.session.execute(update(table).where(table.c.id == resource_id).values(quantity=table.c.quantity))


# --- resources, hours, kits, closures (staff) ---------------------------------------

DEFAULT_OPENS, DEFAULT_CLOSES = time(9, 0), time(22, 0)


def new_checkin_code() -> str:
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if not db.session.scalar(select(Resource.id).where(Resource.checkin_code == code)):
            return code


def save_resource(actor, resource: Resource | None, *, site_id: int, name: str, kind: str,
                  description: str = "", quantity: int = 1, active: bool = True, status: str = AVAILABLE,
                  maintenance_reason: str = "", maintenance_from: date | None = None,
                  maintenance_until: date | None = None, slot_minutes: int = 30, min_minutes: int = 30,
                  max_minutes: int = 240, min_notice_minutes: int = 60, max_advance_days: int = 14,
                  buffer_minutes: int = 0, cancel_cutoff_minutes: int = 120, allowed_roles=(),
                  required_programme_id: int | None = None, approval_required: bool = False,
                  weekly_quota_hours: int | None = None,
                  hours: dict[int, tuple[time, time] | None] | None = None) -> Resource:
    """Create or change a resource; `hours` maps weekday -> (opens, closes) or None
    for closed. A new resource without hours opens 09:00-22:00 every day."""
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(("name", _l("Give it a name.")))
    if kind not in RESOURCE_KINDS:
        errors.append(("kind", _l("Choose studio or equipment.")))
    if not quantity or quantity < 1:
        errors.append(("quantity", _l("The quantity is at least 1.")))
    if max_minutes < min_minutes:
        errors.append(("max_minutes", _l("The longest booking cannot be shorter than the shortest.")))
    if slot_minutes < 5 or min_minutes % slot_minutes or max_minutes % slot_minutes:
        errors.append(("slot_minutes", _l("The shortest and longest booking must be whole slots.")))
    if status == MAINTENANCE and not (maintenance_reason or "").strip():
        errors.append(("maintenance_reason", _l("Say why it is under maintenance.")))
    if maintenance_from and maintenance_until and maintenance_until < maintenance_from:
        errors.append(("maintenance_until", _l("The end date is before the start date.")))
    for weekday, span in (hours or {}).items():
        if span and span[1] <= span[0]:
            errors.append((f"closes_{weekday}", _l("Closing time must be after opening time.")))
    if hours is not None and not any(hours.values()):
        # No hours at all would mean open day and night (opening_span), the
        # opposite of what the emptied form says.
        errors.append(("opens_0", _l("Give the hours of at least one day. To stop lending it, untick "
                                     "“Can be booked”.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)

    before = None
    if resource is None:
        resource = Resource(site_id=site_id, checkin_code=new_checkin_code())
        db.session.add(resource)
        if hours is None:
            hours = {d: (DEFAULT_OPENS, DEFAULT_CLOSES) for d in range(7)}
    else:
        before = {"name": resource.name, "status": resource.status, "quantity": resource.quantity,
                  "active": resource.active}
    if resource.quantity and quantity < resource.quantity and resource.id:
        busy_unit = db.session.scalar(select(func.max(Booking.unit)).where(
            Booking.resource_id == resource.id, Booking.status.in_(ACTIVE), Booking.ends_at > utcnow()))
        if busy_unit and busy_unit > quantity:
            raise Conflict(_l("Item %(unit)s is still booked; cancel those bookings before lowering the quantity.",
                              unit=busy_unit), field="quantity")
    resource.name, resource.kind, resource.description = name, kind, (description or "").strip()
    resource.quantity, resource.active, resource.status = quantity, active, status
    resource.maintenance_reason = (maintenance_reason or "").strip() if status == MAINTENANCE else ""
    resource.maintenance_from = maintenance_from if status == MAINTENANCE else None
    resource.maintenance_until = maintenance_until if status == MAINTENANCE else None
    resource.slot_minutes, resource.min_minutes, resource.max_minutes = slot_minutes, min_minutes, max_minutes
    resource.min_notice_minutes, resource.max_advance_days = min_notice_minutes, max_advance_days
    resource.buffer_minutes, resource.cancel_cutoff_minutes = buffer_minutes, cancel_cutoff_minutes
    resource.allowed_roles = sorted(set(allowed_roles or ()))
    resource.required_programme_id = required_programme_id or None
    resource.approval_required = bool(approval_required)
    resource.weekly_quota_hours = weekly_quota_hours or None
    if hours is not None:
        existing = {h.weekday: h for h in resource.hours}
        for weekday in range(7):
            span = hours.get(weekday)
            row = existing.get(weekday)
            if span is None:
                if row is not None:
                    resource.hours.remove(row)
            elif row is None:
                resource.hours.append(OpeningHours(weekday=weekday, opens=span[0], closes=span[1]))
            else:
                row.opens, row.closes = span
    db.session.flush()
    record_change(actor, "booking.resource_saved" if before else "booking.resource_created", resource,
                  before=before, after={"name": resource.name, "status": resource.status,
                                        "quantity": resource.quantity, "active": resource.active})
    db.session.commit()
    return resource


def renew_door_code(actor, resource: Resource) -> str:
    resource.checkin_code = new_checkin_code()
    record_change(actor, "booking.door_code_renewed", resource)
    db.session.commit()
    return resource.checkin_code


def save_kit(actor, kit: Kit | None, *, site_id: int, name: str, description: str = "",
             items: dict[int, int], active: bool = True) -> Kit:
    """items: resource_id -> how many. A kit holds at least one studio."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the kit a name."), field="name")
    items = {rid: n for rid, n in items.items() if n and n > 0}
    resources = {r.id: r for r in db.session.scalars(select(Resource).where(Resource.id.in_(items or [0])))}
    if any(r.site_id != site_id for r in resources.values()) or len(resources) != len(items):
        raise DomainError(_l("Choose studios and equipment of this base."), field="items")
    if not any(r.is_studio for r in resources.values()):
        raise DomainError(_l("A kit holds one studio and the equipment that goes with it."), field="items")
    for rid, n in items.items():
        if n > resources[rid].quantity:
            raise DomainError(_l("The base has only %(quantity)s of %(resource)s.",
                                 quantity=resources[rid].quantity, resource=resources[rid].name), field="items")
    if kit is None:
        kit = Kit(site_id=site_id)
        db.session.add(kit)
    kit.name, kit.description, kit.active = name, (description or "").strip(), active
    kit.items = [KitItem(resource_id=rid, quantity=n) for rid, n in sorted(items.items())]
    db.session.flush()
    record_change(actor, "booking.kit_saved", kit, after={"name": kit.name, "items": items})
    db.session.commit()
    return kit


def add_blackout(actor, *, site_id: int, resource: Resource | None, starts_at: datetime, ends_at: datetime,
                 reason: str) -> tuple[Blackout, list[Booking]]:
    """Close a resource (or the whole base) for a time. Bookings it hits are
    cancelled and their owners told. Returns the closure and those bookings."""
    reason = (reason or "").strip()
    if ends_at <= starts_at:
        raise DomainError(_l("The closure must end after it starts."), field="end_day")
    if not reason:
        raise DomainError(_l("Say why it is closed (holiday, maintenance ...)."), field="reason")
    blackout = Blackout(site_id=site_id, resource_id=resource.id if resource else None, starts_at=starts_at,
                        ends_at=ends_at, reason=reason, created_by_id=getattr(actor, "id", None))
    db.session.add(blackout)
    query = select(Booking).where(Booking.site_id == site_id, Booking.status.in_(ACTIVE),
                                  _overlap(Booking.starts_at, Booking.ends_at, starts_at, ends_at))
    if resource is not None:
        query = query.where(Booking.resource_id == resource.id)
    hit = list(db.session.scalars(query.order_by(Booking.starts_at)))
    db.session.flush()
    for booking in hit:
        before = _snapshot(booking)
        booking.status, booking.status_reason = CANCELLED, reason
        record_change(actor, "booking.cancelled_by_closure", booking, before=before, after=_snapshot(booking))
        notify(booking.user, "booking.closed", {"resource": booking.resource.name,
                                                "start": booking.starts_at.isoformat(), "reason": reason},
               url=f"/booking/{booking.id}", obj=booking, dedupe_key=f"booking:{booking.id}:closed")
    record_change(actor, "booking.closure_added", blackout,
                  after={"resource_id": blackout.resource_id, "starts_at": starts_at.isoformat(),
                         "ends_at": ends_at.isoformat(), "reason": reason, "cancelled": [b.id for b in hit]})
    db.session.commit()
    return blackout, hit


def remove_blackout(actor, blackout: Blackout) -> None:
    record_change(actor, "booking.closure_removed", blackout, before={"reason": blackout.reason})
    db.session.delete(blackout)
    db.session.commit()


# --- what is busy ---------------------------------------------------------------------

@dataclass
class Busy:
    kind: str  # booking, session, closure
    starts_at: datetime
    ends_at: datetime
    label: str = ""
    booking: Booking | None = None
    unit: int | None = None


def busy_times(resource: Resource | int, starts_at: datetime, ends_at: datetime,
               ignore_booking_ids=(), ignore_session_id: int | None = None) -> list[Busy]:
    """Everything holding a resource between two UTC times: active bookings,
    training sessions in the room, closures of the resource or the base."""
    resource = resource if isinstance(resource, Resource) else db.session.get(Resource, resource)
    found: list[Busy] = []
    bookings = select(Booking).where(Booking.resource_id == resource.id, Booking.status.in_(ACTIVE),
                                     _overlap(Booking.starts_at, Booking.ends_at, starts_at, ends_at))
    if ignore_booking_ids:
        bookings = bookings.where(Booking.id.not_in(list(ignore_booking_ids)))
    for b in db.session.scalars(bookings):
        found.append(Busy("booking", b.starts_at, b.ends_at, b.purpose, booking=b, unit=b.unit))
    sessions = select(TrainingSession).where(
        TrainingSession.room_id == resource.id,
        _overlap(TrainingSession.starts_at, TrainingSession.ends_at, starts_at, ends_at))
    if ignore_session_id:
        sessions = sessions.where(TrainingSession.id != ignore_session_id)
    for s in db.session.scalars(sessions):
        found.append(Busy("session", s.starts_at, s.ends_at, s.topic))
    for c in db.session.scalars(select(Blackout).where(
            Blackout.site_id == resource.site_id,
            or_(Blackout.resource_id == resource.id, Blackout.resource_id.is_(None)),
            _overlap(Blackout.starts_at, Blackout.ends_at, starts_at, ends_at))):
        found.append(Busy("closure", c.starts_at, c.ends_at, c.reason))
    return sorted(found, key=lambda b: b.starts_at)


@dataclass
class Availability:
    """A resource at one time: the sessions and closures that hold it (by start),
    its free units with and without the buffer between bookings, and who holds
    a booking of it overlapping the time itself."""

    blocking: list[Busy]
    free: list[int]
    free_without_buffer: list[int]
    holders: set[int]


def availability(resource: Resource, starts_at: datetime, ends_at: datetime, ignore_booking_ids=(),
                 ignore_session_id: int | None = None) -> Availability:
    """Everything that decides whether a resource can be booked for a time, in
    one query (the same rules as busy_times, plus the buffer): sessions in the
    room and closures overlapping the time, and active bookings overlapping it
    widened by the buffer on both sides."""
    pad = timedelta(minutes=resource.buffer_minutes)
    bookings = select(literal("booking", String).label("kind"), Booking.starts_at, Booking.ends_at,
                      Booking.purpose.label("label"), Booking.unit, Booking.user_id).where(
        Booking.resource_id == resource.id, Booking.status.in_(ACTIVE),
        Booking.id.not_in(list(ignore_booking_ids) or [0]),
        _overlap(Booking.starts_at, Booking.ends_at, starts_at - pad, ends_at + pad))
    no_unit = cast(null(), Integer)
    sessions = select(literal("session", String), TrainingSession.starts_at, TrainingSession.ends_at,
                      TrainingSession.topic, no_unit, no_unit).where(
        TrainingSession.room_id == resource.id,
        _overlap(TrainingSession.starts_at, TrainingSession.ends_at, starts_at, ends_at))
    if ignore_session_id:
        sessions = sessions.where(TrainingSession.id != ignore_session_id)
    closures = select(literal("closure", String), Blackout.starts_at, Blackout.ends_at, Blackout.reason,
                      no_unit, no_unit).where(
        Blackout.site_id == resource.site_id,
        or_(Blackout.resource_id == resource.id, Blackout.resource_id.is_(None)),
        _overlap(Blackout.starts_at, Blackout.ends_at, starts_at, ends_at))
    near, blocking, holders = [], {"session": [], "closure": []}, set()
    for kind, start, end, label, unit, user_id in db.session.execute(union_all(bookings, sessions, closures)):
        if kind == "booking":
            near.append((start, end, unit))
            if start < ends_at and end > starts_at:
                holders.add(user_id)
        else:
            blocking[kind].append(Busy(kind, start, end, label))

    def free(lo: datetime, hi: datetime) -> list[int]:
        taken = {unit for start, end, unit in near if start < hi and end > lo}
        return [u for u in range(1, resource.quantity + 1) if u not in taken]

    # Sessions before closures at the same start, as busy_times lists them.
    return Availability(sorted(blocking["session"] + blocking["closure"], key=lambda b: b.starts_at),
                        free(starts_at - pad, ends_at + pad), free(starts_at, ends_at), holders)


def is_free(resource_id: int, starts_at: datetime, ends_at: datetime, *, units: int = 1,
            ignore_booking_ids=(), ignore_session_id: int | None = None) -> bool:
    """True when `units` items of the resource are free and no session or closure holds it."""
    resource = db.session.get(Resource, resource_id)
    if resource is None:
        return False
    found = availability(resource, starts_at, ends_at, ignore_booking_ids, ignore_session_id)
    return not found.blocking and len(found.free) >= units


def room_conflict(room_id: int, starts_at: datetime, ends_at: datetime,
                  ignore_session_id: int | None = None) -> str | None:
    """For the training area: why a session cannot use this room then, or None."""
    resource = db.session.get(Resource, room_id)
    if resource is None:
        return str(_l("This room does not exist."))
    for busy in busy_times(resource, starts_at, ends_at, ignore_session_id=ignore_session_id):
        return str(_busy_message(resource, busy))
    return None


def _busy_message(resource: Resource, busy: Busy):
    if busy.kind == "session":
        return _l("A training session (%(topic)s) uses %(resource)s from %(start)s to %(end)s.",
                  topic=busy.label, resource=resource.name, start=_when(busy.starts_at),
                  end=format_time(busy.ends_at, "HH:mm"))
    if busy.kind == "closure":
        return _l("%(resource)s is closed from %(start)s to %(end)s: %(reason)s.", resource=resource.name,
                  start=_when(busy.starts_at), end=_when(busy.ends_at), reason=busy.label)
    return TAKEN


# --- the person rules ------------------------------------------------------------------

def paused_until(user) -> datetime | None:
    return db.session.scalar(select(func.max(BookingPause.until)).where(
        BookingPause.user_id == user.id, BookingPause.until > utcnow()))


def week_bounds(starts_at: datetime, tz: str) -> tuple[datetime, datetime]:
    """The local Monday-to-Monday week holding a UTC time, as UTC bounds."""
    local_day = to_local(starts_at, tz).date()
    monday = local_day - timedelta(days=local_day.weekday())
    start = to_utc(datetime.combine(monday, time()), tz)
    return start, to_utc(datetime.combine(monday + timedelta(days=7), time()), tz)


def hours_used(user, resource: Resource, starts_at: datetime, ignore_booking_ids=()) -> float:
    start, end = week_bounds(starts_at, timezone_of(resource.site_id))
    rows = db.session.execute(select(Booking.starts_at, Booking.ends_at).where(
        Booking.user_id == user.id, Booking.resource_id == resource.id, Booking.status.in_(ACTIVE),
        Booking.id.not_in(list(ignore_booking_ids) or [0]),
        Booking.starts_at >= start, Booking.starts_at < end))
    return sum((e - s).total_seconds() for s, e in rows) / 3600


def opening_span(resource: Resource, day: date) -> tuple[time, time] | None:
    """When the resource opens on a local day; None when it is closed that day.
    A resource without any hours is open all day."""
    if not resource.hours:
        return time(0, 0), time(23, 59, 59)
    for row in resource.hours:
        if row.weekday == day.weekday():
            return row.opens, row.closes
    return None


def check_person(owner, resource: Resource) -> None:
    """Who may book this resource at all: roles, the training gate, a pause."""
    if _is_staff(owner):
        return
    if resource.allowed_roles and not owner.has_any_role(resource.allowed_roles):
        names = "、".join(str(ROLE_LABELS.get(r, r)) for r in resource.allowed_roles)
        raise NotAllowed(_l("%(resource)s can be booked only by: %(roles)s.", resource=resource.name, roles=names))
    if resource.required_programme_id:
        from incubator.training.completion import has_completed

        if not has_completed(owner.id, resource.required_programme_id):
            programme = resource.required_programme
            raise NotAllowed(_l("%(resource)s needs the “%(programme)s” certificate. Complete the programme "
                                "first, then book it.", resource=resource.name,
                                programme=programme.name if programme else "?"))
    until = paused_until(owner)
    if until:
        raise NotAllowed(_l("Booking is paused until %(until)s because of missed bookings (no-shows).",
                            until=_when(until)))


def _check_length_and_slots(resource: Resource, local_start: datetime, minutes: float) -> None:
    if minutes < resource.min_minutes:
        raise DomainError(_l("%(resource)s is booked for at least %(minutes)s minutes.", resource=resource.name,
                             minutes=resource.min_minutes), field="end")
    if minutes > resource.max_minutes:
        raise DomainError(_l("%(resource)s can be booked for at most %(hours)s hours at a time.",
                             resource=resource.name, hours=_hours(resource.max_minutes / 60)), field="end")
    slot = resource.slot_minutes
    if (local_start.hour * 60 + local_start.minute) % slot or local_start.second or minutes % slot:
        raise DomainError(_l("Bookings start and end on whole %(minutes)s-minute slots (such as 19:00 or "
                             "19:30).", minutes=slot), field="start")


def _under_maintenance(resource: Resource, first_day: date, last_day: date) -> bool:
    """Whether the resource's maintenance (open-ended when it has no dates)
    overlaps these local days."""
    if resource.status != MAINTENANCE:
        return False
    return first_day <= (resource.maintenance_until or date.max) and last_day >= (resource.maintenance_from
                                                                                   or date.min)


def check_time(owner, resource: Resource, starts_at: datetime, ends_at: datetime, *, now: datetime | None = None,
               ignore_booking_ids=(), staff: bool = False, hold: bool = False) -> None:
    """The time rules: maintenance, length, slots, opening hours, notice, advance, quota.
    A staff hold for an event of the base (a livestream) keeps its own times:
    length and slot rules, made for people's bookings, do not apply to it."""
    now = now or utcnow()
    tz = timezone_of(resource.site_id)
    if not resource.active:
        raise NotAllowed(_l("%(resource)s is not lent out any more.", resource=resource.name))
    if ends_at <= starts_at:
        raise DomainError(_l("The end must be after the start."), field="end")
    local_start, local_end = to_local(starts_at, tz), to_local(ends_at, tz)
    if _under_maintenance(resource, local_start.date(), local_end.date()):
        if resource.maintenance_until:
            raise NotAllowed(_l("%(resource)s is under maintenance until %(until)s: %(reason)s.",
                                resource=resource.name, until=format_date(resource.maintenance_until),
                                reason=resource.maintenance_reason))
        raise NotAllowed(_l("%(resource)s is under maintenance: %(reason)s.", resource=resource.name,
                            reason=resource.maintenance_reason))
    minutes = (ends_at - starts_at).total_seconds() / 60
    if not hold:
        _check_length_and_slots(resource, local_start, minutes)
    span = opening_span(resource, local_start.date())
    if span is None:
        raise DomainError(_l("%(resource)s is closed on %(day)s.", resource=resource.name,
                             day=format_date(local_start.date(), "EEEE")), field="day")
    opens, closes = span
    end_of_day = local_end.time() if local_end.date() == local_start.date() else (
        time(23, 59, 59) if local_end == datetime.combine(local_start.date() + timedelta(days=1), time()) else None)
    if local_start.time() < opens or end_of_day is None or end_of_day > closes:
        raise DomainError(_l("%(resource)s is open from %(opens)s to %(closes)s on that day.",
                             resource=resource.name, opens=opens.strftime("%H:%M"),
                             closes=closes.strftime("%H:%M")), field="start")
    if starts_at < now:
        raise DomainError(_l("This time has already passed."), field="start")
    if not staff:
        if starts_at < now + timedelta(minutes=resource.min_notice_minutes):
            raise DomainError(_l("Book %(resource)s at least %(notice)s ahead.", resource=resource.name,
                                 notice=_duration(resource.min_notice_minutes)), field="start")
        if starts_at > now + timedelta(days=resource.max_advance_days):
            raise DomainError(_l("%(resource)s can be booked at most %(days)s days ahead.",
                                 resource=resource.name, days=resource.max_advance_days), field="day")
    if resource.weekly_quota_hours and not _is_staff(owner):
        used = hours_used(owner, resource, starts_at, ignore_booking_ids)
        if used + minutes / 60 > resource.weekly_quota_hours + 1e-9:
            raise NotAllowed(_l("You have used %(used)s of your %(quota)s hours of %(resource)s this week; "
                                "this booking needs %(wanted)s more.", used=_hours(used),
                                quota=resource.weekly_quota_hours, resource=resource.name,
                                wanted=_hours(minutes / 60)))


def _duration(minutes: int) -> str:
    if minutes % 60 == 0 and minutes >= 60:
        return str(_l("%(hours)s hours", hours=minutes // 60))
    return str(_l("%(minutes)s minutes", minutes=minutes))


def _check_free(resource: Resource, starts_at: datetime, ends_at: datetime, units: int,
                ignore_booking_ids=(), owner_id: int | None = None) -> list[int]:
    """The units to use, or a Conflict saying what holds the time. An owner
    who already holds this resource then is refused too: a second tap, a
    reload or the back button would otherwise book a second item of a pool
    (more items are asked for with the number, in one booking)."""
    found = availability(resource, starts_at, ends_at, ignore_booking_ids)
    if found.blocking:
        raise Conflict(_busy_message(resource, found.blocking[0]))
    if owner_id is not None and owner_id in found.holders:
        raise Conflict(_l("You have already booked %(resource)s at this time; see My bookings.",
                          resource=resource.name))
    free = found.free
    if len(free) < units:
        if resource.quantity == 1:
            if resource.buffer_minutes and found.free_without_buffer:
                raise Conflict(_l("%(resource)s needs %(minutes)s minutes between bookings; this time is too "
                                  "close to another booking.", resource=resource.name,
                                  minutes=resource.buffer_minutes))
            raise Conflict(TAKEN)
        raise Conflict(_l("Only %(free)s of the %(quantity)s %(resource)s are free at that time.",
                          free=len(free), quantity=resource.quantity, resource=resource.name))
    return free[:units]


def _check_shop(owner, shop_id: int | None, site_id: int) -> int | None:
    """The shop a booking is for: one of the owner's own (any shop for staff),
    of the base where the booking is."""
    if not shop_id:
        return None
    from incubator.shops.models import Shop

    shop = db.session.get(Shop, shop_id) if 0 < shop_id <= 2**31 - 1 else None
    if shop is None or shop.site_id != site_id or (shop.owner_id != owner.id and not _is_staff(owner)):
        raise DomainError(_l("Choose one of your own shops."), field="shop_id")
    return shop.id


# --- booking -----------------------------------------------------------------------------

def _place(actor, owner, resource: Resource, starts_at: datetime, ends_at: datetime, *, units: int,
           purpose: str, shop_id: int | None, group_key: str | None, series_key: str | None,
           kit_id: int | None, staff_hold: bool = False) -> list[Booking]:
    """Check every rule for one resource and add its bookings (no commit)."""
    staff = _is_staff(actor)
    if not staff_hold:
        check_person(owner, resource)
    check_time(owner, resource, starts_at, ends_at, staff=staff or staff_hold, hold=staff_hold)
    chosen = _check_free(resource, starts_at, ends_at, units, owner_id=None if staff_hold else owner.id)
    status = PENDING if resource.approval_required and not staff and not staff_hold else CONFIRMED
    placed = []
    for unit in chosen:
        booking = Booking(site_id=resource.site_id, resource_id=resource.id, unit=unit, user_id=owner.id,
                          created_by_id=getattr(actor, "id", None), starts_at=starts_at, ends_at=ends_at,
                          status=status, purpose=purpose, shop_id=shop_id, group_key=group_key,
                          series_key=series_key, kit_id=kit_id)
        booking.resource = resource
        booking.user = owner
        db.session.add(booking)
        placed.append(booking)
    return placed


def _finish(actor, placed: list[Booking], action: str = "booking.booked") -> None:
    """Flush (the database has the last word on overlaps), record, tell staff
    about bookings that wait for them, commit."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(TAKEN) from None
    for booking in placed:
        record_change(actor, action, booking, after=_snapshot(booking))
    pending = [b for b in placed if b.status == PENDING]
    if pending:
        from incubator.accounts.service import people_with_role

        first = pending[0]
        for staff in people_with_role("staff", first.site_id):
            notify(staff, "booking.awaiting_approval",
                   {"person": first.user.display_name, "resource": first.resource.name,
                    "start": first.starts_at.isoformat()},
                   url="/booking/staff/queue", obj=first)
    db.session.commit()


def _clean_purpose(purpose: str) -> str:
    return (purpose or "").strip()[:255]


def book(actor, resource: Resource, starts_at: datetime, ends_at: datetime, *, owner=None, purpose: str = "",
         shop_id: int | None = None, units: int = 1) -> list[Booking]:
    """Book `units` items of a resource (one for a studio). Staff may book on
    someone's behalf (owner); the owner's rules apply, staff bookings need no
    approval. Returns the new bookings (one per item)."""
    owner = owner or actor
    try:
        if units < 1 or units > resource.quantity:
            raise DomainError(_l("Choose between 1 and %(quantity)s.", quantity=resource.quantity), field="units")
        shop_id = _check_shop(owner, shop_id, resource.site_id)
        _lock_resources([resource.id])
        placed = _place(actor, owner, resource, starts_at, ends_at, units=units, purpose=_clean_purpose(purpose),
                        shop_id=shop_id, group_key=_new_key() if units > 1 else None, series_key=None,
                        kit_id=None)
        _finish(actor, placed)
    except DomainError:
        db.session.rollback()
        raise
    return placed


def book_kit(actor, kit: Kit, starts_at: datetime, ends_at: datetime, *, owner=None, purpose: str = "",
             shop_id: int | None = None) -> list[Booking]:
    """Book a studio and its equipment in one step: all of it, or nothing."""
    owner = owner or actor
    try:
        if not kit.active or not kit.items:
            raise NotAllowed(_l("This kit is not lent out any more."))
        shop_id = _check_shop(owner, shop_id, kit.site_id)
        _lock_resources([item.resource_id for item in kit.items])
        group = _new_key()
        placed = []
        for item in sorted(kit.items, key=lambda i: (i.resource.kind != "studio", i.resource_id)):
            try:
                placed += _place(actor, owner, item.resource, starts_at, ends_at, units=item.quantity,
                                 purpose=_clean_purpose(purpose), shop_id=shop_id, group_key=group,
                                 series_key=None, kit_id=kit.id)
            except DomainError as error:
                raise type(error)(_l("Nothing was booked: %(item)s — %(reason)s", item=item.resource.name,
                                     reason=str(error.message))) from None
        _finish(actor, placed)
    except DomainError:
        db.session.rollback()
        raise
    return placed


@dataclass
class SeriesResult:
    booked: list[Booking] = field(default_factory=list)
    failed: list[tuple[date, str]] = field(default_factory=list)


def book_weekly(actor, resource: Resource, starts_at: datetime, ends_at: datetime, weeks: int, *, owner=None,
                purpose: str = "", shop_id: int | None = None, kit: Kit | None = None,
                units: int = 1) -> SeriesResult:
    """The same time every week for `weeks` weeks (same local wall-clock time),
    `units` items of a resource each week (one for a studio), or a whole kit.
    Dates that break a rule are reported with the reason; the rest are booked."""
    owner = owner or actor
    if weeks < 1 or weeks > 26:
        raise DomainError(_l("Repeat for 1 to 26 weeks."), field="weeks")
    if kit is None and (units < 1 or units > resource.quantity):
        raise DomainError(_l("Choose between 1 and %(quantity)s.", quantity=resource.quantity), field="units")
    tz = timezone_of(resource.site_id if resource else kit.site_id)
    local_start, local_end = to_local(starts_at, tz), to_local(ends_at, tz)
    result = SeriesResult()
    series = _new_key()
    try:
        shop_id = _check_shop(owner, shop_id, resource.site_id if resource else kit.site_id)
        items = [(i.resource, i.quantity) for i in kit.items] if kit else [(resource, units)]
        _lock_resources([r.id for r, _n in items])
        for week in range(weeks):
            start = to_utc(local_start + timedelta(weeks=week), tz)
            end = to_utc(local_end + timedelta(weeks=week), tz)
            group = _new_key()
            these = []
            try:
                for item_resource, n in items:
                    these += _place(actor, owner, item_resource, start, end, units=n,
                                    purpose=_clean_purpose(purpose), shop_id=shop_id, group_key=group,
                                    series_key=series, kit_id=kit.id if kit else None)
            except DomainError as error:
                for booking in these:
                    db.session.expunge(booking)
                result.failed.append(((local_start + timedelta(weeks=week)).date(), str(error.message)))
                continue
            db.session.flush()  # the next week's checks see this week's bookings (quota)
            result.booked += these
        if result.booked:
            _finish(actor, result.booked)
        else:
            db.session.rollback()
    except DomainError:
        db.session.rollback()
        raise
    return result


def reserve(actor, resource: Resource, starts_at: datetime, ends_at: datetime, *, purpose: str,
            owner=None) -> Booking:
    """Staff hold a studio for a livestream or an event of the base. The person
    rules (roles, quota, notice) do not apply; overlaps, sessions and closures do."""
    if not _is_staff(actor):
        raise NotAllowed(_l("Only staff can hold a studio for the base."))
    try:
        _lock_resources([resource.id])
        placed = _place(actor, owner or actor, resource, starts_at, ends_at, units=1,
                        purpose=_clean_purpose(purpose), shop_id=None, group_key=None, series_key=None,
                        kit_id=None, staff_hold=True)
        _finish(actor, placed, "booking.reserved")
    except DomainError:
        db.session.rollback()
        raise
    return placed[0]


def series_for(viewer, series_key: str) -> list[Booking]:
    """A weekly repeat's bookings, for the person they are for or who made
    them (staff booking on someone's behalf); nobody else's."""
    return list(db.session.scalars(select(Booking).where(
        Booking.series_key == series_key[:32],
        or_(Booking.user_id == viewer.id, Booking.created_by_id == viewer.id)).order_by(Booking.starts_at, Booking.id)))


def group_of(booking: Booking) -> list[Booking]:
    """The bookings made in the same step (a kit, or several items of a pool)."""
    if not booking.group_key:
        return [booking]
    return list(db.session.scalars(select(Booking).where(Booking.group_key == booking.group_key)
                                   .order_by(Booking.id)))


def _may_change(actor, booking: Booking) -> None:
    if booking.user_id != actor.id and not _is_staff(actor):
        raise NotAllowed(_l("This is not your booking."))


def cancel(actor, booking: Booking, reason: str = "", *, now: datetime | None = None) -> list[Booking]:
    """Cancel a booking (with the rest of its kit). The owner may cancel until
    the resource's cut-off before the start; staff at any time."""
    now = now or utcnow()
    _may_change(actor, booking)
    if not booking.is_active:
        raise Conflict(_l("This booking is no longer active."))
    group = [b for b in group_of(booking) if b.is_active]
    if not _is_staff(actor):
        cutoff = min(b.starts_at - timedelta(minutes=b.resource.cancel_cutoff_minutes) for b in group)
        if now > cutoff:
            raise NotAllowed(_l("Bookings can be cancelled until %(cutoff)s. Please call the base's staff.",
                                cutoff=_when(cutoff)))
    for b in group:
        before = _snapshot(b)
        b.status, b.status_reason = CANCELLED, (reason or "").strip()[:255]
        record_change(actor, "booking.cancelled", b, before=before, after=_snapshot(b))
        if b.user_id != actor.id:
            notify(b.user, "booking.cancelled_by_staff", {"resource": b.resource.name,
                                                          "start": b.starts_at.isoformat(),
                                                          "reason": b.status_reason},
                   url=f"/booking/{b.id}", obj=b)
    db.session.commit()
    return group


def move(actor, booking: Booking, starts_at: datetime, ends_at: datetime) -> list[Booking]:
    """Move a booking (and the rest of its kit) to another time; every rule is
    checked again, the old time is not counted against it."""
    _may_change(actor, booking)
    if not booking.is_active:
        raise Conflict(_l("This booking is no longer active."))
    try:
        group = [b for b in group_of(booking) if b.is_active]
        ids = [b.id for b in group]
        if not _is_staff(actor):
            cutoff = min(b.starts_at - timedelta(minutes=b.resource.cancel_cutoff_minutes) for b in group)
            if utcnow() > cutoff:
                raise NotAllowed(_l("Bookings can be changed until %(cutoff)s. Please call the base's staff.",
                                    cutoff=_when(cutoff)))
        _lock_resources([b.resource_id for b in group])
        per_resource = defaultdict(list)
        for b in group:
            per_resource[b.resource_id].append(b)
        for items in per_resource.values():
            resource = items[0].resource
            check_time(booking.user, resource, starts_at, ends_at, ignore_booking_ids=ids, staff=_is_staff(actor))
            units = _check_free(resource, starts_at, ends_at, len(items), ignore_booking_ids=ids,
                                owner_id=booking.user_id)
            for b, unit in zip(items, units, strict=True):
                before = _snapshot(b)
                b.starts_at, b.ends_at, b.unit = starts_at, ends_at, unit
                b.checked_in_at = None
                if resource.approval_required and not _is_staff(actor):
                    b.status = PENDING
                record_change(actor, "booking.moved", b, before=before, after=_snapshot(b))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise Conflict(TAKEN) from None
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return group


def approve(actor, booking: Booking) -> None:
    if booking.status != PENDING:
        raise Conflict(_l("This booking is not waiting for approval."))
    for b in group_of(booking):
        if b.status != PENDING:
            continue
        before = _snapshot(b)
        b.status, b.decided_by_id, b.decided_at = CONFIRMED, actor.id, utcnow()
        record_change(actor, "booking.approved", b, before=before, after=_snapshot(b))
    notify(booking.user, "booking.approved", {"resource": booking.resource.name,
                                              "start": booking.starts_at.isoformat()},
           url=f"/booking/{booking.id}", obj=booking)
    db.session.commit()


def decline(actor, booking: Booking, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why, so she can book something that works."), field="reason")
    if booking.status != PENDING:
        raise Conflict(_l("This booking is not waiting for approval."))
    for b in group_of(booking):
        if b.status != PENDING:
            continue
        before = _snapshot(b)
        b.status, b.status_reason = DECLINED, reason[:255]
        b.decided_by_id, b.decided_at = actor.id, utcnow()
        record_change(actor, "booking.declined", b, before=before, after=_snapshot(b))
    notify(booking.user, "booking.declined", {"resource": booking.resource.name,
                                              "start": booking.starts_at.isoformat(), "reason": reason},
           url=f"/booking/{booking.id}", obj=booking)
    db.session.commit()


# --- on the day ----------------------------------------------------------------------------

def check_in(actor, booking: Booking, *, now: datetime | None = None) -> list[Booking]:
    """Check a booking in (the whole kit). Opens 15 minutes before the start."""
    now = now or utcnow()
    _may_change(actor, booking)
    if booking.status != CONFIRMED:
        raise Conflict(_l("Only a confirmed booking can be checked in."))
    if booking.checked_in_at:
        return group_of(booking)
    opens = booking.starts_at - timedelta(minutes=setting("BOOKING_CHECKIN_EARLY_MINUTES"))
    if now < opens:
        raise DomainError(_l("Check-in opens at %(time)s.", time=_when(opens)))
    if now >= booking.ends_at:
        raise DomainError(_l("This booking has already ended."))
    group = [b for b in group_of(booking) if b.status == CONFIRMED]
    for b in group:
        b.checked_in_at = b.checked_in_at or now
        record_change(actor, "booking.checked_in", b, after={"checked_in_at": now.isoformat()})
    db.session.commit()
    return group


def check_in_with_code(user, code: str, *, now: datetime | None = None) -> Booking:
    """The code shown at the studio door checks in her booking there now."""
    now = now or utcnow()
    code = (code or "").strip()
    resource = db.session.scalar(select(Resource).where(Resource.checkin_code == code)) if code else None
    if resource is None:
        raise DomainError(_l("This code is not right. Type the 6 digits shown at the studio door."), field="code")
    early = timedelta(minutes=setting("BOOKING_CHECKIN_EARLY_MINUTES"))
    booking = db.session.scalar(select(Booking).where(
        Booking.resource_id == resource.id, Booking.user_id == user.id, Booking.status == CONFIRMED,
        Booking.starts_at <= now + early, Booking.ends_at > now).order_by(Booking.starts_at).limit(1))
    if booking is None:
        raise DomainError(_l("You have no booking of %(resource)s starting now.", resource=resource.name),
                          field="code")
    check_in(user, booking, now=now)
    return booking


def release_no_shows(now: datetime | None = None) -> list[Booking]:
    """Release confirmed bookings nobody checked in within the grace time: the
    time becomes bookable. Repeated no-shows pause the person's booking."""
    now = now or utcnow()
    grace = timedelta(minutes=setting("BOOKING_NO_SHOW_MINUTES"))
    late = list(db.session.scalars(select(Booking).where(
        Booking.status == CONFIRMED, Booking.checked_in_at.is_(None), Booking.handed_over_at.is_(None),
        Booking.starts_at <= now - grace).order_by(Booking.starts_at)))
    owners = {}
    for b in late:
        before = _snapshot(b)
        b.status, b.status_reason = NO_SHOW, ""
        record_change(None, "booking.released_no_show", b, before=before, after=_snapshot(b))
        notify(b.user, "booking.no_show", {"resource": b.resource.name, "start": b.starts_at.isoformat()},
               url=f"/booking/{b.id}", obj=b, dedupe_key=f"booking:{b.id}:no_show")
        owners[b.user_id] = b.user
    db.session.flush()
    limit, period = setting("BOOKING_NO_SHOW_LIMIT"), setting("BOOKING_NO_SHOW_PERIOD_DAYS")
    for user in owners.values():
        if paused_until(user):
            continue
        since = now - timedelta(days=period)
        # Count no-shows since the last pause ended, so one pause is not followed by another at once.
        last_pause = db.session.scalar(select(func.max(BookingPause.until)).where(BookingPause.user_id == user.id))
        if last_pause and last_pause > since:
            since = last_pause
        # A kit missed is one no-show, not one per item.
        count = len({group or f"#{booking_id}" for booking_id, group in db.session.execute(
            select(Booking.id, Booking.group_key).where(Booking.user_id == user.id, Booking.status == NO_SHOW,
                                                        Booking.starts_at >= since))})
        if count >= limit:
            until = now + timedelta(days=setting("BOOKING_PAUSE_DAYS"))
            pause = BookingPause(user_id=user.id, until=until, no_shows=count)
            db.session.add(pause)
            db.session.flush()
            record_change(None, "booking.paused", pause, after={"user_id": user.id, "until": until.isoformat()},
                          site_id=user.site_id)
            notify(user, "booking.paused", {"until": until.isoformat(), "count": count}, url="/booking/mine",
                   dedupe_key=f"booking:pause:{pause.id}")
    db.session.commit()
    return late


def lift_pause(actor, user) -> None:
    for pause in db.session.scalars(select(BookingPause).where(BookingPause.user_id == user.id,
                                                               BookingPause.until > utcnow())):
        record_change(actor, "booking.pause_lifted", pause, before={"until": pause.until.isoformat()},
                      site_id=user.site_id)
        pause.until = utcnow()
    db.session.commit()


def hand_over(actor, booking: Booking, note: str = "", *, now: datetime | None = None) -> None:
    """Staff give out the equipment of a booking, with its condition."""
    now = now or utcnow()
    if booking.status != CONFIRMED:
        raise Conflict(_l("Only a confirmed booking can be handed over."))
    if booking.handed_over_at:
        raise Conflict(_l("This item was already handed over."))
    booking.handed_over_at, booking.handover_note = now, (note or "").strip()[:255]
    booking.checked_in_at = booking.checked_in_at or now
    record_change(actor, "booking.handed_over", booking, after={"note": booking.handover_note})
    db.session.commit()


def take_back(actor, booking: Booking, note: str = "", *, now: datetime | None = None) -> None:
    """Staff take the equipment back, with its condition."""
    if not booking.handed_over_at:
        raise Conflict(_l("This item was not handed over."))
    if booking.returned_at:
        raise Conflict(_l("This item is already back."))
    booking.returned_at, booking.return_note = now or utcnow(), (note or "").strip()[:255]
    record_change(actor, "booking.returned", booking, after={"note": booking.return_note})
    db.session.commit()


def flag_overdue(now: datetime | None = None) -> list[Booking]:
    """Tell staff about equipment not back on time (once per booking)."""
    now = now or utcnow()
    grace = timedelta(minutes=setting("BOOKING_RETURN_GRACE_MINUTES"))
    overdue = list(db.session.scalars(select(Booking).where(
        Booking.handed_over_at.is_not(None), Booking.returned_at.is_(None), Booking.overdue_flagged_at.is_(None),
        Booking.ends_at <= now - grace)))
    from incubator.accounts.service import people_with_role

    for b in overdue:
        b.overdue_flagged_at = now
        for staff in people_with_role("staff", b.site_id):
            notify(staff, "booking.overdue", {"resource": b.resource.name, "person": b.user.display_name,
                                              "end": b.ends_at.isoformat()},
                   url=f"/booking/{b.id}", obj=b, dedupe_key=f"booking:{b.id}:overdue")
    db.session.commit()
    return overdue


def send_reminders(now: datetime | None = None) -> int:
    """Remind people 24 hours and 1 hour before a booking (each once)."""
    now = now or utcnow()
    sent = 0
    upcoming = db.session.scalars(select(Booking).where(
        Booking.status == CONFIRMED, Booking.starts_at > now, Booking.starts_at <= now + timedelta(hours=24))
        .order_by(Booking.starts_at))
    seen_groups = set()
    for b in upcoming:
        key = b.group_key or b.id
        if key in seen_groups:
            continue
        seen_groups.add(key)
        which = "1h" if b.starts_at <= now + timedelta(hours=1) else "24h"
        made = notify(b.user, "booking.reminder", {"resource": b.resource.name, "start": b.starts_at.isoformat(),
                                                   "which": which},
                      url=f"/booking/{b.id}", obj=b, dedupe_key=f"booking:{b.id}:reminder:{which}")
        sent += made is not None
    db.session.commit()
    return sent


# --- reading -------------------------------------------------------------------------------

def resources_of(site_id: int, *, include_inactive: bool = False) -> list[Resource]:
    """The site's resources, studios first, with their opening hours and the
    programme they require in the same query (the calendar shows both)."""
    query = select(Resource).where(Resource.site_id == site_id).options(
        joinedload(Resource.hours), joinedload(Resource.required_programme))
    if not include_inactive:
        query = query.where(Resource.active.is_(True))
    return list(db.session.scalars(query.order_by(Resource.kind.desc(), Resource.name)).unique())


def load_resource(resource_id: int) -> Resource | None:
    """One resource with its opening hours and its base (the time zone) in one
    query: what booking it and showing its week need."""
    return db.session.get(Resource, resource_id, options=[joinedload(Resource.hours), joinedload(Resource.site)])


def bookable(site_id: int) -> list[tuple[str, int, str, int]]:
    """What the booking form offers, in one query: the active resources (studios
    first, by name) then the active kits (by name), as (kind, id, name, quantity)
    with kind "r" or "k"."""
    resources = select(literal(0).label("kits_last"), Resource.kind.label("kind_order"),
                       literal("r", String).label("kind"), Resource.id, Resource.name, Resource.quantity).where(
        Resource.site_id == site_id, Resource.active.is_(True))
    kits = select(literal(1), literal("", String), literal("k", String), Kit.id, Kit.name, literal(1)).where(
        Kit.site_id == site_id, Kit.active.is_(True))
    both = union_all(resources, kits)
    columns = both.selected_columns
    query = both.order_by(columns.kits_last, columns.kind_order.desc(), columns.name)
    return [(kind, item_id, name, quantity) for _last, _order, kind, item_id, name, quantity in
            db.session.execute(query)]


def kits_of(site_id: int, *, include_inactive: bool = False) -> list[Kit]:
    query = select(Kit).where(Kit.site_id == site_id)
    if not include_inactive:
        query = query.where(Kit.active.is_(True))
    return list(db.session.scalars(query.order_by(Kit.name)))


def upcoming_for(user, *, limit: int | None = None) -> list[Booking]:
    query = (select(Booking).where(Booking.user_id == user.id, Booking.ends_at > utcnow() - timedelta(hours=2),
                                   Booking.status.in_(ACTIVE)).order_by(Booking.starts_at))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def past_for(user, *, limit: int = 20) -> list[Booking]:
    return list(db.session.scalars(select(Booking).where(
        Booking.user_id == user.id,
        or_(Booking.status.not_in(ACTIVE), Booking.ends_at <= utcnow() - timedelta(hours=2)))
        .order_by(Booking.starts_at.desc()).limit(limit)))


def pending_queue(site_id: int | None) -> list[Booking]:
    query = select(Booking).where(Booking.status == PENDING, Booking.ends_at > utcnow())
    if site_id:
        query = query.where(Booking.site_id == site_id)
    return list(db.session.scalars(query.order_by(Booking.starts_at)))


def overdue_items(site_id: int | None) -> list[Booking]:
    query = select(Booking).where(Booking.handed_over_at.is_not(None), Booking.returned_at.is_(None),
                                  Booking.ends_at <= utcnow())
    if site_id:
        query = query.where(Booking.site_id == site_id)
    return list(db.session.scalars(query.order_by(Booking.ends_at)))


def bookings_query(site_id: int | None, *, resource_id: int | None = None, status: str | None = None,
                   day_from: date | None = None, day_to: date | None = None, person: str = ""):
    tz = timezone_of(site_id)
    query = select(Booking).join(User, User.id == Booking.user_id)
    if site_id:
        query = query.where(Booking.site_id == site_id)
    if resource_id:
        query = query.where(Booking.resource_id == resource_id)
    if status:
        query = query.where(Booking.status == status)
    if day_from:
        query = query.where(Booking.starts_at >= to_utc(datetime.combine(day_from, time()), tz))
    if day_to:
        query = query.where(Booking.starts_at < to_utc(datetime.combine(day_to + timedelta(days=1), time()), tz))
    if person:
        like = f"%{person.strip()}%"
        query = query.where(or_(User.display_name.ilike(like), User.phone.ilike(like)))
    return query.order_by(Booking.starts_at.desc(), Booking.id)


def export_query(site_id: int | None, **filters):
    """bookings_query's bookings as the rows of the CSV download: the booking's
    columns with its resource's name, its person's name and mobile and its
    shop's name, joined in the one query."""
    from incubator.shops.models import Shop

    return bookings_query(site_id, **filters).with_only_columns(
        Booking.id, Resource.name.label("resource"), Booking.unit, User.display_name.label("person"),
        User.phone, Booking.starts_at, Booking.ends_at, Booking.status, Booking.purpose, Shop.name.label("shop"),
        Booking.checked_in_at, Booking.handed_over_at, Booking.returned_at,
    ).join(Resource, Resource.id == Booking.resource_id).outerjoin(Shop, Shop.id == Booking.shop_id)


def open_hours(resource: Resource, first: date, days: int = 7) -> float:
    """Hours the resource is open over `days` days from `first`. Opening
    hours are weekly, so each weekday's hours are counted once and times the
    number of such days in the range: the reports ask for a year, 366 days
    for each studio of a base."""
    total = 0.0
    for offset in range(min(days, 7)):
        span = opening_span(resource, first + timedelta(days=offset))
        if span:
            opens, closes = span
            hours = ((closes.hour * 60 + closes.minute + closes.second / 60) - (opens.hour * 60 + opens.minute)) / 60
            total += hours * len(range(offset, days, 7))
    return total * resource.quantity


def utilisation(site_id: int, monday: date) -> list[dict]:
    """Per resource for one week: booked hours (confirmed and checked-in or
    upcoming, no-shows apart) over open hours."""
    tz = timezone_of(site_id)
    start = to_utc(datetime.combine(monday, time()), tz)
    end = start + timedelta(days=7)
    rows = []
    for resource in resources_of(site_id):
        booked = no_shows = 0.0
        for b in db.session.scalars(select(Booking).where(
                Booking.resource_id == resource.id, Booking.status.in_((CONFIRMED, NO_SHOW)),
                Booking.starts_at >= start, Booking.starts_at < end)):
            if b.status == NO_SHOW:
                no_shows += b.hours
            else:
                booked += b.hours
        available = open_hours(resource, monday)
        rows.append({"resource": resource, "booked": booked, "open": available, "no_show_hours": no_shows,
                     "percent": round(100 * booked / available) if available else 0})
    return rows


def no_show_rate(site_id: int, since: datetime, until: datetime | None = None, *,
                 now: datetime | None = None) -> dict:
    """Bookings that began in the period, and so far: how many were no-shows.
    A booking not begun yet has not been shown up to (this week's later
    bookings would count as kept), and a kit or several items booked in one
    step count once, as the person made one booking."""
    now = now or utcnow()
    until = min(until or now, now)
    one_booking = func.count(func.distinct(func.coalesce(Booking.group_key, cast(Booking.id, String))))
    counts = dict(db.session.execute(select(Booking.status, one_booking).where(
        Booking.site_id == site_id, Booking.starts_at >= since, Booking.starts_at < until,
        Booking.status.in_((CONFIRMED, NO_SHOW))).group_by(Booking.status)).all())
    total = counts.get(CONFIRMED, 0) + counts.get(NO_SHOW, 0)
    return {"total": total, "no_shows": counts.get(NO_SHOW, 0),
            "percent": round(100 * counts.get(NO_SHOW, 0) / total) if total else 0}


# --- the day calendar -----------------------------------------------------------------------

@dataclass
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime
    local_start: datetime
    local_end: datetime
    state: str  # free, mine, busy, session, closure, closed, past
    label: str = ""
    free: int = 0
    booking_id: int | None = None


def booking_length(resource: Resource) -> int:
    """The minutes a tap on a free time asks for: the shortest booking the
    resource takes, and at least one slot."""
    return max(resource.min_minutes, resource.slot_minutes)


def day_slots(resource: Resource, day: date, viewer, *, now: datetime | None = None,
              bookings=None, sessions=None, closures=None) -> list[Slot]:
    """The resource's slots on a local day with their state for this viewer.
    Bookings, sessions and closures may be given for a longer time (the week
    passes seven days' worth); only those touching the day's hours count."""
    now = now or utcnow()
    tz = timezone_of(resource.site_id)
    span = opening_span(resource, day)
    if span is None:
        return []
    opens, closes = span
    if not resource.hours:
        opens, closes = time(8, 0), time(22, 0)
    step = timedelta(minutes=resource.slot_minutes)
    local = datetime.combine(day, opens)
    local_close = datetime.combine(day, closes)
    day_start, day_end = to_utc(local, tz), to_utc(local_close, tz)
    if bookings is None:
        bookings = [b.booking for b in busy_times(resource, day_start, day_end) if b.booking]
    if sessions is None or closures is None:
        others = [b for b in busy_times(resource, day_start, day_end) if not b.booking]
        sessions = [b for b in others if b.kind == "session"]
        closures = [b for b in others if b.kind == "closure"]
    bookings = [b for b in bookings if b.starts_at < day_end and b.ends_at > day_start]
    sessions = [s for s in sessions if s.starts_at < day_end and s.ends_at > day_start]
    closures = [c for c in closures if c.starts_at < day_end and c.ends_at > day_start]
    # One offset from UTC serves the whole day unless the clocks change during
    # it; then each slot is converted on its own (a zone lookup per slot was
    # most of the time of a day with many resources).
    offset = local - day_start
    steady = local_close - day_end == offset
    viewer_id = getattr(viewer, "id", None)
    slots = []
    while local + step <= local_close:
        local_end = local + step
        if steady:
            start, end = local - offset, local_end - offset
        else:
            start, end = to_utc(local, tz), to_utc(local_end, tz)
        slot = Slot(start, end, local, local_end, "free")
        closure = next((c for c in closures if c.starts_at < end and c.ends_at > start), None)
        session = next((s for s in sessions if s.starts_at < end and s.ends_at > start), None)
        here = [b for b in bookings if b.starts_at < end and b.ends_at > start]
        taken = len({b.unit for b in here})
        mine = next((b for b in here if b.user_id == viewer_id), None)
        if closure:
            slot.state, slot.label = "closure", closure.label
        elif session:
            slot.state, slot.label = "session", session.label
        elif mine:
            slot.state, slot.label, slot.booking_id = "mine", mine.purpose, mine.id
        elif taken >= resource.quantity:
            slot.state = "busy"
        elif start < now:
            slot.state = "past"
        slot.free = max(0, resource.quantity - taken)
        slots.append(slot)
        local = local_end
    return slots


@dataclass
class Period:
    state: str
    local_start: datetime
    local_end: datetime
    label: str = ""
    free: int = 0
    booking_id: int | None = None
    slots: int = 1
    # In a free run, the local times a booking of the asked length can start.
    starts: list[datetime] = field(default_factory=list)


def merge_slots(slots: list[Slot], length: int | None = None) -> list[Period]:
    """Runs of slots in the same state, for the day calendar and the week.
    With a length in minutes, each free run lists the times from which a
    booking that long fits in free time: only those are offered to tap, so a
    tap never asks for a time that is sure to be refused."""
    needed = 0  # slots a booking of that length covers
    if length and slots:
        slot_minutes = (slots[0].local_end - slots[0].local_start) // timedelta(minutes=1)
        needed = -(-length // slot_minutes)
    free_ahead = [0] * (len(slots) + 1)
    for i in range(len(slots) - 1, -1, -1):
        free_ahead[i] = free_ahead[i + 1] + 1 if slots[i].state == "free" else 0
    periods: list[Period] = []
    for i, s in enumerate(slots):
        last = periods[-1] if periods else None
        if last and last.state == s.state and last.label == s.label and last.booking_id == s.booking_id \
                and last.free == s.free and last.local_end == s.local_start:
            last.local_end, last.slots = s.local_end, last.slots + 1
        else:
            last = Period(s.state, s.local_start, s.local_end, s.label, s.free, s.booking_id)
            periods.append(last)
        if needed and free_ahead[i] >= needed:
            last.starts.append(s.local_start)
    return periods


def _held(site_id: int, resources: list[Resource], start: datetime, end: datetime):
    """What holds these resources between two UTC times, in three queries:
    active bookings and training sessions by resource id, and the closures of
    the site (of one resource or of the whole base), each by start. Bookings
    and sessions come as rows of the few columns the calendar reads, not as
    objects: a page of a busy day holds hundreds."""
    ids = [r.id for r in resources] or [0]
    # Sorted here, not by the database: asked to order by start, SQLite walks
    # the start-time index through every session and booking before the day,
    # instead of the resource's by end (ten milliseconds against a tenth).
    bookings = defaultdict(list)
    for b in sorted(db.session.execute(select(
            Booking.id, Booking.resource_id, Booking.unit, Booking.user_id, Booking.starts_at, Booking.ends_at,
            Booking.purpose).where(
            Booking.resource_id.in_(ids), Booking.status.in_(ACTIVE),
            _overlap(Booking.starts_at, Booking.ends_at, start, end))), key=lambda b: (b.starts_at, b.id)):
        bookings[b.resource_id].append(b)
    sessions = defaultdict(list)
    for s in sorted(db.session.execute(select(
            TrainingSession.id, TrainingSession.room_id, TrainingSession.starts_at, TrainingSession.ends_at,
            TrainingSession.topic).where(
            TrainingSession.room_id.in_(ids),
            _overlap(TrainingSession.starts_at, TrainingSession.ends_at, start, end))),
            key=lambda s: (s.starts_at, s.id)):
        sessions[s.room_id].append(Busy("session", s.starts_at, s.ends_at, s.topic))
    closures = list(db.session.scalars(select(Blackout).where(
        Blackout.site_id == site_id, _overlap(Blackout.starts_at, Blackout.ends_at, start, end))
        .order_by(Blackout.starts_at, Blackout.id)))
    return bookings, sessions, closures


def _closures_of(closures: list[Blackout], resource: Resource) -> list[Busy]:
    return [Busy("closure", c.starts_at, c.ends_at, c.reason) for c in closures
            if c.resource_id in (None, resource.id)]


def calendar_resources(site_id: int, kind: str | None = None):
    """The select of the resources the day calendar shows, for web.paginate:
    the base's active studios and equipment (or one kind), studios first, by
    name, with their opening hours and the programme they require."""
    query = select(Resource).where(Resource.site_id == site_id, Resource.active.is_(True)).options(
        joinedload(Resource.hours), joinedload(Resource.required_programme))
    if kind:
        query = query.where(Resource.kind == kind)
    return query.order_by(Resource.kind.desc(), Resource.name, Resource.id)


def day_calendar(site_id: int, day: date, viewer, resources: list[Resource] | None = None) -> list[dict]:
    """Resources of the site on a local day (every active one unless given:
    the page shows a few at a time): merged periods and the booking length a
    tap asks for."""
    tz = timezone_of(site_id)
    resources = resources_of(site_id) if resources is None else resources
    start = to_utc(datetime.combine(day, time()), tz)
    end = start + timedelta(days=1)
    bookings, sessions, closures = _held(site_id, resources, start, end)
    rows = []
    for r in resources:
        slots = day_slots(r, day, viewer, bookings=bookings[r.id], sessions=sessions[r.id],
                          closures=_closures_of(closures, r))
        length = booking_length(r)
        rows.append({"resource": r, "periods": merge_slots(slots, length), "length": length})
    return rows


def week_of(resource: Resource, first: date, viewer, days: int = 7) -> list[tuple[date, list[Period]]]:
    """One resource day by day from `first`: (day, merged periods). What holds
    it is read once for the whole week, then each day is cut into slots."""
    tz = timezone_of(resource.site_id)
    start = to_utc(datetime.combine(first, time()), tz)
    end = to_utc(datetime.combine(first + timedelta(days=days), time()), tz)
    bookings, sessions, closures = _held(resource.site_id, [resource], start, end)
    mine_closures = _closures_of(closures, resource)
    length = booking_length(resource)
    columns = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        slots = day_slots(resource, day, viewer, bookings=bookings[resource.id], sessions=sessions[resource.id],
                          closures=mine_closures)
        columns.append((day, merge_slots(slots, length)))
    return columns


def free_at(site_id: int, starts_at: datetime, ends_at: datetime) -> list[dict]:
    """What is free for the whole of a time: resources with how many items."""
    tz = timezone_of(site_id)
    first_day, last_day = to_local(starts_at, tz).date(), to_local(ends_at, tz).date()
    found = []
    for r in resources_of(site_id):
        if _under_maintenance(r, first_day, last_day):
            continue
        here = availability(r, starts_at, ends_at)
        if not here.blocking and here.free:
            found.append({"resource": r, "free": len(here.free)})
    return found


# --- the calendar feed ---------------------------------------------------------------------------

def feed_token(user, *, create: bool = True) -> str | None:
    row = db.session.scalar(select(FeedToken).where(FeedToken.user_id == user.id))
    if row is None and create:
        row = FeedToken(user_id=user.id, token=secrets.token_urlsafe(24))
        db.session.add(row)
        db.session.commit()
    return row.token if row else None


def renew_feed_token(user) -> str:
    """A new secret address; the old one stops working."""
    row = db.session.scalar(select(FeedToken).where(FeedToken.user_id == user.id))
    if row is None:
        row = FeedToken(user_id=user.id)
        db.session.add(row)
    row.token, row.created_at = secrets.token_urlsafe(24), utcnow()
    record_change(user, "booking.feed_renewed", row, site_id=user.site_id)
    db.session.commit()
    return row.token


def user_for_feed(token: str):
    if not token or len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum() or not token.isascii():
        return None
    row = db.session.scalar(select(FeedToken).where(FeedToken.token == token))
    return db.session.get(User, row.user_id) if row else None


def feed_sessions(user) -> list[TrainingSession]:
    """Sessions of the cohorts where she holds a confirmed place."""
    from incubator.enrolment.models import CONFIRMED as APPLICATION_CONFIRMED
    from incubator.enrolment.models import Application

    cohorts = select(Application.cohort_id).where(Application.user_id == user.id,
                                                  Application.status == APPLICATION_CONFIRMED)
    return list(db.session.scalars(select(TrainingSession).where(
        TrainingSession.cohort_id.in_(cohorts), TrainingSession.ends_at > utcnow() - timedelta(days=60))
        .order_by(TrainingSession.starts_at)))


def feed_ics(user, host: str = "incubator") -> bytes:
    """Her bookings and training sessions as an iCalendar file."""
    from datetime import UTC

    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Incubator//Booking//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", str(_l("Incubator: my bookings and sessions")))
    stamp = utcnow().replace(tzinfo=UTC)
    bookings = db.session.scalars(select(Booking).where(
        Booking.user_id == user.id, Booking.status.in_(ACTIVE), Booking.ends_at > utcnow() - timedelta(days=60))
        .order_by(Booking.starts_at))
    for b in bookings:
        event = Event()
        event.add("uid", f"booking-{b.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", b.starts_at.replace(tzinfo=UTC))
        event.add("dtend", b.ends_at.replace(tzinfo=UTC))
        summary = str(_l("Booked: %(resource)s", resource=b.resource.name))
        if b.status == PENDING:
            summary += " " + str(_l("(waiting for approval)"))
        event.add("summary", summary)
        event.add("location", b.resource.name)
        if b.purpose:
            event.add("description", b.purpose)
        cal.add_component(event)
    rooms = {r.id: r.name for r in db.session.scalars(select(Resource))}
    for s in feed_sessions(user):
        event = Event()
        event.add("uid", f"session-{s.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", s.starts_at.replace(tzinfo=UTC))
        event.add("dtend", s.ends_at.replace(tzinfo=UTC))
        event.add("summary", str(_l("Session: %(topic)s", topic=s.topic)))
        if s.room_id and s.room_id in rooms:
            event.add("location", rooms[s.room_id])
        cal.add_component(event)
    return cal.to_ical()

