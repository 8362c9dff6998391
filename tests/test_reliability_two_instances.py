"""Two web instances and one scheduler against one PostgreSQL: no conflicts,
each job once.

Two gunicorn instances (two workers each, on two ports) and one `flask
scheduler` (with a heartbeat job every second) run against the test database.
Through both instances at the same moment, people:

- send the same application to both instances at once (one record each);
- book one ring light of a pool of three for the same hour (three get one);
- book one studio for the same hour (one gets it);
- and two staff members, one on each instance, accept every application of a
  class of three places at once (three are accepted).

Meanwhile the scheduler runs its jobs: the cron jobs it catches up at start,
the heartbeat every second, the one-minute jobs if a minute turns. Every run
in job_runs is the scheduler's (web workers never run jobs), each slot once,
and the heartbeat file (written by the job itself, no constraint behind it)
has each second once.

PostgreSQL only: several web instances on several machines need a database
server; SQLite's many-process case is the booking race (tests/test_booking_race.py).
"""

import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from incubator import PROJECT_ROOT
from incubator.booking.models import ACTIVE, Booking
from incubator.enrolment.models import ACCEPTED, Application
from incubator.extensions import db
from incubator.notify.models import JobRun
from incubator.timeutil import local_today
from tests.factories import make_user
from tests.factories_booking import make_equipment, make_resource
from tests.factories_enrolment import make_cohort
from tests.support.live import running, server_env, wait_until
from tests.test_booking_race import _signed_in
from tests.test_enrolment_views import apply_data

APPLICANTS, LIGHT_SEEKERS, STUDIO_SEEKERS = 8, 8, 6
PLACES, LIGHTS = 3, 3
HEARTBEATS = 5


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def send(base: str, signed: tuple[str, str], path: str, data: dict) -> int:
    """POST as a signed-in person (session cookie, CSRF token); the status."""
    cookie, token = signed
    body = urllib.parse.urlencode({**data, "csrf_token": token}, doseq=True).encode()
    request = urllib.request.Request(base + path, data=body, method="POST",
                                     headers={"Cookie": f"session={cookie}", "Accept-Language": "en"})
    try:
        with OPENER.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def at_once(calls) -> list:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait(timeout=60)
        try:
            results[i] = call()
        except OSError as error:  # no HTTP answer at all
            results[i] = repr(error)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_two_web_instances_and_a_scheduler_share_one_postgresql(app, database_url, is_postgres, tmp_path):
    if not is_postgres:
        pytest.skip("PostgreSQL only: several web instances need a database server (run with --database-url)")
    cohort = make_cohort(capacity=PLACES)
    lights = make_equipment("环形补光灯", LIGHTS, min_notice_minutes=0)
    studio = make_resource("1号直播间", min_notice_minutes=0)
    staff = [make_user("staff", locale="en") for _ in range(2)]
    applicants = [make_user("trainee", locale="en") for _ in range(APPLICANTS)]
    seekers = [make_user("shop_owner", locale="en") for _ in range(LIGHT_SEEKERS + STUDIO_SEEKERS)]
    signed = {person.id: _signed_in(app, person) for person in staff + applicants + seekers}
    day = (local_today() + timedelta(days=2)).isoformat()
    # The threads below have no app context: plain values only.
    cohort_id, lights_id, studio_id = cohort.id, lights.id, studio.id
    staff_ids, applicant_ids = [p.id for p in staff], [p.id for p in applicants]
    seeker_ids = [p.id for p in seekers]

    heartbeat = tmp_path / "heartbeat.txt"
    scheduler_log = tmp_path / "scheduler.log"
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--heartbeat", str(heartbeat),
         "--heartbeat-seconds", "1"],
        cwd=PROJECT_ROOT, env=server_env(database_url), stdout=subprocess.DEVNULL, stderr=scheduler_log.open("w"))
    scheduler_runner = f"{socket.gethostname()}:{scheduler.pid}"
    try:
        with running(database_url, tmp_path / "a.log") as a, running(database_url, tmp_path / "b.log") as b:
            bases = [a.base, b.base]

            def apply_on(base, person_id):
                return lambda: send(base, signed[person_id], f"/classes/{cohort_id}/apply", apply_data())

            def book_on(base, person_id, resource_id, hour):
                return lambda: send(base, signed[person_id], "/booking/new", {
                    "what": f"r:{resource_id}", "day": day, "start": f"{hour}:00", "end": f"{hour + 1}:00",
                    "weeks": "1", "units": "1", "purpose": "同一时段"})

            def accept_on(base, person_id, application_id):
                return lambda: send(base, signed[person_id], f"/staff/applications/{application_id}/accept", {})

            # Everyone at once: each application to both instances, bookings alternating instances.
            calls = [apply_on(base, person_id) for person_id in applicant_ids for base in bases]
            calls += [book_on(bases[i % 2], person_id, lights_id, 19)
                      for i, person_id in enumerate(seeker_ids[:LIGHT_SEEKERS])]
            calls += [book_on(bases[i % 2], person_id, studio_id, 20)
                      for i, person_id in enumerate(seeker_ids[LIGHT_SEEKERS:])]
            answers = at_once(calls)
            applied, booked = answers[:2 * APPLICANTS], answers[2 * APPLICANTS:]
            for first, second in zip(applied[::2], applied[1::2], strict=True):
                assert sorted([first, second], key=str) == [303, 422], applied
            assert sorted(booked[:LIGHT_SEEKERS], key=str) == [303] * LIGHTS + [422] * (LIGHT_SEEKERS - LIGHTS), booked
            assert sorted(booked[LIGHT_SEEKERS:], key=str) == [303] + [422] * (STUDIO_SEEKERS - 1), booked

            # Two staff members, one on each instance, accept every application at once.
            db.session.rollback()
            ids = db.session.scalars(select(Application.id).where(Application.cohort_id == cohort_id)).all()
            db.session.rollback()
            answers = at_once([accept_on(bases[n % 2], staff_ids[n % 2], application_id)
                               for n, application_id in enumerate(ids * 2)])
            assert set(answers) == {303}, answers  # refused ones come back with a message, as a redirect

            # The scheduler ran meanwhile; give it a few heartbeats if it needs them.
            wait_until(lambda: heartbeat.exists() and len(heartbeat.read_text().split()) >= 2 * HEARTBEATS,
                       30, f"{HEARTBEATS} heartbeats")
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=20)

    db.session.rollback()
    # No conflicts: one application per person, the class's places, the pool's items, the studio.
    per_person = Counter(db.session.scalars(select(Application.user_id).where(Application.cohort_id == cohort.id)))
    assert sorted(per_person) == sorted(p.id for p in applicants) and set(per_person.values()) == {1}
    assert db.session.scalar(select(func.count()).select_from(Application).where(
        Application.cohort_id == cohort.id, Application.status == ACCEPTED)) == PLACES
    units = db.session.scalars(select(Booking.unit).where(Booking.resource_id == lights.id,
                                                          Booking.status.in_(ACTIVE))).all()
    assert sorted(units) == list(range(1, LIGHTS + 1))
    assert db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.resource_id == studio.id, Booking.status.in_(ACTIVE))) == 1

    # Each job once per slot, all run by the one scheduler.
    runs = db.session.execute(select(JobRun.job_id, JobRun.slot, JobRun.runner, JobRun.status)).all()
    assert {r.runner for r in runs} == {scheduler_runner}, "a job ran outside the scheduler"
    assert all(r.status == "done" for r in runs), [r for r in runs if r.status != "done"]
    per_slot = Counter((r.job_id, r.slot) for r in runs)
    assert set(per_slot.values()) == {1}
    lines = [line.split() for line in heartbeat.read_text().splitlines()]
    assert {runner for _slot, runner in lines} == {scheduler_runner}
    written = Counter(slot for slot, _runner in lines)
    assert len(written) >= HEARTBEATS and set(written.values()) == {1}, "a heartbeat slot ran twice"
    assert set(written) <= {slot.isoformat() for job, slot in per_slot if job == "notify.heartbeat"}
    ran = re.findall(r"job (\S+) slot \S+: ran", scheduler_log.read_text())
    jobs = Counter(job for job, _slot in per_slot)
    assert Counter(ran) == jobs, "the log and job_runs disagree"
    print(f"\ntwo instances + scheduler: {2 * APPLICANTS} applications sent, "
          f"{LIGHT_SEEKERS + STUDIO_SEEKERS} bookings asked, {2 * len(ids)} acceptances; "
          f"job runs: {dict(sorted(jobs.items()))}")
    assert "Traceback" not in (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
