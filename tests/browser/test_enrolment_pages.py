"""Every enrolment page a person reaches passes axe, on a laptop (staff) and
a phone (trainee), with believable content."""

from datetime import timedelta

from playwright.sync_api import expect

from incubator.timeutil import utcnow
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_enrolment import make_application, make_cohort, make_programme


def log_in(page, user):
    page.goto("/login")
    page.locator("#login_name").fill(user.phone)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(user.display_name)


def test_staff_pages_are_accessible(laptop_page):
    programme = make_programme(name="乡村特产直播带货", audiences=("villagers",),
                               questions=[("choice", "想卖的特产", True, ("草莓", "咸鸭"))])
    cohort = make_cohort(programme, name="年货特产班")
    make_application(cohort, group="villager")
    staff = make_user("staff", name="李强")
    page = laptop_page
    log_in(page, staff)
    expect(page.get_by_text("审核报名")).to_be_visible()
    assert_accessible(page)
    for path, heading in [("/staff/programmes", "培训项目和培训班"),
                          (f"/staff/programmes/{programme.id}", "乡村特产直播带货"),
                          ("/staff/programmes/new", "新建培训项目"),
                          (f"/staff/programmes/{programme.id}/edit", "编辑培训项目"),
                          (f"/staff/programmes/{programme.id}/classes/new", "新建培训班"),
                          (f"/staff/classes/{cohort.id}/edit", "编辑培训班"),
                          ("/staff/applications", "报名")]:
        page.goto(path)
        expect(page.locator("h1")).to_have_text(heading)
        assert_accessible(page)


def test_trainee_home_panel_and_public_filter_are_accessible(phone_page):
    cohort = make_cohort(make_programme(name="宝妈主播孵化计划"), name="2027 年春季班")
    trainee = make_user("trainee", name="张格琴")
    make_application(cohort, user=trainee, status="accepted", offer_expires_at=utcnow() + timedelta(days=2))
    page = phone_page
    page.goto("/programmes")
    page.get_by_role("link", name="宝妈", exact=True).click()
    expect(page.get_by_role("heading", name="宝妈主播孵化计划")).to_be_visible()
    assert_accessible(page)
    log_in(page, trainee)
    expect(page.get_by_role("button", name="确认入班")).to_be_visible()
    assert_accessible(page)


def test_staff_decide_from_the_applicant_page_and_on_a_phone_queue(phone_page):
    cohort = make_cohort(make_programme(name="宝妈主播孵化计划"), name="2027 年春季班", capacity=3)
    first = make_application(cohort, user=make_user("trainee", name="黄小雨"))
    make_application(cohort, user=make_user("trainee", name="赵敏"))
    staff = make_user("staff", name="李强")
    page = phone_page
    log_in(page, staff)

    # The applicant's page: a plain (boosted) form whose button says the move.
    page.goto(f"/staff/applications/{first.id}")
    page.get_by_role("button", name="候补 · 黄小雨", exact=True).click()
    expect(page.locator("main")).to_contain_text("候补名单")
    expect(page).to_have_url(f"{page.url.split('/staff')[0]}/staff/applications/{first.id}")

    # The queue on a phone: the row swaps itself, rows read as cards.
    page.goto("/staff/applications?status=submitted")
    page.get_by_role("button", name="录取 · 赵敏", exact=True).click()
    expect(page.locator("table.applications").get_by_text("已录取待确认")).to_be_visible()
    expect(page.get_by_role("button", name="录取 · 赵敏", exact=True)).to_have_count(0)
    assert_accessible(page)
