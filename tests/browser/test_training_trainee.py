"""A trainee on her phone: checks in with the code from the room, follows her
progress; anyone verifies a certificate. Staff's grid on a laptop."""

from datetime import timedelta

from playwright.sync_api import expect

from incubator.extensions import db
from incubator.timeutil import utcnow
from incubator.training import service
from incubator.training.models import Certificate
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_training import enrol, make_cohort, make_programme, make_session, make_skill


def _log_in(page, user):
    page.goto("/login")
    page.get_by_label("手机号或邮箱").fill(user.phone)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=f"{user.display_name}，您好")).to_be_visible()


def test_she_checks_in_on_her_phone_and_sees_her_progress(phone_page):
    page = phone_page
    cohort = make_cohort(make_programme(name="直播带货新手班"), name="第一期")
    make_skill(cohort.programme, "平台规则")
    trainee = enrol(cohort, name="张格琴")
    make_session(cohort, topic="直播话术", starts_at=utcnow() - timedelta(minutes=3), code="5093")

    _log_in(page, trainee)
    expect(page.get_by_text("直播话术")).to_be_visible()  # the session under way, on her home page
    assert_accessible(page)
    page.get_by_label("教室里显示的签到码").fill("5090")
    page.get_by_role("button", name="签到").click()
    expect(page.get_by_text("此签到码不对应你正在进行的课程")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("教室里显示的签到码").fill("5093")
    page.get_by_role("button", name="签到").click()
    expect(page.get_by_text("已签到：直播话术（出勤）")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="我在第一期的进度").click()
    expect(page.get_by_role("heading", name="张格琴 的学习进度")).to_be_visible()
    expect(page.get_by_text("技能：平台规则")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_anyone_verifies_a_certificate_and_staff_read_the_grid(phone_page, laptop_page):
    cohort = make_cohort(make_programme(name="直播带货新手班"), name="第一期")
    trainee = enrol(cohort, name="张格琴")
    staff = make_user("staff", name="王芳")
    session = make_session(cohort, starts_at=utcnow() - timedelta(days=1))
    service.set_mark(staff, session, f"u{trainee.id}", "present")
    certificate = db.session.scalar(db.select(Certificate))  # one session, no skills: complete

    page = phone_page
    page.goto("/verify")
    assert_accessible(page)
    page.get_by_label("证书验证码").fill(certificate.code.lower())
    page.get_by_role("button", name="查验").click()
    expect(page.get_by_role("heading", name="证书真实有效")).to_be_visible()
    expect(page.get_by_text("张格琴")).to_be_visible()
    assert_accessible(page)

    laptop = laptop_page
    _log_in(laptop, staff)
    laptop.goto(f"/training/cohorts/{cohort.id}/grid")
    expect(laptop.get_by_role("heading", name="考勤总表: 第一期")).to_be_visible()
    assert_accessible(laptop)
    laptop.goto(f"/training/certificates/{certificate.code}")
    expect(laptop.get_by_text("Certificate of Completion")).to_be_visible()
    assert_accessible(laptop)
