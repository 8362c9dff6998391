"""Hostile input on the booking forms (the shared hostile-input machinery):
never a 500, and nothing written when the answer is an error."""

import pytest

from tests.factories import make_user
from tests.factories_booking import make_equipment, make_resource
from tests.test_hostile_input import hostile_run

PAGES = [
    ("shop_owner", "/booking/new"),
    ("shop_owner", "/booking/checkin"),
    ("staff", "/booking/staff/resources/new"),
    ("staff", "/booking/staff/kits/new"),
    ("staff", "/booking/staff/closures"),
]


@pytest.mark.parametrize("role, page", PAGES)
def test_hostile_values_never_break_a_booking_form(app, role, page):
    make_resource("1号直播间")
    make_equipment("环形补光灯", 5)
    from tests.conftest import login

    client = app.test_client()
    login(client, make_user(role))
    assert hostile_run(client, page, max_examples=10) >= 1
