"""Server-side sessions: which devices are signed in, and ending them.

Flask keeps a signed cookie; it holds the session token, and every request
checks the token's row. So logging out, changing a password, disabling an
account or an admin's "sign out everywhere" take effect at once on every
device, and idle and absolute time limits hold whatever the cookie says.
"""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

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


def active_session(user_id: int, token: str | None, touch: bool = True) -> UserSession | None:
    """The live session for this token and person, or None (and the row is
    ended if it has run past its idle or absolute limit)."""
    if not token:
        return None
    record = db.session.scalar(select(UserSession).where(
        UserSession.token == token, UserSession.user_id == user_id, UserSession.ended_at.is_(None)))
    if record is None:
        return None
    now = utcnow()
    idle, absolute = _limits(record.remember)
    if now - record.last_seen_at > idle or now - record.created_at > absolute:
        record.ended_at = now
        db.session.commit()
        return None
    if touch and now - record.last_seen_at > TOUCH_EVERY:
        record.last_seen_at = now
        db.session.commit()
    return record


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
