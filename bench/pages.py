"""The pages the benchmark drives, and the targets they are held to (issue 11).

Each Page has a name, a kind (read, fragment, post, contended) and
build(context) -> dict(path, cookie, method, body, csrf, vary). `prepare`
logs in the known accounts of `flask seed-scale` and looks up the ids the
pages need. Pages of areas that are not in the application yet are left out
(`Page.endpoint` names the view; it must exist in the app's url map).
"""

from dataclasses import dataclass

from sqlalchemy import create_engine, text

from incubator.scale.seed import BENCH_PASSWORD, KNOWN


@dataclass(frozen=True)
class Page:
    """One page: who asks for it (a key of KNOWN, or "anonymous"), its path
    with {placeholders} filled from the ids prepare() finds, and options:
    htmx=True (sent with HX-Request), method, body (form-encoded; "__N__" is
    replaced per request when vary="slot")."""

    name: str
    kind: str  # read | fragment | post | contended
    endpoint: str
    who: str
    path: str
    htmx: bool = False
    method: str = "GET"
    body: str | None = None
    vary: str = ""

    def build(self, context: dict) -> dict:
        spec = {"path": self.path.format(**context["ids"]), "method": self.method, "body": self.body,
                "vary": self.vary, "htmx": self.htmx}
        session = context["sessions"].get(self.who)
        if session is not None:
            spec.update(cookie=session.cookie, csrf=session.csrf)
        if self.htmx:
            spec["headers"] = ["HX-Request: true"]
        return spec


ALL_PAGES = [
    Page("login page", "read", "accounts.login", "anonymous", "/login"),
    Page("trainee's home", "read", "pages.home", "trainee", "/home"),
    Page("notification bell (htmx)", "fragment", "notify.bell", "trainee", "/notifications/bell", htmx=True),
]


class Targets:
    """Issue 11: throughput as a share of the bare endpoint's, p95 under
    150 ms, no errors. The district/small p95 comparison is made by run.py."""

    RATIO = {"read": 0.25, "fragment": 0.4, "post": 0.15, "contended": 0.15, "bare": 0.0}
    P95_MS = 150.0

    def verdict(self, kind: str, ratio: float, p95_ms: float, errors: int) -> str:
        failures = []
        if ratio < self.RATIO.get(kind, 0.25):
            failures.append(f"ratio<{self.RATIO.get(kind, 0.25)}")
        if kind != "bare" and p95_ms >= self.P95_MS:
            failures.append(f"p95>={self.P95_MS:.0f}ms")
        if errors:
            failures.append("errors")
        return "FAIL " + ",".join(failures) if failures else "PASS"


TARGETS = Targets()


def available(endpoints: set[str]) -> list[Page]:
    return [page for page in ALL_PAGES if page.endpoint in endpoints]


def _endpoints() -> set[str]:
    from incubator import create_app

    app = create_app()
    return {rule.endpoint for rule in app.url_map.iter_rules()}


PAGES: list[Page] = []


def prepare(base: str, database_url: str, Session) -> dict:  # noqa: N803 (a class)
    """Log in the known accounts and find the ids the pages need."""
    PAGES[:] = available(_endpoints())
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    ids = {}
    with engine.connect() as conn:
        for key, phone in KNOWN.items():
            ids[key] = conn.execute(text("SELECT id FROM users WHERE phone = :p"), {"p": phone}).scalar_one()
        if "training_sessions" in _tables(conn):
            ids["roll_session"] = conn.execute(text(
                "SELECT id FROM training_sessions WHERE cohort_id = 1 ORDER BY starts_at LIMIT 1")).scalar()
    engine.dispose()
    sessions = {"anonymous": Session(base)}
    for key in ("admin", "staff", "trainee", "member", "mentee", "trainer"):
        sessions[key] = Session(base).login(KNOWN[key], BENCH_PASSWORD)
    return {"ids": ids, "sessions": sessions}


def _tables(conn) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())
