"""Notifications (通知): a message to a person, stored as a kind and its
parameters and rendered in the reader's language when shown."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("uq_notifications_user_dedupe", "user_id", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Where the notification leads: an address inside the site.
    url: Mapped[str | None] = mapped_column(String(255))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # Set when a job must not notify twice (a reminder per booking, say): unique per person.
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]



# Channels a message can also travel by, besides the bell.
EMAIL = "email"
PHONE = "phone"  # SMS, WeChat...: whatever the configured MessageGateway does
CHANNELS = (EMAIL, PHONE)

# Outbox statuses.
PENDING = "pending"      # waiting to be sent (or to be retried at next_attempt_at)
SENDING = "sending"      # claimed by one sender; nobody else touches it
SENT = "sent"
FAILED = "failed"        # gave up after OUTBOX_MAX_ATTEMPTS, or refused for good
DISABLED = "disabled"    # written while e-mail was off (no SMTP_HOST): kept, never sent
OUTBOX_STATUSES = (PENDING, SENDING, SENT, FAILED, DISABLED)

# Job runs.
RUNNING = "running"
DONE = "done"
ERROR = "error"
JOB_RUN_STATUSES = (RUNNING, DONE, ERROR)


def _in(column: str, values) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


class NotificationPreference(db.Model):
    """Which categories of notification also come by e-mail or phone message.
    No row: the category's default (see categories.py)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    by_email: Mapped[bool] = mapped_column(Boolean, default=False)
    by_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutboxMessage(db.Model):
    """A message to send outside the site, written in the same transaction as
    the notification that caused it, and sent later by the outbox job."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="known_status"),
        CheckConstraint(_in("channel", CHANNELS), name="known_channel"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default=EMAIL)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notification: Mapped[Notification | None] = relationship()


class JobRun(db.Model):
    """One run of a scheduled job for one slot (its scheduled fire time).
    The unique (job_id, slot) is the claim: whichever scheduler process
    inserts the row runs the job; every other one skips that slot."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "slot"),
        CheckConstraint(_in("status", JOB_RUN_STATUSES), name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(80))
    slot: Mapped[datetime]  # naive UTC
    runner: Mapped[str] = mapped_column(String(120), default="")  # host:pid
    status: Mapped[str] = mapped_column(String(10), default=RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
