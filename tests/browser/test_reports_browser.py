"""A staff member reads the dashboard on a laptop, narrows it to a group
without a reload, opens a figure's records and a person's record."""

import re
from datetime import date, datetime

from playwright.sync_api import expect

from incubator.timeutil import local_today
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_reports import make_application, make_certificate, make_cohort, make_programme


def test_staff_reads_the_dashboard_filters_it_and_drills_down(laptop_page):
    year = local_today().year
    staff = make_user("staff", name="王芳", locale="en")
    mothers = make_cohort(make_programme(name="宝妈直播班", audiences=["mothers"]),
                          date(year, 1, 5), date(year, 1, 30), name="宝妈一期")
    graduates = make_cohort(make_programme(name="毕业生电商班", audiences=["graduates"]),
                            date(year, 1, 5), date(year, 1, 30), name="毕业生一期")
    zhang = make_user("trainee", name="张格琴")
    lin = make_user("trainee", name="林浩然")
    make_application(zhang, mothers, "confirmed", datetime(year, 1, 2, 3), history=["accepted"])
    make_application(lin, graduates, "confirmed", datetime(year, 1, 3, 3))
    make_certificate(zhang, mothers, datetime(year, 1, 31, 3))

    page = laptop_page
    page.goto("/login")
    page.get_by_label("手机号或邮箱").fill(staff.phone)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="Hello, 王芳")).to_be_visible()

    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", name="Who has been incubated, and with what result")).to_be_visible()
    enrolled = page.locator(".figure-link", has_text="Enrolled")
    expect(enrolled).to_contain_text("2")
    # Every area has landed: no shop sold anything in this test, so sales read zero yuan.
    expect(page.locator(".figure", has_text="Reported sales")).to_contain_text("¥0.00")
    expect(page.get_by_role("img", name=re.compile("Applicants by month"))).to_be_visible()
    assert_accessible(page)

    # Narrow to mothers: the figures change in place and the address keeps the filter.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Group").select_option("mothers")
    expect(enrolled).to_contain_text("1")
    expect(page).to_have_url(re.compile(r"group=mothers"))
    assert page.evaluate("window.__sameDocument") is True

    # The figure opens the records behind it, with the same filter.
    enrolled.click()
    expect(page.get_by_role("heading", name="Enrolled")).to_be_visible()
    table = page.get_by_role("table")
    expect(table).to_contain_text("张格琴")
    expect(table).not_to_contain_text("林浩然")
    assert_accessible(page)

    # And the person's record, whole journey.
    table.get_by_role("link", name="张格琴").click()
    expect(page.get_by_role("heading", name="Record of 张格琴")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Completed 宝妈直播班")
    assert_accessible(page)
