"""Enrolment: programmes (培训项目), classes (培训班), applications (报名) and the waitlist."""

from flask_babel import lazy_gettext as _l

from incubator.areas import Area, HomePanel, NavLink
from incubator.auth import ADMIN, SHOP_OWNER, STAFF, TRAINEE

AREA = Area(
    name="enrolment",
    blueprint="incubator.enrolment.views:bp",
    models="incubator.enrolment.models",
    nav=(
        NavLink("enrolment.programmes", _l("Programmes"), frozenset({TRAINEE, SHOP_OWNER}), public=True),
        NavLink("enrolment.my_applications", _l("My applications"), frozenset({TRAINEE})),
        NavLink("enrolment.queue", _l("Applications"), frozenset({STAFF, ADMIN})),
        NavLink("enrolment.manage", _l("Programmes and classes"), frozenset({STAFF, ADMIN})),
    ),
    home_panels=(
        HomePanel("enrolment/_home_trainee.html", frozenset({TRAINEE}),
                  context="incubator.enrolment.views:home_context", order=10),
        HomePanel("enrolment/_home_staff.html", frozenset({STAFF, ADMIN}),
                  context="incubator.enrolment.views:staff_home_context", order=10),
    ),
    demo="incubator.enrolment.demo:seed",
    jobs="incubator.enrolment.jobs:JOBS",
    messages="incubator.enrolment.notices",
    personal_data="incubator.enrolment.privacy",
    history="incubator.enrolment.history:LABELS",
)
