from flask_babel import lazy_gettext as _l

from incubator.areas import Area, HomePanel, NavLink
from incubator.auth import ADMIN, MENTOR, STAFF, TRAINEE

AREA = Area(
    name="training",
    blueprint="incubator.training.views:bp",
    models="incubator.training.models",
    nav=(
        NavLink("training.index", _l("Sessions"), frozenset({STAFF, ADMIN})),
        NavLink("training.mine", _l("My sessions"), frozenset({TRAINEE, MENTOR})),
    ),
    home_panels=(
        HomePanel("training/_home_trainee.html", frozenset({TRAINEE}), "incubator.training.views:home_trainee",
                  order=20),
        HomePanel("training/_home_staff.html", frozenset({STAFF}), "incubator.training.views:home_staff", order=30),
    ),
    demo="incubator.training.demo:seed",
    jobs="incubator.training.jobs:JOBS",
    messages="incubator.training.notices",
    personal_data="incubator.training.privacy",
    history="incubator.training.history:LABELS",
)
