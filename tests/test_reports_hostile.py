"""Hostile values in the report filters, the history search and the staff
forms: never a 500 (on PostgreSQL too, which refuses NUL characters and ids
beyond its integer range), and nothing written when the answer is an error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.factories import make_user
from tests.support.hostile import date_values, number_values, text_values
from tests.test_hostile_input import hostile_run

FILTER_PAGES = ["/reports/", "/reports/figures/applicants", "/reports/incubated", "/reports/impact",
                "/reports/exports", "/reports/exports/people.csv"]


def test_hostile_filters_never_break_a_report(app):
    client = app.test_client()
    login(client, make_user("admin", "staff"))

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(page=st.sampled_from(FILTER_PAGES), start=date_values, end=date_values, programme=number_values,
           cohort=number_values, group=text_values, site=number_values)
    def attempt(page, start, end, programme, cohort, group, site):
        response = client.get(page, query_string={"start": start, "end": end, "programme": programme,
                                                  "cohort": cohort, "group": group, "site": site})
        assert response.status_code in (200, 422), (page, response.status_code)

    attempt()


def test_hostile_history_and_people_searches_never_break(app):
    client = app.test_client()
    login(client, make_user("staff"))

    @settings(max_examples=30, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(who=text_values, action=text_values, object_id=number_values, start=date_values, end=date_values)
    def attempt(who, action, object_id, start, end):
        response = client.get("/reports/audit", query_string={"who": who, "action": action, "object_type": action,
                                                               "object_id": object_id, "start": start, "end": end})
        assert response.status_code in (200, 422)
        assert client.get("/reports/people", query_string={"q": who}).status_code == 200

    attempt()


def test_hostile_values_in_the_staff_forms(app):
    client = app.test_client()
    staff = make_user("staff")
    person = make_user("trainee")
    login(client, staff)
    assert hostile_run(client, "/reports/settings") >= 1
    assert hostile_run(client, f"/reports/people/{person.id}") >= 1
