"""Short messages to a phone: SMS, WeChat, or anything else.

To add a channel, implement one class and name it in the MESSAGE_GATEWAY
setting (an import string, "package.module:ClassName"):

    class AliyunSmsGateway(MessageGateway):
        def send(self, user, text):
            ...  # call the provider; raise GatewayError to have it retried

The outbox job calls send() for every pending phone message, with the same
retries and backoff as e-mail. The default, LoggingGateway, only writes the
message to the log.
"""

import logging

from flask import current_app
from werkzeug.utils import import_string

logger = logging.getLogger("incubator.notify.gateway")


class GatewayError(Exception):
    """Sending failed; the outbox tries again later."""


class MessageGateway:
    def send(self, user, text: str) -> None:  # pragma: no cover - the interface
        raise NotImplementedError


class LoggingGateway(MessageGateway):
    """The default: nothing leaves the server; the message goes to the log."""

    def send(self, user, text: str) -> None:
        logger.info("message for user %s (%s): %s", user.id, user.phone, text)


def get_gateway() -> MessageGateway:
    gateway = current_app.config.get("MESSAGE_GATEWAY") or LoggingGateway
    if isinstance(gateway, str):
        gateway = import_string(gateway)
    return gateway() if isinstance(gateway, type) else gateway
