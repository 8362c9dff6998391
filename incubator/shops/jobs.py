"""Scheduled work of the shops area."""

from incubator.areas import Job
from incubator.shops import service


def remind_stalled_shops() -> int:
    """Daily: tell staff about shops past their stage's target days (once per
    shop and stage visit, so running twice tells nobody twice)."""
    return service.notify_stalled()


JOBS = [
    Job(id="shops.stalled", func="incubator.shops.jobs:remind_stalled_shops", trigger="cron",
        trigger_args={"hour": 9, "minute": 0}),
]
