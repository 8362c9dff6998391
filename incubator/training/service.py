"""Training sessions: scheduling, roll call, self check-in, apologies, skills,
progress, completion and certificates.

Every function that changes something is one transaction: it commits at the
end or raises a DomainError and writes nothing. Times are naive UTC; wall-clock
times typed by staff are in the site's zone (Site.timezone).
"""

import math
import os
import secrets
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from incubator import csvfile
from incubator.accounts.models import User, UserRole
from incubator.accounts.service import normalise_phone, people_with_role
from incubator.audit import record_change
from incubator.auth import MENTOR, STAFF
from incubator.booking.models import STUDIO, Resource
from incubator.enrolment.models import CONFIRMED, Application, Cohort, Programme
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.notify.service import notify
from incubator.sites.service import timezone_of as site_zone
from incubator.timeutil import combine_local, to_local, utcnow
from incubator.training.models import (
    ATTENDED,
    EXCUSED,
    LATE,
    MARKS,
    PRESENT,
    Attendance,
    Certificate,
    Skill,
    SkillTick,
    TrainingSession,
)
from incubator.training.rooms import RoomClash, find_conflicts

# Self check-in window, in minutes around the start (settings can change them).
DEFAULT_CHECKIN_OPENS_BEFORE = 15
DEFAULT_CHECKIN_CLOSES_AFTER = 30
DEFAULT_LATE_AFTER = 10
MAX_RECURRING = 120
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _setting(name: str, default: int) -> int:
    """A number of minutes from the app config, else the environment, else the default."""
    value = current_app.config.get(name) if has_app_context() else None
    value = value if value is not None else os.environ.get(name)
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def checkin_opens_before() -> timedelta:
    return timedelta(minutes=_setting("TRAINING_CHECKIN_OPENS_BEFORE", DEFAULT_CHECKIN_OPENS_BEFORE))


def checkin_closes_after() -> timedelta:
    return timedelta(minutes=_setting("TRAINING_CHECKIN_CLOSES_AFTER", DEFAULT_CHECKIN_CLOSES_AFTER))


def late_after() -> timedelta:
    return timedelta(minutes=_setting("TRAINING_LATE_AFTER", DEFAULT_LATE_AFTER))


def checkin_window(session: TrainingSession) -> tuple[datetime, datetime]:
    return session.starts_at - checkin_opens_before(), session.starts_at + checkin_closes_after()


# --- Who: trainees, trainers, rooms ---------------------------------------------

def enrolled_trainees(cohort_id: int) -> list[User]:
    """The cohort's trainees: applications with status confirmed."""
    # Their roles are not needed here: not loading them saves a statement on
    # the roll call, the grid and the skills page.
    return list(db.session.scalars(
        select(User).join(Application, Application.user_id == User.id)
        .where(Application.cohort_id == cohort_id, Application.status == CONFIRMED)
        .options(lazyload(User.role_grants))
        .order_by(User.display_name, User.id)))


def is_enrolled(user_id: int, cohort_id: int) -> bool:
    return db.session.scalar(select(Application.id).where(
        Application.cohort_id == cohort_id, Application.user_id == user_id,
        Application.status == CONFIRMED)) is not None


def trainer_choices(site_id: int) -> list[User]:
    """Staff and mentors of the site: the people who may lead a session."""
    return list(db.session.scalars(
        select(User).where(User.site_id == site_id, User.active.is_(True),
                           User.role_grants.any(UserRole.role.in_((STAFF, MENTOR))))
        .order_by(User.display_name)))


def studio_choices(site_id: int) -> list[Resource]:
    return list(db.session.scalars(select(Resource).where(
        Resource.site_id == site_id, Resource.kind == STUDIO, Resource.active.is_(True)).order_by(Resource.name)))


def cohorts_of_site(site_id: int | None) -> list[Cohort]:
    query = select(Cohort).order_by(Cohort.starts_on.desc())
    if site_id is not None:
        query = query.where(Cohort.site_id == site_id)
    return list(db.session.scalars(query))


# --- Scheduling -------------------------------------------------------------------

def new_checkin_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(4))


def _check_session_fields(cohort: Cohort, *, topic: str, room_id: int | None, trainer_id: int | None,
                          capacity: int | None) -> list[tuple[str, object]]:
    errors: list[tuple[str, object]] = []
    if not (topic or "").strip():
        errors.append(("topic", _l("Say what the session is about.")))
    if room_id is not None:
        room = db.session.get(Resource, room_id)
        if room is None or room.site_id != cohort.site_id or room.kind != STUDIO or not room.active:
            errors.append(("room_id", _l("Choose a studio of this base.")))
    if trainer_id is not None and trainer_id not in {u.id for u in trainer_choices(cohort.site_id)}:
        errors.append(("trainer_id", _l("The trainer must be a staff member or a mentor of this base.")))
    if capacity is not None and capacity < 1:
        errors.append(("capacity", _l("Capacity must be at least 1.")))
    return errors


def _lock_room(room_id: int | None) -> None:
    """Serialise scheduling in one room (PostgreSQL row lock; SQLite has one writer)."""
    if room_id is not None:
        db.session.execute(select(Resource.id).where(Resource.id == room_id).with_for_update())


def _clash_message(clash: RoomClash, tz: str):
    start, end = to_local(clash.starts_at, tz), to_local(clash.ends_at, tz)
    return _l("The room is taken then: %(title)s, %(day)s %(start)s–%(end)s.", title=clash.title,
              day=start.date().isoformat(), start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))


def _outside_the_class(cohort: Cohort):
    """The message for a day outside the class's dates: every session counts
    toward the completion rule, so one scheduled after the last day (a typo
    in a weekly run's end) raises what every trainee needs to attend."""
    return _l("The class runs from %(start)s to %(end)s; choose days between them.",
              start=cohort.starts_on.isoformat(), end=cohort.ends_on.isoformat())


def schedule_session(actor: User, cohort: Cohort, *, topic: str, day: date, start_time: time, end_time: time,
                     room_id: int | None = None, trainer_id: int | None = None, capacity: int | None = None,
                     childcare: bool = False) -> TrainingSession:
    """One session; day and times are wall-clock times in the site's zone,
    the day within the class's dates."""
    errors = _check_session_fields(cohort, topic=topic, room_id=room_id, trainer_id=trainer_id, capacity=capacity)
    if not cohort.starts_on <= day <= cohort.ends_on:
        errors.append(("day", _outside_the_class(cohort)))
    if end_time <= start_time:
        errors.append(("end_time", _l("The session must end after it starts.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    tz = site_zone(cohort.site_id)
    start, end = combine_local(day, start_time, tz), combine_local(day, end_time, tz)
    _lock_room(room_id)
    if room_id is not None:
        clashes = find_conflicts(room_id, start, end)
        if clashes:
            raise Conflict(_clash_message(clashes[0], tz), field="room_id")
    session = _new_session(actor, cohort, topic, start, end, room_id, trainer_id, capacity, childcare)
    db.session.commit()
    return session


def _new_session(actor, cohort, topic, start, end, room_id, trainer_id, capacity, childcare) -> TrainingSession:
    session = TrainingSession(cohort_id=cohort.id, site_id=cohort.site_id, topic=topic.strip(), starts_at=start,
                              ends_at=end, room_id=room_id, trainer_id=trainer_id, capacity=capacity,
                              childcare=bool(childcare), checkin_code=new_checkin_code())
    db.session.add(session)
    db.session.flush()
    record_change(actor, "training.session_scheduled", session,
                  after={"topic": session.topic, "starts_at": start.isoformat(), "room_id": room_id})
    return session


def recurring_dates(first_day: date, weekdays, *, weeks: int | None = None, until: date | None = None,
                    skip=()) -> tuple[list[date], list[date]]:
    """(dates, skipped): every date from first_day on whose weekday (Monday 0)
    is in `weekdays`, for `weeks` weeks or up to and including `until`; the
    dates in `skip` (holidays) are left out and returned as skipped."""
    weekdays = {int(w) for w in weekdays}
    if not weekdays or not weekdays <= set(range(7)):
        raise DomainError(_l("Choose at least one day of the week."), field="weekdays")
    if (weeks is None) == (until is None):
        raise DomainError(_l("Give either a number of weeks or an end date."), field="weeks")
    if weeks is not None:
        if weeks < 1:
            raise DomainError(_l("Give at least one week."), field="weeks")
        last = first_day + timedelta(days=7 * weeks - 1)
    else:
        if until < first_day:
            raise DomainError(_l("The end date must be after the first day."), field="until")
        last = until
    skip = set(skip)
    dates, skipped = [], []
    day = first_day
    while day <= last:
        if day.weekday() in weekdays:
            (skipped if day in skip else dates).append(day)
        day += timedelta(days=1)
    if len(dates) > MAX_RECURRING:
        raise DomainError(_l("That makes more than %(n)s sessions; schedule a shorter run.", n=MAX_RECURRING),
                          field="weeks")
    return dates, skipped


@dataclass
class RecurringResult:
    created: list[TrainingSession] = field(default_factory=list)
    clashes: list[tuple[date, RoomClash]] = field(default_factory=list)
    skipped: list[date] = field(default_factory=list)


def schedule_recurring(actor: User, cohort: Cohort, *, topic: str, first_day: date, weekdays, start_time: time,
                       end_time: time, weeks: int | None = None, until: date | None = None, skip=(),
                       room_id: int | None = None, trainer_id: int | None = None, capacity: int | None = None,
                       childcare: bool = False) -> RecurringResult:
    """A run of sessions. Dates whose room is taken are NOT created and are
    reported in result.clashes; the free dates are created. (Refusing the whole
    run for one clash would make staff retype everything; the clashing dates
    can then be scheduled one by one in another room.)"""
    errors = _check_session_fields(cohort, topic=topic, room_id=room_id, trainer_id=trainer_id, capacity=capacity)
    if end_time <= start_time:
        errors.append(("end_time", _l("The session must end after it starts.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    dates, skipped = recurring_dates(first_day, weekdays, weeks=weeks, until=until, skip=skip)
    if not dates:
        raise DomainError(_l("No date falls on the chosen days; check the days and dates."), field="weekdays")
    if dates[0] < cohort.starts_on:
        raise DomainError(_outside_the_class(cohort), field="first_day")
    if dates[-1] > cohort.ends_on:
        raise DomainError(_outside_the_class(cohort), field="until" if until is not None else "weeks")
    tz = site_zone(cohort.site_id)
    result = RecurringResult(skipped=skipped)
    _lock_room(room_id)
    for day in dates:
        start, end = combine_local(day, start_time, tz), combine_local(day, end_time, tz)
        clashes = find_conflicts(room_id, start, end) if room_id is not None else []
        if clashes:
            result.clashes.append((day, clashes[0]))
            continue
        result.created.append(_new_session(actor, cohort, topic, start, end, room_id, trainer_id, capacity,
                                           childcare))
    db.session.commit()
    return result


def cancel_session(actor: User, session: TrainingSession, now: datetime | None = None) -> None:
    """Remove a session scheduled by mistake or called off. A session with
    marks stays (it is part of people's records). Trainees are told when it
    was still to come."""
    if db.session.scalar(select(Attendance.id).where(Attendance.session_id == session.id).limit(1)):
        raise Conflict(_l("This session already has marks, so it stays on the record."))
    if session.starts_at > (now or utcnow()):
        for user in enrolled_trainees(session.cohort_id):
            notify(user, "training.cancelled", {"topic": session.topic, "starts_at": session.starts_at.isoformat()},
                   url="/training/mine")
    record_change(actor, "training.session_cancelled", session,
                  before={"topic": session.topic, "starts_at": session.starts_at.isoformat(),
                          "cohort_id": session.cohort_id, "room_id": session.room_id})
    db.session.delete(session)
    db.session.commit()


def session_with_class_and_room(session_id: int) -> TrainingSession | None:
    """A session with its class and studio joined in: the pages that run a
    session show both (the studio's name, not its opening hours)."""
    return db.session.get(TrainingSession, session_id, options=[
        joinedload(TrainingSession.cohort), joinedload(TrainingSession.room).lazyload(Resource.hours)])


def sessions_of_cohort(cohort_id: int) -> list[TrainingSession]:
    return list(db.session.scalars(select(TrainingSession).where(TrainingSession.cohort_id == cohort_id)
                                   .order_by(TrainingSession.starts_at)))


def upcoming_sessions_of_site(site_id: int | None, now: datetime | None = None, limit: int = 50):
    now = now or utcnow()
    query = select(TrainingSession).where(TrainingSession.ends_at >= now - timedelta(hours=12))
    if site_id is not None:
        query = query.where(TrainingSession.site_id == site_id)
    return list(db.session.scalars(query.order_by(TrainingSession.starts_at).limit(limit)))


# --- Roll call ----------------------------------------------------------------------

@dataclass
class RollRow:
    key: str  # "u<id>" for an account, "w<id>" for a walk-in
    name: str
    attendance: Attendance | None
    user: User | None = None

    @property
    def mark(self) -> str | None:
        return self.attendance.mark if self.attendance else None


def attendance_of(session_id: int, user_id: int) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.session_id == session_id,
                                                      Attendance.user_id == user_id))


def roll(session: TrainingSession) -> list[RollRow]:
    """The enrolled trainees with their marks, then walk-ins and other marked
    people. Two statements: the session's marks (with the account of each,
    for marks of people no longer enrolled) and the enrolled trainees."""
    marks, walkins = {}, []
    for attendance in db.session.scalars(
            select(Attendance).where(Attendance.session_id == session.id)
            .options(joinedload(Attendance.user).lazyload(User.role_grants)).order_by(Attendance.id)):
        if attendance.user_id is None:
            walkins.append(attendance)
        else:
            marks[attendance.user_id] = attendance
    rows = [RollRow(f"u{u.id}", u.display_name, marks.pop(u.id, None), u) for u in enrolled_trainees(session.cohort_id)]
    # Linked walk-ins and people no longer enrolled keep their mark on the list.
    for attendance in marks.values():
        rows.append(RollRow(f"u{attendance.user_id}", attendance.user.display_name, attendance, attendance.user))
    rows += [RollRow(f"w{a.id}", a.walkin_name or "", a) for a in walkins]
    return rows


def roll_row(session: TrainingSession, key: str) -> RollRow | None:
    return next((row for row in roll(session) if row.key == key), None)


def roll_counts(session: TrainingSession, rows: list[RollRow] | None = None) -> dict:
    """How many of the roll are marked what; `rows` when the caller has the
    roll already (the roll call page shows both)."""
    rows = roll(session) if rows is None else rows
    counts = Counter(row.mark for row in rows if row.mark)
    return {"total": len(rows), "unmarked": sum(1 for row in rows if not row.mark),
            **{mark: counts.get(mark, 0) for mark in MARKS}}


@contextmanager
def _one_mark_each(message):
    """Two people marking the same person at the same moment meet the unique
    (session, person) constraint: the second is told, nothing breaks."""
    try:
        yield
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message) from None


def _set(actor, session: TrainingSession, attendance: Attendance | None, *, user_id=None, mark: str,
         reason: str | None = None, checked_in: datetime | None = None) -> Attendance:
    before = {"mark": attendance.mark} if attendance else None
    if attendance is None:
        attendance = Attendance(session_id=session.id, site_id=session.site_id, user_id=user_id, mark=mark)
        db.session.add(attendance)
    attendance.mark = mark
    attendance.marked_by_id = getattr(actor, "id", None)
    attendance.marked_at = utcnow()
    if reason is not None:
        attendance.reason = reason
    if checked_in is not None:
        attendance.checked_in_at = checked_in
    db.session.flush()
    record_change(actor, "training.mark", attendance, before=before,
                  after={"mark": mark, "session_id": session.id, "user_id": attendance.user_id})
    return attendance


def set_mark(actor: User, session: TrainingSession, key: str, mark: str) -> RollRow:
    """Mark one person of the roll ("u<user id>" or "w<walk-in id>")."""
    if mark not in MARKS:
        raise DomainError(_l("Choose present, late, absent or excused."), field="mark")
    row = roll_row(session, key)
    if row is None:
        raise DomainError(_l("This person is not on the list of this session."))
    with _one_mark_each(_l("Someone marked this person at the same moment; reload the list.")):
        row.attendance = _set(actor, session, row.attendance, user_id=row.user.id if row.user else None,
                              mark=mark)
        if row.user:
            evaluate(session.cohort, row.user.id)
    return row


def mark_all_present(actor: User, session: TrainingSession) -> int:
    """Everyone on the list without a mark yet is marked present; marks already
    given (late, excused...) stay. Returns how many were marked."""
    now = utcnow()
    added = [Attendance(session_id=session.id, site_id=session.site_id, user_id=row.user.id, mark=PRESENT,
                        marked_by_id=actor.id, marked_at=now)
             for row in roll(session) if row.attendance is None and row.user is not None]
    with _one_mark_each(_l("Someone marked this person at the same moment; reload the list.")):
        db.session.add_all(added)
        db.session.flush()
        sessions = sessions_of_cohort(session.cohort_id)
        held = held_session_ids(sessions)
        for attendance in added:
            record_change(actor, "training.mark", attendance,
                          after={"mark": PRESENT, "session_id": session.id, "user_id": attendance.user_id})
            evaluate(session.cohort, attendance.user_id, sessions=sessions, held=held)
    return len(added)


def add_walkin(actor: User, session: TrainingSession, *, name: str, phone: str) -> Attendance:
    """Someone who came without a place: marked present by name and phone.
    If an account has that phone, the mark goes straight to the account."""
    name = (name or "").strip()
    normalised = normalise_phone(phone)
    errors = []
    if not name:
        errors.append(("name", _l("Write the person's name.")))
    if not normalised:
        errors.append(("phone", _l("Enter an 11-digit mobile number.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    # Only an account of this session's base: another base's person is
    # treated as having no account here (her mark, her name and whether she
    # exists stay with her base), as link_walkin does.
    account = _account_at(session.site_id, normalised)
    if account is not None and attendance_of(session.id, account.id) is not None:
        raise Conflict(_l("%(name)s is already on this session's list.", name=account.display_name), field="phone")
    if db.session.scalar(select(Attendance.id).where(Attendance.session_id == session.id,
                                                     Attendance.walkin_phone == normalised)):
        raise Conflict(_l("A walk-in with this number is already on the list."), field="phone")
    attendance = Attendance(session_id=session.id, site_id=session.site_id, mark=PRESENT,
                            user_id=account.id if account else None, walkin_name=name, walkin_phone=normalised,
                            marked_by_id=actor.id)
    db.session.add(attendance)
    db.session.flush()
    record_change(actor, "training.walkin_added", attendance, after={"name": name, "session_id": session.id})
    if account is not None:
        evaluate(session.cohort, account.id)
    db.session.commit()
    return attendance


def _account_at(site_id: int, phone: str | None) -> User | None:
    """The account of this base with this mobile number, if any."""
    if not phone:
        return None
    return db.session.scalar(select(User).where(User.phone == phone, User.site_id == site_id))


def account_for_walkin(attendance: Attendance) -> User | None:
    """The account a walk-in can be linked to: one of her base with her phone number."""
    if not attendance.is_walkin or not attendance.walkin_phone:
        return None
    return _account_at(attendance.site_id, attendance.walkin_phone)


def link_walkin(actor: User, attendance: Attendance, phone: str | None = None) -> Attendance:
    """Attach a walk-in's mark to an account, found by her phone (or another given)."""
    if not attendance.is_walkin:
        raise DomainError(_l("This mark already belongs to an account."))
    number = normalise_phone(phone) if phone else attendance.walkin_phone
    account = _account_at(attendance.site_id, number)
    if account is None:
        raise DomainError(_l("No account has this mobile number yet. Ask her to sign up, then link again."),
                          field="phone")
    if attendance_of(attendance.session_id, account.id) is not None:
        raise Conflict(_l("%(name)s already has a mark for this session.", name=account.display_name))
    attendance.user_id = account.id
    db.session.flush()
    record_change(actor, "training.walkin_linked", attendance, after={"user_id": account.id})
    evaluate(attendance.session.cohort, account.id)
    db.session.commit()
    return attendance


def unlinked_walkins(site_id: int | None) -> list[Attendance]:
    query = select(Attendance).where(Attendance.user_id.is_(None)).order_by(Attendance.marked_at.desc())
    if site_id is not None:
        query = query.where(Attendance.site_id == site_id)
    return list(db.session.scalars(query))


# --- Trainees: check-in and apologies ------------------------------------------------------

def _her_sessions_query(user_id: int):
    cohorts = select(Application.cohort_id).where(Application.user_id == user_id, Application.status == CONFIRMED)
    return select(TrainingSession).where(TrainingSession.cohort_id.in_(cohorts))


def check_in(user: User, code: str, now: datetime | None = None) -> Attendance:
    """Self check-in with the code shown in the room: works from shortly before
    the start to a while after it, once per person."""
    now = now or utcnow()
    code = (code or "").strip().upper()
    if not code:
        raise DomainError(_l("Enter the code shown in the room."), field="code")
    if not code.isascii() or not code.isalnum() or len(code) > 12:
        raise DomainError(_l("This code does not match a session of yours happening now. Check the code in the "
                             "room."), field="code")
    matching = list(db.session.scalars(_her_sessions_query(user.id).where(TrainingSession.checkin_code == code)))
    open_now = [s for s in matching if checkin_window(s)[0] <= now <= checkin_window(s)[1]]
    if not open_now:
        if matching:
            raise NotAllowed(_l("Check-in for this session is closed. It opens %(before)s minutes before the start "
                                "and closes %(after)s minutes after it; ask the trainer to mark you.",
                                before=int(checkin_opens_before().total_seconds() // 60),
                                after=int(checkin_closes_after().total_seconds() // 60)), field="code")
        raise DomainError(_l("This code does not match a session of yours happening now. Check the code in the "
                             "room."), field="code")
    session = open_now[0]
    attendance = attendance_of(session.id, user.id)
    if attendance is not None and attendance.checked_in_at is not None:
        raise Conflict(_l("You have already checked in to this session."), field="code")
    mark = PRESENT if now <= session.starts_at + late_after() else LATE
    with _one_mark_each(_l("You have already checked in to this session.")):
        attendance = _set(user, session, attendance, user_id=user.id, mark=mark, checked_in=now)
        evaluate(session.cohort, user.id)
    return attendance


def send_apology(user: User, session: TrainingSession, reason: str, now: datetime | None = None) -> Attendance:
    """Before a session starts, she says she cannot come: marked excused."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not is_enrolled(user.id, session.cohort_id):
        raise NotAllowed(_l("You are not enrolled in this class."))
    if now >= session.starts_at:
        raise NotAllowed(_l("The session has started; apologies are only taken before it. Tell the trainer."))
    if not reason:
        raise DomainError(_l("Tell the trainer briefly why you cannot come."), field="reason")
    if len(reason) > 300:
        raise DomainError(_l("Keep the reason under 300 characters."), field="reason")
    attendance = attendance_of(session.id, user.id)
    if attendance is not None and attendance.checked_in_at is not None:
        raise Conflict(_l("You have already checked in to this session."))
    attendance = _set(user, session, attendance, user_id=user.id, mark=EXCUSED, reason=reason)
    evaluate(session.cohort, user.id)
    db.session.commit()
    return attendance


# --- Skills ------------------------------------------------------------------------

def skills_of(programme_id: int) -> list[Skill]:
    return list(db.session.scalars(select(Skill).where(Skill.programme_id == programme_id)
                                   .order_by(Skill.position, Skill.id)))


def add_skill(actor: User, programme: Programme, name: str, required: bool = True) -> Skill:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Name the skill."), field="name")
    if db.session.scalar(select(Skill.id).where(Skill.programme_id == programme.id, Skill.name == name)):
        raise Conflict(_l("This programme already has this skill."), field="name")
    position = (db.session.scalar(select(func.max(Skill.position)).where(Skill.programme_id == programme.id))
                or 0) + 1
    skill = Skill(programme_id=programme.id, site_id=programme.site_id, name=name, required=bool(required),
                  position=position)
    db.session.add(skill)
    db.session.flush()
    record_change(actor, "training.skill_added", skill, after={"name": name, "required": bool(required)})
    db.session.commit()
    return skill


def ticks_of(cohort_id: int) -> set[tuple[int, int]]:
    """(user id, skill id) of every tick in the cohort."""
    return set(db.session.execute(select(SkillTick.user_id, SkillTick.skill_id)
                                  .where(SkillTick.cohort_id == cohort_id)).all())


def toggle_skill(actor: User, cohort: Cohort, skill: Skill, user_id: int) -> bool:
    """Tick or untick a skill for a trainee; returns whether it is now ticked."""
    if skill.programme_id != cohort.programme_id:
        raise DomainError(_l("This skill belongs to another programme."))
    if not is_enrolled(user_id, cohort.id):
        raise DomainError(_l("This person is not enrolled in this class."))
    tick = db.session.scalar(select(SkillTick).where(SkillTick.skill_id == skill.id, SkillTick.user_id == user_id,
                                                     SkillTick.cohort_id == cohort.id))
    if tick:
        db.session.delete(tick)
        ticked = False
    else:
        db.session.add(SkillTick(skill_id=skill.id, user_id=user_id, cohort_id=cohort.id, ticked_by_id=actor.id))
        ticked = True
    db.session.flush()
    record_change(actor, "training.skill_ticked" if ticked else "training.skill_unticked", skill,
                  after={"user_id": user_id, "cohort_id": cohort.id, "ticked": ticked}, site_id=cohort.site_id)
    evaluate(cohort, user_id)
    db.session.commit()
    return ticked


# --- Progress and completion ---------------------------------------------------------------------

@dataclass
class Progress:
    cohort: Cohort
    user_id: int
    total_sessions: int
    held_sessions: int
    attended: int
    excused: int
    absent: int
    required_sessions: int
    skills: list[Skill]
    done_skill_ids: set[int]
    certificate: Certificate | None

    @property
    def percent(self) -> int | None:
        """Attendance so far: attended out of sessions already started."""
        if not self.held_sessions:
            return None
        return round(100 * self.attended / self.held_sessions)

    @property
    def required_skills(self) -> list[Skill]:
        return [s for s in self.skills if s.required]

    @property
    def skills_left(self) -> list[Skill]:
        return [s for s in self.required_skills if s.id not in self.done_skill_ids]

    @property
    def sessions_left(self) -> int:
        return max(0, self.required_sessions - self.attended)

    @property
    def meets_rule(self) -> bool:
        return self.total_sessions > 0 and self.sessions_left == 0 and not self.skills_left

    @property
    def behind(self) -> bool:
        return self.percent is not None and self.percent < self.cohort.programme.min_attendance_percent


def required_sessions(total: int, min_percent: int) -> int:
    return math.ceil(total * min_percent / 100)


def held_session_ids(sessions: list[TrainingSession], now: datetime | None = None) -> set[int]:
    """Sessions that count for attendance so far: started, and roll call taken
    (at least one mark), so a late roll call never makes everyone look absent."""
    now = now or utcnow()
    started = [s.id for s in sessions if s.starts_at <= now]
    if not started:
        return set()
    return set(db.session.scalars(select(Attendance.session_id).where(Attendance.session_id.in_(started))
                                  .distinct()))


def progress(user_id: int, cohort: Cohort, now: datetime | None = None, *, sessions=None, held=None) -> Progress:
    """Where she stands. `sessions` and `held` may be passed in when many
    trainees of one cohort are evaluated at once."""
    sessions = sessions if sessions is not None else sessions_of_cohort(cohort.id)
    held_ids = held if held is not None else held_session_ids(sessions, now)
    marks = dict(db.session.execute(select(Attendance.session_id, Attendance.mark).join(TrainingSession).where(
        TrainingSession.cohort_id == cohort.id, Attendance.user_id == user_id)).all())
    done = set(db.session.scalars(select(SkillTick.skill_id).where(SkillTick.cohort_id == cohort.id,
                                                                  SkillTick.user_id == user_id)))
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == user_id,
                                                              Certificate.cohort_id == cohort.id))
    return Progress(
        cohort=cohort, user_id=user_id, total_sessions=len(sessions), held_sessions=len(held_ids),
        attended=sum(1 for m in marks.values() if m in ATTENDED),
        excused=sum(1 for m in marks.values() if m == EXCUSED),
        absent=sum(1 for sid, m in marks.items() if m == "absent"),
        required_sessions=required_sessions(len(sessions), cohort.programme.min_attendance_percent),
        skills=skills_of(cohort.programme_id), done_skill_ids=done, certificate=certificate)


def new_certificate_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def evaluate(cohort: Cohort, user_id: int, now: datetime | None = None, *, sessions=None, held=None) -> Progress:
    """Run the completion rule after a mark or a tick changed (inside the
    caller's transaction): issue the certificate when she meets it, and tell her
    and the staff — once — when her attendance falls below the threshold."""
    result = progress(user_id, cohort, now, sessions=sessions, held=held)
    user = db.session.get(User, user_id)
    programme = cohort.programme
    if result.meets_rule and result.certificate is None:
        certificate = Certificate(user_id=user_id, programme_id=programme.id, cohort_id=cohort.id,
                                  site_id=cohort.site_id, code=new_certificate_code())
        db.session.add(certificate)
        db.session.flush()
        record_change(None, "training.certificate_issued", certificate,
                      after={"user_id": user_id, "cohort_id": cohort.id, "code": certificate.code})
        notify(user, "training.certificate", {"programme": programme.name, "code": certificate.code},
               url=f"/training/certificates/{certificate.code}", obj=certificate,
               dedupe_key=f"training.certificate:{cohort.id}")
        result.certificate = certificate
    elif result.behind and result.certificate is None:
        params = {"name": user.display_name, "cohort": cohort.name, "percent": result.percent,
                  "required": programme.min_attendance_percent}
        key = f"training.behind:{cohort.id}:{user_id}"
        notify(user, "training.behind", params, url=f"/training/progress/{cohort.id}", obj=cohort, dedupe_key=key)
        for staff in people_with_role(STAFF, cohort.site_id):
            notify(staff, "training.behind_staff", params, url=f"/training/cohorts/{cohort.id}/trainees/{user_id}",
                   obj=cohort, dedupe_key=key)
    return result


def certificate_by_code(code: str) -> Certificate | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 20 or not all(c in CODE_ALPHABET + "0123456789-" for c in code):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def issued_on(cert: Certificate) -> date:
    """The day a certificate was issued on its base's clock: issued_at is UTC,
    and before 08:00 in Nanjing the UTC date is still the day before."""
    return to_local(cert.issued_at, site_zone(cert.site_id)).date()


def certificates_of(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.issued_at.desc())))


# --- The cohort grid ---------------------------------------------------------------------

@dataclass
class Grid:
    cohort: Cohort
    sessions: list[TrainingSession]
    trainees: list[User]
    marks: dict  # (user id, session id) -> mark
    held_ids: set[int]

    def rate(self, attended: int, possible: int) -> int | None:
        return round(100 * attended / possible) if possible else None

    def session_rate(self, session: TrainingSession) -> int | None:
        if session.id not in self.held_ids:
            return None
        attended = sum(1 for u in self.trainees if self.marks.get((u.id, session.id)) in ATTENDED)
        return self.rate(attended, len(self.trainees))

    def trainee_rate(self, user: User) -> int | None:
        attended = sum(1 for sid in self.held_ids if self.marks.get((user.id, sid)) in ATTENDED)
        return self.rate(attended, len(self.held_ids))

    def trainee_attended(self, user: User) -> int:
        return sum(1 for s in self.sessions if self.marks.get((user.id, s.id)) in ATTENDED)

    @property
    def cohort_rate(self) -> int | None:
        attended = sum(1 for (uid, sid), m in self.marks.items()
                       if sid in self.held_ids and m in ATTENDED and uid in {u.id for u in self.trainees})
        return self.rate(attended, len(self.held_ids) * len(self.trainees))


def cohort_grid(cohort: Cohort, now: datetime | None = None) -> Grid:
    sessions = sessions_of_cohort(cohort.id)
    marks = {(uid, sid): mark for uid, sid, mark in db.session.execute(
        select(Attendance.user_id, Attendance.session_id, Attendance.mark).join(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id, Attendance.user_id.is_not(None))).all()}
    return Grid(cohort, sessions, enrolled_trainees(cohort.id), marks, held_session_ids(sessions, now))


def grid_csv(grid: Grid, labels: dict, headers: dict) -> str:
    tz = site_zone(grid.cohort.site_id)
    header = ([headers["name"], headers["phone"]]
              + [f"{to_local(s.starts_at, tz):%Y-%m-%d %H:%M} {s.topic}" for s in grid.sessions]
              + [headers["attended"], headers["rate"]])
    rows = []
    for user in grid.trainees:
        rate = grid.trainee_rate(user)
        rows.append([user.display_name, user.phone or ""]
                    + [str(labels.get(grid.marks.get((user.id, s.id)), "")) for s in grid.sessions]
                    + [grid.trainee_attended(user), "" if rate is None else f"{rate}%"])
    rows.append([headers["rate"], ""] + [
        "" if grid.session_rate(s) is None else f"{grid.session_rate(s)}%" for s in grid.sessions]
        + ["", "" if grid.cohort_rate is None else f"{grid.cohort_rate}%"])
    return csvfile.text(header, rows)


# --- What other areas ask --------------------------------------------------------------------

def _sessions_of_person(user_id: int):
    """Sessions of the cohorts she is enrolled in, and sessions she leads.
    The two halves are found by their own indexes and joined by id: written
    as one OR, the planner preferred walking every session of the district
    in time order to find her next one."""
    cohorts = select(Application.cohort_id).where(Application.user_id == user_id, Application.status == CONFIRMED)
    hers = union_all(select(TrainingSession.id).where(TrainingSession.cohort_id.in_(cohorts)),
                     select(TrainingSession.id).where(TrainingSession.trainer_id == user_id))
    return select(TrainingSession).where(TrainingSession.id.in_(hers))


def sessions_for_person(user_id: int, start: datetime | None = None, end: datetime | None = None
                        ) -> list[TrainingSession]:
    """Sessions of the cohorts she is enrolled in (and sessions she leads), in
    time order, optionally within [start, end) UTC: for her timetable and the
    iCal feed."""
    query = _sessions_of_person(user_id)
    if start is not None:
        query = query.where(TrainingSession.ends_at > start)
    if end is not None:
        query = query.where(TrainingSession.starts_at < end)
    return list(db.session.scalars(query.order_by(TrainingSession.starts_at)))


def next_session_for(user_id: int, now: datetime | None = None) -> TrainingSession | None:
    """Her next session, for her home panel: one statement with its studio
    joined in (the panel shows the studio's name, not its opening hours)."""
    now = now or utcnow()
    return db.session.scalar(
        _sessions_of_person(user_id).where(TrainingSession.ends_at > now)
        .options(joinedload(TrainingSession.room).lazyload(Resource.hours))
        .order_by(TrainingSession.starts_at).limit(1))


def marks_of(user_id: int) -> dict[int, Attendance]:
    return {a.session_id: a for a in db.session.scalars(select(Attendance).where(Attendance.user_id == user_id))}


def attendance_figures(site_id: int | None = None, since: datetime | None = None,
                       until: datetime | None = None) -> dict:
    """Numbers for reports: sessions held, marks by kind, attendance rate (%),
    walk-ins and certificates issued, within [since, until) UTC."""
    until = until or utcnow()
    sessions = select(TrainingSession.id).where(TrainingSession.starts_at < until)
    certs = select(func.count(Certificate.id)).where(Certificate.issued_at < until)
    if since is not None:
        sessions = sessions.where(TrainingSession.starts_at >= since)
        certs = certs.where(Certificate.issued_at >= since)
    if site_id is not None:
        sessions = sessions.where(TrainingSession.site_id == site_id)
        certs = certs.where(Certificate.site_id == site_id)
    ids = sessions.scalar_subquery()
    by_mark = dict(db.session.execute(select(Attendance.mark, func.count(Attendance.id))
                                      .where(Attendance.session_id.in_(ids)).group_by(Attendance.mark)).all())
    marked = sum(by_mark.values())
    attended = sum(by_mark.get(m, 0) for m in ATTENDED)
    return {
        "sessions_held": db.session.scalar(select(func.count()).select_from(sessions.subquery())) or 0,
        "marks": {m: by_mark.get(m, 0) for m in MARKS},
        "attendance_rate": round(100 * attended / marked) if marked else None,
        "walkins": db.session.scalar(select(func.count(Attendance.id)).where(
            Attendance.session_id.in_(ids), Attendance.walkin_name.is_not(None))) or 0,
        "certificates": db.session.scalar(certs) or 0,
    }


# --- Reminders -------------------------------------------------------------------------------

def send_reminders(now: datetime | None = None) -> int:
    """Tell enrolled trainees about a session 24 hours and 1 hour ahead.
    Dedupe keys make it safe to run as often as wanted. Returns how many were sent."""
    now = now or utcnow()
    sent = 0
    soon = db.session.scalars(select(TrainingSession).where(
        TrainingSession.starts_at > now, TrainingSession.starts_at <= now + timedelta(hours=24)))
    for session in soon:
        which = "1h" if session.starts_at <= now + timedelta(hours=1) else "24h"
        excused = {a.user_id for a in db.session.scalars(select(Attendance).where(
            Attendance.session_id == session.id, Attendance.mark == EXCUSED))}
        for user in enrolled_trainees(session.cohort_id):
            if user.id in excused:
                continue
            made = notify(user, f"training.reminder_{which}",
                          {"topic": session.topic, "starts_at": session.starts_at.isoformat(),
                           "room": session.room.name if session.room else ""},
                          url="/training/mine", obj=session, dedupe_key=f"training.reminder.{which}:{session.id}")
            sent += made is not None
    db.session.commit()
    return sent
