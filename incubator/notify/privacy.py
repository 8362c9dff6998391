"""What notify holds about a person (Area.personal_data): the notifications
sent to her, the e-mails and phone messages written for them, and her choice
of channels.

Deletion removes all of it: the messages are addressed to her by name and
number, and no figure of the base counts them (sent e-mails are dropped after
90 days anyway)."""

from sqlalchemy import delete, select

from incubator.extensions import db
from incubator.notify.models import Notification, NotificationPreference, OutboxMessage
from incubator.notify.service import text_for
from incubator.sites.service import timezone_of
from incubator.timeutil import iso_clock

COVERS = ("notifications.user_id", "outbox_messages.user_id", "notification_preferences.user_id")


def export(user) -> dict[str, list[dict]]:
    when = iso_clock(timezone_of(user.site_id))
    notifications = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                       .order_by(Notification.created_at, Notification.id)).all()
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                                  .order_by(OutboxMessage.created_at, OutboxMessage.id)).all()
    preferences = db.session.scalars(select(NotificationPreference)
                                     .where(NotificationPreference.user_id == user.id)
                                     .order_by(NotificationPreference.category)).all()
    return {
        # In the language she reads the download in, as the bell shows them.
        "notifications": [{"text": text_for(n), "link": n.url, "created_at": when(n.created_at),
                           "read_at": when(n.read_at)} for n in notifications],
        "messages_sent": [{"channel": m.channel, "to": m.recipient, "subject": m.subject, "status": m.status,
                           "created_at": when(m.created_at), "sent_at": when(m.sent_at)} for m in messages],
        "notification_settings": [{"category": p.category, "by_email": p.by_email, "by_phone": p.by_phone}
                                  for p in preferences],
    }


def anonymise(user) -> None:
    """Everything here is deleted rather than blanked: a notification is a
    message to her and nothing else, a queued e-mail would still go to her
    address, and her channel choices mean nothing without her."""
    for model in (OutboxMessage, Notification, NotificationPreference):
        db.session.execute(delete(model).where(model.user_id == user.id))
