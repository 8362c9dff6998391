"""Telling people things: notify() is the one way in.

notify() adds the notification, and the e-mail or phone message the person
asked for, to the caller's transaction: both exist exactly when the change
that caused them does. The text is rendered in the reader's language when
shown; the e-mail is rendered once, in the recipient's language, when written.
"""

from functools import cache

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from incubator.extensions import db
from incubator.i18n import written_for
from incubator.notify.categories import BY_KEY, CATEGORIES, category_of
from incubator.notify.messages import render_text
from incubator.notify.models import (
    DISABLED,
    EMAIL,
    PENDING,
    PHONE,
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from incubator.timeutil import utcnow


def notify(user, kind: str, params: dict | None = None, *, url: str | None = None, obj=None,
           dedupe_key: str | None = None) -> Notification | None:
    """Add a notification for `user` to the current transaction (the caller
    commits, so the notification exists exactly when the change does), and an
    outbox message for each channel the person chose for this kind.

    With a dedupe_key, a second call for the same person and key adds nothing
    and returns None: jobs that run twice never tell twice.
    """
    if dedupe_key is not None:
        exists = db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.dedupe_key == dedupe_key))
        if exists:
            return None
        # Another notify() of this transaction with the same key, not yet flushed.
        for pending in db.session.new:
            if (isinstance(pending, Notification) and pending.user_id == user.id
                    and pending.dedupe_key == dedupe_key):
                return None
    notification = Notification(
        user_id=user.id, kind=kind, params=params or {}, url=url, dedupe_key=dedupe_key,
        object_type=getattr(obj, "__tablename__", None), object_id=getattr(obj, "id", None),
    )
    db.session.add(notification)
    _add_outbox_messages(user, notification)
    return notification


def text_for(notification: Notification, locale: str | None = None) -> str:
    """The notification's text in `locale` (the reader's), or the current one."""
    if locale:
        with force_locale(locale):
            return render_text(notification.kind, notification.params)
    return render_text(notification.kind, notification.params)


# --- Reading -------------------------------------------------------------------

@cache
def _unread_statement():
    """Built once, on first use: the bell asks it on every signed-in page."""
    return select(func.count(Notification.id)).where(
        Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))


def unread_count(user) -> int:
    return db.session.scalar(_unread_statement(), {"user_id": user.id}) or 0


def notifications_query(user):
    """The person's notifications, newest first."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def own_notification(user, notification_id: int) -> Notification | None:
    """The notification if it is this person's; None otherwise (views answer 404)."""
    return db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id))


def mark_read(user, notification: Notification) -> Notification:
    if notification.user_id != user.id:
        raise PermissionError("not this person's notification")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount or 0


def is_internal_url(url: str | None) -> bool:
    """Notifications lead only to addresses on this site."""
    return bool(url) and url.startswith("/") and not url.startswith("//") and "\\" not in url


# --- Preferences ---------------------------------------------------------------

def preferences(user) -> dict[str, dict[str, bool]]:
    """{category: {"email": bool, "phone": bool}} for every category, defaults filled in."""
    chosen = {p.category: p for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    result = {}
    for category in CATEGORIES:
        row = chosen.get(category.key)
        result[category.key] = {
            EMAIL: row.by_email if row else category.email_default,
            PHONE: row.by_phone if row else False,
        }
    return result


def save_preferences(user, choices: dict[str, dict[str, bool]]) -> None:
    """Store the person's choices (unknown categories are ignored), one transaction."""
    existing = {p.category: p for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for key, channels in choices.items():
        if key not in BY_KEY:
            continue
        row = existing.get(key)
        if row is None:
            row = NotificationPreference(user_id=user.id, category=key)
            db.session.add(row)
        row.by_email = bool(channels.get(EMAIL))
        row.by_phone = bool(channels.get(PHONE))
    db.session.commit()


def wanted_channels(user, kind: str) -> list[str]:
    """The channels, besides the bell, by which this person gets this kind."""
    chosen = preferences(user)[category_of(kind)]
    channels = []
    if user.email and chosen[EMAIL]:
        channels.append(EMAIL)
    if user.phone and chosen[PHONE]:
        channels.append(PHONE)
    return channels


# --- The outbox ----------------------------------------------------------------

def email_enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _add_outbox_messages(user, notification: Notification) -> None:
    channels = wanted_channels(user, notification.kind)
    if not channels:
        return
    with written_for(user):
        text = render_text(notification.kind, notification.params)
        subject = _("Livestream incubation base: %(text)s", text=_shorten(text, 80))
        body = _email_body(user, text, notification.url)
    for channel in channels:
        if channel == EMAIL:
            db.session.add(OutboxMessage(
                user_id=user.id, notification=notification, channel=EMAIL, recipient=user.email,
                subject=subject, body=body, status=PENDING if email_enabled() else DISABLED))
        else:
            db.session.add(OutboxMessage(
                user_id=user.id, notification=notification, channel=PHONE, recipient=user.phone,
                subject="", body=text, status=PENDING))


def _shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _email_body(user, text: str, url: str | None) -> str:
    lines = [_("Hello %(name)s,", name=user.display_name), "", text, ""]
    base = current_app.config.get("PUBLIC_BASE_URL")
    if url and base and is_internal_url(url):
        lines += [_("Open it here: %(link)s", link=base + url), ""]
    lines += [_("You get this e-mail because you asked for it in your notification settings. "
                "You can change them at any time on the Notifications page."),
              "", _("The livestream incubation base")]
    return "\n".join(lines)


def home_panel_context(user, limit: int = 3, unread: int | None = None) -> dict:
    """The newest unread notifications, for the home page panel; `unread` is
    the count when the caller has it already (the bell of the same page)."""
    latest = list(db.session.scalars(
        notifications_query(user).where(Notification.read_at.is_(None)).limit(limit)))
    if unread is None:
        unread = unread_count(user) if len(latest) == limit else len(latest)
    return {"latest": latest, "unread": unread}
