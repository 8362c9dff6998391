from flask_babel import lazy_gettext as _l

from incubator.areas import Area, NavLink
from incubator.auth import ADMIN, STAFF

AREA = Area(
    name="accounts",
    blueprint="incubator.accounts.views:bp",
    models="incubator.accounts.models",
    nav=(
        NavLink("accounts.users", _l("People"), frozenset({ADMIN})),
        NavLink("accounts.data_requests", _l("Data requests"), frozenset({STAFF, ADMIN})),
    ),
    demo="incubator.accounts.demo:seed",
    jobs="incubator.accounts.jobs:JOBS",
    messages="incubator.accounts.notices",
    history="incubator.accounts.history:LABELS",
)
