"""A resident asks a question on her phone; staff approve it; the host marks
it answered during the livestream; the resident sees it answered."""

from datetime import timedelta

from playwright.sync_api import expect

from incubator.extensions import db
from incubator.livestreams.models import APPROVED, POLICY, Question
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_livestreams import make_livestream


def _log_in(page, user) -> None:
    page.goto("/login")
    page.locator("input[name=login_name]").fill(user.phone)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/home**")


def test_resident_asks_on_a_phone_and_the_host_marks_it_answered(phone_page, laptop_page, browser, live_server):
    host = make_user("trainee", name="张格琴")
    staff = make_user("staff", name="王芳")
    livestream = make_livestream(POLICY, title="社区医保政策解读", starts_in=timedelta(minutes=-5), hours=1,
                                 hosts=[host])

    # The resident, no account, on her phone.
    phone = phone_page
    phone.goto("/livestreams/")
    expect(phone.get_by_text("社区医保政策解读")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("link", name="社区医保政策解读").click()
    expect(phone.get_by_role("heading", name="社区医保政策解读")).to_be_visible()
    expect(phone.get_by_text("正在直播").first).to_be_visible()
    assert_accessible(phone)
    phone.get_by_label("您的问题").fill("孩子刚出生，医保怎么参保？")
    phone.get_by_label("您的称呼（选填）").fill("李女士")
    phone.get_by_role("button", name="提交问题").click()
    expect(phone.get_by_text("感谢您的提问")).to_be_visible()
    assert_accessible(phone)

    # Staff approve it in the moderation queue (htmx swaps the card).
    question = db.session.scalar(db.select(Question))
    assert question.text == "孩子刚出生，医保怎么参保？"
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", base_url=live_server)
    desk = context.new_page()
    _log_in(desk, staff)
    desk.goto("/livestreams/moderation")
    card = desk.locator(f"#question-{question.id}")
    expect(card).to_contain_text("孩子刚出生，医保怎么参保？")
    assert_accessible(desk)
    card.get_by_role("button", name="通过", exact=True).click()
    expect(desk.locator(f"#question-{question.id}")).to_contain_text("已通过")
    assert_accessible(desk)
    context.close()
    db.session.expire_all()
    assert db.session.get(Question, question.id).status == APPROVED

    # The host, on a laptop beside the camera.
    laptop = laptop_page
    _log_in(laptop, host)
    laptop.goto(f"/livestreams/{livestream.id}/run")
    item = laptop.locator(f"#question-{question.id}")
    expect(item).to_contain_text("孩子刚出生，医保怎么参保？")
    expect(item).to_contain_text("尚未回答")
    assert_accessible(laptop)
    item.get_by_role("button", name="标为已回答").click()
    expect(laptop.locator(f"#question-{question.id}")).to_contain_text("已回答")
    expect(laptop.locator(f"#question-{question.id}").get_by_role("button", name="撤销：标为未回答")).to_be_visible()
    assert_accessible(laptop)

    # The resident reloads the page and sees her question answered.
    phone.goto(f"/livestreams/{livestream.id}")
    answered = phone.locator(".question-list li", has_text="孩子刚出生，医保怎么参保？")
    expect(answered).to_contain_text("已回答")
    assert_accessible(phone)
