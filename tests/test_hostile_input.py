"""Hostile input on every form: never a 500, always a clear answer, nothing
written when the answer is an error; and what people typed is shown inert.

The forms are found on the pages as a browser would find them (support/forms.py);
hypothesis fills them with very long text, Chinese and emoji, NUL bytes, HTML
and SQL fragments, impossible dates and times, and huge or negative numbers.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from incubator.extensions import db
from tests.conftest import login
from tests.factories import make_user
from tests.support.forms import forms_on
from tests.support.hostile import value_for

# Forms of the layout that are not about the page (signing out would end the run).
SKIP_ACTIONS = ("/logout", "/language")

# (role or None for anonymous, page with forms)
FORM_PAGES = [
    (None, "/signup"),
    (None, "/login"),
    ("trainee", "/profile"),
    ("trainee", "/me/privacy"),
    ("staff", "/me/two-step"),
    ("admin", "/admin/sites/new"),
    ("admin", "/admin/users"),
]


def row_counts() -> dict[str, int]:
    db.session.rollback()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def client_for(app, role):
    client = app.test_client()
    if role:
        login(client, make_user(role, "staff") if role == "admin" else make_user(role))
    return client


def attempt_on(client, form, max_examples: int):
    """A hypothesis test of one form: each example posts one set of hostile values."""
    visible = [name for name in form.fields if name not in form.hidden]

    @settings(max_examples=max_examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.data())
    def attempt(data):
        values = {name: data.draw(value_for(form.kinds.get(name, "text"), form.choices.get(name)), label=name)
                  for name in visible}
        before = row_counts()
        response = client.post(form.action, data={**{h: form.fields[h] for h in form.hidden}, **values})
        assert response.status_code < 500, f"{form.action} answered {response.status_code} to {values!r}"
        if response.status_code >= 400:
            assert row_counts() == before, f"{form.action} wrote rows while refusing {values!r}"

    return attempt


def hostile_run(client, page: str, max_examples: int = 12) -> int:
    html = client.get(page).get_data(as_text=True)
    forms = [f for f in forms_on(html, page) if not f.action.startswith(SKIP_ACTIONS)]
    assert forms, f"no form found on {page}"
    for form in forms:
        attempt_on(client, form, max_examples)()
    return len(forms)


@pytest.mark.parametrize("role, page", FORM_PAGES)
def test_hostile_values_never_break_a_form_nor_write_on_refusal(app, role, page):
    assert hostile_run(client_for(app, role), page) >= 1


def test_a_script_typed_as_a_name_is_shown_inert_everywhere(app):
    user = make_user("trainee")
    admin_client = client_for(app, "admin")
    client = app.test_client()
    login(client, user)
    from tests.conftest import post

    post(client, "/profile", {"display_name": "<script>alert('x')</script>", "email": "", "locale": ""})
    pages = [(client, "/profile"), (client, "/home"), (admin_client, f"/admin/users?q={user.phone}")]
    for who, page in pages:
        html = who.get(page).get_data(as_text=True)
        assert "<script>alert('x')</script>" not in html, page
        assert "&lt;script&gt;alert(" in html, page
