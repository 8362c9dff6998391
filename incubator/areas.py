"""How an area plugs into the application.

Each area package (incubator/<area>/__init__.py) describes itself with one
Area: its blueprint, its links in the navigation, the panels it adds to a
role's home page, its demo data and its scheduled jobs. create_app() reads the
descriptions in AREA_PACKAGES order, so adding an area never means editing the
layout, the home page or the seeding code.

Objects are named by import strings ("incubator.x.views:bp") and imported when
the app is built, which keeps package imports free of cycles.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from werkzeug.utils import import_string

# The order matters twice: demo data is seeded in this order (people before
# cohorts before sessions), and navigation links appear in this order.
AREA_PACKAGES = (
    "incubator.accounts",
    "incubator.sites",
    "incubator.notify",
    "incubator.enrolment",
    "incubator.training",
    "incubator.booking",
    "incubator.shops",
    "incubator.mentoring",
    "incubator.livestreams",
    "incubator.reports",
)

ANYONE = frozenset()  # a NavLink for every signed-in person


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: object  # a lazy_gettext string
    roles: frozenset[str] = ANYONE
    public: bool = False  # shown to people who are not signed in too


@dataclass(frozen=True)
class HomePanel:
    """A block on a role's home page: a template fragment and, optionally, a
    function user -> dict that gives it its context."""

    template: str
    roles: frozenset[str]
    context: str | None = None  # import string of a callable(user) -> dict
    order: int = 50


@dataclass(frozen=True)
class Job:
    """A scheduled job of an area. `func` is an import string of a function
    taking no arguments that calls the area's services; it must be idempotent
    (the scheduler runs each job once, but a job may still see work that a
    previous run half-saw). `trigger` and `trigger_args` are APScheduler's
    ("interval", {"minutes": 5}) or ("cron", {"day_of_week": "mon", "hour": 8})."""

    id: str
    func: str
    trigger: str
    trigger_args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Area:
    name: str
    blueprint: str | None = None
    models: str | None = None
    nav: tuple[NavLink, ...] = ()
    home_panels: tuple[HomePanel, ...] = ()
    demo: str | None = None  # import string of seed(ctx: DemoContext)
    jobs: str | None = None  # import string of a list of Job
    messages: str | None = None  # module registering its notification kinds
    header: str | None = None  # a template shown in the page header (the bell)
    # Module with export(user) -> dict[str, list[dict]] and anonymise(user):
    # what the area holds about a person, for her download and for deletion.
    personal_data: str | None = None
    # Import string of a dict naming the area's history actions and kinds of
    # record for the history page ("booking.approved", "bookings").
    history: str | None = None
    extra: dict = field(default_factory=dict)


def load_areas() -> list[Area]:
    return [import_string(package).AREA for package in AREA_PACKAGES]


def resolve(import_path: str | None) -> Callable | object | None:
    return import_string(import_path) if import_path else None
