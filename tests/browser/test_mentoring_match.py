"""Staff match a class with mentors in the browser: preview, change a pair, confirm."""

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from incubator.enrolment.models import CONFIRMED, Application, Cohort, Programme
from incubator.extensions import db
from incubator.mentoring.models import MatchProposal, MenteeNeed
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, default_test_site, make_user
from tests.factories_mentoring import make_mentor, make_need


def _cohort_with_applicants(names):
    site = default_test_site()
    programme = Programme(site_id=site.id, name="宝妈直播带货班")
    db.session.add(programme)
    db.session.flush()
    cohort = Cohort(programme_id=programme.id, site_id=site.id, name="宝妈直播带货班·第三期",
                    starts_on=date(2026, 11, 2), ends_on=date(2026, 12, 20), capacity=20)
    db.session.add(cohort)
    db.session.flush()
    people = []
    for name, availability in names:
        person = make_user("trainee", name=name)
        db.session.add(Application(cohort_id=cohort.id, user_id=person.id, site_id=site.id, status=CONFIRMED,
                                   answers={"availability": availability}))
        people.append(person)
    db.session.commit()
    return cohort, people


def test_staff_match_a_class_change_a_pair_and_confirm(laptop_page):
    page = laptop_page
    chen = make_mentor("陈晓燕", availability=("tue_evening", "thu_evening"), capacity=2, locale=None)
    ma = make_mentor("马丽", availability=("sat_morning",), capacity=1, locale=None)
    cohort, (zhang, huang) = _cohort_with_applicants([("张格琴", ["周二晚上"]), ("黄小雨", ["周六上午"])])
    staff = make_user("staff", name="王芳")

    page.goto("/login")
    page.get_by_label("手机号或邮箱").fill(staff.phone)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home")

    page.goto("/mentoring/match")
    expect(page.get_by_role("heading", name="匹配导师")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("为谁匹配").select_option(label=cohort.name)
    page.get_by_role("button", name="预览结对").click()

    # The optimal pairs: each mentee with the mentor free at her times.
    zhang_pick = page.get_by_label("张格琴 的导师")
    huang_pick = page.get_by_label("黄小雨 的导师")
    expect(zhang_pick).to_have_value(str(chen.id))
    expect(huang_pick).to_have_value(str(ma.id))
    expect(page.get_by_text("周二晚上都有空")).to_be_visible()
    assert_accessible(page)

    # Staff move 黄小雨 to 陈晓燕 by hand; htmx recomputes the preview.
    huang_pick.select_option(str(chen.id))
    expect(page.get_by_text("2 位学员中已配对 2 位")).to_be_visible()
    expect(page.get_by_label("黄小雨 的导师")).to_have_value(str(chen.id))
    page.get_by_role("button", name="确认并发出邀请").click()

    page.wait_for_url("**/mentoring/staff")
    expect(page.get_by_role("heading", name="等待答复的邀请")).to_be_visible()
    assert_accessible(page)
    db.session.expire_all()
    made = {(p.need.user_id, p.profile_id) for p in db.session.scalars(select(MatchProposal))}
    assert made == {(zhang.id, chen.id), (huang.id, chen.id)}


def test_staff_see_the_best_mentors_first_and_show_more_on_a_phone(phone_page):
    page = phone_page
    slots = ["mon_morning", "mon_afternoon", "mon_evening", "tue_morning", "tue_afternoon", "tue_evening"]
    need = make_need("张格琴", availability=slots)
    for n in range(12):  # 导师11 shares the most times with her; 导师00 none
        make_mentor(f"导师{n:02d}", availability=slots[:min(n, 6)], capacity=2, locale=None)
    staff = make_user("staff", name="王芳")

    page.goto("/login")
    page.get_by_label("手机号或邮箱").fill(staff.phone)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home")

    page.goto(f"/mentoring/needs/{need.id}")
    cards = page.locator("ol.matches > li.card")
    expect(cards).to_have_count(10)
    expect(cards.first.locator(".rank")).to_have_text("1")
    expect(cards.first).to_contain_text("周一上午")  # the reasons say why
    assert_accessible(page)

    page.get_by_role("link", name="再显示 2 位导师").click()
    expect(cards).to_have_count(12)
    expect(page).to_have_url(f"{page.url.split('/mentoring')[0]}/mentoring/needs/{need.id}?show=20")
    expect(page.get_by_role("link", name="再显示 2 位导师")).to_have_count(0)
    expect(cards.nth(11).locator(".rank")).to_have_text("12")
    expect(cards.nth(11)).to_contain_text("导师00")
    assert_accessible(page)


def test_staff_find_a_mentee_as_they_type_and_add_her_on_a_phone(phone_page):
    page = phone_page
    feng = make_user("trainee", name="冯雪梅", phone="13712345678")
    make_user("trainee", name="冯雪", phone="13812345678")
    staff = make_user("staff", name="王芳")

    page.goto("/login")
    page.get_by_label("手机号或邮箱").fill(staff.phone)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home")

    page.goto("/mentoring/staff")
    matches = page.locator("#mentee-matches li")
    expect(page.get_by_text("输入姓名或手机号，匹配结果会显示在这里。")).to_be_visible()
    assert_accessible(page)

    # The matches come as she types, by name and then by the first digits of a mobile.
    search = page.get_by_label("姓名、店铺或手机号")
    search.press_sequentially("冯雪")
    expect(matches).to_have_count(2)
    search.fill("137 1234")
    expect(matches).to_have_count(1)
    expect(matches.first).to_contain_text("冯雪梅")
    assert page.url.endswith("/mentoring/staff")  # the page stays; only the matches changed
    assert_accessible(page)
    button = matches.first.get_by_role("button", name="添加并找导师")
    assert button.bounding_box()["height"] >= 44
    button.click()

    page.wait_for_url("**/mentoring/needs/*")
    expect(page.get_by_role("heading", name="找导师").first).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(MenteeNeed.user_id)) == feng.id
