"""Hostile input on the training forms (the same attack as test_hostile_input):
never a 500, nothing written when refused."""

from datetime import timedelta

from incubator.timeutil import utcnow
from tests.conftest import login
from tests.factories import make_user
from tests.factories_training import enrol, make_cohort, make_session, make_studio
from tests.test_hostile_input import hostile_run


def test_staff_forms_of_training_survive_hostile_values(app):
    cohort = make_cohort()
    make_studio()
    enrol(cohort)
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    client = app.test_client()
    login(client, make_user("staff"))
    for page in (f"/training/cohorts/{cohort.id}/sessions/new", f"/training/cohorts/{cohort.id}/sessions/recurring",
                 f"/training/sessions/{session.id}", f"/training/programmes/{cohort.programme_id}/skills"):
        assert hostile_run(client, page, max_examples=8) >= 1


def test_trainee_forms_of_training_survive_hostile_values(app):
    cohort = make_cohort()
    trainee = enrol(cohort)
    later = make_session(cohort, starts_at=utcnow() + timedelta(days=2))
    client = app.test_client()
    login(client, trainee)
    for page in ("/training/mine", f"/training/sessions/{later.id}/apology"):
        assert hostile_run(client, page, max_examples=10) >= 1
