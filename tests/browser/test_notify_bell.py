"""The bell counts a notification that arrives while the page is open."""

import pytest
from playwright.sync_api import expect

from incubator.extensions import db
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_notify import make_notification


@pytest.fixture
def fast_bell(app, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_POLL_SECONDS", 1)


def log_in(page, user):
    page.goto("/login")
    page.fill("input[name=login_name]", user.login_name)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/home")


def test_the_bell_updates_while_the_page_is_open_and_marking_read_clears_it(phone_page, fast_bell):
    user = make_user(name="张格琴")
    log_in(phone_page, user)
    count = phone_page.locator("#bell .bell-count")
    expect(count).to_have_text("0")
    assert_accessible(phone_page)

    make_notification(user, "周六上午直播间开放练习", url="/home")
    expect(count).to_have_text("1", timeout=10_000)
    expect(phone_page.locator("#bell a")).to_have_attribute("aria-label", "通知：1 条未读")

    phone_page.locator("#bell a").click()
    phone_page.wait_for_url("**/notifications/")
    item = phone_page.locator(".notification").first
    expect(item).to_contain_text("基地工作人员的消息：周六上午直播间开放练习")
    assert_accessible(phone_page)
    item.get_by_role("button", name="标记为已读").click()
    expect(item).to_contain_text("已读")
    expect(count).to_have_text("0")  # the bell heard notify:changed
    db.session.expire_all()

    phone_page.get_by_role("link", name="选择哪些通知同时发邮件").click()
    phone_page.wait_for_url("**/notifications/settings")
    expect(phone_page.get_by_role("heading", name="通知设置")).to_be_visible()
    assert_accessible(phone_page)
