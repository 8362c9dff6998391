"""Hostile input on every form of the livestream area (see test_hostile_input):
never a 500, nothing written on refusal, what was typed shown inert."""

from datetime import timedelta

import pytest

from incubator.extensions import limiter
from incubator.livestreams.models import APPROVED, POLICY, SALES
from tests.factories import make_user
from tests.factories_livestreams import make_livestream, make_question, make_shop, make_studio
from tests.test_hostile_input import client_for, hostile_run


@pytest.fixture
def no_throttle():
    """The question limit would answer 429 after five examples; here every example must reach the form."""
    limiter.enabled = False
    yield
    limiter.enabled = True


def test_hostile_questions_from_residents(app, no_throttle):
    livestream = make_livestream(POLICY)
    assert hostile_run(app.test_client(), f"/livestreams/{livestream.id}", max_examples=25) >= 1


def test_hostile_scheduling_moderation_answers_and_results(app):
    make_studio()
    make_user("trainee", name="黄小雨")
    shop = make_shop(name="香馕铺")
    ended = make_livestream(POLICY, starts_in=timedelta(hours=-3))
    make_question(ended, "异地就医怎么备案？", status=APPROVED)
    make_question(make_livestream(POLICY), "待审核的问题")
    sales = make_livestream(SALES, starts_in=timedelta(hours=-3), shops=[shop])
    staff = client_for(app, "staff")
    for page in ("/livestreams/new", f"/livestreams/{ended.id}/run", f"/livestreams/{sales.id}/results",
                 "/livestreams/moderation"):
        assert hostile_run(staff, page) >= 1, page
