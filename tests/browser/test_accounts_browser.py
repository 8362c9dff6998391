"""What only a browser shows: the sign-up flow on a phone, the language switch,
and roles granted inline without a page reload."""

import re

from playwright.sync_api import expect

from incubator.accounts.models import User
from incubator.extensions import db
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user


def test_a_new_trainee_signs_up_on_a_phone_logs_in_and_switches_language(phone_page):
    page = phone_page
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="注册").first.click()
    expect(page.get_by_role("heading", name="注册账号")).to_be_visible()
    assert_accessible(page)

    # A mistake first: the message appears beside the field and what she typed stays.
    page.get_by_label("您的姓名").fill("黄小雨")
    page.get_by_label("手机号或邮箱").fill("1391234")
    page.get_by_label("密码").fill("longenough")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text("请输入 11 位手机号或邮箱地址。")).to_be_visible()
    expect(page.get_by_label("您的姓名")).to_have_value("黄小雨")
    assert_accessible(page)

    page.get_by_label("手机号或邮箱").fill("139 1234 5678")
    page.get_by_label("密码").fill("longenough")
    page.get_by_label("我已阅读并同意上面的个人信息告知。").check()
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", name="黄小雨，您好")).to_be_visible()
    assert_accessible(page)

    # Log out and in again with the number as she typed it the first time.
    page.locator("summary", has_text="菜单").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_text("您已退出登录。")).to_be_visible()
    page.goto("/login")
    page.get_by_label("手机号或邮箱").fill("13912345678")
    page.get_by_label("密码").fill("longenough")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="黄小雨，您好")).to_be_visible()

    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="Hello, 黄小雨")).to_be_visible()
    assert_accessible(page)
    page.reload()
    expect(page.get_by_role("heading", name="Hello, 黄小雨")).to_be_visible()
    user = db.session.scalar(db.select(User).where(User.phone == "13912345678"))
    assert user.locale == "en"

    # Nothing on the page is wider than the phone.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_an_admin_finds_a_person_and_grants_staff_without_a_reload(laptop_page):
    admin = make_user("admin", "staff", name="宋杨", locale="en")
    person = make_user("trainee", name="吴桂兰")
    make_user("trainee", name="赵敏")
    page = laptop_page
    page.goto("/login")
    # Not signed in yet: the page follows the browser (Chinese); after login, her account (English).
    page.get_by_label("手机号或邮箱").fill(admin.phone)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="Hello, 宋杨")).to_be_visible()
    page.goto("/admin/users")
    assert_accessible(page)

    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Name, mobile or e-mail").fill("吴桂")
    row = page.locator(f"#user-{person.id}")
    expect(row).to_be_visible()
    expect(page.get_by_text("赵敏")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=%E5%90%B4"))

    staff_button = row.get_by_role("button", name=re.compile("Staff"))
    expect(staff_button).to_have_attribute("aria-pressed", "false")
    staff_button.click()
    expect(row.get_by_role("button", name=re.compile("Staff"))).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#toasts")).to_contain_text("吴桂兰 is now Staff.")
    assert page.evaluate("window.__sameDocument") is True
    assert_accessible(page)

    db.session.expire_all()
    assert db.session.get(User, person.id).roles == {"trainee", "staff"}
