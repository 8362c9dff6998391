"""The outbox sender: sends pending e-mails and phone messages, each once.

A message is claimed with a conditional UPDATE (status pending -> sending,
one row, committed at once): of two senders racing for it, exactly one sees a
changed row, on SQLite and PostgreSQL alike. Only the claimer sends. A failed
send goes back to pending with the next attempt after an exponential backoff
(OUTBOX_RETRY_SECONDS, doubling), and after OUTBOX_MAX_ATTEMPTS it is marked
failed. A permanent refusal (SMTP 5xx) fails at once.

A message claimed by a sender that then died stays "sending"; after
OUTBOX_CLAIM_TIMEOUT_SECONDS it is put back to pending, so nothing is lost.
(The one case that can repeat a message is a sender dying after the mail
server accepted it and before the row was marked sent.)

Without SMTP_HOST, e-mail is off: notify() writes its rows as "disabled",
and pending e-mails are left alone; phone messages still go to the gateway.
"""

import logging
import smtplib
import socket
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from incubator.extensions import db
from incubator.notify.gateway import GatewayError, get_gateway
from incubator.notify.models import EMAIL, FAILED, PENDING, PHONE, SENDING, SENT, OutboxMessage
from incubator.timeutil import utcnow

logger = logging.getLogger("incubator.notify.outbox")


class PermanentFailure(Exception):
    """The message can never be delivered as it is (address refused)."""


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt, after `attempts` failed ones."""
    base = current_app.config["OUTBOX_RETRY_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 24 * 3600))


def send_pending(now: datetime | None = None) -> dict[str, int]:
    """Send what is due. Returns counts of sent, retried and failed messages."""
    now = now or utcnow()
    release_abandoned(now)
    channels = [PHONE] + ([EMAIL] if current_app.config.get("SMTP_HOST") else [])
    due = list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now,
               OutboxMessage.channel.in_(channels))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(current_app.config["OUTBOX_BATCH_SIZE"])))
    db.session.commit()  # end the read before claiming (SQLite upgrades no read lock)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for message_id in due:
        if claim(message_id, now):
            counts[deliver(message_id, now)] += 1
    return counts


def claim(message_id: int, now: datetime) -> bool:
    """Take the message for this sender; False when another one has it."""
    try:
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING)
            .values(status=SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1))
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        logger.warning("outbox message %s: database busy, left for the next run", message_id)
        return False
    return result.rowcount == 1


def deliver(message_id: int, now: datetime) -> str:
    message = db.session.get(OutboxMessage, message_id)
    try:
        if message.channel == EMAIL:
            send_email(message)
        else:
            send_phone_message(message)
    except PermanentFailure as error:
        message.status = FAILED
        message.last_error = str(error)[:2000]
        outcome = "failed"
    except (smtplib.SMTPException, OSError, GatewayError) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            message.status = FAILED
            outcome = "failed"
        else:
            message.status = PENDING
            message.next_attempt_at = now + backoff(message.attempts)
            outcome = "retry"
        logger.warning("outbox message %s attempt %s failed: %s", message.id, message.attempts,
                       message.last_error)
    else:
        message.status = SENT
        message.sent_at = utcnow()
        message.last_error = ""
        outcome = "sent"
    message.claimed_at = None
    db.session.commit()
    return outcome


def release_abandoned(now: datetime) -> int:
    """Put back messages whose sender died while holding them."""
    limit = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < limit)
        .values(status=PENDING, claimed_at=None))
    db.session.commit()
    return result.rowcount or 0


def send_email(message: OutboxMessage) -> None:
    config = current_app.config
    mail = EmailMessage()
    mail["From"] = config["MAIL_FROM"]
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=socket.getfqdn() or "localhost")
    mail["X-Incubator-Outbox-Id"] = str(message.id)
    mail.set_content(message.body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise PermanentFailure(f"recipient refused: {error.recipients}") from error
        raise
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise


def send_phone_message(message: OutboxMessage) -> None:
    from incubator.accounts.models import User

    user = db.session.get(User, message.user_id)
    get_gateway().send(user, message.body)
