"""Server-side sessions: which devices are signed in, and ending them.

Flask keeps a signed cookie; it holds the session token, and every request
checks the token's row. So logging out, changing a password, disabling an
account or an admin's "sign out everywhere" take effect at once on every
device, and idle and absolute time limits hold whatever the cookie says.
"""

import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from incubator.accounts.models import User, UserSession
from incubator.extensions import db
from incubator.timeutil import utcnow

# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(minutes=1)


def start_session(user: User, remember: bool = False) -> UserSession:
    record = UserSession(token=secrets.token_urlsafe(32), user_id=user.id, remember=remember)
    db.session.add(record)
    db.session.commit()
    return record


def _limits(remember: bool) -> tuple[timedelta, timedelta]:
    config = current_app.config
    if remember:
        return config["REMEMBERED_IDLE_TIMEOUT"], config["REMEMBERED_ABSOLUTE_TIMEOUT"]
    return config["SESSION_IDLE_TIMEOUT"], config["SESSION_ABSOLUTE_TIMEOUT"]


@cache
def _live_session_with_person():
    """Built once (on first use: the mappers are complete by then): every
    signed-in request runs it, and building a statement, its clauses and its
    cache key, costs about as much as running it on SQLite. Her base comes
    along: pages show times on its clock (i18n.select_timezone)."""
    return (select(UserSession, User).join(User, User.id == UserSession.user_id)
            .where(UserSession.token == bindparam("token"), UserSession.user_id == bindparam("user_id"),
                   UserSession.ended_at.is_(None))
            .options(joinedload(User.role_grants), joinedload(User.site)))


def signed_in_user(user_id: int, token: str | None, touch: bool = True) -> User | None:
    """The person of this cookie, with her roles, while the session row behind
    it lives and her account is active; None otherwise.

    Every signed-in request asks this, so it is one SELECT: the live session
    row joined to the person and her roles (a write only when last_seen_at is
    due, or when a timeout ends the row)."""
    if not token:
        return None
    row = db.session.execute(_live_session_with_person(), {"token": token, "user_id": user_id}).unique().first()
    if row is None:
        return None
    record, user = row
    if not user.active:
        return None
    return user if _still_live(record, touch) else None


def active_session(user_id: int, token: str | None, touch: bool = True) -> UserSession | None:
    """The live session for this token and person, or None (and the row is
    ended if it has run past its idle or absolute limit)."""
    if not token:
        return None
    record = db.session.scalar(select(UserSession).where(
        UserSession.token == token, UserSession.user_id == user_id, UserSession.ended_at.is_(None)))
    if record is None or not _still_live(record, touch):
        return None
    return record


def _still_live(record: UserSession, touch: bool) -> bool:
    """False, and the row ended, when the session has run past its idle or
    absolute limit; else True, with last_seen_at moved on when it is due."""
    now = utcnow()
    idle, absolute = _limits(record.remember)
    if now - record.last_seen_at > idle or now - record.created_at > absolute:
        record.ended_at = now
        db.session.commit()
        return False
    if touch and now - record.last_seen_at > TOUCH_EVERY:
        record.last_seen_at = now
        _commit_keeping_loaded()
    return True


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the request has loaded. The commit only
    writes last_seen_at, so the person and her roles are still what was read;
    expiring them would make the next read of current_user two more SELECTs."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(update(UserSession).where(UserSession.token == token, UserSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))
        db.session.commit()


def end_all_sessions(user: User, keep_token: str | None = None) -> int:
    """End every session of a person (but keep_token). Returns how many ended.
    The caller commits."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_token:
        query = query.where(UserSession.token != keep_token)
    return db.session.execute(query.values(ended_at=utcnow())).rowcount or 0


def open_sessions(user: User) -> int:
    return len(list(db.session.scalars(select(UserSession.id).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)))))
