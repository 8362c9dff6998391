from flask_babel import lazy_gettext as _l

from incubator.areas import Area, HomePanel, NavLink
from incubator.auth import ADMIN, MENTOR, SHOP_OWNER, STAFF, TRAINEE

AREA = Area(
    name="booking",
    blueprint="incubator.booking.views:bp",
    models="incubator.booking.models",
    nav=(
        NavLink("booking.calendar", _l("Studios"), frozenset({TRAINEE, SHOP_OWNER, MENTOR, STAFF, ADMIN})),
        NavLink("booking.staff_bookings", _l("Bookings"), frozenset({STAFF, ADMIN})),
    ),
    home_panels=(
        HomePanel("booking/_home_panel.html", frozenset({TRAINEE, SHOP_OWNER, MENTOR}),
                  context="incubator.booking.views:home_context", order=30),
        HomePanel("booking/_staff_panel.html", frozenset({STAFF}),
                  context="incubator.booking.views:staff_home_context", order=30),
    ),
    demo="incubator.booking.demo:seed",
    jobs="incubator.booking.jobs:JOBS",
    messages="incubator.booking.notices",
    personal_data="incubator.booking.privacy",
    history="incubator.booking.history:LABELS",
)
