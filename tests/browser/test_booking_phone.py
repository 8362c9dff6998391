"""Booking a studio on a phone: the day list, tapping a free time, the form,
the confirmation. Every page is checked with axe."""

import re
from datetime import timedelta

from sqlalchemy import select

from incubator.booking.models import Booking
from incubator.extensions import db
from incubator.timeutil import local_today
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_booking import at, make_resource


def test_a_shop_owner_books_a_studio_on_her_phone(phone_page):
    page = phone_page
    studio = make_resource("1号直播间", min_minutes=60)
    make_resource("2号直播间")
    owner = make_user("shop_owner", name="乌拉依木·卡日")
    tomorrow = local_today() + timedelta(days=1)

    page.goto("/login")
    page.fill("#login_name", owner.phone)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    page.wait_for_url("**/home**")

    page.goto("/booking/")
    assert page.locator("h1").inner_text() == "直播间和设备"
    # On a phone the day is a list of free and busy times, in words.
    assert page.locator(".periods").first.is_visible()
    assert_accessible(page)

    page.click("a[rel=next]")  # the next day, swapped in by htmx
    page.wait_for_url(f"**day={tomorrow.isoformat()}")
    section = page.locator(".resource-day", has=page.locator("h3", has_text="1号直播间"))
    free = section.locator(".period.slot-free").first
    assert "空闲" in free.inner_text()
    # She taps the start she wants; the form opens with the day, the start and
    # an end an hour later (the studio's shortest booking).
    tap = free.locator("button", has_text="19:00")
    box = tap.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    tap.click()
    page.wait_for_url("**/booking/new?**start=19%3A00**")
    assert page.input_value("#day") == tomorrow.isoformat()
    assert page.input_value("#start") == "19:00" and page.input_value("#end") == "20:00"
    assert_accessible(page)

    page.fill("#end", "21:00")
    page.fill("#purpose", "新疆馕 晚间直播带货")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/booking/\d+$"))
    assert "预约成功：1号直播间" in page.content()
    assert_accessible(page)

    booking = db.session.scalar(select(Booking).where(Booking.user_id == owner.id))
    assert booking.resource_id == studio.id and booking.starts_at == at(1, 19) and booking.ends_at == at(1, 21)

    # The same time again (the back button, a second tap) is refused with the
    # message beside the form: she holds it already.
    page.goto(f"/booking/new?resource_id={studio.id}&day={tomorrow.isoformat()}&start=20:00&end=21:00")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".form-errors")
    assert "您在这个时间已经预约了1号直播间" in page.locator(".form-errors").inner_text()
    assert_accessible(page)


def test_the_laptop_grid_and_staff_report_are_accessible(laptop_page):
    from incubator.booking import service

    page = laptop_page
    studio = make_resource("1号直播间")
    service.book(make_user("shop_owner"), studio, at(1, 19), at(1, 21))
    staff = make_user("staff")
    page.goto("/login")
    page.fill("#login_name", staff.phone)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/home**")
    page.goto(f"/booking/?day={(local_today() + timedelta(days=1)).isoformat()}")
    busy = page.locator(".period.slot-busy")
    assert busy.count() == 1 and "19:00–21:00" in busy.inner_text()
    assert_accessible(page)
    # Only the equipment: swapped in by htmx, and the address says so.
    page.click("nav.tabs a:has-text('设备')")
    page.wait_for_url("**kind=equipment**")
    assert page.locator(".resource-day").count() == 0 and "基地还没有这一类" in page.locator("#day-view").inner_text()
    assert_accessible(page)
    page.goto("/booking/staff/report")
    assert_accessible(page)
    page.goto("/booking/staff/bookings")
    assert_accessible(page)
