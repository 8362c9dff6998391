from flask_babel import lazy_gettext as _l

from incubator.areas import Area, NavLink
from incubator.auth import ADMIN

AREA = Area(
    name="sites",
    blueprint="incubator.sites.views:bp",
    models="incubator.sites.models",
    nav=(NavLink("sites.index", _l("Bases"), frozenset({ADMIN})),),
)
