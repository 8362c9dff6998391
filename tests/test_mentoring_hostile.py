"""The mentoring forms under hostile input (tests/support from main): never a
500, nothing written when refused."""

import pytest

from tests.conftest import login
from tests.factories import make_user
from tests.factories_mentoring import make_mentor, make_mentorship, make_need
from tests.test_hostile_input import hostile_run


@pytest.mark.parametrize("who, page", [
    ("mentor", "/mentoring/profile"),
    ("mentee", "need"),
    ("mentor", "mentorship"),
    ("staff", "/mentoring/settings"),
    ("staff", "/mentoring/skills"),
    ("staff", "/mentoring/match"),
])
def test_hostile_values_never_break_a_mentoring_form(app, who, page):
    profile = make_mentor()
    need = make_need()
    mentorship = make_mentorship(make_need("乙"), profile)
    person = {"mentor": profile.user, "mentee": need.user, "staff": make_user("staff")}[who]
    page = {"need": f"/mentoring/needs/{need.id}",
            "mentorship": f"/mentoring/mentorships/{mentorship.id}"}.get(page, page)
    client = app.test_client()
    login(client, person)
    assert hostile_run(client, page, max_examples=8) >= 1
