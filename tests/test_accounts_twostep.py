import time

import pyotp

from incubator.accounts import twostep
from incubator.extensions import db
from tests.conftest import csrf_token, login, post
from tests.factories import DEFAULT_PASSWORD, make_user


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def test_staff_turn_on_two_step_login_with_a_code_from_their_app(client):
    staff = make_user("staff")
    login(client, staff)
    page = client.get("/me/two-step").get_data(as_text=True)
    assert "<svg" in page
    with client.session_transaction() as session:
        secret = session["new_totp"]
    assert post(client, "/me/two-step", {"code": "000000"}).status_code == 422
    assert post(client, "/me/two-step", {"code": _code(secret)}).status_code == 303
    db.session.refresh(staff)
    assert staff.has_two_step


def test_trainees_cannot_use_two_step_pages(client):
    login(client, make_user("trainee"))
    assert client.get("/me/two-step").status_code == 403


def test_login_with_two_step_needs_the_code_and_refuses_a_replay(app, client):
    staff = make_user("staff")
    secret = twostep.new_secret()
    twostep.enable(staff, secret, _code(secret, -1))
    response = post(client, "/login", {"login_name": staff.phone, "password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/login/code"
    assert client.get("/profile").status_code == 302  # not signed in yet
    assert post(client, "/login/code", {"code": "123456"}).status_code == 422
    code = _code(secret)
    assert post(client, "/login/code", {"code": code}).status_code == 303
    assert client.get("/profile").status_code == 200

    # The same code again, on another device: refused.
    other = app.test_client()
    post(other, "/login", {"login_name": staff.phone, "password": DEFAULT_PASSWORD})
    assert post(other, "/login/code", {"code": code}).status_code == 422


def test_code_page_without_a_password_first_sends_back_to_login(client):
    csrf_token(client)
    assert client.get("/login/code").headers["Location"] == "/login"
