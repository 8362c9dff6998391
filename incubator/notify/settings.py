"""Settings of notifications and scheduled jobs, read from the environment.

They are applied with setdefault when the blueprint is registered, so values
given to create_app() (tests) win. The README lists them.
"""

import os


def defaults() -> dict:
    return {
        # How often the bell asks for the unread count, in seconds.
        "NOTIFY_POLL_SECONDS": int(os.environ.get("NOTIFY_POLL_SECONDS", 60)),
        # Import string of the MessageGateway class for phone messages (SMS, WeChat).
        "MESSAGE_GATEWAY": os.environ.get("MESSAGE_GATEWAY", "incubator.notify.gateway:LoggingGateway"),
        # The outbox: attempts before giving up, first retry delay (doubling each time).
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", 6)),
        "OUTBOX_RETRY_SECONDS": int(os.environ.get("OUTBOX_RETRY_SECONDS", 60)),
        "OUTBOX_BATCH_SIZE": int(os.environ.get("OUTBOX_BATCH_SIZE", 100)),
        # A message claimed longer ago than this belongs to a sender that died.
        "OUTBOX_CLAIM_TIMEOUT_SECONDS": int(os.environ.get("OUTBOX_CLAIM_TIMEOUT_SECONDS", 900)),
        # Put in e-mails so the link can be opened: https://base.example.org
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
    }


def apply(app) -> None:
    for name, value in defaults().items():
        app.config.setdefault(name, value)
