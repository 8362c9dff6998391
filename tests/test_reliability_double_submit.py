"""The same form sent twice creates one record, and the second sender reads
why. Twice in a row (the back button, a second tap) through the test client,
and at the same moment from two threads against gunicorn with two workers
(PostgreSQL with --database-url, SQLite otherwise).
"""

import threading

from sqlalchemy import func, select

from incubator.accounts.models import ConsentRecord, User
from incubator.enrolment.models import Application, ApplicationEvent
from incubator.extensions import db
from tests.conftest import login, post
from tests.factories import DEFAULT_PASSWORD, default_test_site, make_user
from tests.factories_enrolment import make_cohort
from tests.support.live import Browser, running
from tests.test_enrolment_views import apply_data

EN = {"Accept-Language": "en"}
ALREADY_APPLIED = "You have already applied to this class"
ALREADY_SIGNED_UP = "An account with this number or address already exists"


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_applying_twice_in_a_row_keeps_one_application(client):
    cohort = make_cohort(capacity=5)
    me = make_user("trainee")
    login(client, me)
    first = post(client, f"/classes/{cohort.id}/apply", apply_data(), headers=EN)
    second = post(client, f"/classes/{cohort.id}/apply", apply_data(), headers=EN)
    assert first.status_code == 303
    assert second.status_code == 422 and ALREADY_APPLIED in second.get_data(as_text=True)
    assert count(Application, Application.user_id == me.id) == 1


def test_signing_up_twice_in_a_row_keeps_one_account(client):
    data = {"display_name": "黄丽", "login_name": "13955550001", "password": "lieshita-2026-live", "consent": "y"}
    assert post(client, "/signup", data, headers=EN).status_code == 303
    other = __import__("flask").current_app.test_client()
    second = post(other, "/signup", data, headers=EN)
    assert second.status_code == 422 and ALREADY_SIGNED_UP in second.get_data(as_text=True)
    assert count(User, User.phone == "13955550001") == 1


def _at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait(timeout=30)
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in results), "a request did not finish"
    return results


ROUNDS = 4


def test_two_tabs_applying_at_the_same_moment_make_one_application(database_url, tmp_path):
    cohort = make_cohort(capacity=50)
    people = [make_user("trainee") for _ in range(ROUNDS)]
    with running(database_url, tmp_path / "gunicorn.log") as server:
        outcomes = []
        for person in people:
            tabs = [Browser(server.base), Browser(server.base)]
            path = f"/classes/{cohort.id}/apply"
            forms = []
            for tab in tabs:
                tab.login(person.login_name, DEFAULT_PASSWORD)
                forms.append(dict(apply_data(), csrf_token=tab.token(path)))
            outcomes.append(_at_once(*(lambda t=tab, f=form, p=path: t.request("POST", p, f)
                                       for tab, form in zip(tabs, forms, strict=True))))
    for person, results in zip(people, outcomes, strict=True):
        statuses = sorted(status for status, _body in results)
        assert statuses == [303, 422], (statuses, [body[:500] for _s, body in results])
        refused = next(body for status, body in results if status == 422)
        assert ALREADY_APPLIED in refused
        assert count(Application, Application.user_id == person.id) == 1
    # Each application is whole: its "submitted" event is there.
    assert count(ApplicationEvent) == ROUNDS
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()


def test_two_phones_signing_up_the_same_number_at_once_make_one_account(database_url, tmp_path):
    default_test_site()  # the base exists (made with the installation)
    with running(database_url, tmp_path / "gunicorn.log") as server:
        outcomes = []
        for round_ in range(ROUNDS):
            phone = f"1397777{round_:04d}"
            tabs = [Browser(server.base), Browser(server.base)]
            forms = [{"display_name": f"学员{n}", "login_name": phone, "password": "lieshita-2026-live",
                      "consent": "y", "csrf_token": tab.token("/signup")} for n, tab in enumerate(tabs)]
            outcomes.append((phone, _at_once(*(lambda t=tab, f=form: t.request("POST", "/signup", f)
                                                for tab, form in zip(tabs, forms, strict=True)))))
    for phone, results in outcomes:
        statuses = sorted(status for status, _body in results)
        assert statuses == [303, 422], (statuses, [body[:500] for _s, body in results])
        assert ALREADY_SIGNED_UP in next(body for status, body in results if status == 422)
        assert count(User, User.phone == phone) == 1
        user_id = db.session.scalar(select(User.id).where(User.phone == phone))
        assert count(ConsentRecord, ConsentRecord.user_id == user_id) == 1
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()
