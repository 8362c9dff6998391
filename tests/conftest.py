"""Fixtures shared by every test.

The database is real: SQLite in a temporary file by default, PostgreSQL with
--database-url (make test passes TEST_DATABASE_URL). Each test run gets a
database of its own, created here and dropped at the end; every test starts
from empty tables. CSRF protection stays on, as in production.
"""

import os
import re

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from incubator import create_app
from incubator.extensions import db, limiter

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_addoption(parser):
    parser.addoption("--database-url", default=os.environ.get("PYTEST_DATABASE_URL", ""),
                     help="Run against this PostgreSQL server (a database of its own is created).")


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    base = request.config.getoption("--database-url")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    # One database per test process, so that parallel runs never share tables.
    name = f"{url.database or 'incubator_test'}_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Tests keep an app context pushed (for factories and services); without
    this, requests would reuse it and share `g`: the logged-in user and the
    chosen language would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        "SMTP_HOST": "",
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def app_context(app):
    """Every test runs inside an app context, on empty tables."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        empty_all_tables()
        limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


# --- Helpers for view tests ----------------------------------------------------

def csrf_token(client, path: str = "/") -> str:
    """The CSRF token of this client's session, read from a page as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client, path: str, data: dict | None = None, htmx: bool = False, **kwargs):
    """POST a form with the session's CSRF token, plainly or as htmx would."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    headers = dict(kwargs.pop("headers", {}))
    if htmx:
        headers.update({"HX-Request": "true", "HX-Current-URL": "http://localhost/"})
    return client.post(path, data=data, headers=headers, **kwargs)


def htmx_get(client, path: str, **kwargs):
    return client.get(path, headers={"HX-Request": "true"}, **kwargs)


def login(client, user, password: str | None = None):
    from tests.factories import DEFAULT_PASSWORD

    response = post(client, "/login", {"login_name": user.login_name, "password": password or DEFAULT_PASSWORD})
    assert response.status_code in (302, 303), f"login failed for {user.login_name}: {response.status_code}"
    return response
