from flask_babel import lazy_gettext as _l

from incubator.areas import Area, HomePanel, NavLink
from incubator.auth import ADMIN, MENTOR, SHOP_OWNER, STAFF, TRAINEE

AREA = Area(
    name="mentoring",
    blueprint="incubator.mentoring.views:bp",
    models="incubator.mentoring.models",
    nav=(NavLink("mentoring.index", _l("Mentors"), frozenset({STAFF, ADMIN, MENTOR, TRAINEE, SHOP_OWNER})),),
    home_panels=(
        HomePanel("mentoring/_home_panel.html", frozenset({STAFF, ADMIN, MENTOR, TRAINEE, SHOP_OWNER}),
                  context="incubator.mentoring.views:home_panel_context", order=60),
    ),
    demo="incubator.mentoring.demo:seed",
    jobs="incubator.mentoring.jobs:JOBS",
    messages="incubator.mentoring.notices",
    personal_data="incubator.mentoring.privacy",
    history="incubator.mentoring.history:LABELS",
)
