"""Scheduled work of the livestream area."""

from incubator.areas import Job
from incubator.livestreams import service


def remind_hosts() -> int:
    return service.remind_hosts()


JOBS = [
    Job("livestreams.remind_hosts", func="incubator.livestreams.jobs:remind_hosts", trigger="interval",
        trigger_args={"minutes": 10}),
]
