"""A gunicorn worker killed (SIGKILL) in the middle of a booking: the booking is
whole or absent, never half-written, and the app keeps serving.

The booking is a weekly series (several rows) of a studio that needs approval,
so one request writes the bookings, a history entry for each and a notification
to staff: a half-written request would show as some of these without the rest.
gunicorn runs one worker on the test database; the worker is caught inside the
booking's transaction, after its first writes, and killed:

- PostgreSQL: another connection holds the history table (audit_entries) in
  SHARE mode, so the worker, once it has locked the studio and inserted the
  bookings, waits for it. The test sees that in pg_locks (waiting on
  audit_entries, holding row locks on resources and bookings), then kills the
  worker and lets the table go.
- SQLite (WAL): the worker holds the database's write lock from its first write
  to its commit. The test watches /proc/locks for the worker's lock on the
  write-lock byte of the -shm file, stops the worker (SIGSTOP), checks that the
  lock is still held, so the worker is frozen between its first write and its
  commit, then kills it. A booking that committed before it could be stopped
  is a miss; the test tries again on another time. This checks SQLite's side
  (nothing of the transaction stays, the lock goes with the worker); only the
  PostgreSQL run stops the worker at a chosen late point, between the bookings
  and their history, where a request that commits in two steps shows (a commit
  added after the bookings' flush fails it: 6 bookings, 0 history entries).

Then: the master starts a new worker; the killed request's bookings are all
there with their history and notification, or none is; and another person books
the same times through the new worker.
"""

import os
import signal
import threading
import urllib.parse
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from incubator.audit import AuditEntry
from incubator.booking.models import Booking
from incubator.extensions import db
from incubator.notify.models import Notification
from incubator.timeutil import combine_local, to_local, to_utc
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_booking import day_ahead, make_resource
from tests.support.live import Browser, running, wait_until

ROUNDS = 3
WEEKS = 6
SQLITE_ATTEMPTS = 40
WRITE_LOCK_BYTE = 120  # SQLite's unix VFS: WAL_WRITE_LOCK in the -shm file


def booking_form(studio, attempt: int) -> dict:
    """Each attempt its own times: hours 9..20, then the next day."""
    hour = 9 + attempt % 12
    return {"what": f"r:{studio.id}", "day": day_ahead(2 + attempt // 12).isoformat(),
            "start": f"{hour:02d}:00", "end": f"{hour + 1:02d}:00", "weeks": str(WEEKS), "units": "1",
            "purpose": "杨梅直播"}


class Request(threading.Thread):
    """One POST in the background; `answer` is (status, body), status 0 when
    the connection died."""

    def __init__(self, browser: Browser, data: dict):
        super().__init__(daemon=True)
        self.browser, self.data, self.answer = browser, data, None
        self.start()

    def run(self):
        self.answer = self.browser.request("POST", "/booking/new", self.data, timeout=60)


# --- PostgreSQL: block the worker on a table lock ------------------------------------------------

class HeldHistory:
    """Another connection holding audit_entries in SHARE mode: reads go on,
    inserts wait."""

    def __init__(self, database_url: str):
        self.engine = create_engine(database_url)
        self.conn = self.engine.connect()
        self.conn.execute(text("LOCK TABLE audit_entries IN SHARE MODE"))

    def waiting_backend(self) -> int | None:
        return self.conn.execute(text(
            "SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'audit_entries'::regclass")).scalar()

    def tables_written_by(self, pid: int) -> set[str]:
        return set(self.conn.execute(text(
            "SELECT relation::regclass::text FROM pg_locks WHERE pid = :pid AND granted "
            "AND mode = 'RowExclusiveLock' AND relation IS NOT NULL"), {"pid": pid}).scalars())

    def backend_alive(self, pid: int) -> bool:
        alive = self.conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()
        self.conn.rollback()  # pg_stat_activity is read once per transaction: look afresh next time
        return bool(alive)

    def release(self):
        self.conn.rollback()

    def close(self):
        self.conn.close()
        self.engine.dispose()


def kill_blocked_on_postgres(database_url, server, browser, data) -> str:
    worker = only_worker(server)
    held = HeldHistory(database_url)
    try:
        request = Request(browser, data)
        backend = wait_until(held.waiting_backend, 20, "the booking to wait for the history table")
        # Checked by the caller after the outcome: a request that committed its
        # bookings before their history would hold no lock here, and be half-written.
        written = held.tables_written_by(backend)
        os.kill(worker, signal.SIGKILL)
        request.join(30)
        assert request.answer[0] == 0, f"the killed worker answered: {request.answer[0]}"
        held.release()
        # Its connection is gone; PostgreSQL rolls back what it had not committed.
        wait_until(lambda: not held.backend_alive(backend), 20, "the killed worker's connection to end")
    finally:
        held.close()
    return "caught", written


# --- SQLite: freeze the worker while it holds the write lock ---------------------------------------

def holds_write_lock(pid: int, shm_inode: int) -> bool:
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if len(parts) < 8 or parts[1] != "POSIX" or parts[3] != "WRITE":
            continue  # also skips waiters ("1: -> POSIX ...")
        if int(parts[4]) == pid and parts[5].rsplit(":", 1)[1] == str(shm_inode):
            start, end = int(parts[6]), parts[7]
            if start <= WRITE_LOCK_BYTE and (end == "EOF" or int(end) >= WRITE_LOCK_BYTE):
                return True
    return False


def kill_mid_write_on_sqlite(database_url, server, browser, data) -> str:
    worker = only_worker(server)
    shm_inode = os.stat(make_url(database_url).database + "-shm").st_ino
    request = Request(browser, data)
    while request.is_alive():
        if holds_write_lock(worker, shm_inode):
            os.kill(worker, signal.SIGSTOP)
            if holds_write_lock(worker, shm_inode):  # frozen between its first write and its commit
                os.kill(worker, signal.SIGKILL)
                request.join(30)
                assert request.answer[0] == 0, f"the killed worker answered: {request.answer[0]}"
                wait_until(lambda: not holds_write_lock(worker, shm_inode), 10, "the lock to go with the worker")
                return "caught", None
            os.kill(worker, signal.SIGCONT)
    request.join(30)
    assert request.answer[0] in (303, 200), request.answer
    return "missed", None


def only_worker(server) -> int:
    [worker] = server.worker_pids()
    return worker


# --- the test ---------------------------------------------------------------------------------------

def series_starts(data: dict) -> list[datetime]:
    first = combine_local(date.fromisoformat(data["day"]), time.fromisoformat(data["start"]))
    return [to_utc(to_local(first) + timedelta(weeks=week)) for week in range(WEEKS)]


def whole_or_absent(person, studio, data: dict) -> str:
    """'absent' or 'whole': every booking of the series asked for with its
    history, and staff told; anything else fails."""
    db.session.rollback()
    bookings = db.session.scalars(select(Booking).where(
        Booking.user_id == person.id, Booking.resource_id == studio.id,
        Booking.starts_at.in_(series_starts(data)))).all()
    ids = [b.id for b in bookings]
    history = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "bookings", AuditEntry.object_id.in_(ids or [0])))
    told = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "booking.awaiting_approval", Notification.object_id.in_(ids or [0])))
    if not bookings:
        return "absent"
    assert (len(bookings), history, told) == (WEEKS, WEEKS, 1), \
        f"half-written: {len(bookings)} bookings, {history} history entries, {told} notifications"
    return "whole"


def test_a_worker_killed_in_the_middle_of_a_booking_leaves_it_whole_or_absent(database_url, is_postgres, tmp_path):
    if not is_postgres and not Path("/proc/locks").exists():
        pytest.skip("needs Linux's /proc/locks to see SQLite's write lock")
    studio = make_resource("1号直播间", approval_required=True, min_notice_minutes=0, max_advance_days=120)
    make_user("staff")
    people = [make_user("shop_owner") for _ in range(ROUNDS)]
    after = make_user("shop_owner")
    log = tmp_path / "gunicorn.log"
    kill = kill_blocked_on_postgres if is_postgres else kill_mid_write_on_sqlite
    outcomes, attempts, missed = [], 0, 0
    with running(database_url, log, workers=1, threads=2) as server:
        for person in people:
            browser = Browser(server.base, language="en")
            browser.login(person.phone, DEFAULT_PASSWORD)
            while True:
                assert attempts < SQLITE_ATTEMPTS, f"never caught the worker mid-write in {attempts} attempts"
                data = dict(booking_form(studio, attempts), csrf_token=browser.token("/booking/new"))
                attempts += 1
                victim = only_worker(server)
                outcome, written = kill(database_url, server, browser, data)
                if outcome == "caught":
                    break
                missed += 1
            # The master starts a new worker, which serves.
            wait_until(lambda v=victim: server.worker_pids() not in ([], [v]) and len(server.worker_pids()) == 1,
                       30, "gunicorn to start a new worker")
            outcomes.append(whole_or_absent(person, studio, data))
            if written is not None:
                assert {"resources", "bookings"} <= written, f"caught before its first writes: {written}"
            # The same times are bookable again by someone else (or taken whole).
            other = Browser(server.base, language="en")
            other.login(after.phone, DEFAULT_PASSWORD)
            status, body = other.post("/booking/new", {k: v for k, v in data.items() if k != "csrf_token"})
            # A weekly series redirects to the list of booked dates, or answers 422 when none could be.
            if outcomes[-1] == "absent":
                assert status == 303, body[:1000]
                status, body = other.get(urllib.parse.urlsplit(other.last_location).path)
                assert status == 200 and "already taken" not in body, body[:1000]
            else:
                assert status == 422 and "None of the dates could be booked" in body, body[:1000]
    assert "Traceback" not in log.read_text()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Booking).where(Booking.user_id == after.id)) \
        == WEEKS * outcomes.count("absent")
    print(f"\nworker killed mid-booking: {ROUNDS} kills ({outcomes.count('absent')} absent, "
          f"{outcomes.count('whole')} whole), {missed} attempts committed before they could be caught")
