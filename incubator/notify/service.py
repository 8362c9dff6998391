"""Telling people things: notify() is the one way in."""

from flask_babel import force_locale
from sqlalchemy import select

from incubator.extensions import db
from incubator.notify.messages import render_text
from incubator.notify.models import Notification


def notify(user, kind: str, params: dict | None = None, *, url: str | None = None, obj=None,
           dedupe_key: str | None = None) -> Notification | None:
    """Add a notification for `user` to the current transaction (the caller
    commits, so the notification exists exactly when the change does).

    With a dedupe_key, a second call for the same person and key adds nothing
    and returns None: jobs that run twice never tell twice.
    """
    if dedupe_key is not None:
        exists = db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.dedupe_key == dedupe_key))
        if exists:
            return None
    notification = Notification(
        user_id=user.id, kind=kind, params=params or {}, url=url, dedupe_key=dedupe_key,
        object_type=getattr(obj, "__tablename__", None), object_id=getattr(obj, "id", None),
    )
    db.session.add(notification)
    return notification


def text_for(notification: Notification, locale: str | None = None) -> str:
    """The notification's text in `locale` (the reader's), or the current one."""
    if locale:
        with force_locale(locale):
            return render_text(notification.kind, notification.params)
    return render_text(notification.kind, notification.params)
