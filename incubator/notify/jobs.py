"""Scheduled jobs of notifications: the outbox sender and the staff digest."""

from flask import current_app

from incubator.areas import Job
from incubator.notify import digest, outbox

JOBS = [
    Job("notify.outbox", "incubator.notify.jobs:send_outbox", "interval", {"minutes": 1}),
    # Monday 08:00 in the base's zone (the scheduler's zone, Asia/Shanghai by default).
    Job("notify.weekly_digest", "incubator.notify.jobs:weekly_digest", "cron",
        {"day_of_week": "mon", "hour": 8, "minute": 0}),
    Job("notify.prune", "incubator.notify.jobs:prune", "cron", {"hour": 3, "minute": 30}),
]


def send_outbox() -> None:
    outbox.send_pending()


def weekly_digest() -> None:
    digest.send_weekly_digests()


def heartbeat() -> None:
    """`flask scheduler --heartbeat FILE`: one line per run, "slot host:pid".
    Shows that the scheduler runs, and that each slot runs once."""
    from incubator.notify.scheduler import current_slot, runner_name

    path = current_app.config["SCHEDULER_HEARTBEAT_FILE"]
    slot = current_slot.get()
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{slot.isoformat() if slot else '-'} {runner_name()}\n")


def prune() -> None:
    """Keep the job history and the outbox from growing for ever."""
    from datetime import timedelta

    from sqlalchemy import delete

    from incubator.extensions import db
    from incubator.notify.models import SENT, JobRun, OutboxMessage
    from incubator.timeutil import utcnow

    now = utcnow()
    db.session.execute(delete(JobRun).where(JobRun.started_at < now - timedelta(days=30)))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.status == SENT,
                                                   OutboxMessage.sent_at < now - timedelta(days=90)))
    db.session.commit()
