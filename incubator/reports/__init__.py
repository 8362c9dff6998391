from flask_babel import lazy_gettext as _l

from incubator.areas import Area, HomePanel, NavLink
from incubator.auth import ADMIN, MENTOR, SHOP_OWNER, STAFF, TRAINEE
from incubator.reports import daily  # noqa: F401 (its session hooks keep the day rows with every write)

STAFF_ONLY = frozenset({STAFF, ADMIN})

AREA = Area(
    name="reports",
    blueprint="incubator.reports.views:bp",
    models="incubator.reports.models",
    nav=(
        NavLink("reports.dashboard", _l("Reports"), STAFF_ONLY),
        NavLink("reports.people", _l("Person records"), STAFF_ONLY),
        NavLink("reports.my_record", _l("My record"), frozenset({TRAINEE, SHOP_OWNER, MENTOR})),
    ),
    home_panels=(HomePanel("reports/_home_panel.html", STAFF_ONLY, order=90),),
    demo="incubator.reports.demo:seed",
    jobs="incubator.reports.jobs:JOBS",
    personal_data="incubator.reports.privacy",
    history="incubator.reports.history:LABELS",
)
