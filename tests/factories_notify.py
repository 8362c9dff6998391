"""Notifications and a loopback SMTP server for the notify tests."""

import socket
from datetime import timedelta

from aiosmtpd.controller import Controller

from incubator.extensions import db
from incubator.notify.service import notify
from incubator.timeutil import utcnow


def make_notification(user, text: str = "课程改到 3 号直播间", *, read: bool = False, minutes_ago: int = 0,
                      url: str | None = "/home", kind: str = "notify.announcement", params=None):
    notification = notify(user, kind, params if params is not None else {"text": text}, url=url)
    notification.created_at = utcnow() - timedelta(minutes=minutes_ago)
    if read:
        notification.read_at = utcnow()
    db.session.commit()
    return notification


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RecordingHandler:
    """An SMTP server's DATA handler: refuses the first `refuse` messages with
    `code`, then accepts and keeps every message."""

    def __init__(self, refuse: int = 0, code: str = "451 4.3.0 Please try again later"):
        self.refuse = refuse
        self.code = code
        self.received = []  # (envelope recipients, message bytes)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return self.code
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


class SmtpServer:
    def __init__(self, handler: RecordingHandler):
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
