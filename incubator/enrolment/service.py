"""Enrolment rules: programmes, cohorts, applications and the waitlist.

Every function is one transaction: it commits what it changed, or raises a
DomainError and writes nothing. Every status change is recorded twice: as an
ApplicationEvent (the applicant page's history) and in the audit history, and
the applicant is notified.

Capacity: a seat is held by an application in SEAT_HOLDING (accepted or
confirmed). Anything that may take a seat first locks the cohort row
(lock_cohort), then counts, in the same transaction; two staff accepting at
the same moment are serialised and the second sees the first one's seat.

Other areas may call: enrolled_users(cohort_id), enrolled_user_ids(cohort_id),
is_enrolled(user_id, cohort_id), seats_left(cohort), applications_of(user_id),
open_cohorts(...), cohorts_for_site(site_id).
"""

import os
import re
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from incubator.accounts.models import User
from incubator.audit import record_change
from incubator.enrolment.models import (
    ACCEPTED,
    AUDIENCES,
    AVAILABILITY,
    CONFIRMED,
    DROPPED_OUT,
    GROUP_AUDIENCE,
    GROUPS,
    LAPSED,
    QUESTION_KINDS,
    REJECTED,
    SEAT_HOLDING,
    SUBMITTED,
    WAITLISTED,
    WITHDRAWN,
    Application,
    ApplicationEvent,
    ApplicationNote,
    Cohort,
    Programme,
    ProgrammeQuestion,
)
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.i18n import reader_today
from incubator.notify.service import notify
from incubator.timeutil import utcnow

DEFAULT_CONFIRM_DAYS = 3
DEFAULT_OFFER_HOURS = 48

# Which status may follow which, and who moves it.
STAFF_TRANSITIONS = {
    ACCEPTED: (SUBMITTED, WAITLISTED),
    WAITLISTED: (SUBMITTED,),
    REJECTED: (SUBMITTED, WAITLISTED),
    DROPPED_OUT: (CONFIRMED,),
}
WITHDRAWABLE = (SUBMITTED, ACCEPTED, WAITLISTED, CONFIRMED)
# Closed by her (or by her not confirming), not by staff: applying again to
# the class reopens the same application (one per person and class).
REOPENABLE = (WITHDRAWN, LAPSED)


# --- Settings --------------------------------------------------------------

def _setting(name: str, default: int) -> int:
    """A whole-number setting: app config first, then the environment."""
    value = current_app.config.get(name) if has_app_context() else None
    if value is None:
        value = os.environ.get(name)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def confirm_days() -> int:
    """Days an accepted applicant has to confirm (ENROLMENT_CONFIRM_DAYS, default 3)."""
    return _setting("ENROLMENT_CONFIRM_DAYS", DEFAULT_CONFIRM_DAYS)


def offer_hours() -> int:
    """Hours a waitlist offer stays open (ENROLMENT_OFFER_HOURS, default 48)."""
    return _setting("ENROLMENT_OFFER_HOURS", DEFAULT_OFFER_HOURS)


# --- Programmes and questions -------------------------------------------------

def save_programme(actor: User, programme: Programme | None, *, site_id: int, name: str, description: str,
                   audiences: list[str], languages: str, active: bool = True) -> Programme:
    name = (name or "").strip()
    errors = []
    if not name:
        errors.append(("name", _l("Give the programme a name.")))
    audiences = [a for a in (audiences or []) if a in AUDIENCES]
    if not audiences:
        errors.append(("audiences", _l("Choose who the programme is for.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    before = _programme_facts(programme) if programme else None
    programme = programme or Programme(site_id=site_id)
    programme.name, programme.description = name, (description or "").strip()
    programme.audiences, programme.languages = audiences, (languages or "").strip()
    programme.active = bool(active)
    db.session.add(programme)
    db.session.flush()
    record_change(actor, "programme.saved", programme, before=before, after=_programme_facts(programme))
    db.session.commit()
    return programme


def _programme_facts(programme: Programme) -> dict:
    return {"name": programme.name, "audiences": list(programme.audiences or []),
            "languages": programme.languages, "active": programme.active}


def delete_programme(actor: User, programme: Programme) -> None:
    if programme.cohorts:
        raise Conflict(_l("This programme has classes. Delete them first, or make the programme inactive."))
    record_change(actor, "programme.deleted", programme, before=_programme_facts(programme))
    db.session.delete(programme)
    db.session.commit()


def save_question(actor: User, programme: Programme, question: ProgrammeQuestion | None, *, kind: str,
                  label: str, choices: str | list[str] = "", required: bool = False,
                  position: int | None = None) -> ProgrammeQuestion:
    label = (label or "").strip()
    if isinstance(choices, str):
        options = [c.strip() for c in re.split(r"[\n,，;；]", choices) if c.strip()]
    else:
        options = [str(c).strip() for c in choices if str(c).strip()]
    errors = []
    if kind not in QUESTION_KINDS:
        errors.append(("kind", _l("Choose a kind of question.")))
    if not label:
        errors.append(("label", _l("Write the question.")))
    if kind == "choice" and len(options) < 2:
        errors.append(("choices", _l("Give at least two options, one per line.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    if question is None:
        last = db.session.scalar(select(func.max(ProgrammeQuestion.position))
                                 .where(ProgrammeQuestion.programme_id == programme.id))
        question = ProgrammeQuestion(programme_id=programme.id, position=(last or 0) + 1)
    question.kind, question.label, question.required = kind, label, bool(required)
    question.choices = options if kind == "choice" else []
    if position is not None:
        question.position = position
    db.session.add(question)
    db.session.flush()
    record_change(actor, "programme.question_saved", programme,
                  after={"question": question.id, "kind": kind, "label": label, "required": bool(required)})
    db.session.commit()
    return question


def delete_question(actor: User, question: ProgrammeQuestion) -> bool:
    """Stop asking a question. One nobody has answered is deleted; one with
    answers is retired instead (kept, not asked), so that the applicant page
    and the CSV still show what people answered. True when it was deleted."""
    programme = question.programme
    if question.retired_at is not None:
        return False
    if _answered(question):
        question.retired_at = utcnow()
        record_change(actor, "programme.question_retired", programme,
                      before={"question": question.id, "label": question.label})
        db.session.commit()
        return False
    record_change(actor, "programme.question_deleted", programme,
                  before={"question": question.id, "label": question.label})
    db.session.delete(question)
    db.session.commit()
    return True


def _answered(question: ProgrammeQuestion) -> bool:
    """Whether any application to the programme's classes answered it (only
    answers given are stored: an unanswered optional question has no key)."""
    return bool(db.session.scalar(select(exists().where(
        Application.cohort_id.in_(select(Cohort.id).where(Cohort.programme_id == question.programme_id)),
        Application.answers[question.key].as_string().is_not(None)))))


# --- Cohorts ----------------------------------------------------------------

def save_cohort(actor: User, programme: Programme, cohort: Cohort | None, *, name: str, starts_on: date | None,
                ends_on: date | None, capacity: int | None, applications_open_on: date | None,
                applications_close_on: date | None, childcare: bool, schedule_summary: str) -> Cohort:
    name = (name or "").strip()
    errors = []
    if not name:
        errors.append(("name", _l("Give the class a name.")))
    if not starts_on:
        errors.append(("starts_on", _l("Give the first day.")))
    if not ends_on:
        errors.append(("ends_on", _l("Give the last day.")))
    elif starts_on and ends_on < starts_on:
        errors.append(("ends_on", _l("The last day cannot be before the first day.")))
    if capacity is None or capacity < 1:
        errors.append(("capacity", _l("Capacity must be at least 1.")))
    if applications_open_on and applications_close_on and applications_close_on < applications_open_on:
        errors.append(("applications_close_on", _l("Applications cannot close before they open.")))
    if cohort is not None and capacity is not None and capacity >= 1:
        held = seats_taken(cohort.id)
        if capacity < held:
            errors.append(("capacity", _l("%(n)s places are already offered or taken; capacity cannot be lower.",
                                          n=held)))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    before = _cohort_facts(cohort) if cohort else None
    cohort = cohort or Cohort(programme_id=programme.id, site_id=programme.site_id)
    cohort.name, cohort.starts_on, cohort.ends_on, cohort.capacity = name, starts_on, ends_on, capacity
    cohort.applications_open_on, cohort.applications_close_on = applications_open_on, applications_close_on
    cohort.childcare, cohort.schedule_summary = bool(childcare), (schedule_summary or "").strip()
    db.session.add(cohort)
    db.session.flush()
    record_change(actor, "cohort.saved", cohort, before=before, after=_cohort_facts(cohort))
    db.session.commit()
    return cohort


def _cohort_facts(cohort: Cohort) -> dict:
    return {"name": cohort.name, "starts_on": cohort.starts_on.isoformat(), "ends_on": cohort.ends_on.isoformat(),
            "capacity": cohort.capacity, "childcare": cohort.childcare}


def delete_cohort(actor: User, cohort: Cohort) -> None:
    has_applications = db.session.scalar(select(exists().where(Application.cohort_id == cohort.id)))
    if has_applications:
        raise Conflict(_l("People have applied to this class; it cannot be deleted."))
    record_change(actor, "cohort.deleted", cohort, before=_cohort_facts(cohort))
    db.session.delete(cohort)
    db.session.commit()


def applications_open(cohort: Cohort, today: date | None = None) -> bool:
    today = today or reader_today()
    if cohort.applications_open_on and today < cohort.applications_open_on:
        return False
    close = cohort.applications_close_on or cohort.starts_on
    return today <= close


def seats_taken(cohort_id: int) -> int:
    return db.session.scalar(select(func.count(Application.id)).where(
        Application.cohort_id == cohort_id, Application.status.in_(SEAT_HOLDING))) or 0


def seats_left(cohort: Cohort) -> int:
    return max(0, cohort.capacity - seats_taken(cohort.id))


def seats_left_for(cohorts) -> dict[int, int]:
    """{cohort id: seats left} for cohorts already loaded, in one query."""
    cohorts = list(cohorts)
    if not cohorts:
        return {}
    taken = dict(db.session.execute(
        select(Application.cohort_id, func.count(Application.id))
        .where(Application.cohort_id.in_([c.id for c in cohorts]), Application.status.in_(SEAT_HOLDING))
        .group_by(Application.cohort_id)).all())
    return {c.id: max(0, c.capacity - taken.get(c.id, 0)) for c in cohorts}


def seats_left_by_cohort(cohort_ids) -> dict[int, int]:
    """{cohort id: seats left} in two queries, for lists."""
    ids = list(cohort_ids)
    if not ids:
        return {}
    capacities = dict(db.session.execute(select(Cohort.id, Cohort.capacity).where(Cohort.id.in_(ids))).all())
    taken = dict(db.session.execute(
        select(Application.cohort_id, func.count(Application.id))
        .where(Application.cohort_id.in_(ids), Application.status.in_(SEAT_HOLDING))
        .group_by(Application.cohort_id)).all())
    return {cid: max(0, capacities[cid] - taken.get(cid, 0)) for cid in capacities}


def open_cohorts(site_id: int | None = None, group: str | None = None, today: date | None = None) -> list[Cohort]:
    """Cohorts taking applications now (public page), soonest first;
    group filters by who the programme is for (a GROUPS or AUDIENCES value)."""
    today = today or reader_today()
    statement = (select(Cohort).join(Programme).options(contains_eager(Cohort.programme))
                 .where(Programme.active.is_(True),
                        or_(Cohort.applications_open_on.is_(None), Cohort.applications_open_on <= today),
                        func.coalesce(Cohort.applications_close_on, Cohort.starts_on) >= today)
                 .order_by(Cohort.starts_on, Cohort.id))
    if site_id is not None:
        statement = statement.where(Cohort.site_id == site_id)
    cohorts = list(db.session.scalars(statement))
    audience = GROUP_AUDIENCE.get(group, group)
    if audience in AUDIENCES and audience != "anyone":
        cohorts = [c for c in cohorts if audience in (c.programme.audiences or [])
                   or "anyone" in (c.programme.audiences or [])]
    return cohorts


def cohorts_for_site(site_id: int | None) -> list[Cohort]:
    """Every cohort of a site (None: all sites), newest first."""
    statement = (select(Cohort).options(selectinload(Cohort.programme))
                 .order_by(Cohort.starts_on.desc(), Cohort.id.desc()))
    if site_id is not None:
        statement = statement.where(Cohort.site_id == site_id)
    return list(db.session.scalars(statement))


def review_cohorts(site_id: int | None, chosen_id: int | None = None, today: date | None = None) -> list[Cohort]:
    """The classes the review queue can filter by: those not yet ended (a
    district base has hundreds of classes over the years, and listing them
    all was most of the queue page), and the chosen one whatever its dates.
    An ended class's applications open from its programme page. Newest first."""
    today = today or reader_today()
    wanted = Cohort.ends_on >= today
    if chosen_id:
        wanted = or_(wanted, Cohort.id == chosen_id)
    statement = (select(Cohort).where(wanted).options(selectinload(Cohort.programme))
                 .order_by(Cohort.starts_on.desc(), Cohort.id.desc()))
    if site_id is not None:
        statement = statement.where(Cohort.site_id == site_id)
    return list(db.session.scalars(statement))


def lock_cohort(cohort_id: int) -> Cohort:
    """Take the cohort's row lock for the rest of the transaction.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks; a no-op UPDATE
    of the row takes the database's write lock (busy_timeout makes others
    wait), so whatever is counted after it cannot change under us. Call this
    before reading the seats."""
    if db.engine.dialect.name == "postgresql":
        cohort = db.session.scalar(select(Cohort).where(Cohort.id == cohort_id)
                                   .with_for_update().execution_options(populate_existing=True))
    else:
        db.session.execute(update(Cohort).where(Cohort.id == cohort_id).values(capacity=Cohort.capacity)
                           .execution_options(synchronize_session=False))
        cohort = db.session.scalar(select(Cohort).where(Cohort.id == cohort_id)
                                   .execution_options(populate_existing=True))
    if cohort is None:
        raise DomainError(_l("This class no longer exists."))
    return cohort


def _reload(application: Application) -> Application:
    """The application as committed now (after a lock, another transaction
    may have changed it)."""
    return db.session.scalar(select(Application).where(Application.id == application.id)
                             .execution_options(populate_existing=True))


# --- Applying ---------------------------------------------------------------

_AGES = re.compile(r"\d+")


def apply(user: User, cohort: Cohort, *, group: str, answers: dict, today: date | None = None) -> Application:
    """She asks for a place in a cohort. `answers` holds the programme's
    questions by key ("q12") and the standard ones: availability (list),
    children_ages, needs_childcare, graduation_year, village, wants_to_do."""
    programme = cohort.programme
    if not programme.active or not applications_open(cohort, today):
        raise NotAllowed(_l("Applications for this class are closed."))
    existing = _existing(user.id, cohort.id)
    if existing is not None and existing.status not in REOPENABLE:
        raise Conflict(_l("You have already applied to this class. See “My applications”."))
    clean, errors = _clean_answers(programme, group, answers or {}, today or reader_today())
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    if existing is not None:
        return _reopen(user, existing, group, clean)
    application = Application(cohort_id=cohort.id, user_id=user.id, site_id=cohort.site_id, status=SUBMITTED,
                              answers=clean, applicant_group=group, submitted_at=utcnow())
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("You have already applied to this class. See “My applications”.")) from None
    _record(application, None, SUBMITTED, actor=user)
    notify(user, "enrolment.received", {"cohort": cohort.name, "programme": programme.name},
           url=_my_url(), obj=application)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("You have already applied to this class. See “My applications”.")) from None
    return application


def _existing(user_id: int, cohort_id: int) -> Application | None:
    return db.session.scalar(select(Application).where(Application.user_id == user_id,
                                                       Application.cohort_id == cohort_id))


def blocking_application(user_id: int, cohort_id: int) -> Application | None:
    """Her application to the class that stops her applying again (one still
    open, or closed by staff); None when she may apply."""
    existing = _existing(user_id, cohort_id)
    return existing if existing is not None and existing.status not in REOPENABLE else None


def _reopen(user: User, application: Application, group: str, clean: dict) -> Application:
    """She applies again after withdrawing (or letting an offer lapse): the
    same application, a new submission with today's answers; its history
    keeps what came before."""
    opened = db.session.execute(
        update(Application).where(Application.id == application.id, Application.status.in_(REOPENABLE))
        .values(status=SUBMITTED, answers=clean, applicant_group=group, submitted_at=utcnow(), decided_at=None,
                offer_expires_at=None)
        .execution_options(synchronize_session=False))
    if opened.rowcount != 1:  # she applied again in another tab a moment ago
        db.session.rollback()
        raise Conflict(_l("You have already applied to this class. See “My applications”."))
    before = application.status
    db.session.refresh(application)
    _record(application, before, SUBMITTED, actor=user, note="applied again")
    notify(user, "enrolment.received", _params(application), url=_my_url(), obj=application)
    db.session.commit()
    return application


def _clean_answers(programme: Programme, group: str, answers: dict, today: date):
    """(clean answers, [(field, message)]) for the standard and own questions."""
    errors, clean = [], {}
    if group not in GROUPS:
        errors.append(("group", _l("Tell us which group you belong to.")))
    slots = [s for s in (answers.get("availability") or []) if s in AVAILABILITY]
    if not slots:
        errors.append(("availability", _l("Tick at least one time when you can come.")))
    clean["availability"] = slots
    ages_text = str(answers.get("children_ages") or "").strip()
    ages = [int(a) for a in _AGES.findall(ages_text)]
    if ages_text and (not ages or any(a > 17 for a in ages) or re.search(r"[^\d\s,，、.岁和and]", ages_text)):
        errors.append(("children_ages", _l("Write only the children's ages in years, e.g. 2, 5.")))
    clean["children_ages"] = ages
    clean["needs_childcare"] = bool(answers.get("needs_childcare"))
    year_text = str(answers.get("graduation_year") or "").strip()
    if group == "graduate":
        # isdecimal, not isdigit: superscripts such as "²⁰²⁶" are digits to
        # Python but int() refuses them; full-width "２０２６" is decimal and fine.
        if not year_text.isdecimal() or not 1980 <= int(year_text) <= today.year + 1:
            errors.append(("graduation_year", _l("Give the year you graduate or graduated, e.g. %(year)s.",
                                                 year=today.year)))
        else:
            clean["graduation_year"] = int(year_text)
    village = str(answers.get("village") or "").strip()
    if not village:
        errors.append(("village", _l("Tell us your village or neighbourhood.")))
    clean["village"] = village[:100]
    wants = str(answers.get("wants_to_do") or "").strip()
    if not wants:
        errors.append(("wants_to_do", _l("Tell us in a few words what you want to sell or do.")))
    clean["wants_to_do"] = wants[:500]
    for question in programme.asked_questions:
        raw = answers.get(question.key)
        value = raw.strip() if isinstance(raw, str) else raw
        if question.kind == "yesno":
            value = {"yes": True, "no": False, True: True, False: False}.get(value)
        elif question.kind == "choice" and value not in (question.choices or []):
            value = None
        if question.required and (value is None or value == ""):
            errors.append((question.key, _l("Please answer this question.")))
        elif value not in (None, ""):
            clean[question.key] = value[:2000] if isinstance(value, str) else value
    return clean, errors


# --- Status changes -----------------------------------------------------------

def _record(application: Application, from_status: str | None, to_status: str, actor: User | None,
            note: str = "") -> None:
    db.session.add(ApplicationEvent(application_id=application.id, actor_id=getattr(actor, "id", None),
                                    from_status=from_status, to_status=to_status, note=note[:255], at=utcnow()))
    record_change(actor, f"application.{to_status}", application,
                  before={"status": from_status} if from_status else None,
                  after={"status": to_status, "cohort": application.cohort_id, "user": application.user_id})


def _my_url() -> str | None:
    try:
        from flask import url_for
        return url_for("enrolment.my_applications")
    except RuntimeError:
        return "/my/applications"


def _params(application: Application, **extra) -> dict:
    return {"cohort": application.cohort.name, "programme": application.cohort.programme.name, **extra}


def _not_now(application: Application) -> DomainError:
    return NotAllowed(_l("This application has changed in the meantime; reload to see its status."))


def accept(actor: User, application: Application, now: datetime | None = None) -> Application:
    """Offer her a place. Refused when the cohort is full."""
    lock_cohort(application.cohort_id)
    application = _reload(application)
    _offer(actor, application, now or utcnow())
    db.session.commit()
    return application


def accept_many(actor: User, cohort: Cohort, applications: list[Application],
                now: datetime | None = None) -> list[Application]:
    """Accept several applications of one cohort at once: all, or none when
    the seats left are fewer than asked."""
    now = now or utcnow()
    if not applications:
        raise DomainError(_l("Tick the applications to accept first."))
    lock_cohort(cohort.id)
    fresh = [_reload(a) for a in applications]
    if any(a.cohort_id != cohort.id for a in fresh):
        raise DomainError(_l("Choose applications of one class at a time."))
    left = cohort.capacity - seats_taken(cohort.id)
    wanted = [a for a in fresh if a.status != ACCEPTED]
    if len(wanted) > left:
        db.session.rollback()
        raise Conflict(_l("Only %(n)s places are left in %(cohort)s; tick fewer.", n=max(left, 0),
                          cohort=cohort.name))
    for application in wanted:
        _offer(actor, application, now)
    db.session.commit()
    return fresh


def _offer(actor: User | None, application: Application, now: datetime, automatic: bool = False) -> None:
    """Within a locked cohort: give the application a seat, if one is left."""
    cohort = application.cohort
    allowed = (WAITLISTED,) if automatic else STAFF_TRANSITIONS[ACCEPTED]
    if application.status not in allowed:
        db.session.rollback()
        raise _not_now(application)
    if seats_taken(cohort.id) >= cohort.capacity:
        db.session.rollback()
        raise Conflict(_l("%(cohort)s is full: no places left.", cohort=cohort.name))
    before = application.status
    application.status = ACCEPTED
    application.decided_at = now
    if automatic:
        application.offer_expires_at = now + timedelta(hours=offer_hours())
    else:
        application.offer_expires_at = now + timedelta(days=confirm_days())
    db.session.flush()
    _record(application, before, ACCEPTED, actor,
            note="waitlist offer" if automatic else "")
    notify(application.user, "enrolment.offered" if automatic else "enrolment.accepted",
           _params(application, deadline=application.offer_expires_at.isoformat(timespec="minutes")),
           url=_my_url(), obj=application)


def waitlist(actor: User, application: Application) -> Application:
    return _staff_move(actor, application, WAITLISTED, "enrolment.waitlisted")


def reject(actor: User, application: Application) -> Application:
    return _staff_move(actor, application, REJECTED, "enrolment.rejected")


def _staff_move(actor: User, application: Application, to_status: str, kind: str) -> Application:
    lock_cohort(application.cohort_id)
    application = _reload(application)
    if application.status not in STAFF_TRANSITIONS[to_status]:
        db.session.rollback()
        raise _not_now(application)
    before = application.status
    application.status = to_status
    application.decided_at = utcnow()
    application.offer_expires_at = None
    _record(application, before, to_status, actor)
    notify(application.user, kind, _params(application), url=_my_url(), obj=application)
    db.session.commit()
    return application


def confirm(user: User, application: Application, now: datetime | None = None) -> Application:
    """She takes the place offered to her: confirmed means enrolled."""
    now = now or utcnow()
    if application.user_id != user.id:
        raise NotAllowed(_l("This is not your application."))
    lock_cohort(application.cohort_id)
    application = _reload(application)
    if application.status != ACCEPTED:
        db.session.rollback()
        raise NotAllowed(_l("There is no place waiting for you to confirm in this class."))
    if application.offer_expires_at and application.offer_expires_at <= now:
        db.session.rollback()
        raise NotAllowed(_l("Sorry, the time to confirm this place has passed."))
    application.status = CONFIRMED
    application.decided_at = now
    application.offer_expires_at = None
    _record(application, ACCEPTED, CONFIRMED, user)
    notify(user, "enrolment.confirmed", _params(application, starts_on=application.cohort.starts_on.isoformat()),
           url=_my_url(), obj=application)
    db.session.commit()
    return application


def withdraw(user: User, application: Application, now: datetime | None = None) -> Application:
    """She withdraws, at any time. A seat she held goes to the waitlist."""
    if application.user_id != user.id:
        raise NotAllowed(_l("This is not your application."))
    cohort = lock_cohort(application.cohort_id)
    application = _reload(application)
    if application.status not in WITHDRAWABLE:
        db.session.rollback()
        raise NotAllowed(_l("This application is already closed."))
    before = application.status
    application.status = WITHDRAWN
    application.decided_at = now or utcnow()
    application.offer_expires_at = None
    _record(application, before, WITHDRAWN, user)
    notify(user, "enrolment.withdrawn", _params(application), url=_my_url(), obj=application)
    db.session.flush()
    if before in SEAT_HOLDING:
        _promote(cohort, now or utcnow())
    db.session.commit()
    return application


def mark_dropout(actor: User, application: Application, now: datetime | None = None,
                 today: date | None = None) -> Application:
    """Staff: an enrolled trainee stopped coming. Before the start, her seat
    goes to the waitlist."""
    cohort = lock_cohort(application.cohort_id)
    application = _reload(application)
    if application.status not in STAFF_TRANSITIONS[DROPPED_OUT]:
        db.session.rollback()
        raise _not_now(application)
    application.status = DROPPED_OUT
    application.decided_at = now or utcnow()
    _record(application, CONFIRMED, DROPPED_OUT, actor)
    notify(application.user, "enrolment.dropped_out", _params(application), url=_my_url(), obj=application)
    db.session.flush()
    if (today or reader_today()) < cohort.starts_on:
        _promote(cohort, now or utcnow())
    db.session.commit()
    return application


def _promote(cohort: Cohort, now: datetime, today: date | None = None) -> list[Application]:
    """Within a locked cohort: offer free seats to the oldest waitlisted,
    unless the class is over."""
    if (today or reader_today()) > cohort.ends_on:
        return []
    offered = []
    while seats_taken(cohort.id) < cohort.capacity:
        first = db.session.scalar(
            select(Application).where(Application.cohort_id == cohort.id, Application.status == WAITLISTED)
            .order_by(Application.decided_at.nulls_first(), Application.submitted_at, Application.id).limit(1))
        if first is None:
            break
        _offer(None, first, now, automatic=True)
        offered.append(first)
    return offered


def promote_waitlist(cohort: Cohort, now: datetime | None = None) -> list[Application]:
    """Offer any free seats of a cohort to its waitlist (e.g. after capacity grew)."""
    lock_cohort(cohort.id)
    offered = _promote(cohort, now or utcnow())
    db.session.commit()
    return offered


def lapse_expired_offers(now: datetime | None = None) -> int:
    """Offers not confirmed in time lapse, and their seats move on to the
    waitlist. Idempotent: a second run finds nothing to do. Returns how many lapsed."""
    now = now or utcnow()
    cohort_ids = list(db.session.scalars(
        select(Application.cohort_id).where(Application.status == ACCEPTED, Application.offer_expires_at <= now)
        .distinct()))
    db.session.rollback()  # end the read, so the lock below starts a fresh transaction
    lapsed = 0
    for cohort_id in cohort_ids:
        cohort = lock_cohort(cohort_id)
        expired = list(db.session.scalars(
            select(Application).where(Application.cohort_id == cohort_id, Application.status == ACCEPTED,
                                      Application.offer_expires_at <= now)
            .execution_options(populate_existing=True)))
        for application in expired:
            application.status = LAPSED
            application.decided_at = now
            _record(application, ACCEPTED, LAPSED, None)
            notify(application.user, "enrolment.lapsed", _params(application), url=_my_url(), obj=application,
                   dedupe_key=f"enrolment.lapsed:{application.id}")
            lapsed += 1
        db.session.flush()
        _promote(cohort, now)
        db.session.commit()
    return lapsed


def add_note(actor: User, application: Application, body: str) -> ApplicationNote:
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write the note first."), field="body")
    note = ApplicationNote(application_id=application.id, author_id=actor.id, body=body[:4000], at=utcnow())
    db.session.add(note)
    db.session.flush()
    record_change(actor, "application.note_added", application, after={"note": note.id})
    db.session.commit()
    return note


# --- Reading ----------------------------------------------------------------

def applications_of(user_id: int, limit: int | None = None) -> list[Application]:
    """A person's applications, newest first (the `limit` newest), each with
    its class and programme joined in: one statement for her list and her
    home panel."""
    return list(db.session.scalars(select(Application).where(Application.user_id == user_id)
                                   .options(joinedload(Application.cohort, innerjoin=True)
                                            .joinedload(Cohort.programme, innerjoin=True))
                                   .order_by(Application.submitted_at.desc(), Application.id.desc())
                                   .limit(limit)))


def enrolled_user_ids(cohort_id: int) -> list[int]:
    return list(db.session.scalars(select(Application.user_id).where(
        Application.cohort_id == cohort_id, Application.status == CONFIRMED).order_by(Application.id)))


def enrolled_users(cohort_id: int) -> list[User]:
    """The people enrolled (confirmed) in a cohort, by name."""
    return list(db.session.scalars(
        select(User).join(Application, Application.user_id == User.id)
        .where(Application.cohort_id == cohort_id, Application.status == CONFIRMED)
        .order_by(User.display_name)))


def is_enrolled(user_id: int, cohort_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Application.user_id == user_id, Application.cohort_id == cohort_id, Application.status == CONFIRMED))))


def review_query(*, site_id: int | None, cohort_id: int | None = None, status: str | None = None,
                 group: str | None = None, text: str = "", oldest_first: bool = False):
    """The review queue's select, for web.paginate()."""
    # The people come with the page (no query per row), joined to the page's
    # rows only: the pager's count reads the applications alone (joined to
    # every person, PostgreSQL hashed all 50,000 of a district, 20 ms). Their
    # classes are loaded after it, with the places left (the view's
    # _seat_cohorts).
    statement = select(Application).options(
        joinedload(Application.user, innerjoin=True).lazyload(User.role_grants))  # the rows show no roles
    if site_id is not None:
        statement = statement.where(Application.site_id == site_id)
    if cohort_id:
        statement = statement.where(Application.cohort_id == cohort_id)
    if status:
        statement = statement.where(Application.status == status)
    if group:
        statement = statement.where(Application.applicant_group == group)
    text = (text or "").strip()
    if text:
        like = f"%{text}%"
        statement = statement.where(Application.user_id.in_(select(User.id).where(
            or_(User.display_name.ilike(like), User.phone.like(like)))))
    order = Application.submitted_at.asc() if oldest_first else Application.submitted_at.desc()
    return statement.order_by(order, Application.id)


def other_applications(application: Application) -> list[Application]:
    """The same person's applications to other cohorts (her journey)."""
    return list(db.session.scalars(select(Application).where(
        Application.user_id == application.user_id, Application.id != application.id)
        .order_by(Application.submitted_at.desc())))


def certificates_of(user_id: int) -> list:
    from incubator.training.models import Certificate

    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.issued_at.desc())))


def cohort_applications(cohort_id: int) -> list[Application]:
    return list(db.session.scalars(select(Application).where(Application.cohort_id == cohort_id)
                                   .order_by(Application.submitted_at, Application.id)))
