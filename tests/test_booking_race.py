"""Never double-booked, under real concurrency: 50 people ask for the same slot
at the same moment through gunicorn with 4 worker processes, against the test
database (SQLite or PostgreSQL). Exactly one gets it; the others get the
"already taken" message with status 422, and the database holds one booking."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from flask import g, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from incubator import PROJECT_ROOT
from incubator.booking.models import ACTIVE, Booking
from incubator.extensions import db
from incubator.timeutil import local_today
from tests.factories import make_user
from tests.factories_booking import make_resource

REQUESTS = 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _signed_in(app, user) -> tuple[str, str]:
    """A session cookie and CSRF token for `user`, as a login would leave them."""
    from incubator.accounts.sessions import start_session

    record = start_session(user)
    with app.test_request_context("/"):
        session["sid"] = record.token
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        g.pop("csrf_token", None)  # generate_csrf caches per app context; each person has her own
        token = generate_csrf()
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return cookie, token


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": app.config["SECRET_KEY"],
           "INCUBATOR_ENV": "test", "RATELIMIT_STORAGE_URI": "memory://", "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "--no-control-socket", "-b", f"127.0.0.1:{port}",
         "--preload", "--log-level", "warning", "incubator:create_app()"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while True:  # wait until it answers (not a timing sleep: a readiness poll)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode()[-2000:]) from None
            time.sleep(0.1)
    yield port
    process.send_signal(signal.SIGINT)  # quick shutdown (SIGTERM would wait for the graceful timeout)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_fifty_concurrent_requests_for_one_slot_give_it_to_exactly_one(app, gunicorn):
    studio = make_resource(min_notice_minutes=0)
    people = [make_user("shop_owner", locale="en") for _ in range(REQUESTS)]
    sessions = [_signed_in(app, person) for person in people]
    day = (local_today() + timedelta(days=2)).isoformat()
    studio_id = studio.id  # the threads below have no app context

    def ask(signed):
        cookie, token = signed
        body = urlencode({"csrf_token": token, "what": f"r:{studio_id}", "day": day, "start": "19:00",
                          "end": "21:00", "weeks": "1", "units": "1", "purpose": "抢同一个时段"})
        conn = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=60)
        conn.request("POST", "/booking/new", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"session={cookie}",
            "Accept-Language": "en"})
        response = conn.getresponse()
        return response.status, response.read().decode()

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        answers = list(pool.map(ask, sessions))

    statuses = [status for status, _html in answers]
    assert statuses.count(303) == 1, statuses
    refused = [html for status, html in answers if status != 303]
    assert all(status == 422 for status in statuses if status != 303), statuses
    assert all("This time is already taken" in html for html in refused)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.status.in_(ACTIVE))) == 1
