"""Scheduled work of enrolment: offers not confirmed in time lapse, and the
freed places go to the waitlist."""

from incubator.areas import Job
from incubator.enrolment import service


def lapse_expired_offers() -> int:
    """Idempotent: a second run finds no expired offers left."""
    return service.lapse_expired_offers()


JOBS = [
    Job("enrolment.lapse_offers", func="incubator.enrolment.jobs:lapse_expired_offers",
        trigger="interval", trigger_args={"minutes": 10}),
]
