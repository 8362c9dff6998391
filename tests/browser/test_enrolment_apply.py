"""A mother applies from her phone (signing up on the way), staff accept her
on a laptop, and she confirms her place."""

from playwright.sync_api import expect

from incubator.enrolment.models import Application
from incubator.extensions import db
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.factories_enrolment import make_cohort, make_programme


def test_a_mother_applies_on_her_phone_staff_accept_and_she_confirms(phone_page, laptop_page):
    programme = make_programme(name="宝妈主播孵化计划", audiences=("mothers",),
                               questions=[("yesno", "家里有能直播的智能手机吗？", True, ())])
    cohort = make_cohort(programme, capacity=2, name="2027 年春季班")
    staff = make_user("staff", name="王芳")

    # She finds the programme without an account.
    phone = phone_page
    phone.goto("/programmes")
    expect(phone.get_by_role("heading", name="宝妈主播孵化计划")).to_be_visible()
    expect(phone.get_by_text("剩 2 个名额")).to_be_visible()
    assert_accessible(phone)
    phone.locator(f"a[href='/classes/{cohort.id}/apply']").click()

    # Step 1: a short sign-up, then straight back to the form.
    expect(phone.get_by_role("heading", name="第 1 步（共 2 步）：注册账号")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_label("您的姓名").fill("黄小雨")
    phone.get_by_label("手机号", exact=True).fill("13900001234")
    phone.get_by_label("设置密码").fill("xiaoyu2026")
    phone.get_by_label("我已阅读并同意个人信息告知书。").check()
    phone.get_by_role("button", name="注册并继续报名").click()

    # Step 2: the application; a missing answer comes back beside its field.
    expect(phone.get_by_text("您什么时间能来上课？")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_label("宝妈", exact=True).check()
    phone.get_by_label("工作日上午").check()
    phone.get_by_label("您想卖什么、做什么？").fill("卖自家做的烧饼")
    phone.get_by_label("孩子的年龄（选填）").fill("2, 5")
    phone.get_by_label("上课时我需要儿童托管角").check()
    phone.get_by_role("radio", name="是").check()
    phone.get_by_role("button", name="提交报名").click()
    expect(phone.locator("#village-error")).to_contain_text("请填写您所在的村或社区")
    expect(phone.get_by_label("您想卖什么、做什么？")).to_have_value("卖自家做的烧饼")
    assert_accessible(phone)
    phone.get_by_label("您所在的村或社区").fill("烈士塔社区")
    phone.get_by_role("button", name="提交报名").click()
    expect(phone.get_by_role("heading", name="我的报名")).to_be_visible()
    expect(phone.get_by_text("已提交", exact=True)).to_be_visible()
    assert_accessible(phone)

    application = db.session.scalar(db.select(Application).where(Application.cohort_id == cohort.id))
    assert application.applicant_group == "mother"

    # Staff accept her from the review queue; the places left change without a reload.
    laptop = laptop_page
    laptop.goto("/login")
    laptop.locator("#login_name").fill(staff.phone)
    laptop.locator("#password").fill(DEFAULT_PASSWORD)
    laptop.get_by_role("button", name="登录").click()
    expect(laptop.get_by_role("heading", name="王芳，您好")).to_be_visible()
    laptop.goto(f"/staff/applications?cohort={cohort.id}")
    expect(laptop.locator(f"#seats-{cohort.id}")).to_contain_text("剩 2 个名额")
    assert_accessible(laptop)
    laptop.get_by_role("button", name="录取 · 黄小雨", exact=True).click()
    expect(laptop.locator(f"#application-{application.id}")).to_contain_text("已录取待确认")
    expect(laptop.locator(f"#seats-{cohort.id}")).to_contain_text("剩 1 个名额")
    laptop.get_by_role("link", name="黄小雨").click()
    expect(laptop.get_by_role("heading", name="操作记录")).to_be_visible()
    assert_accessible(laptop)

    # She sees the offer on her phone and confirms.
    phone.goto("/my/applications")
    expect(phone.get_by_text("已录取待确认", exact=True)).to_be_visible()
    phone.get_by_role("button", name="确认入班").click()
    expect(phone.get_by_text("已入班", exact=True)).to_be_visible()
    assert_accessible(phone)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "confirmed"
