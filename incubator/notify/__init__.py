from flask_babel import lazy_gettext as _l

from incubator.areas import Area, NavLink

AREA = Area(
    name="notify",
    blueprint="incubator.notify.views:bp",
    models="incubator.notify.models",
    nav=(NavLink("notify.index", _l("Notifications")),),
    demo="incubator.notify.demo:seed",
    jobs="incubator.notify.jobs:JOBS",
    messages="incubator.notify.notices",
    header="notify/_bell.html",
)
