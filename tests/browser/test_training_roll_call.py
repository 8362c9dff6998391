"""Roll call on a phone: forty trainees on a 360-pixel screen, one tap per
mark, saved without a page reload."""

from datetime import timedelta

from playwright.sync_api import expect

from incubator.timeutil import utcnow
from incubator.training import service
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_training import enrol, make_cohort, make_session


def _log_in(page, user):
    page.goto("/login")
    page.get_by_label("手机号或邮箱").fill(user.phone)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=f"{user.display_name}，您好")).to_be_visible()


def test_staff_take_roll_call_for_forty_on_a_phone(phone_page):
    page = phone_page
    page.set_viewport_size({"width": 360, "height": 740})
    cohort = make_cohort(name="直播带货新手班·第一期")
    trainees = [enrol(cohort, name=f"学员{i:02d}") for i in range(40)]
    session = make_session(cohort, topic="直播话术", starts_at=utcnow() - timedelta(minutes=10))
    staff = make_user("staff", name="王芳")

    _log_in(page, staff)
    page.goto(f"/training/sessions/{session.id}")
    expect(page.get_by_role("heading", name="点名: 直播话术")).to_be_visible()
    assert_accessible(page)
    # A marker on the window survives only if the page is never reloaded.
    page.evaluate("window.rollMarker = 'still here'")

    taps = [(trainees[0], "出勤"), (trainees[1], "迟到"), (trainees[2], "缺勤"), (trainees[39], "请假")]
    for trainee, label in taps:
        button = page.locator(f"#row-u{trainee.id}").get_by_role("button", name=label)
        button.tap()
        expect(page.locator(f"#row-u{trainee.id}").get_by_role("button", name=label)).to_have_attribute(
            "aria-pressed", "true")
    expect(page.locator("#roll-summary")).to_contain_text("出勤 1，迟到 1，缺勤 1，请假 1，未点名 36")
    assert page.evaluate("window.rollMarker") == "still here"

    # Change of mind: one tap corrects a mark.
    page.locator(f"#row-u{trainees[2].id}").get_by_role("button", name="出勤").tap()
    expect(page.locator(f"#row-u{trainees[2].id}").get_by_text("出勤", exact=True)).to_be_visible()

    # Nothing is wider than the phone, and every mark button is a real tap target.
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    box = page.locator(f"#row-u{trainees[5].id}").get_by_role("button", name="缺勤").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert_accessible(page)

    # The marks were saved: a fresh load shows them, and so does the database.
    page.reload()
    expect(page.locator(f"#row-u{trainees[1].id}").get_by_role("button", name="迟到")).to_have_attribute(
        "aria-pressed", "true")
    marks = {row.user.id: row.mark for row in service.roll(session) if row.mark}
    assert marks == {trainees[0].id: "present", trainees[1].id: "late", trainees[2].id: "present",
                     trainees[39].id: "excused"}

    # "Mark all present" fills in everyone else without touching given marks.
    page.get_by_role("button", name="未点名的全部记为出勤").tap()
    expect(page.locator("#roll-summary")).to_contain_text("未点名 0", timeout=15_000)
    assert service.attendance_of(session.id, trainees[1].id).mark == "late"
    page.screenshot(path="test-results/training-roll-call-phone.png", full_page=False)
