"""The pages the benchmark drives, and the targets they are held to (issue 11).

Each Page says who asks for it (a key of KNOWN in incubator/scale/seed.py, or
"anonymous"), its path with {placeholders} filled from the ids that prepare()
finds, and whether it is an htmx fragment or a POST. Pages of areas that are
not in the application are left out (`Page.endpoint` must be in its url map).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from sqlalchemy import create_engine, inspect, text

from incubator.scale.seed import BENCH_PASSWORD, KNOWN


@dataclass(frozen=True)
class Page:
    name: str
    kind: str  # read | fragment | post | contended | export
    endpoint: str
    who: str
    path: str
    htmx: bool = False
    method: str = "GET"
    body: str | None = None  # form fields, with {placeholders}
    varied: bool = False  # POST a different booking slot each time (see booking_bodies)

    def build(self, context: dict) -> dict:
        ids = context["ids"]
        spec = {"path": self.path.format(**ids), "method": self.method, "htmx": self.htmx}
        if self.body:
            spec["body"] = self.body.format(**ids)
        if self.varied:
            spec["bodies"] = booking_bodies(ids)
        session = context["sessions"].get(self.who)
        if session is not None:
            spec.update(cookie=session.cookie, csrf=session.csrf)
        if self.htmx:
            spec["headers"] = ["HX-Request: true"]
        return spec


def booking_bodies(ids: dict, limit: int = 4000) -> list[str]:
    """Half-hour bookings spread over the studios of base 1 and the next
    twelve days: few requests ask for the same slot."""
    today = date.fromisoformat(ids["today"])
    bodies = []
    for offset in range(2, 14):
        day = (today + timedelta(days=offset)).isoformat()
        for minutes in range(8 * 60, 21 * 60 + 30, 30):
            start = f"{minutes // 60:02d}:{minutes % 60:02d}"
            end = f"{(minutes + 30) // 60:02d}:{(minutes + 30) % 60:02d}"
            for resource in ids.get("studios", []):
                bodies.append(urlencode({"what": f"r:{resource}", "day": day, "start": start, "end": end,
                                         "units": 1, "purpose": "直播练习", "shop_id": 0, "weeks": 1}))
    step = max(1, len(bodies) // limit)
    return bodies[::step][:limit] or [""]


CONTENDED = "what=r:{studio}&day={contended_day}&start=21:00&end=21:30&units=1&purpose=x&shop_id=0&weeks=1"

ALL_PAGES = [
    Page("login page", "read", "accounts.login", "anonymous", "/login"),
    Page("trainee's home", "read", "pages.home", "trainee", "/home"),
    Page("notification bell (htmx)", "fragment", "notify.bell", "trainee", "/notifications/bell", htmx=True),
    Page("public programmes", "read", "enrolment.programmes", "anonymous", "/programmes"),
    Page("day calendar, all resources", "read", "booking.calendar", "staff", "/booking/?day={today}"),
    Page("day calendar (htmx)", "fragment", "booking.calendar", "staff", "/booking/?day={today}", htmx=True),
    Page("one resource's week", "read", "booking.week", "staff", "/booking/resources/{studio}/week"),
    Page("one resource's week (htmx)", "fragment", "booking.week", "staff",
         "/booking/resources/{studio}/week?start={today}", htmx=True),
    Page("booking POST, no contention", "post", "booking.new", "member", "/booking/new", method="POST",
         varied=True),
    Page("booking POST, contention", "contended", "booking.new", "member", "/booking/new", method="POST",
         body=CONTENDED),
    Page("application queue, filtered", "read", "enrolment.queue", "staff",
         "/staff/applications?status=submitted&sort=new"),
    Page("application queue (htmx)", "fragment", "enrolment.queue", "staff",
         "/staff/applications?status=submitted&sort=new", htmx=True),
    Page("roll call, 40 people", "read", "training.roll", "trainer", "/training/sessions/{roll_session}"),
    Page("person record, long-time member", "read", "reports.person", "staff", "/reports/people/{member}"),
    Page("person record, all her bookings", "read", "reports.person_section", "staff",
         "/reports/people/{member}/sections/bookings"),
    Page("dashboard, one year", "read", "reports.dashboard", "staff", "/reports/?start={year_ago}&end={today}"),
    Page("mentor suggestions, 1 of 2,000", "read", "mentoring.need", "staff", "/mentoring/needs/{mentee_need}"),
    Page("mentoring overview, staff", "read", "mentoring.overview", "staff", "/mentoring/staff"),
    Page("mentee search by name (htmx)", "fragment", "mentoring.find_mentee", "staff",
         "/mentoring/staff/mentees?q=%E7%8E%8B", htmx=True),  # 王, the commonest family name
    Page("mentee search by mobile (htmx)", "fragment", "mentoring.find_mentee", "staff",
         "/mentoring/staff/mentees?q=1390000", htmx=True),
    Page("batch-match preview, 200", "post", "mentoring.match_preview", "staff", "/mentoring/match/preview",
         method="POST", body="scope=unmatched"),
    Page("public livestreams", "read", "livestreams.index", "anonymous", "/livestreams/"),
    Page("CSV export, a year of bookings", "export", "booking.staff_export", "staff",
         "/booking/staff/bookings.csv?day_from={year_ago}&day_to={today}"),
]


class Targets:
    """Issue 11: throughput as a share of the bare endpoint's, p95 under
    150 ms, no errors (at the measured and at twice the concurrency). The
    district/small p95 comparison is made by run.py.

    An export is a download: its latency is the time to its first bytes,
    its throughput is reported in rows a second (a share of the bare
    endpoint's requests means nothing for ten megabytes), and a worker's
    memory must stay flat while it streams."""

    RATIO = {"read": 0.25, "fragment": 0.4, "post": 0.15, "contended": 0.15, "bare": 0.0, "export": 0.0}
    P95_MS = 150.0
    # HTML, CSS and JS of a first visit, as gunicorn alone sends them to a
    # browser that accepts gzip (static files gzipped by WhiteNoise, the HTML
    # as it is); an export is a download, not a page.
    FIRST_LOAD_KB = 100
    # Growth of a worker's peak memory while people download exports at once.
    MEMORY_FLAT_MB = 32

    def verdict(self, kind: str, ratio: float, p95_ms: float, errors: int, first_load_kb: float = 0,
                memory_growth_mb: float = 0) -> str:
        failures = []
        if kind in ("read", "fragment") and first_load_kb >= self.FIRST_LOAD_KB:
            failures.append(f"first load>={self.FIRST_LOAD_KB}KB")
        if ratio < self.RATIO.get(kind, 0.25):
            failures.append(f"ratio<{self.RATIO.get(kind, 0.25)}")
        if kind != "bare" and p95_ms >= self.P95_MS:
            failures.append(f"p95>={self.P95_MS:.0f}ms")
        if memory_growth_mb > self.MEMORY_FLAT_MB:
            failures.append(f"memory+{memory_growth_mb:.0f}MB")
        if errors:
            failures.append("errors")
        return "FAIL " + ",".join(failures) if failures else "PASS"


TARGETS = Targets()


def available(endpoints: set[str]) -> list[Page]:
    return [page for page in ALL_PAGES if page.endpoint in endpoints]


PAGES: list[Page] = []


def find_ids(conn, known: dict | None = None) -> dict:
    """The ids and dates the pages' paths need, read from the database."""
    today = date.today()
    ids = {"today": today.isoformat(), "year_ago": (today - timedelta(days=365)).isoformat(),
           "contended_day": (today + timedelta(days=13)).isoformat()}
    for key, phone in KNOWN.items():
        ids[key] = conn.execute(text("SELECT id FROM users WHERE phone = :p"), {"p": phone}).scalar_one()
    tables = set(inspect(conn).get_table_names())
    if "training_sessions" in tables:
        ids["roll_session"] = conn.execute(text(
            "SELECT id FROM training_sessions WHERE cohort_id = 1 ORDER BY starts_at LIMIT 1")).scalar()
    if "resources" in tables:
        ids["studios"] = list(conn.execute(text(
            "SELECT id FROM resources WHERE site_id = 1 AND kind = 'studio' ORDER BY id")).scalars())
        ids["studio"] = ids["studios"][0] if ids["studios"] else 0
    if "mentee_needs" in tables:
        ids["mentee_need"] = conn.execute(text("SELECT id FROM mentee_needs WHERE user_id = :u"),
                                          {"u": ids["mentee"]}).scalar()
    return ids


def prepare(base: str, database_url: str, Session) -> dict:  # noqa: N803 (a class)
    """Log in the known accounts and find the ids the pages need."""
    from incubator import create_app

    app = create_app()
    PAGES[:] = available({rule.endpoint for rule in app.url_map.iter_rules()})
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        ids = find_ids(conn)
    engine.dispose()
    sessions = {"anonymous": Session(base).visit("/login")}
    for key in ("admin", "staff", "trainee", "member", "mentee", "trainer"):
        sessions[key] = Session(base).login(KNOWN[key], BENCH_PASSWORD)
    return {"ids": ids, "sessions": sessions}
