import email
import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.notify import outbox
from incubator.notify.categories import category_of
from incubator.notify.models import (
    DISABLED,
    EMAIL,
    FAILED,
    PENDING,
    PHONE,
    SENT,
    Notification,
    OutboxMessage,
)
from incubator.notify.service import (
    mark_all_read,
    mark_read,
    notify,
    preferences,
    save_preferences,
    text_for,
    unread_count,
)
from incubator.timeutil import utcnow
from tests.factories import make_site, make_user
from tests.factories_notify import RecordingHandler, SmtpServer, make_notification


@pytest.fixture
def smtp(app, monkeypatch):
    """E-mail switched on, against a real SMTP server on loopback."""

    def start(handler: RecordingHandler) -> SmtpServer:
        server = SmtpServer(handler)
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
        return server

    return start


def outbox_rows():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- Rendering ------------------------------------------------------------------

def test_a_notification_stored_once_reads_in_each_readers_language():
    user = make_user()
    stored = make_notification(user, "周六开放练习")
    assert stored.params == {"text": "周六开放练习"}  # parameters, not text, are stored
    assert text_for(stored, "en") == "Message from the base's staff: 周六开放练习"
    assert text_for(stored, "zh_Hans_CN") == "基地工作人员的消息：周六开放练习"


def test_an_unknown_kind_or_broken_parameters_show_the_kind_instead_of_failing():
    user = make_user()
    broken = make_notification(user, kind="notify.welcome", params={"site": "基地"})  # no name
    unknown = make_notification(user, kind="someone.else", params={})
    assert text_for(broken, "en") == "notify.welcome"
    assert text_for(unknown, "en") == "someone.else"


def test_a_dedupe_key_tells_a_person_once_even_within_one_transaction():
    user = make_user()
    assert notify(user, "notify.announcement", {"text": "a"}, dedupe_key="booking:7:24h")
    assert notify(user, "notify.announcement", {"text": "a"}, dedupe_key="booking:7:24h") is None
    db.session.commit()
    assert notify(user, "notify.announcement", {"text": "a"}, dedupe_key="booking:7:24h") is None
    other = make_user()
    assert notify(other, "notify.announcement", {"text": "a"}, dedupe_key="booking:7:24h")
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 2


def test_unread_count_and_marking_read():
    user, other = make_user(), make_user()
    first = make_notification(user)
    make_notification(user)
    make_notification(other)
    assert unread_count(user) == 2
    mark_read(user, first)
    assert unread_count(user) == 1
    with pytest.raises(PermissionError):
        mark_read(other, first)
    assert mark_all_read(user) == 1
    assert unread_count(user) == 0
    assert unread_count(other) == 1


# --- Preferences ----------------------------------------------------------------

def test_kinds_fall_into_categories():
    assert category_of("booking.reminder_1h") == "bookings"
    assert category_of("enrolment.accepted") == "applications"
    assert category_of("notify.digest") == "digest"
    assert category_of("notify.welcome") == "general"


def test_preferences_default_to_the_digest_only_and_are_stored_per_person():
    user = make_user("staff", email="fang@example.org")
    assert preferences(user)["digest"] == {EMAIL: True, PHONE: False}
    assert preferences(user)["bookings"] == {EMAIL: False, PHONE: False}
    save_preferences(user, {"bookings": {EMAIL: True}, "digest": {EMAIL: False, PHONE: True},
                            "nonsense": {EMAIL: True}})
    assert preferences(user)["bookings"] == {EMAIL: True, PHONE: False}
    assert preferences(user)["digest"] == {EMAIL: False, PHONE: True}
    assert "nonsense" not in preferences(user)
    save_preferences(user, {"bookings": {EMAIL: False}})
    assert preferences(user)["bookings"][EMAIL] is False
    assert preferences(make_user())["bookings"][EMAIL] is False


def test_an_email_is_written_with_the_notification_only_when_asked_for(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.example.org")
    wants = make_user(email="a@example.org", phone="13900000001")
    no_address = make_user(phone="13900000002")
    not_asked = make_user(email="c@example.org")
    save_preferences(wants, {"bookings": {EMAIL: True}})
    save_preferences(no_address, {"bookings": {EMAIL: True}})
    for person in (wants, no_address, not_asked):
        notify(person, "booking.confirmed", {})
    db.session.commit()
    rows = outbox_rows()
    assert [(r.user_id, r.channel, r.recipient, r.status) for r in rows] == [
        (wants.id, EMAIL, "a@example.org", PENDING)]
    assert rows[0].notification.user_id == wants.id


def test_the_email_is_part_of_the_same_transaction(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.example.org")
    user = make_user(email="a@example.org")
    save_preferences(user, {"general": {EMAIL: True}})
    notify(user, "notify.announcement", {"text": "x"})
    db.session.rollback()  # the change that caused it failed
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert outbox_rows() == []


def test_the_email_is_written_in_the_recipients_language(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.example.org")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://base.example.org")
    english = make_user(email="en@example.org", locale="en", name="Lin")
    chinese = make_user(email="zh@example.org", locale=None, name="张格琴")
    for person in (english, chinese):
        save_preferences(person, {"general": {EMAIL: True}})
    with force_locale("zh_Hans_CN"):  # whoever caused it reads Chinese
        notify(english, "notify.announcement", {"text": "Studio 2"}, url="/home")
    with force_locale("en"):
        notify(chinese, "notify.announcement", {"text": "二号直播间"}, url="/home")
    db.session.commit()
    en_mail, zh_mail = outbox_rows()
    assert en_mail.subject == "Livestream incubation base: Message from the base's staff: Studio 2"
    assert "Hello Lin," in en_mail.body and "https://base.example.org/home" in en_mail.body
    assert zh_mail.subject == "直播孵化基地：基地工作人员的消息：二号直播间"
    assert "张格琴，你好" in zh_mail.body


def test_a_text_message_gives_times_on_the_recipients_base_clock_whoever_sends_it(client):
    """A reminder job has no base, and staff of one base may act for another;
    the SMS reads on the clock the person's own pages show (Urumqi keeps its
    time two hours behind Beijing)."""
    nanjing = make_user(locale="en")  # the first base, on Beijing's clock
    urumqi = make_user(site=make_site("乌鲁木齐基地", timezone="Asia/Urumqi"), locale="en")
    for person in (urumqi, nanjing):
        save_preferences(person, {"training": {PHONE: True}})
    params = {"topic": "直播话术", "starts_at": "2026-12-10T11:30:00", "room": ""}  # UTC: 19:30 in Beijing
    for person in (nanjing, urumqi):
        notify(person, "training.reminder_24h", params)
    with client.application.test_request_context("/"), force_locale("zh_Hans_CN"):  # staff of Nanjing
        notify(urumqi, "training.reminder_24h", params)
    db.session.commit()
    in_nanjing, first, third = (row.body for row in outbox_rows())
    assert "7:30" in in_nanjing
    assert "5:30" in first and "7:30" not in first
    assert first.endswith("5:30\u202fPM.")  # no room given: no empty place for it
    assert "5:30" in third and "7:30" not in third and "Class reminder" in third


def test_without_smtp_host_emails_are_kept_as_disabled_and_nothing_fails(app):
    assert not app.config["SMTP_HOST"]
    user = make_user(email="a@example.org")
    save_preferences(user, {"general": {EMAIL: True}})
    make_notification(user)
    assert [r.status for r in outbox_rows()] == [DISABLED]
    assert outbox.send_pending() == {"sent": 0, "retry": 0, "failed": 0}
    assert [r.status for r in outbox_rows()] == [DISABLED]


# --- Sending ----------------------------------------------------------------------

def _queue_emails(count: int, locale: str = "en"):
    user = make_user(email="reader@example.org", locale=locale)
    save_preferences(user, {"general": {EMAIL: True}})
    for i in range(count):
        notify(user, "notify.announcement", {"text": f"message {i}"})
    db.session.commit()
    return user


def test_the_outbox_sends_through_a_real_smtp_server(smtp):
    with smtp(RecordingHandler()) as server:
        _queue_emails(2)
        assert outbox.send_pending() == {"sent": 2, "retry": 0, "failed": 0}
    assert [rcpt for rcpt, _ in server.handler.received] == [["reader@example.org"]] * 2
    mail = email.message_from_bytes(server.handler.received[0][1])
    assert mail["Subject"] == "Livestream incubation base: Message from the base's staff: message 0"
    assert "message 0" in mail.get_payload(decode=True).decode()
    assert all(r.status == SENT and r.sent_at and r.attempts == 1 for r in outbox_rows())
    # A second run finds nothing to do: never sent twice.
    assert outbox.send_pending() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(server.handler.received) == 2


def test_a_refused_send_is_retried_after_a_backoff(app, smtp):
    with smtp(RecordingHandler(refuse=1)) as server:
        _queue_emails(1)
        now = utcnow()
        assert outbox.send_pending(now) == {"sent": 0, "retry": 1, "failed": 0}
        (row,) = outbox_rows()
        assert row.status == PENDING and row.attempts == 1 and "451" in row.last_error
        assert row.next_attempt_at == now + timedelta(seconds=app.config["OUTBOX_RETRY_SECONDS"])
        # Not yet due: nothing happens.
        assert outbox.send_pending(now + timedelta(seconds=1))["sent"] == 0
        assert outbox.send_pending(row.next_attempt_at) == {"sent": 1, "retry": 0, "failed": 0}
    db.session.refresh(row)
    assert row.status == SENT and row.attempts == 2 and row.last_error == ""
    assert len(server.handler.received) == 1


def test_backoff_doubles_and_the_outbox_gives_up_after_the_last_attempt(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    with smtp(RecordingHandler(refuse=10)) as server:
        _queue_emails(1)
        now = utcnow()
        waits = []
        for _attempt in range(3):
            outbox.send_pending(now)
            (row,) = outbox_rows()
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert row.status == FAILED and row.attempts == 3
    base = timedelta(seconds=app.config["OUTBOX_RETRY_SECONDS"])
    assert waits[:2] == [base, 2 * base]
    assert server.handler.received == []


def test_an_address_refused_for_good_fails_at_once(smtp):
    with smtp(RecordingHandler(refuse=1, code="550 5.1.1 No such mailbox")):
        _queue_emails(1)
        assert outbox.send_pending() == {"sent": 0, "retry": 0, "failed": 1}
    assert outbox_rows()[0].status == FAILED


def test_two_senders_at_once_send_each_message_once(app, smtp):
    with smtp(RecordingHandler()) as server:
        _queue_emails(12)
        start = threading.Barrier(2)
        results = []

        def sender():
            with app.app_context():
                start.wait()
                results.append(outbox.send_pending())
                db.session.remove()

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(r["sent"] for r in results) == 12
    subjects = [email.message_from_bytes(content)["Subject"] for _, content in server.handler.received]
    assert len(subjects) == 12 and len(set(subjects)) == 12
    assert {r.status for r in outbox_rows()} == {SENT}


def test_a_message_held_by_a_sender_that_died_is_sent_later(app, smtp):
    with smtp(RecordingHandler()) as server:
        _queue_emails(1)
        (row,) = outbox_rows()
        long_ago = utcnow() - timedelta(hours=1)
        assert outbox.claim(row.id, long_ago)  # ...and the process died here
        assert outbox.send_pending()["sent"] == 1
    assert len(server.handler.received) == 1


def test_phone_messages_go_through_the_configured_gateway(app, monkeypatch):
    from incubator.notify.gateway import MessageGateway

    sent = []

    class Recording(MessageGateway):
        def send(self, user, text):
            sent.append((user.phone, text))

    monkeypatch.setitem(app.config, "MESSAGE_GATEWAY", Recording)
    user = make_user(phone="13900000077", locale="zh_Hans_CN")
    save_preferences(user, {"general": {PHONE: True}})
    make_notification(user, "明天上午九点上课")
    assert outbox.send_pending()["sent"] == 1
    assert sent == [("13900000077", "基地工作人员的消息：明天上午九点上课")]
    assert outbox_rows()[0].status == SENT


def test_the_default_gateway_only_logs(app, caplog, monkeypatch):
    import logging

    # Alembic's fileConfig (the migration test) disables loggers that exist before it.
    monkeypatch.setattr(logging.getLogger("incubator.notify.gateway"), "disabled", False)

    user = make_user(phone="13900000078")
    save_preferences(user, {"general": {PHONE: True}})
    make_notification(user, "x")
    with caplog.at_level(logging.INFO, logger="incubator.notify.gateway"):
        assert outbox.send_pending()["sent"] == 1
    assert "13900000078" in caplog.text
