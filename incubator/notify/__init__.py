from flask_babel import lazy_gettext as _l

from incubator.areas import Area, HomePanel, NavLink
from incubator.auth import ROLES

AREA = Area(
    name="notify",
    blueprint="incubator.notify.views:bp",
    models="incubator.notify.models",
    nav=(NavLink("notify.index", _l("Notifications")),),
    home_panels=(HomePanel("notify/_home_panel.html", frozenset(ROLES),
                           context="incubator.notify.views:home_panel_context", order=15),),
    demo="incubator.notify.demo:seed",
    jobs="incubator.notify.jobs:JOBS",
    messages="incubator.notify.notices",
    personal_data="incubator.notify.privacy",
    header="notify/_bell.html",
)
