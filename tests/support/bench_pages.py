"""Requesting the benchmark's pages (bench/pages.py) in tests, recording the
SQL each one runs: for tests/test_query_counts.py and test_query_plans.py."""

from sqlalchemy import event

from bench.pages import available, find_ids
from incubator.extensions import db
from incubator.scale.seed import BENCH_PASSWORD, KNOWN, seed_scale
from tests.conftest import post

TINY = {"sites": 2, "people": 60, "shops": 3, "resources": 3, "bookings": 30, "cohorts": 3, "attendance": 60,
        "mentors": 3, "mentorships": 3, "livestreams": 3}
TEN_TIMES = {key: value * 10 for key, value in TINY.items()}


class StatementRecorder:
    """Every statement sent to the database while active, with its parameters."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[tuple[str, object]] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def page_statements(app, sizes: dict) -> dict[str, list[tuple[str, object]]]:
    """Build the data with seed-scale at these sizes, then request each page
    (once to warm up, once recorded) as the person the benchmark uses."""
    seed_scale("small", sizes, echo=lambda *a: None)
    ids = find_ids(db.session.connection())
    db.session.commit()
    clients, recorded = {}, {}
    for page in available({rule.endpoint for rule in app.url_map.iter_rules()}):
        spec = page.build({"ids": ids, "sessions": {}})
        if page.who not in clients:
            clients[page.who] = app.test_client()
            if page.who != "anonymous":
                response = post(clients[page.who], "/login", {"login_name": KNOWN[page.who],
                                                              "password": BENCH_PASSWORD})
                assert response.status_code in (302, 303), f"{page.who} could not log in"
        client = clients[page.who]
        headers = {"HX-Request": "true"} if page.htmx else {}
        kwargs = {"method": page.method, "headers": headers}
        bodies = spec.get("bodies") or [spec.get("body")] * 2
        if page.method == "POST":
            kwargs["content_type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = _csrf(client)
            kwargs["data"] = bodies[0]
        client.open(spec["path"], **kwargs).get_data()  # warm-up
        if page.method == "POST":
            kwargs["data"] = bodies[len(bodies) // 2]
        with StatementRecorder(db.engine) as recorder:
            response = client.open(spec["path"], **kwargs)
            response.get_data()  # a streamed body runs its queries while it is read
        assert response.status_code < 400 or page.kind == "contended", f"{page.name}: {response.status_code}"
        recorded[page.name] = recorder.statements
    return recorded


def _csrf(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/home")
