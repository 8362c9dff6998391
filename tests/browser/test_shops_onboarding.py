"""An owner applies on her phone; staff move the shop along on a laptop."""

import io

from PIL import Image
from playwright.sync_api import expect

from incubator.extensions import db
from incubator.shops.models import Shop
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, make_user


def _log_in(page, user):
    page.goto("/login")
    page.get_by_label("手机号或邮箱").fill(user.phone)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home")


def _licence_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (240, 230, 210)).save(out, format="JPEG")
    return out.getvalue()


def test_an_owner_applies_on_her_phone_and_staff_move_the_shop_along(phone_page, laptop_page):
    owner = make_user("trainee", name="杨梅")
    staff = make_user("staff", name="王芳")

    # The owner, on her phone: apply, then send the licence photo.
    page = phone_page
    _log_in(page, owner)
    page.goto("/shops/mine")
    expect(page.get_by_role("heading", name="店铺申请入驻")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("店铺名称").fill("杨梅鲜果铺")
    page.get_by_label("类别").select_option("agricultural")
    page.get_by_label("店铺在哪里？").fill("农贸市场 B 区 7 号")
    page.get_by_label("抖音").check()
    page.get_by_label("微信视频号").check()
    page.get_by_label("卖什么？").fill("应季水果、杨梅、草莓")
    page.get_by_label("平常一天卖多少件（选填）").fill("50")
    page.get_by_label("培训", exact=True).check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="当前阶段：已申请")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("照片或 PDF").set_input_files(
        {"name": "执照.jpg", "mimeType": "image/jpeg", "buffer": _licence_photo()})
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_role("link", name="执照.jpg")).to_be_visible()
    shop = db.session.scalar(db.select(Shop).where(Shop.name == "杨梅鲜果铺"))
    assert shop is not None

    # Staff, on a laptop: the board, the checklist, and moving the card.
    page = laptop_page
    _log_in(page, staff)
    page.goto("/shops/")
    applied = page.locator(".shop-column").filter(has=page.get_by_role("heading", name="已申请"))
    expect(applied.get_by_role("link", name="杨梅鲜果铺")).to_be_visible()
    assert_accessible(page)
    applied.get_by_role("link", name="杨梅鲜果铺").click()
    expect(page.get_by_role("heading", name="当前阶段：已申请")).to_be_visible()
    for item in ("与店主电话联系，约好第一次见面", "了解店铺现在怎么卖、需要哪些帮助"):
        page.get_by_role("button", name=item).click()
        expect(page.get_by_role("button", name=item)).to_have_attribute("aria-pressed", "true")
    assert_accessible(page)
    page.get_by_role("button", name="进入：已核验（营业执照）").click()
    expect(page.get_by_role("heading", name="当前阶段：已核验（营业执照）")).to_be_visible()
    for item in ("核对营业执照原件", "确认经营地址在社区范围内"):
        page.get_by_role("button", name=item).click()
        expect(page.get_by_role("button", name=item)).to_have_attribute("aria-pressed", "true")

    page.goto("/shops/")
    card = page.locator(f"#shop-card-{shop.id}")
    card.get_by_role("button", name="把“杨梅鲜果铺”推进到下一阶段").click()
    positioning = page.locator(".shop-column").filter(has=page.get_by_role("heading", name="定位"))
    expect(positioning.get_by_role("link", name="杨梅鲜果铺")).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("杨梅鲜果铺")
    assert_accessible(page)

    # Back on the phone, the owner sees where her shop is.
    page = phone_page
    page.goto(f"/shops/{shop.id}")
    expect(page.get_by_role("heading", name="当前阶段：定位")).to_be_visible()
    page.goto("/shops/")  # not for owners
    expect(page.get_by_role("heading", name="您的身份无法使用此页面")).to_be_visible()


def test_an_owner_logs_a_livestream_on_her_phone_and_staff_keep_the_ledgers(phone_page, laptop_page):
    from tests.factories_shops import make_shop, walk_to

    owner = make_user("shop_owner", name="乌拉依木·卡日")
    staff = make_user("staff", name="王芳")
    shop = walk_to(staff, make_shop(owner, baseline=(200, 80000)), "first_livestream")

    page = phone_page
    _log_in(page, owner)
    page.goto(f"/shops/{shop.id}")
    page.get_by_role("link", name="记录直播成果").first.click()
    expect(page.get_by_role("heading", name="记录直播成果")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("时长（分钟）").fill("90")
    page.get_by_label("观看人数").fill("1800")
    page.get_by_label("订单数").fill("50")
    page.get_by_label("售出件数（选填）").fill("100")
    page.get_by_label("销售额（元）").fill("400")
    page.get_by_label("主推商品").fill("现烤馕、烤包子")
    page.get_by_role("button", name="保存成果").click()
    expect(page.get_by_text("每天多卖 100 件，每天多收入 400 元")).to_be_visible()
    expect(page.get_by_role("heading", name="当前阶段：首单成交")).to_be_visible()
    assert_accessible(page)

    page = laptop_page
    _log_in(page, staff)
    page.goto("/shops/?view=list")
    expect(page.get_by_role("cell", name="首单成交")).to_be_visible()
    assert_accessible(page)
    page.goto("/shops/stages")
    assert_accessible(page)
    page.get_by_role("link", name="定位").click()
    page.get_by_label("目标天数").fill("10")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("cell", name="10", exact=True)).to_be_visible()
    page.goto("/shops/support")
    assert_accessible(page)
    page.get_by_label("扶持类型").select_option("equipment")
    page.get_by_label("店铺", exact=True).select_option(str(shop.id))
    page.get_by_label("给了什么").fill("补光灯一套")
    page.get_by_label("价值（元）").fill("800")
    page.get_by_role("button", name="登记扶持", exact=True).click()
    expect(page.get_by_role("cell", name="补光灯一套")).to_be_visible()
    assert_accessible(page)
