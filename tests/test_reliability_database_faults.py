"""The database goes away under load; people read a friendly page, the
application comes back by itself, and nothing is half-written.

PostgreSQL (--database-url): gunicorn with two workers serves a stream of
sign-ups, applications and page views from several threads; in the middle
this machine's PostgreSQL is stopped and started again (pg_ctlcluster). The
requests caught while it is down answer the translated 503 page, the app
answers 200 again within seconds without being restarted (pool_pre_ping), and
every account has its role and consent record, every application its event
and notification.

SQLite: the same fault is a write lock held longer than the busy timeout; a
sign-up caught behind it answers the friendly 503, never a 500, writes
nothing, and the next sign-up goes through.
"""

import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from incubator.accounts.models import ConsentRecord, User, UserRole
from incubator.enrolment.models import Application, ApplicationEvent
from incubator.extensions import db
from incubator.notify.models import Notification
from tests.factories import DEFAULT_PASSWORD, default_test_site, make_user
from tests.factories_enrolment import make_cohort, make_programme
from tests.support.live import Browser, running, wait_until
from tests.test_enrolment_views import apply_data

FRIENDLY_EN = "Please try again in a moment"
FRIENDLY_ZH = "请稍后再试"
PASSWORD = "lieshita-2026-live"


def cluster_version() -> str:
    return sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]


def pg_ctl(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster_version(), "main", action],
                   check=True, capture_output=True)


def forget_dead_connections() -> None:
    """Pools in this test process (the test database's, and the fixture's
    that drops the database at the end) still hold connections the restart
    killed; drop them so the next use connects afresh."""
    import gc

    from sqlalchemy.engine import Engine

    for engine in [obj for obj in gc.get_objects() if isinstance(obj, Engine)]:
        if engine.url.database == "postgres":
            engine.dispose()
    db.engine.dispose()


def ensure_running(timeout: float = 300) -> None:
    """Leave this machine's PostgreSQL accepting connections: wait out a
    shutdown still in progress, then start it if it is down."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], timeout=30).returncode
        if ready == 0:
            return
        if ready == 2:  # no server: start it
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster_version(), "main", "start"],
                           capture_output=True, timeout=120)
        time.sleep(0.5)
    raise AssertionError("PostgreSQL did not come back")


def assert_friendly_503(body: str, language: str = "en") -> None:
    assert (FRIENDLY_EN if language == "en" else FRIENDLY_ZH) in body, body[:800]
    assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body


def assert_whole(phones: set[str]) -> None:
    """Every account made by a sign-up has its role and its consent record;
    every application has its 'submitted' event and its notification."""
    db.session.rollback()
    for user in db.session.scalars(select(User).where(User.phone.in_(phones))):
        roles = db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.user_id == user.id))
        consents = db.session.scalar(select(func.count()).select_from(ConsentRecord)
                                     .where(ConsentRecord.user_id == user.id))
        assert (roles, consents) == (1, 1), f"half-written account {user.phone}: {roles} roles, {consents} consents"
    for application in db.session.scalars(select(Application)):
        events = db.session.scalar(select(func.count()).select_from(ApplicationEvent)
                                   .where(ApplicationEvent.application_id == application.id))
        notices = db.session.scalar(select(func.count()).select_from(Notification)
                                    .where(Notification.user_id == application.user_id))
        assert events == 1 and notices >= 1, f"half-written application {application.id}"


class Load:
    """Threads sending sign-ups, applications and page views until stopped
    (or a bound is reached); every answer is kept."""

    def __init__(self, base: str, people, cohorts, per_thread: int = 400):
        self.base, self.people, self.cohorts, self.per_thread = base, people, cohorts, per_thread
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers: list[tuple[str, int, str, str]] = []  # (what, status, body, language)
        self.signed_up: set[str] = set()  # phones whose sign-up answered 303
        self.tried: set[str] = set()
        self.applied: set[tuple[int, int]] = set()  # (user id, cohort id) answered 303
        self.threads = [threading.Thread(target=self.sign_ups, args=(n,)) for n in range(3)]
        self.threads += [threading.Thread(target=self.applications, args=(person,)) for person in people]
        self.threads += [threading.Thread(target=self.views, args=(language,)) for language in ("en", "zh-CN")]

    def keep(self, what, status, body, language="en"):
        with self.lock:
            self.answers.append((what, status, body, language))

    def count(self, status=None, what=None, since=0) -> int:
        with self.lock:
            return sum(1 for w, s, _b, _l in self.answers[since:]
                       if (status is None or s == status) and (what is None or w == what))

    def sign_ups(self, n):
        browser = Browser(self.base)
        for i in range(self.per_thread):
            if self.stop.is_set():
                return
            phone = f"1366{n:02d}{i:05d}"
            status, html = browser.get("/signup")
            self.keep("signup-form", status, html)
            if status != 200:
                continue
            token = html.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
            with self.lock:
                self.tried.add(phone)
            status, body = browser.request("POST", "/signup", {
                "display_name": f"学员{n}-{i}", "login_name": phone, "password": PASSWORD, "consent": "y",
                "csrf_token": token})
            self.keep("signup", status, body)
            if status == 303:
                with self.lock:
                    self.signed_up.add(phone)
                browser = Browser(self.base)  # signed in now: a fresh browser for the next one

    def applications(self, person):
        person_id, login_name = person
        browser = Browser(self.base)
        browser.login(login_name, DEFAULT_PASSWORD)
        for cohort_id in self.cohorts[: self.per_thread]:
            if self.stop.is_set():
                return
            for _attempt in range(50):  # until this class's form goes through (or stop)
                if self.stop.is_set():
                    return
                path = f"/classes/{cohort_id}/apply"
                status, html = browser.get(path)
                self.keep("apply-form", status, html)
                if status != 200 or 'name="csrf_token"' not in html:
                    continue
                token = html.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
                status, body = browser.request("POST", path, dict(apply_data(), csrf_token=token))
                self.keep("apply", status, body)
                if status == 303:
                    with self.lock:
                        self.applied.add((person_id, cohort_id))
                    break
                if status == 422:  # applied already (its first answer was lost): fine
                    break

    def views(self, language):
        browser = Browser(self.base, language=language)
        for _i in range(self.per_thread):
            if self.stop.is_set():
                return
            status, body = browser.get("/programmes")
            self.keep("programmes", status, body, language)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self.threads), "a load thread hung"


def test_postgresql_restarted_under_load(is_postgres, database_url, tmp_path):
    default_test_site()
    programme = make_programme()
    cohorts = [make_cohort(programme, capacity=100).id for _ in range(8)]
    people = [(u.id, u.login_name) for u in (make_user("trainee") for _ in range(3))]
    if not is_postgres:
        return _sqlite_write_lock(database_url, tmp_path)
    # The shutdown checkpoint of a machine where many test databases come and
    # go can take a minute; take it now, so the stop itself is quick.
    db.session.execute(text("CHECKPOINT"))
    db.session.commit()
    log = tmp_path / "gunicorn.log"
    with running(database_url, log) as server:
        probe = Browser(server.base)
        try:
            with Load(server.base, people, cohorts) as load:
                wait_until(lambda: load.count(303) >= 5, 60, "some writes before the fault")
                pg_ctl("stop")
                # In-flight and new requests now fail: wait until the load has met it.
                wait_until(lambda: load.count(503, "programmes") >= 2 and load.count(503) >= 4, 30,
                           "requests to meet the stopped database")
                pg_ctl("start")
                started = time.monotonic()
                mark = len(load.answers)
                wait_until(lambda: probe.get("/programmes")[0] == 200, 20, "the app to answer 200 again")
                recovered_in = time.monotonic() - started
                wait_until(lambda: load.count(303, since=mark) >= 5, 60, "writes after the restart")
        finally:
            ensure_running()
            forget_dead_connections()
        failures = [(w, s, b[:300]) for w, s, b, _l in load.answers if s not in (200, 303, 422, 503)]
        assert not failures, failures
        for what, status, body, language in load.answers:
            if status == 503:
                assert_friendly_503(body, language if what == "programmes" else "en")
        assert any(s == 503 and lang == "zh-CN" for _w, s, _b, lang in load.answers), "no Chinese 503 seen"
        assert recovered_in < 20
    # Every sign-up that was answered 303 is there; every account is whole.
    db.session.rollback()
    found = set(db.session.scalars(select(User.phone).where(User.phone.in_(load.tried))))
    assert load.signed_up <= found
    assert_whole(load.tried)
    made = set(db.session.execute(select(Application.user_id, Application.cohort_id)).tuples())
    assert load.applied <= made and load.applied
    print(f"\nPostgreSQL restart: {len(load.answers)} requests, {load.count(503)} answered 503, "
          f"{len(found)} accounts and {len(made)} applications whole, back in {recovered_in:.1f}s")


def _sqlite_write_lock(database_url, tmp_path):
    path = make_url(database_url).database
    log = tmp_path / "gunicorn.log"
    with running(database_url, log, workers=1, threads=2) as server:
        locker = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            locker.execute("BEGIN IMMEDIATE")  # a long write elsewhere (a backup, a batch job)
            results = {}
            for language, phone in (("en", "13688880001"), ("zh-CN", "13688880002")):
                browser = Browser(server.base, language=language)
                token = browser.token("/signup")  # reading still works under a write lock (WAL)
                results[language] = browser.request("POST", "/signup", {
                    "display_name": "等待中的学员", "login_name": phone, "password": PASSWORD,
                    "consent": "y", "csrf_token": token}, timeout=60)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        for language, (status, body) in results.items():
            assert status == 503, (status, body[:500])
            assert_friendly_503(body, "en" if language == "en" else "zh")
        # The lock is gone: the same sign-up now goes through, once.
        browser = Browser(server.base)
        status, body = browser.post("/signup", {"display_name": "等待中的学员", "login_name": "13688880001",
                                                "password": PASSWORD, "consent": "y"})
        assert status == 303, body[:500]
    db.session.rollback()
    assert db.session.scalars(select(User.phone).where(User.phone.like("136888800%"))).all() == ["13688880001"]
    assert_whole({"13688880001", "13688880002"})
    assert "Traceback" not in log.read_text()
