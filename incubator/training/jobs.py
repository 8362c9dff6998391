"""Scheduled work of the training area."""

from incubator.areas import Job
from incubator.training import service


def send_session_reminders() -> int:
    """Reminders 24 h and 1 h before each session (dedupe keys: never twice)."""
    return service.send_reminders()


JOBS = [Job("training.reminders", func="incubator.training.jobs:send_session_reminders", trigger="interval",
            trigger_args={"minutes": 5})]
