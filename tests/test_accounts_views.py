import re

from incubator.accounts.models import User
from incubator.extensions import db
from tests.conftest import csrf_token, htmx_get, login, post
from tests.factories import DEFAULT_PASSWORD, make_user


def test_sign_up_logs_the_person_in_and_lands_on_her_home(client):
    response = post(client, "/signup", {"display_name": "黄小雨", "login_name": "13900005555",
                                         "password": "longenough", "consent": "y"})
    assert response.status_code == 303
    home = client.get("/home", follow_redirects=True)
    assert "黄小雨" in home.get_data(as_text=True)


def test_sign_up_errors_come_back_beside_the_field_and_keep_what_was_typed(client):
    response = post(client, "/signup", {"display_name": "黄小雨", "login_name": "12345",
                                         "password": "longenough"},
                    headers={"Accept-Language": "zh-CN"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请输入 11 位手机号或邮箱地址" in html or "11 位" in html
    assert 'value="黄小雨"' in html
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_sign_up_without_consent_is_refused(client):
    response = post(client, "/signup", {"display_name": "a", "login_name": "13900006666", "password": "longenough"},
                    headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "agree to the personal information notice" in response.get_data(as_text=True)


def test_wrong_password_gets_a_plain_message(client):
    user = make_user()
    response = post(client, "/login", {"login_name": user.phone, "password": "nope"},
                    headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "do not match" in response.get_data(as_text=True)


def test_login_refuses_a_next_address_off_the_site(client):
    user = make_user()
    response = post(client, "/login?next=https://evil.example/", {
        "login_name": user.phone, "password": DEFAULT_PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/home"


def test_login_follows_a_next_address_on_the_site(client):
    user = make_user()
    response = post(client, "/login", {"login_name": user.phone, "password": DEFAULT_PASSWORD,
                                        "next": "/profile"})
    assert response.headers["Location"] == "/profile"


def test_login_is_throttled_after_repeated_failures(client, app):
    user = make_user()
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        post(client, "/login", {"login_name": user.phone, "password": "wrong"})
    response = post(client, "/login", {"login_name": user.phone, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429


def test_each_role_lands_on_its_own_home(client):
    for role, words in [("staff", "Staff"), ("trainee", "Trainee"), ("admin", "Admin")]:
        user = make_user(role, locale="en")
        login(client, user)
        html = client.get("/home").get_data(as_text=True)
        assert f"as: {words}" in html
        post(client, "/logout")


def test_a_role_home_the_person_does_not_hold_is_forbidden(client):
    login(client, make_user("trainee", locale="en"))
    response = client.get("/home/staff")
    assert response.status_code == 403
    assert "not for your role" in response.get_data(as_text=True)


def test_people_page_is_for_admins_only(client):
    login(client, make_user("staff"))
    assert client.get("/admin/users").status_code == 403


def test_anonymous_people_are_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_user_search_returns_the_fragment_for_htmx_and_the_page_otherwise(client):
    login(client, make_user("admin"))
    make_user(name="赵敏")
    make_user(name="徐婷婷")
    page = client.get("/admin/users?q=赵").get_data(as_text=True)
    fragment = htmx_get(client, "/admin/users?q=赵").get_data(as_text=True)
    assert "<html" in page and "赵敏" in page
    assert "<html" not in fragment and "赵敏" in fragment and "徐婷婷" not in fragment


def test_boosted_and_history_restore_requests_get_the_whole_page(client):
    login(client, make_user("admin"))
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        html = client.get("/admin/users", headers={"HX-Request": "true", header: "true"}).get_data(as_text=True)
        assert "<html" in html


def test_every_response_varies_on_hx_request(client):
    assert "HX-Request" in client.get("/").headers["Vary"]


def test_user_search_is_paginated(client, app):
    login(client, make_user("admin", name="管理员"))
    for i in range(app.config["USERS_PER_PAGE"] + 5):
        make_user(name=f"学员{i:02d}")
    first = client.get("/admin/users?q=学员").get_data(as_text=True)
    second = client.get("/admin/users?q=学员&page=2").get_data(as_text=True)
    assert first.count('class="role-toggles"') == app.config["USERS_PER_PAGE"]
    assert second.count('class="role-toggles"') == 5


def test_admin_grants_a_role_inline_and_gets_the_row_back(client):
    admin = make_user("admin")
    person = make_user("trainee", name="吴桂兰")
    login(client, admin)
    response = post(client, f"/admin/users/{person.id}/roles/staff", {"grant": "1"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="user-{person.id}"')
    assert "incubator:messages" in response.headers["HX-Trigger"]
    db.session.refresh(person)
    assert person.roles == {"trainee", "staff"}


def test_role_toggle_works_without_javascript(client):
    admin = make_user("admin")
    person = make_user("trainee")
    login(client, admin)
    response = post(client, f"/admin/users/{person.id}/roles/trainee", {"grant": "0"})
    assert response.status_code == 303
    db.session.refresh(person)
    assert person.roles == set()


def test_posting_without_csrf_token_is_refused(client):
    admin = make_user("admin")
    person = make_user("trainee")
    login(client, admin)
    response = client.post(f"/admin/users/{person.id}/roles/staff", data={"grant": "1"})
    assert response.status_code == 400
    db.session.refresh(person)
    assert person.roles == {"trainee"}


def test_profile_edit_and_language(client):
    user = make_user()
    login(client, user)
    response = post(client, "/profile", {"display_name": "新名字", "email": "x@example.org", "locale": "en"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.display_name, user.email, user.locale) == ("新名字", "x@example.org", "en")
    assert "My profile" in client.get("/profile").get_data(as_text=True)


def test_password_change_signs_out_other_devices(app, client):
    user = make_user()
    other_device = app.test_client()
    login(client, user)
    login(other_device, user)
    response = post(client, "/profile/password", {"current_password": DEFAULT_PASSWORD,
                                                  "new_password": "another long one",
                                                  "confirm": "another long one"})
    assert response.status_code == 303
    assert client.get("/profile").status_code == 200
    assert other_device.get("/profile").status_code == 302


def test_logout_needs_post_and_ends_the_session(client):
    login(client, make_user())
    assert client.get("/logout").status_code == 405
    post(client, "/logout")
    assert client.get("/profile").status_code == 302


def test_csrf_token_is_on_main_for_htmx_buttons(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<main id="main" hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)
    assert csrf_token(client)


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_worthless(app, client):
    login(client, make_user())
    stolen = client.get_cookie("session").value
    post(client, "/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/profile").status_code == 302


def test_admin_signs_a_person_out_everywhere_and_disables_the_account(app, client):
    admin, person = make_user("admin"), make_user("staff")
    device = app.test_client()
    login(device, person)
    login(client, admin)
    response = post(client, f"/admin/users/{person.id}/access", {"action": "sign_out"}, htmx=True)
    assert response.status_code == 200 and f'id="user-{person.id}"' in response.get_data(as_text=True)
    assert device.get("/profile").status_code == 302

    login(device, person)
    post(client, f"/admin/users/{person.id}/access", {"action": "disable"})
    assert device.get("/profile").status_code == 302
    db.session.refresh(person)
    assert not person.active
    assert post(device, "/login", {"login_name": person.phone, "password": DEFAULT_PASSWORD}).status_code == 422


def test_keep_me_logged_in_makes_the_cookie_outlive_the_browser(client):
    user = make_user()
    plain = post(client, "/login", {"login_name": user.phone, "password": DEFAULT_PASSWORD})
    assert "Expires" not in next(c for c in plain.headers.getlist("Set-Cookie") if c.startswith("session="))
    post(client, "/logout")
    kept = post(client, "/login", {"login_name": user.phone, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert "Expires" in next(c for c in kept.headers.getlist("Set-Cookie") if c.startswith("session="))
