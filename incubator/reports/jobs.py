"""Scheduled work of the reports area."""

from incubator.areas import Job
from incubator.reports import daily


def build_figures() -> int:
    """Build the day rows of any base that has none yet (a base made without
    the ORM, a database just upgraded); the dashboard counts such a base from
    its records meanwhile. Nothing to do once every base is built."""
    return len(daily.build())


JOBS = [
    Job(id="reports.build_figures", func="incubator.reports.jobs:build_figures", trigger="interval",
        trigger_args={"minutes": 10}),
]
