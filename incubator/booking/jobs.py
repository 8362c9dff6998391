"""Scheduled work of the booking area. Each job calls a service and is
idempotent: a second run finds nothing new to do (notifications carry a
dedupe_key)."""

from incubator.areas import Job
from incubator.booking import service


def release_no_shows() -> int:
    return len(service.release_no_shows())


def send_reminders() -> int:
    return service.send_reminders()


def flag_overdue() -> int:
    return len(service.flag_overdue())


JOBS = [
    Job("booking.release_no_shows", func="incubator.booking.jobs:release_no_shows", trigger="interval",
        trigger_args={"minutes": 1}),
    Job("booking.reminders", func="incubator.booking.jobs:send_reminders", trigger="interval",
        trigger_args={"minutes": 5}),
    Job("booking.flag_overdue", func="incubator.booking.jobs:flag_overdue", trigger="interval",
        trigger_args={"minutes": 10}),
]
