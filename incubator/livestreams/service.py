"""The rules of public livestreams and residents' questions.

Plain functions with explicit arguments; each call that changes something is
one transaction (it commits, or raises a DomainError and writes nothing).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload, lazyload

from incubator.accounts.models import User
from incubator.audit import record_change
from incubator.auth import STAFF_ROLES, can_see_site
from incubator.booking import service as booking_service
from incubator.booking.models import STUDIO, Booking, Resource
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.livestreams.models import (
    ANSWER_MAX_CHARS,
    APPROVED,
    KINDS,
    PENDING,
    PLATFORMS,
    POLICY,
    QUESTION_MAX_CHARS,
    REJECTED,
    SALES,
    SHOWCASE,
    Livestream,
    LivestreamResult,
    Question,
)
from incubator.notify.service import notify
from incubator.shops.models import Shop
from incubator.sites.service import timezone_of
from incubator.timeutil import to_local, utcnow

KIND_LABELS = {
    SALES: _l("Sales livestream"),
    POLICY: _l("Policy interpretation"),
    SHOWCASE: _l("Training showcase"),
}

PLATFORM_LABELS = {
    "douyin": _l("Douyin"),
    "kuaishou": _l("Kuaishou"),
    "wechat_channels": _l("WeChat Channels"),
    "taobao_live": _l("Taobao Live"),
    "tiktok": _l("TikTok"),
    "other": _l("Other platform"),
}

QUESTION_STATUS_LABELS = {
    PENDING: _l("Waiting for staff"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Rejected"),
}

# Longer is a mistyped time (an end before the start is taken as the next day).
MAX_LENGTH = timedelta(hours=12)
MAX_RESULT = 2_000_000_000  # fits the database's integer columns (revenue: 20 million yuan)
PHONE_PATTERN = re.compile(r"^[0-9+\-\s]{5,20}$")


def _clean(value: str | None) -> str:
    """Typed text as stored: trimmed, without NUL characters (PostgreSQL refuses them)."""
    return (value or "").replace("\x00", "").strip()


# --- Who may do what -----------------------------------------------------------

def is_site_staff(user, site_id: int) -> bool:
    return bool(user and user.is_authenticated and user.has_any_role(STAFF_ROLES)
                and can_see_site(user, site_id))


def can_run(user, livestream: Livestream) -> bool:
    """Staff of the livestream's base and its hosts run it: the question queue,
    written answers and results."""
    return is_site_staff(user, livestream.site_id) or livestream.is_host(user)


# --- Choices for the scheduling form -------------------------------------------

def studios_of(site_id: int) -> list[Resource]:
    return list(db.session.scalars(select(Resource).where(
        Resource.site_id == site_id, Resource.kind == STUDIO, Resource.active.is_(True)
    ).order_by(Resource.name)))


def people_of(site_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.site_id == site_id, User.active.is_(True)).order_by(User.display_name)))


def shops_of(site_id: int) -> list[Shop]:
    return list(db.session.scalars(select(Shop).where(Shop.site_id == site_id).order_by(Shop.name)))


def _link(endpoint: str, **values) -> str:
    """An address for a notification; services also run without a request
    (jobs, demo data), where url_for may not be able to build one."""
    try:
        return url_for(endpoint, **values)
    except RuntimeError:
        suffix = {"livestreams.run": "/run"}.get(endpoint, "")  # the blueprint's paths
        return f"/livestreams/{values['livestream_id']}{suffix}"


# --- Scheduling ----------------------------------------------------------------

def _snapshot(livestream: Livestream) -> dict:
    return {
        "title": livestream.title, "kind": livestream.kind, "platform": livestream.platform,
        "room": livestream.room, "studio_id": livestream.studio_id, "guest": livestream.guest,
        "starts_at": livestream.starts_at.isoformat() if livestream.starts_at else None,
        "ends_at": livestream.ends_at.isoformat() if livestream.ends_at else None,
        "hosts": sorted(h.id for h in livestream.hosts), "shops": sorted(s.id for s in livestream.shops),
        "cancelled": livestream.cancelled_at is not None,
    }


def studio_clash(studio_id: int, starts_at: datetime, ends_at: datetime,
                 except_id: int | None = None) -> Livestream | None:
    """Another livestream (not cancelled) holding the studio at an overlapping time."""
    return db.session.scalar(select(Livestream).where(
        Livestream.studio_id == studio_id,
        Livestream.cancelled_at.is_(None),
        Livestream.id != (except_id or -1),
        Livestream.starts_at < ends_at,
        Livestream.ends_at > starts_at,
    ).limit(1))


def schedule(actor, *, site_id: int, title: str, kind: str, platform: str, starts_at: datetime,
             ends_at: datetime, host_ids=(), shop_ids=(), guest: str = "", products: str = "",
             room: str = "", studio_id: int | None = None, description: str = "",
             livestream: Livestream | None = None) -> Livestream:
    """Schedule a new livestream, or change one (livestream given). Times are UTC."""
    title = _clean(title)
    errors = []
    if not title:
        errors.append(("title", _l("Give the livestream a title.")))
    for field, value, limit in (("title", title, 200), ("guest", guest, 120), ("room", room, 255),
                                ("products", products, 2000), ("description", description, 2000)):
        if len(_clean(value)) > limit:
            errors.append((field, _l("Please keep this under %(max)s characters.", max=limit)))
    if kind not in KINDS:
        errors.append(("kind", _l("Choose the kind of livestream.")))
    if platform not in PLATFORMS:
        errors.append(("platform", _l("Choose a platform.")))
    if starts_at is None or ends_at is None:
        errors.append(("starts_at", _l("Give the start and end.")))
    elif ends_at <= starts_at:
        errors.append(("ends_at", _l("The end must be after the start.")))
    elif ends_at - starts_at > MAX_LENGTH:
        errors.append(("ends_at", _l("A livestream lasts at most %(hours)s hours. Check the start and the end "
                                     "(an end before the start is on the next day).",
                                     hours=int(MAX_LENGTH.total_seconds() // 3600))))
    host_ids = {int(i) for i in host_ids or ()}
    shop_ids = {int(i) for i in shop_ids or ()}
    hosts = list(db.session.scalars(select(User).where(User.id.in_(host_ids), User.site_id == site_id))) \
        if host_ids else []
    if len(hosts) != len(host_ids):
        errors.append(("host_ids", _l("Choose hosts from this base's people.")))
    elif not hosts and not _clean(guest):
        errors.append(("host_ids", _l("Choose at least one host, or name a guest.")))
    shops = list(db.session.scalars(select(Shop).where(Shop.id.in_(shop_ids), Shop.site_id == site_id))) \
        if shop_ids else []
    if len(shops) != len(shop_ids):
        errors.append(("shop_ids", _l("Choose shops of this base.")))
    studio = None
    if studio_id:
        # Locked on PostgreSQL so two staff cannot take the same studio at once.
        studio = db.session.scalar(select(Resource).where(Resource.id == studio_id).with_for_update())
        if studio is None or studio.site_id != site_id or studio.kind != STUDIO or not studio.active:
            errors.append(("studio_id", _l("Choose one of this base's studios.")))
            studio = None
    if errors:
        db.session.rollback()
        raise DomainError(errors[0][1], errors=errors)
    if studio is not None:
        clash = studio_clash(studio.id, starts_at, ends_at, livestream.id if livestream else None)
        if clash is not None:
            db.session.rollback()
            raise Conflict(_l("The studio is taken then by “%(title)s”. Choose another time or studio.",
                              title=clash.title), field="studio_id")
        held = (livestream.booking_id,) if livestream and livestream.booking_id else ()
        if not booking_service.is_free(studio.id, starts_at, ends_at, ignore_booking_ids=held):
            db.session.rollback()
            raise Conflict(_l("The studio is booked or closed then. Choose another time or studio."),
                           field="studio_id")
        if ends_at > utcnow():
            try:  # opening hours and maintenance, as the hold will meet them
                booking_service.check_time(actor, studio, starts_at, ends_at, staff=True, hold=True,
                                           ignore_booking_ids=held)
            except DomainError as error:
                db.session.rollback()
                raise DomainError(error.message, field="studio_id") from None

    before = _snapshot(livestream) if livestream else None
    new_hosts = {h.id for h in hosts} - ({h.id for h in livestream.hosts} if livestream else set())
    livestream = livestream or Livestream(site_id=site_id, created_by_id=getattr(actor, "id", None))
    livestream.title, livestream.kind, livestream.platform = title, kind, platform
    livestream.room = _clean(room)
    livestream.guest = _clean(guest)
    livestream.products = _clean(products)
    livestream.description = _clean(description)
    livestream.studio_id = studio.id if studio else None
    livestream.starts_at, livestream.ends_at = starts_at, ends_at
    livestream.hosts = hosts
    livestream.shops = shops
    db.session.add(livestream)
    db.session.flush()
    record_change(actor, "livestream.updated" if before else "livestream.scheduled", livestream,
                  before=before, after=_snapshot(livestream))
    for host in hosts:
        if host.id in new_hosts and host.id != getattr(actor, "id", None):
            notify(host, "livestreams.host_assigned",
                   {"title": livestream.title, "starts_at": livestream.starts_at.isoformat()},
                   url=_link("livestreams.run", livestream_id=livestream.id), obj=livestream)
    db.session.commit()
    _hold_studio(actor, livestream)
    return livestream


def _hold_studio(actor, livestream: Livestream) -> None:
    """Keep the studio reserved in the booking area for exactly the livestream's
    time: a new reservation when the studio or time changed, the old one
    released. The booking area's constraints have the last word."""
    old = db.session.get(Booking, livestream.booking_id) if livestream.booking_id else None
    # A livestream of the past (entered afterwards) holds nothing.
    wanted = None if livestream.cancelled or livestream.ends_at <= utcnow() else livestream.studio_id
    if old is not None and old.is_active and (old.resource_id, old.starts_at, old.ends_at) == (
            wanted, livestream.starts_at, livestream.ends_at):
        return
    if old is not None and old.is_active:
        booking_service.cancel(actor, old, reason=str(_l("The livestream moved or was cancelled.")))
    livestream.booking_id = None
    if wanted is not None:
        studio = db.session.get(Resource, wanted)
        livestream.booking_id = booking_service.reserve(
            actor, studio, livestream.starts_at, livestream.ends_at, purpose=livestream.title).id
    db.session.commit()


def cancel(actor, livestream: Livestream) -> Livestream:
    if livestream.cancelled:
        raise Conflict(_l("This livestream is already cancelled."))
    if livestream.has_ended():
        raise NotAllowed(_l("A livestream that has ended cannot be cancelled."))
    before = _snapshot(livestream)
    livestream.cancelled_at = utcnow()
    record_change(actor, "livestream.cancelled", livestream, before=before, after=_snapshot(livestream))
    for host in livestream.hosts:
        if host.id != getattr(actor, "id", None):
            notify(host, "livestreams.cancelled", {"title": livestream.title,
                                                   "starts_at": livestream.starts_at.isoformat()},
                   url=_link("livestreams.show", livestream_id=livestream.id), obj=livestream)
    db.session.commit()
    _hold_studio(actor, livestream)
    return livestream


# --- Residents' questions ------------------------------------------------------

def ask(livestream: Livestream, *, text: str, name: str = "", phone: str = "",
        now: datetime | None = None) -> Question:
    """A resident (no account) asks a question; it waits for staff approval."""
    if not livestream.takes_questions(now):
        raise NotAllowed(_l("This livestream does not take questions."), field="text")
    text = _clean(text)
    name = _clean(name)
    phone = _clean(phone)
    errors = []
    if not text:
        errors.append(("text", _l("Write your question.")))
    elif len(text) > QUESTION_MAX_CHARS:
        errors.append(("text", _l("Please keep the question under %(max)s characters.", max=QUESTION_MAX_CHARS)))
    if len(name) > 60:
        errors.append(("name", _l("Please keep the name under %(max)s characters.", max=60)))
    if phone and not PHONE_PATTERN.match(phone):
        errors.append(("phone", _l("Write a phone number in digits, or leave it empty.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    question = Question(livestream_id=livestream.id, text=text, name=name, phone=phone, status=PENDING)
    db.session.add(question)
    db.session.commit()
    return question


def moderate(actor, question: Question, decision: str) -> Question:
    if decision not in (APPROVED, REJECTED):
        raise DomainError(_l("Approve or reject the question."))
    if question.answered_at is not None:
        raise Conflict(_l("This question is already answered."))
    before = {"status": question.status}
    question.status = decision
    question.moderated_at = utcnow()
    question.moderated_by_id = actor.id
    record_change(actor, f"question.{decision}", question, before=before, after={"status": decision},
                  site_id=question.livestream.site_id)
    db.session.commit()
    return question


def mark_answered(actor, question: Question, answered: bool = True) -> Question:
    """The host marks a question answered live (or takes the mark back).

    A written answer counts as answered (save_answer marks it so): taking the
    mark back while the answer stands would show residents "Not answered
    yet" right above it. The host empties the answer first."""
    if question.status != APPROVED:
        raise NotAllowed(_l("Only approved questions can be answered."))
    if not answered and question.answer:
        raise NotAllowed(_l("This question has a written answer, so it counts as answered. "
                            "Empty the written answer first."))
    before = {"answered": question.answered_at is not None}
    if answered and question.answered_at is None:
        question.answered_at = utcnow()
        question.answered_by_id = actor.id
    elif not answered:
        question.answered_at = None
        question.answered_by_id = None
    record_change(actor, "question.answered" if answered else "question.unanswered", question,
                  before=before, after={"answered": answered}, site_id=question.livestream.site_id)
    db.session.commit()
    return question


def save_answer(actor, question: Question, answer: str) -> Question:
    """A short written answer, shown under the question on the public page."""
    if question.status != APPROVED:
        raise NotAllowed(_l("Only approved questions can be answered."), field="answer")
    answer = _clean(answer)
    if len(answer) > ANSWER_MAX_CHARS:
        raise DomainError(_l("Please keep the answer under %(max)s characters.", max=ANSWER_MAX_CHARS),
                          field="answer")
    before = {"answer": question.answer}
    question.answer = answer
    if answer and question.answered_at is None:
        question.answered_at = utcnow()
        question.answered_by_id = actor.id
    record_change(actor, "question.written_answer", question, before=before, after={"answer": answer},
                  site_id=question.livestream.site_id)
    db.session.commit()
    return question


def public_questions(livestream: Livestream) -> list[Question]:
    """What residents see: approved questions, answered ones first."""
    return list(db.session.scalars(select(Question).where(
        Question.livestream_id == livestream.id, Question.status == APPROVED
    ).order_by(Question.answered_at.is_(None), Question.created_at)))


def approved_queue(livestream: Livestream) -> list[Question]:
    """The host's queue: approved questions, unanswered first, oldest first."""
    return list(db.session.scalars(select(Question).where(
        Question.livestream_id == livestream.id, Question.status == APPROVED
    ).order_by(Question.answered_at.is_not(None), Question.created_at)))


def pending_questions(site_id: int | None, livestream_id: int | None = None) -> list[Question]:
    """The moderation queue: questions waiting for staff, oldest first."""
    statement = select(Question).join(Livestream).where(Question.status == PENDING)
    if site_id is not None:
        statement = statement.where(Livestream.site_id == site_id)
    if livestream_id is not None:
        statement = statement.where(Livestream.id == livestream_id)
    return list(db.session.scalars(statement.order_by(Question.created_at)))


# --- Results of sales livestreams ----------------------------------------------

@dataclass(frozen=True)
class ResultRow:
    shop_id: int
    viewers: int
    orders: int
    revenue_fen: int


@dataclass(frozen=True)
class ShopOutcome:
    """One line of a shop's outcome log (直播成果) coming from a base livestream."""

    shop_id: int
    livestream_id: int
    title: str
    held_at: datetime
    platform: str
    viewers: int
    orders: int
    revenue_fen: int


def save_results(actor, livestream: Livestream, rows: list[ResultRow],
                 now: datetime | None = None) -> list[LivestreamResult]:
    """Enter (or correct) a sales livestream's results, one row per featured shop,
    and hand them to the shops' outcome logs."""
    if livestream.kind != SALES:
        raise NotAllowed(_l("Only sales livestreams have results."))
    if livestream.cancelled:
        raise NotAllowed(_l("A cancelled livestream has no results."))
    if (now or utcnow()) < livestream.starts_at:
        raise NotAllowed(_l("Results can be entered once the livestream has started."))
    featured = {shop.id for shop in livestream.shops}
    errors = []
    for row in rows:
        if row.shop_id not in featured:
            errors.append((None, _l("Results can only be entered for the featured shops.")))
        if min(row.viewers, row.orders, row.revenue_fen) < 0:
            errors.append((None, _l("Viewers, orders and revenue cannot be negative.")))
        if max(row.viewers, row.orders, row.revenue_fen) > MAX_RESULT:
            errors.append((None, _l("That number is too large; please check it.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors[:1])
    existing = {r.shop_id: r for r in livestream.results}
    saved = []
    for row in rows:
        result = existing.get(row.shop_id)
        before = None
        if result is None:
            result = LivestreamResult(livestream_id=livestream.id, shop_id=row.shop_id)
            livestream.results.append(result)
        else:
            before = {"viewers": result.viewers, "orders": result.orders, "revenue_fen": result.revenue_fen}
        result.viewers, result.orders, result.revenue_fen = row.viewers, row.orders, row.revenue_fen
        result.entered_by_id = actor.id
        result.entered_at = utcnow()
        db.session.flush()
        record_change(actor, "livestream.result_entered", result, before=before,
                      after={"viewers": row.viewers, "orders": row.orders, "revenue_fen": row.revenue_fen},
                      site_id=livestream.site_id)
        saved.append(result)
    write_shop_logs(actor, livestream)
    db.session.commit()
    return saved


def write_shop_logs(actor, livestream: Livestream) -> None:
    """Put the results into each featured shop's livestream and sales log, in
    the caller's transaction. A correction replaces the shop's line for this
    livestream instead of adding a second one."""
    from incubator.shops import service as shops
    from incubator.shops.models import SalesRecord, Shop

    minutes = int((livestream.ends_at - livestream.starts_at).total_seconds() // 60)
    host = "、".join(h.display_name for h in livestream.hosts) or livestream.guest
    held_on = to_local(livestream.starts_at, timezone_of(livestream.site_id)).date()  # the base's day, not Beijing's
    for outcome in push_results_to_shops(livestream):
        db.session.execute(delete(SalesRecord).where(SalesRecord.shop_id == outcome.shop_id,
                                                     SalesRecord.livestream_id == livestream.id))
        shops.record_sales(db.session.get(Shop, outcome.shop_id), occurred_on=held_on,
                           minutes=minutes, host=host, platform=livestream.platform, viewers=outcome.viewers,
                           orders=outcome.orders, revenue_fen=outcome.revenue_fen, products=livestream.products,
                           recorded_by=actor, livestream_id=livestream.id, commit=False)


def push_results_to_shops(livestream: Livestream) -> list[ShopOutcome]:
    """The livestream's results as lines of the featured shops' outcome logs.

    This is the one hand-over point to the shops area: the lines returned here
    are exactly what each shop's log gets for this livestream (one per shop
    with results, in shop order). It writes nothing itself and joins the
    caller's transaction, so results and outcome lines stay together.
    """
    db.session.flush()
    results = db.session.scalars(select(LivestreamResult).where(
        LivestreamResult.livestream_id == livestream.id).order_by(LivestreamResult.shop_id))
    return [ShopOutcome(shop_id=r.shop_id, livestream_id=livestream.id, title=livestream.title,
                        held_at=livestream.starts_at, platform=livestream.platform, viewers=r.viewers,
                        orders=r.orders, revenue_fen=r.revenue_fen) for r in results]


def shop_outcomes(shop_id: int) -> list[ShopOutcome]:
    """Every base livestream's result for one shop, newest first (for the shop's log)."""
    rows = db.session.execute(select(LivestreamResult, Livestream).join(Livestream).where(
        LivestreamResult.shop_id == shop_id).order_by(Livestream.starts_at.desc()))
    return [ShopOutcome(shop_id=r.shop_id, livestream_id=ls.id, title=ls.title, held_at=ls.starts_at,
                        platform=ls.platform, viewers=r.viewers, orders=r.orders, revenue_fen=r.revenue_fen)
            for r, ls in rows]


# --- Lists ---------------------------------------------------------------------

def _card_loading():
    """The public cards show each livestream's base but neither its hosts nor
    its shops: the base comes in the same query, and the hosts and shops
    (loaded with every livestream by default) wait until something reads them.
    Built when asked: at import time other areas' models may not be mapped yet."""
    return joinedload(Livestream.site), lazyload(Livestream.hosts), lazyload(Livestream.shops)


def upcoming_statement(now: datetime | None = None):
    """Public: not ended yet (cancelled ones show as cancelled); soonest first."""
    now = now or utcnow()
    return select(Livestream).where(Livestream.ends_at > now).order_by(Livestream.starts_at) \
        .options(*_card_loading())


def past_statement(now: datetime | None = None):
    now = now or utcnow()
    return select(Livestream).where(Livestream.ends_at <= now, Livestream.cancelled_at.is_(None)) \
        .order_by(Livestream.starts_at.desc()).options(*_card_loading())


def desk_statement(user, now: datetime | None = None):
    """The livestreams a person runs: all of her base for staff (admins: all),
    otherwise the ones she hosts. Upcoming first, then the most recent."""
    statement = select(Livestream)
    if not user.has_any_role(STAFF_ROLES):
        statement = statement.where(Livestream.hosts.any(User.id == user.id))
    elif not can_see_site(user, None):
        statement = statement.where(Livestream.site_id == user.site_id)
    return statement.order_by(Livestream.starts_at.desc())


def hosted_upcoming(user, now: datetime | None = None, limit: int = 5) -> list[Livestream]:
    now = now or utcnow()
    return list(db.session.scalars(select(Livestream).where(
        Livestream.hosts.any(User.id == user.id), Livestream.ends_at > now, Livestream.cancelled_at.is_(None)
    ).order_by(Livestream.starts_at).limit(limit)))


def pending_count(site_id: int | None) -> int:
    statement = select(func.count(Question.id)).join(Livestream).where(Question.status == PENDING)
    if site_id is not None:
        statement = statement.where(Livestream.site_id == site_id)
    return db.session.scalar(statement) or 0


# --- Reminders -------------------------------------------------------------------

REMIND_BEFORE = timedelta(hours=1)


def remind_hosts(now: datetime | None = None, before: timedelta = REMIND_BEFORE) -> int:
    """Tell each host of a livestream starting within `before` that it is soon.
    Idempotent: one reminder per host and livestream, however often it runs."""
    now = now or utcnow()
    soon = db.session.scalars(select(Livestream).where(
        Livestream.starts_at > now, Livestream.starts_at <= now + before, Livestream.cancelled_at.is_(None)))
    sent = 0
    for livestream in soon:
        for host in livestream.hosts:
            if notify(host, "livestreams.reminder",
                      {"title": livestream.title, "starts_at": livestream.starts_at.isoformat()},
                      url=_link("livestreams.run" if livestream.kind == POLICY else "livestreams.show",
                                livestream_id=livestream.id),
                      obj=livestream, dedupe_key=f"livestreams.reminder:{livestream.id}"):
                sent += 1
    db.session.commit()
    return sent
