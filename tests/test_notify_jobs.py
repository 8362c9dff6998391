import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from incubator import PROJECT_ROOT
from incubator.areas import Job
from incubator.enrolment.models import ACCEPTED, SUBMITTED, Application, Cohort, Programme
from incubator.extensions import db
from incubator.notify import digest
from incubator.notify.models import DONE, EMAIL, ERROR, JobRun, Notification, OutboxMessage
from incubator.notify.scheduler import collect_jobs, make_trigger, run_job, slot_for
from incubator.notify.service import save_preferences, text_for
from incubator.timeutil import combine_local
from incubator.training.models import TrainingSession
from tests.factories import default_test_site, make_site, make_user

CALLS = []


def record_call():
    CALLS.append(1)


def failing_job():
    raise RuntimeError("the job broke")


# --- The scheduler, in-process ---------------------------------------------------

def test_every_areas_jobs_are_collected(app):
    ids = [job.id for job in collect_jobs(app)]
    assert "notify.outbox" in ids and "notify.weekly_digest" in ids


def test_slots_are_the_scheduled_fire_times_whatever_the_delay():
    every_minute = make_trigger(Job("t", "x:y", "interval", {"minutes": 1}), "Asia/Shanghai")
    now = datetime(2026, 11, 23, 6, 30, 0, 700000, tzinfo=UTC)
    assert slot_for(every_minute, now) == datetime(2026, 11, 23, 6, 30)
    assert slot_for(every_minute, now + timedelta(seconds=40)) == datetime(2026, 11, 23, 6, 30)
    monday_8 = make_trigger(Job("d", "x:y", "cron", {"day_of_week": "mon", "hour": 8, "minute": 0}),
                            "Asia/Shanghai")
    # Monday 08:00 in Nanjing is 00:00 UTC; a run started a little late keeps its slot,
    # and the same slot holds all week.
    expected = datetime(2026, 11, 23, 0, 0)
    assert slot_for(monday_8, datetime(2026, 11, 23, 0, 0, 3, tzinfo=UTC)) == expected
    assert slot_for(monday_8, datetime(2026, 11, 27, 12, 0, tzinfo=UTC)) == expected


def test_a_slot_runs_once_even_when_two_schedulers_fire_it(app):
    CALLS.clear()
    job = Job("test.record", "tests.test_notify_jobs:record_call", "interval", {"seconds": 30})
    trigger = make_trigger(job, "Asia/Shanghai")
    # Five seconds into a 30-second slot, so the second firing (a second
    # later) is surely in the same slot; the clock's own second made this flaky.
    now = datetime(2026, 11, 23, 6, 30, 5, tzinfo=UTC)
    assert run_job(app, job, trigger, now) is True
    assert run_job(app, job, trigger, now + timedelta(seconds=1)) is False
    assert CALLS == [1]
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "test.record"))
    assert run.status == DONE and run.finished_at is not None


def test_a_failing_job_is_recorded_and_does_not_stop_the_scheduler(app):
    job = Job("test.fail", "tests.test_notify_jobs:failing_job", "interval", {"seconds": 30})
    assert run_job(app, job, make_trigger(job, "Asia/Shanghai")) is True
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "test.fail"))
    assert run.status == ERROR and "the job broke" in run.error


def _wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_two_scheduler_processes_run_each_slot_exactly_once(app, database_url, tmp_path):
    """Two real `flask scheduler` processes on the test database (PostgreSQL
    with --database-url, SQLite otherwise), a heartbeat job every second."""
    heartbeat = tmp_path / "heartbeat.txt"
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="test", INCUBATOR_ENV="test",
               SMTP_HOST="", PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler",
               "--heartbeat", str(heartbeat), "--heartbeat-seconds", "1"]
    logs = [tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"]
    processes = [subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=log.open("w")) for log in logs]
    pattern = re.compile(r"job notify\.heartbeat slot (\S+): (ran|skipped)")

    def outcomes():
        return [dict((s, r) for s, r in pattern.findall(log.read_text())) for log in logs]

    def both_competed_for_three_slots():
        first, second = outcomes()
        return len(set(first) & set(second)) >= 3

    try:
        _wait_until(both_competed_for_three_slots, 60, "both schedulers to fire three common slots")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
    first, second = outcomes()
    for slot in set(first) & set(second):
        assert sorted([first[slot], second[slot]]) == ["ran", "skipped"], slot
    ran = Counter(slot for log in (first, second) for slot, outcome in log.items() if outcome == "ran")
    assert ran and set(ran.values()) == {1}
    lines = heartbeat.read_text().split()
    written = Counter(lines[::2])  # "slot host:pid" per line
    assert set(written.values()) == {1}, "a slot ran twice"
    db.session.rollback()
    claimed = db.session.scalars(select(JobRun.slot).where(JobRun.job_id == "notify.heartbeat")).all()
    assert {s.isoformat() for s in claimed} >= set(ran)


# --- The weekly digest -----------------------------------------------------------------

def _cohort(site):
    programme = Programme(site_id=site.id, name="带娃妈妈直播入门")
    db.session.add(programme)
    db.session.flush()
    cohort = Cohort(programme_id=programme.id, site_id=site.id, name="第三期", starts_on=date(2026, 11, 1),
                    ends_on=date(2026, 12, 20), capacity=20)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def test_the_weekly_digest_counts_applications_sessions_and_waiting_items():
    site = default_test_site()
    other_site = make_site("另一个基地")
    staff = make_user("staff", site=site, locale="en", email="fang@example.org")
    make_user("staff", site=other_site)
    cohort = _cohort(site)
    now = combine_local(date(2026, 11, 23), datetime.min.time().replace(hour=8))  # Monday 08:00 local
    applicants = [make_user(site=site) for _ in range(4)]
    db.session.add_all([
        Application(cohort_id=cohort.id, user_id=applicants[0].id, site_id=site.id, status=SUBMITTED,
                    submitted_at=now - timedelta(days=1)),
        Application(cohort_id=cohort.id, user_id=applicants[1].id, site_id=site.id, status=SUBMITTED,
                    submitted_at=now - timedelta(days=5)),  # new this week and waiting > 3 days
        Application(cohort_id=cohort.id, user_id=applicants[2].id, site_id=site.id, status=ACCEPTED,
                    submitted_at=now - timedelta(days=20)),
        Application(cohort_id=cohort.id, user_id=applicants[3].id, site_id=site.id, status=SUBMITTED,
                    submitted_at=now - timedelta(days=10)),  # waiting
    ])
    for day in (0, 2, 9):
        start = now + timedelta(days=day, hours=1)
        db.session.add(TrainingSession(cohort_id=cohort.id, site_id=site.id, topic="手机直播布光",
                                       starts_at=start, ends_at=start + timedelta(hours=2)))
    db.session.commit()

    assert digest.send_weekly_digests(now) == 2  # one per staff member, each of her own base
    assert digest.send_weekly_digests(now + timedelta(hours=3)) == 0  # the job ran twice: nobody told twice
    mine = db.session.scalar(select(Notification).where(Notification.user_id == staff.id))
    assert mine.params["sections"] == [{"key": "new_applications", "count": 2},
                                       {"key": "sessions_this_week", "count": 2},
                                       {"key": "stalled_applications", "count": 2}]
    english = text_for(mine, "en")
    assert "November 23, 2026" in english
    assert "2 new applications in the last seven days" in english
    assert "2 applications have waited more than three days" in english
    assert "本周有 2 节课程" in text_for(mine, "zh_Hans_CN")
    # Staff get it by e-mail too (the digest is on by default when they gave an address).
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == staff.id))
    assert mail.channel == EMAIL and "2 training sessions this week" in mail.body


def test_areas_can_add_digest_sections_and_people_can_turn_the_email_off(monkeypatch):
    site = default_test_site()
    staff = make_user("staff", site=site, email="li@example.org", locale="en")
    save_preferences(staff, {"digest": {EMAIL: False}})
    section = digest.DigestSection("shops_waiting", lambda n: f"{n} shops waiting", lambda *_: 3)
    monkeypatch.setattr(digest, "digest_sections", [*digest.digest_sections, section])
    digest.send_weekly_digests()
    mine = db.session.scalar(select(Notification).where(Notification.user_id == staff.id))
    assert "3 shops waiting" in text_for(mine, "en")
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_a_reminder_is_sent_once_however_often_its_job_runs():
    from incubator.notify.reminders import due_window, reminder_key
    from incubator.notify.service import notify

    person = make_user()
    start = datetime(2026, 11, 23, 1, 0)
    sent = 0
    for minutes in (0, 5, 10):  # the reminder job every five minutes, an hour before
        now = start - timedelta(hours=1) + timedelta(minutes=minutes)
        window_start, window_end = due_window(timedelta(hours=1), now)
        if window_start < start <= window_end and notify(
                person, "notify.announcement", {"text": "一小时后上课"},
                dedupe_key=reminder_key("session", 7, "1h")):
            sent += 1
        db.session.commit()
    assert sent == 1
    assert db.session.scalar(select(Notification.dedupe_key)) == "session:7:1h"


def test_pruning_keeps_recent_history():
    from incubator.notify.jobs import prune
    from incubator.timeutil import utcnow

    old, recent = utcnow() - timedelta(days=40), utcnow()
    db.session.add_all([JobRun(job_id="x", slot=old, started_at=old),
                        JobRun(job_id="x", slot=recent, started_at=recent)])
    db.session.commit()
    prune()
    assert db.session.scalars(select(JobRun.slot)).all() == [recent]


def test_a_weekly_job_missed_while_no_scheduler_ran_is_caught_up_once(app):
    from incubator.notify.scheduler import missed_slot

    CALLS.clear()
    job = Job("test.weekly", "tests.test_notify_jobs:record_call", "cron",
              {"day_of_week": "mon", "hour": 8, "minute": 0})
    trigger = make_trigger(job, "Asia/Shanghai")
    tuesday = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the Monday 08:00 run was missed
    assert missed_slot(job, trigger, tuesday) == datetime(2026, 11, 23, 0, 0)
    assert run_job(app, job, trigger, tuesday) is True
    assert missed_slot(job, trigger, tuesday) is None  # ran now: nothing to catch up
    assert missed_slot(job, trigger, datetime(2026, 12, 6, 2, 0, tzinfo=UTC)) is not None
    every_minute = Job("test.often", "x:y", "interval", {"minutes": 1})
    assert missed_slot(every_minute, make_trigger(every_minute, "Asia/Shanghai"), tuesday) is None
    assert CALLS == [1]
