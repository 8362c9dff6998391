import json
import re

from sqlalchemy import select

from incubator.extensions import db
from incubator.notify.models import EMAIL, PHONE, Notification
from incubator.notify.service import preferences, unread_count
from tests.conftest import htmx_get, login, post
from tests.factories import make_user
from tests.factories_notify import make_notification


def bell_count(html: str) -> int:
    return int(re.search(r'class="bell-count" data-count="(\d+)"', html).group(1))


def test_the_bell_shows_the_unread_count_on_every_page(client):
    user = make_user(locale="en")
    make_notification(user)
    make_notification(user)
    make_notification(user, read=True)
    login(client, user)
    html = client.get("/home").get_data(as_text=True)
    assert bell_count(html) == 2
    assert 'aria-label="Notifications: 2 unread"' in html
    assert 'hx-trigger="every 60s, notify:changed from:body"' in html


def test_the_bell_fragment_is_what_htmx_polls(client):
    user = make_user()
    login(client, user)
    assert bell_count(htmx_get(client, "/notifications/bell").get_data(as_text=True)) == 0
    make_notification(user)
    response = htmx_get(client, "/notifications/bell")
    html = response.get_data(as_text=True)
    assert bell_count(html) == 1
    assert "<html" not in html and 'id="bell"' in html


def test_the_bell_stops_polling_once_signed_out(client):
    response = htmx_get(client, "/notifications/bell")
    assert response.status_code == 286 and response.get_data() == b""


def test_the_bell_is_not_shown_to_people_who_are_not_signed_in(client):
    assert 'id="bell"' not in client.get("/").get_data(as_text=True)


def test_the_list_is_newest_first_in_the_readers_language_and_paginated(client):
    user = make_user(locale="en")
    for minutes_ago in range(25, 0, -1):
        make_notification(user, f"note {minutes_ago:02d}", minutes_ago=minutes_ago)
    login(client, user)
    html = client.get("/notifications/").get_data(as_text=True)
    texts = re.findall(r"Message from the base&#39;s staff: note (\d+)", html)
    assert texts[:3] == ["01", "02", "03"] and len(texts) == 20
    assert "Page 1 of 2" in html
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert re.findall(r"staff: note (\d+)", second) == ["21", "22", "23", "24", "25"]
    assert "/notifications/settings" in html


def test_a_notification_reads_in_chinese_for_a_chinese_reader(client):
    reader = make_user(locale="zh_Hans_CN")
    make_notification(reader, "周六开放练习")
    login(client, reader)
    assert "基地工作人员的消息：周六开放练习" in client.get("/notifications/").get_data(as_text=True)


def test_an_empty_list_says_what_comes_here(client):
    login(client, make_user(locale="en"))
    assert "No notifications yet" in client.get("/notifications/").get_data(as_text=True)


def test_opening_a_notification_marks_it_read_and_leads_to_its_page(client):
    user = make_user()
    notification = make_notification(user, url="/profile")
    login(client, user)
    response = client.get(f"/notifications/{notification.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/profile"
    db.session.refresh(notification)
    assert notification.read_at is not None


def test_a_notification_never_leads_off_the_site(client):
    user = make_user()
    notification = make_notification(user, url="//evil.example/")
    login(client, user)
    assert client.get(f"/notifications/{notification.id}/open").headers["Location"] == "/notifications/"


def test_another_persons_notification_is_not_found(client):
    owner, other = make_user(), make_user()
    notification = make_notification(owner)
    login(client, other)
    assert client.get(f"/notifications/{notification.id}/open").status_code == 404
    assert post(client, f"/notifications/{notification.id}/read").status_code == 404
    db.session.refresh(notification)
    assert notification.read_at is None


def test_mark_read_with_htmx_swaps_the_item_and_tells_the_bell(client):
    user = make_user(locale="en")
    notification = make_notification(user)
    login(client, user)
    response = post(client, f"/notifications/{notification.id}/read", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li id="notification-{notification.id}"') and "Read" in html
    assert "Mark as read" not in html
    assert "notify:changed" in json.loads(response.headers["HX-Trigger"])
    assert unread_count(user) == 0


def test_mark_read_without_javascript_comes_back_to_the_list(client):
    user = make_user()
    notification = make_notification(user)
    login(client, user)
    response = post(client, f"/notifications/{notification.id}/read")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/"
    assert unread_count(user) == 0


def test_mark_all_read_plain_and_with_htmx(client):
    user = make_user(locale="en")
    other = make_user()
    for _ in range(3):
        make_notification(user)
    make_notification(other)
    login(client, user)
    response = post(client, "/notifications/read-all")
    assert response.status_code == 303
    assert unread_count(user) == 0 and unread_count(other) == 1
    make_notification(user)
    response = post(client, "/notifications/read-all", htmx=True)
    html = response.get_data(as_text=True)
    assert 'id="notification-list"' in html and "Mark all as read" not in html
    assert "notify:changed" in response.headers["HX-Trigger"]
    assert unread_count(user) == 0


def test_mark_all_read_with_htmx_from_page_two_stays_on_page_two(client):
    user = make_user(locale="en")
    for minutes_ago in range(25, 0, -1):
        make_notification(user, f"note {minutes_ago:02d}", minutes_ago=minutes_ago)
    login(client, user)
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    hx_post = re.search(r'hx-post="([^"]*read-all[^"]*)"', second).group(1).replace("&amp;", "&")
    response = post(client, hx_post, {"page": "2"}, htmx=True,
                    headers={"HX-Current-URL": "http://localhost/notifications/?page=2"})
    html = response.get_data(as_text=True)
    assert "Page 2 of 2" in html
    assert re.findall(r"staff: note (\d+)", html) == ["21", "22", "23", "24", "25"]
    assert unread_count(user) == 0


def test_the_pages_need_a_signed_in_person(client):
    for path in ("/notifications/", "/notifications/settings"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_settings_offer_email_only_to_people_with_an_address(client):
    without = make_user(locale="en")
    login(client, without)
    html = client.get("/notifications/settings").get_data(as_text=True)
    assert "You have not given an e-mail address" in html
    assert 'name="email_bookings"' not in html and 'name="phone_bookings"' in html


def test_settings_are_saved_without_javascript(client):
    user = make_user(locale="en", email="a@example.org")
    login(client, user)
    html = client.get("/notifications/settings").get_data(as_text=True)
    assert re.search(r'name="email_digest" type="checkbox" value="y"\s*checked|checked[^>]*name="email_digest"', html)
    response = post(client, "/notifications/settings", {"email_bookings": "y", "phone_training": "y"})
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/settings"
    chosen = preferences(user)
    assert chosen["bookings"] == {EMAIL: True, PHONE: False}
    assert chosen["training"] == {EMAIL: False, PHONE: True}
    assert chosen["digest"][EMAIL] is False  # unticked
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Your notification settings are saved." in page


def test_settings_with_htmx_answer_with_hx_location(client):
    user = make_user(email="b@example.org")
    login(client, user)
    response = post(client, "/notifications/settings", {"email_shop": "y"}, htmx=True)
    assert response.status_code == 204
    assert json.loads(response.headers["HX-Location"])["path"] == "/notifications/settings"
    assert preferences(user)["shop"][EMAIL] is True


def test_settings_sent_without_a_valid_token_change_nothing(client):
    user = make_user(locale="en", email="c@example.org")
    login(client, user)
    response = client.post("/notifications/settings", data={"email_shop": "y", "csrf_token": "stale"})
    assert response.status_code in (400, 422)
    assert preferences(user)["shop"][EMAIL] is False
    assert db.session.scalar(select(Notification.id)) is None


def test_the_home_page_shows_the_newest_unread_notifications(client):
    user = make_user(locale="en")
    login(client, user)
    assert "Nothing new." in client.get("/home").get_data(as_text=True)
    for i in range(4):
        make_notification(user, f"note {i}", minutes_ago=10 - i)
    html = client.get("/home").get_data(as_text=True)
    assert re.findall(r"staff: note (\d)", html) == ["3", "2", "1"]
    assert "See all 4 unread" in html


def test_the_home_page_counts_unread_notifications_once_for_bell_and_panel(client):
    from tests.support.bench_pages import StatementRecorder

    user = make_user(locale="en")
    for i in range(4):
        make_notification(user, f"note {i}")
    login(client, user)
    with StatementRecorder(db.engine) as recorder:
        html = client.get("/home").get_data(as_text=True)
    assert bell_count(html) == 4 and "See all 4 unread" in html
    counts = [s for s, _ in recorder.statements if "count(notifications.id)" in s]
    assert len(counts) == 1
