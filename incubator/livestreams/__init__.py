from flask_babel import lazy_gettext as _l

from incubator.areas import Area, HomePanel, NavLink
from incubator.auth import ADMIN, MENTOR, SHOP_OWNER, STAFF, TRAINEE

AREA = Area(
    name="livestreams",
    blueprint="incubator.livestreams.views:bp",
    models="incubator.livestreams.models",
    nav=(
        NavLink("livestreams.index", _l("Livestreams"), public=True),
        NavLink("livestreams.desk", _l("Livestream desk"), frozenset({STAFF, ADMIN})),
    ),
    home_panels=(
        HomePanel("livestreams/_home_panel.html", frozenset({STAFF, ADMIN, MENTOR, SHOP_OWNER, TRAINEE}),
                  context="incubator.livestreams.panels:home_context", order=60),
    ),
    demo="incubator.livestreams.demo:seed",
    jobs="incubator.livestreams.jobs:JOBS",
    messages="incubator.livestreams.notices",
    personal_data="incubator.livestreams.privacy",
    history="incubator.livestreams.history:LABELS",
)
