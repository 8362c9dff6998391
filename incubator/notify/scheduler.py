"""`flask scheduler`: the one process that runs every area's scheduled jobs.

Web workers never start it. Each area lists its jobs in Area.jobs
(incubator/<area>/jobs.py: JOBS = [Job(...)]); this module collects them,
schedules them with APScheduler 3 (a BlockingScheduler) and runs each in an
app context.

Exactly once, however many scheduler processes run: every run belongs to a
slot, the fire time it was scheduled for, computed from the trigger alone
(interval triggers are anchored on a fixed date, so every process agrees on
the fire times). Before running, a process inserts (job_id, slot) into
job_runs, which has a unique constraint: the insert that commits first wins,
every other process gets an IntegrityError and skips the slot. This works the
same on SQLite (writers are serialised) and PostgreSQL (the second insert
waits for the first transaction, then fails).
"""

import contextvars
import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from incubator.areas import Job, resolve
from incubator.extensions import db
from incubator.notify.models import DONE, ERROR, JobRun
from incubator.timeutil import utcnow

logger = logging.getLogger("incubator.scheduler")

# Interval jobs fire on a grid counted from this instant, in every process.
ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)

# A cron job missed while no scheduler ran is run at start-up, if this recent.
CATCH_UP = timedelta(days=7)

# The slot of the job running in this thread (jobs may read it).
current_slot: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("current_slot", default=None)


def collect_jobs(app: Flask) -> list[Job]:
    jobs = []
    for area in app.extensions["incubator_areas"]:
        jobs.extend(resolve(area.jobs) or [])
    ids = [job.id for job in jobs]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"two jobs share an id: {sorted(duplicates)}")
    return jobs


def make_trigger(job: Job, timezone: str):
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    args = dict(job.trigger_args)
    if job.trigger == "interval":
        args.setdefault("start_date", ANCHOR)
        args.setdefault("timezone", UTC)
        return IntervalTrigger(**args)
    if job.trigger == "cron":
        args.setdefault("timezone", timezone)
        return CronTrigger(**args)
    raise ValueError(f"job {job.id}: unknown trigger {job.trigger!r}")


def slot_for(trigger, now: datetime) -> datetime:
    """The latest fire time of `trigger` at or before `now` (aware), as naive UTC."""
    latest = latest_fire_time(trigger, now)
    # Nothing scheduled before now (a trigger with a future start): use now.
    return latest or now.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def latest_fire_time(trigger, now: datetime) -> datetime | None:
    lookback = timedelta(seconds=2)
    while lookback < timedelta(days=800):
        first = trigger.get_next_fire_time(None, now - lookback)
        if first is not None and first <= now:
            fire = first
            while True:
                following = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
                if following is None or following > now:
                    break
                fire = following
            return fire.astimezone(UTC).replace(tzinfo=None)
        lookback *= 8
    return None


def missed_slot(job: Job, trigger, now: datetime) -> datetime | None:
    """For a cron job: its latest slot when no process ran it (the scheduler
    was down at 08:00 on Monday) and it is less than CATCH_UP old; else None."""
    if job.trigger != "cron":
        return None  # interval jobs come round again soon enough
    latest = latest_fire_time(trigger, now)
    if latest is None or now.astimezone(UTC).replace(tzinfo=None) - latest > CATCH_UP:
        return None
    ran = db.session.scalar(select(JobRun.id).where(JobRun.job_id == job.id, JobRun.slot == latest))
    return None if ran else latest


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def claim_slot(job_id: str, slot: datetime) -> JobRun | None:
    """Insert the run; None when another process already claimed this slot."""
    run = JobRun(job_id=job_id, slot=slot, runner=runner_name(), started_at=utcnow())
    db.session.add(run)
    try:
        db.session.commit()
    except (IntegrityError, OperationalError) as error:
        db.session.rollback()
        if isinstance(error, OperationalError):
            logger.warning("job %s slot %s: database busy, skipped: %s", job_id, slot, error)
        return None
    return run


def run_job(app: Flask, job: Job, trigger, now: datetime | None = None) -> bool:
    """Run `job` for its current slot unless another process has; True if it ran here."""
    now = now or datetime.now(UTC)
    slot = slot_for(trigger, now)
    with app.app_context():
        try:
            run = claim_slot(job.id, slot)
            if run is None:
                logger.info("job %s slot %s: skipped, claimed by another process", job.id, slot.isoformat())
                return False
            token = current_slot.set(slot)
            try:
                resolve(job.func)()
            except Exception as error:  # a job's failure must not stop the scheduler
                db.session.rollback()
                logger.exception("job %s slot %s failed", job.id, slot.isoformat())
                run = db.session.get(JobRun, run.id)
                run.status, run.error = ERROR, f"{type(error).__name__}: {error}"[:4000]
            else:
                run = db.session.get(JobRun, run.id)
                run.status = DONE
            finally:
                current_slot.reset(token)
            run.finished_at = utcnow()
            db.session.commit()
            logger.info("job %s slot %s: ran", job.id, slot.isoformat())
            return True
        finally:
            db.session.remove()


def build_scheduler(app: Flask, jobs: list[Job]):
    from apscheduler.schedulers.blocking import BlockingScheduler

    timezone = app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai"
    scheduler = BlockingScheduler(timezone=timezone, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    now = datetime.now(UTC)
    for job in jobs:
        trigger = make_trigger(job, timezone)
        extra = {}
        with app.app_context():
            if missed_slot(job, trigger, now):
                logger.info("job %s missed its last run; running it now", job.id)
                extra["next_run_time"] = now
            db.session.remove()
        scheduler.add_job(run_job, trigger=trigger, args=(app, job, trigger), id=job.id, name=job.id, **extra)
    return scheduler
