"""What `flask seed-scale` promises about its mentees (issue 11): the number
of mentees it says wait on base 1 is the number the base shows, because a
mentee whose mentorship ended early was given another mentor; the batch-match
preview of 200 is a preview of 200."""

import pytest
from sqlalchemy import select

from incubator.extensions import db
from incubator.mentoring import service
from incubator.mentoring.models import ACTIVE, COMPLETED, ENDED_EARLY, Mentorship
from incubator.scale.seed import seed_scale
from tests.support.bench_pages import TINY

# Enough people that base 1 has more than 200 trainees, and enough
# mentorships that some of its own end early.
BIGGER = {**TINY, "people": 1_200, "mentors": 40, "mentorships": 800}


@pytest.mark.parametrize("sizes", [TINY, BIGGER], ids=["tiny", "bigger"])
def test_the_mentees_said_to_wait_on_base_1_are_the_ones_waiting(sizes):
    made = seed_scale("small", sizes, echo=lambda *a: None)
    said = made.known["mentee_need"]["waiting_on_site_1"]
    waiting = service.unmatched_mentees(1)
    assert len(waiting) == service.unmatched_count(1) == said
    assert made.known["mentee_need"]["id"] in {m.id for m in waiting}
    if sizes is BIGGER:
        assert said == 200


def test_a_mentee_whose_mentorship_ended_early_has_another_mentor():
    seed_scale("small", BIGGER, echo=lambda *a: None)
    pairs = list(db.session.scalars(select(Mentorship).order_by(Mentorship.starts_on)))
    ended_early = [m for m in pairs if m.status == ENDED_EARLY]
    assert any(m.site_id == 1 for m in ended_early) and len(pairs) == BIGGER["mentorships"]
    for first in ended_early:
        assert first.end_reason and first.ended_at
        [then] = [m for m in pairs if m.need_id == first.need_id and m is not first]
        assert then.status in (ACTIVE, COMPLETED) and then.profile_id != first.profile_id
        assert then.starts_on >= first.ended_at.date()
