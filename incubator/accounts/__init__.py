from flask_babel import lazy_gettext as _l

from incubator.areas import Area, NavLink
from incubator.auth import ADMIN

AREA = Area(
    name="accounts",
    blueprint="incubator.accounts.views:bp",
    models="incubator.accounts.models",
    nav=(NavLink("accounts.users", _l("People"), frozenset({ADMIN})),),
    demo="incubator.accounts.demo:seed",
)
