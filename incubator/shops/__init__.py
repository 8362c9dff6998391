from flask_babel import lazy_gettext as _l

from incubator.areas import Area, HomePanel, NavLink
from incubator.auth import ADMIN, MENTOR, SHOP_OWNER, STAFF, TRAINEE

AREA = Area(
    name="shops",
    blueprint="incubator.shops.views:bp",
    models="incubator.shops.models",
    nav=(
        NavLink("shops.board", _l("Shops"), frozenset({STAFF, ADMIN})),
        NavLink("shops.mine", _l("My shop"), frozenset({SHOP_OWNER, TRAINEE, MENTOR})),
    ),
    home_panels=(
        HomePanel("shops/_home_owner.html", frozenset({SHOP_OWNER}), "incubator.shops.views:owner_panel", 20),
        HomePanel("shops/_home_staff.html", frozenset({STAFF}), "incubator.shops.views:staff_panel", 40),
    ),
    demo="incubator.shops.demo:seed",
    jobs="incubator.shops.jobs:JOBS",
    messages="incubator.shops.notices",
    personal_data="incubator.shops.privacy",
    history="incubator.shops.history:LABELS",
)
