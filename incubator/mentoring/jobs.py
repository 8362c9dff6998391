"""Scheduled work of the mentoring area; each job calls a service and is idempotent."""

from incubator.areas import Job
from incubator.mentoring import service


def lapse_proposals() -> int:
    return service.lapse_proposals()


def checkin_reminders() -> int:
    return service.remind_quiet_mentorships()


def complete_finished() -> int:
    return service.complete_finished_mentorships()


JOBS = [
    Job("mentoring.lapse_proposals", func="incubator.mentoring.jobs:lapse_proposals",
        trigger="interval", trigger_args={"minutes": 30}),
    Job("mentoring.checkin_reminders", func="incubator.mentoring.jobs:checkin_reminders",
        trigger="cron", trigger_args={"hour": 9, "minute": 0}),
    Job("mentoring.complete_finished", func="incubator.mentoring.jobs:complete_finished",
        trigger="cron", trigger_args={"hour": 1, "minute": 0}),
]
