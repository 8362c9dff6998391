import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.shops import service
from incubator.shops.models import Evidence, SalesRecord, Shop, SupportRecord
from incubator.timeutil import local_today, utcnow
from tests.conftest import csrf_token, htmx_get, login, post
from tests.factories import make_site, make_user
from tests.factories_shops import make_shop, tick_all, walk_to

EN = {"Accept-Language": "en"}


def _application(**overrides):
    data = {"name": "杨梅鲜果铺", "category": "agricultural", "location": "农贸市场 B 区 7 号",
            "has_physical_shop": "yes", "platforms": ["douyin", "kuaishou"], "products": "杨梅、草莓",
            "baseline_pieces": "50", "baseline_revenue": "600.50", "help_wanted": ["training", "mentor"]}
    data.update(overrides)
    return data


def test_a_trainee_applies_and_lands_on_her_shop_page_as_a_shop_owner(client):
    trainee = make_user("trainee", locale="en")
    login(client, trainee)
    response = post(client, "/shops/apply", _application())
    assert response.status_code == 303
    shop = db.session.scalar(select(Shop))
    assert response.headers["Location"] == f"/shops/{shop.id}"
    assert shop.baseline_revenue_fen_per_day == 60050 and shop.platforms == ["douyin", "kuaishou"]
    page = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert "Current stage: Applied" in page and "What to do next" in page
    db.session.refresh(trainee)
    assert trainee.has_role("shop_owner")


def test_an_application_with_mistakes_comes_back_with_422_and_keeps_what_was_typed(client):
    login(client, make_user("shop_owner", locale="en"))
    response = post(client, "/shops/apply", _application(platforms=[], baseline_pieces="-3"), htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose at least one platform" in html and 'value="杨梅鲜果铺"' in html
    assert db.session.scalar(select(func.count(Shop.id))) == 0


def test_the_same_application_sent_twice_makes_one_shop(client):
    login(client, make_user("trainee", locale="en"))
    assert post(client, "/shops/apply", _application()).status_code == 303
    again = post(client, "/shops/apply", _application(name=" 杨梅鲜果铺 "))
    assert again.status_code == 422 and "You have already applied with 杨梅鲜果铺" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Shop.id))) == 1


def test_numbers_past_any_shops_day_get_a_message_not_an_error(client, app):
    owner = make_user("shop_owner", locale="en")
    login(client, owner)
    for huge in ({"baseline_pieces": "99999999999999999999"}, {"baseline_revenue": "Infinity"},
                 {"baseline_revenue": "1e9999"}):
        response = post(client, "/shops/apply", _application(**huge))
        assert response.status_code == 422, huge
        assert "Use a" in response.get_data(as_text=True) and "from 0 to" in response.get_data(as_text=True)
    shop = make_shop(owner)
    sale = {"occurred_on": local_today().isoformat(), "minutes": "90", "platform": "douyin", "viewers": "10",
            "orders": "1", "revenue": "10"}
    for huge in ({"viewers": "99999999999999999999"}, {"orders": "99999999999999999999"},
                 {"pieces": "99999999999999999999"}, {"revenue": "Infinity"}, {"revenue": "99999999999999999999"}):
        assert post(client, f"/shops/{shop.id}/sales/new", {**sale, **huge}).status_code == 422, huge
    assert post(client, f"/shops/{shop.id}/sales/new", {**sale, "occurred_on": "0001-01-01"}).status_code == 422
    client = app.test_client()
    login(client, make_user("staff", locale="en"))
    support = {"kind": "training", "shop_id": str(shop.id), "person": "", "what": "入门班名额", "amount": "12",
               "given_on": "2026-11-01"}
    assert post(client, "/shops/support", {**support, "amount": "99999999999999999999"}).status_code == 422
    assert post(client, "/shops/support", {**support, "given_on": "0001-01-01"}).status_code == 422
    assert db.session.scalar(select(func.count(Shop.id))) == 1
    assert db.session.scalar(select(func.count(SalesRecord.id))) == 0
    assert db.session.scalar(select(func.count(SupportRecord.id))) == 0


def test_my_shop_leads_to_the_application_or_to_the_shop(client):
    owner = make_user("shop_owner")
    login(client, owner)
    assert client.get("/shops/mine").headers["Location"] == "/shops/apply"
    shop = make_shop(owner)
    assert client.get("/shops/mine").headers["Location"] == f"/shops/{shop.id}"


def test_another_owners_shop_and_another_sites_shop_are_not_found(client):
    shop = make_shop()
    login(client, make_user("shop_owner"))
    assert client.get(f"/shops/{shop.id}").status_code == 404
    assert post(client, f"/shops/{shop.id}/sales/new", {}).status_code == 404
    other_staff = make_user("staff", site=make_site())
    client2 = client.application.test_client()
    login(client2, other_staff)
    assert client2.get(f"/shops/{shop.id}").status_code == 404
    assert post(client2, f"/shops/{shop.id}/advance", {}).status_code == 404


def test_owners_may_not_open_the_board_or_move_shops(client):
    owner = make_user("shop_owner")
    shop = make_shop(owner)
    login(client, owner)
    assert client.get("/shops/").status_code == 403
    assert client.get("/shops/stages").status_code == 403
    assert client.get("/shops/support").status_code == 403
    assert post(client, f"/shops/{shop.id}/advance", {}).status_code == 403


def test_the_board_shows_columns_counts_days_and_stalled_shops_and_filters(client):
    staff = make_user("staff", locale="en")
    stuck = make_shop(name="老朱五金", category="other")
    make_shop(name="珍珠小铺", category="jewellery")
    stuck.stage_entered_at = utcnow() - timedelta(days=9)
    db.session.commit()
    login(client, staff)
    html = client.get("/shops/").get_data(as_text=True)
    assert "Applied <span class=\"shop-count\">(2)</span>" in html
    assert "9 days" in html and "Stalled" in html
    fragment = htmx_get(client, "/shops/?category=jewellery")
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "珍珠小铺" in text and "老朱五金" not in text
    listing = client.get("/shops/?view=list").get_data(as_text=True)
    assert 'data-label="Days in stage"' in listing


def test_staff_move_a_card_with_htmx_and_get_the_board_back(client):
    staff = make_user("staff", locale="en")
    shop = make_shop()
    tick_all(staff, shop)
    login(client, staff)
    response = post(client, f"/shops/{shop.id}/advance", {"from": "board"}, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    db.session.refresh(shop)
    assert shop.stage.key == "verified"
    # The next stage wants a licence photo: the board says no, in words, and nothing moves.
    tick_all(staff, shop)
    refused = post(client, f"/shops/{shop.id}/advance", {"from": "board"}, htmx=True)
    assert refused.status_code == 422
    assert "Evidence needed" in refused.headers["HX-Trigger"]
    db.session.refresh(shop)
    assert shop.stage.key == "verified"


def test_staff_send_back_from_the_shop_page_without_js_needs_a_note(client):
    staff = make_user("staff", locale="en")
    shop = walk_to(staff, make_shop(), "positioning")
    login(client, staff)
    missing = post(client, f"/shops/{shop.id}/back", {"note": ""})
    assert missing.status_code == 422 and "Say why" in missing.get_data(as_text=True)
    done = post(client, f"/shops/{shop.id}/back", {"note": "执照照片看不清"})
    assert done.status_code == 303
    db.session.refresh(shop)
    assert shop.stage.key == "verified"
    assert "执照照片看不清" in client.get(f"/shops/{shop.id}").get_data(as_text=True)


def test_ticking_a_checklist_item_with_htmx_returns_the_stage_fragment(client):
    staff = make_user("staff", locale="en")
    shop = make_shop()
    item = shop.stage.items[0]
    login(client, staff)
    response = post(client, f"/shops/{shop.id}/checklist/{item.id}", {"done": "1"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'aria-pressed="true"' in html
    db.session.expire_all()
    assert item.id in db.session.get(Shop, shop.id).ticked_item_ids()


def test_an_owner_logs_a_livestream_and_sees_the_uplift_in_plain_words(client):
    owner = make_user("shop_owner", locale="en")
    shop = make_shop(owner, baseline=(200, 80000))
    login(client, owner)
    for days_ago in (2, 1):
        response = post(client, f"/shops/{shop.id}/sales/new", {
            "occurred_on": (local_today() - timedelta(days=days_ago)).isoformat(), "minutes": "90",
            "host": "乌拉依木", "platform": "douyin", "viewers": "1800", "orders": "50", "pieces": "100",
            "revenue": "400", "products": "馕"})
        assert response.status_code == 303
    page = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert "+100 pieces a day, +400 yuan a day" in page
    assert "Before the base: 200 pieces and 800 yuan a day." in page
    db.session.refresh(shop)
    assert shop.stage.key == "first_sale", "the first sale moved the shop by itself"


def test_the_same_results_sent_twice_are_logged_once(client):
    owner = make_user("shop_owner", locale="en")
    shop = make_shop(owner)
    login(client, owner)
    sale = {"occurred_on": local_today().isoformat(), "minutes": "90", "platform": "douyin", "viewers": "1800",
            "orders": "50", "revenue": "400"}
    assert post(client, f"/shops/{shop.id}/sales/new", sale).status_code == 303
    again = post(client, f"/shops/{shop.id}/sales/new", sale)
    assert again.status_code == 422 and "already in the log" in again.get_data(as_text=True)
    assert post(client, f"/shops/{shop.id}/sales/new", {**sale, "orders": "51"}).status_code == 303
    assert db.session.scalar(select(func.count(SalesRecord.id))) == 2


def test_a_sales_log_with_bad_numbers_is_refused(client):
    owner = make_user("shop_owner", locale="en")
    shop = make_shop(owner)
    login(client, owner)
    response = post(client, f"/shops/{shop.id}/sales/new", {
        "occurred_on": local_today().isoformat(), "minutes": "90", "platform": "douyin", "viewers": "-1",
        "orders": "x", "revenue": "abc"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(SalesRecord.id))) == 0


def test_staff_log_sales_for_the_owner(client):
    staff = make_user("staff")
    shop = make_shop()
    login(client, staff)
    response = post(client, f"/shops/{shop.id}/sales/new", {
        "occurred_on": local_today().isoformat(), "minutes": "60", "host": "王芳", "platform": "kuaishou",
        "viewers": "300", "orders": "0", "revenue": "0"})
    assert response.status_code == 303
    assert db.session.scalar(select(SalesRecord)).recorded_by_id == staff.id


# --- Uploads ----------------------------------------------------------------------

def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 90)).save(out, format="PNG")
    return out.getvalue()


def _upload(client, shop, data: bytes, name: str):
    return client.post(f"/shops/{shop.id}/evidence", data={
        "csrf_token": csrf_token(client), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data", headers=EN)


def test_an_owner_uploads_a_licence_photo_and_only_staff_and_she_can_open_it(client, app):
    owner = make_user("shop_owner")
    shop = make_shop(owner)
    login(client, owner)
    assert _upload(client, shop, _photo(), "执照.png").status_code == 303
    evidence = db.session.scalar(select(Evidence))
    url = f"/shops/{shop.id}/evidence/{evidence.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename=" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]

    stranger = app.test_client()
    other_owner = make_user("shop_owner")
    make_shop(other_owner, name="别人的店")
    login(stranger, other_owner)
    assert stranger.get(url).status_code == 404
    staff = app.test_client()
    login(staff, make_user("staff"))
    assert staff.get(url).status_code == 200
    far_staff = app.test_client()
    login(far_staff, make_user("staff", site=make_site()))
    assert far_staff.get(url).status_code == 404


def test_evidence_of_one_shop_is_not_served_under_another_shops_address(client):
    owner = make_user("shop_owner")
    first, second = make_shop(owner, name="一店"), make_shop(owner, name="二店")
    evidence = service.add_evidence_file(owner, first, io.BytesIO(_photo()), "a.png")
    login(client, owner)
    assert client.get(f"/shops/{second.id}/evidence/{evidence.id}").status_code == 404


def test_an_upload_of_the_wrong_type_comes_back_with_422(client):
    owner = make_user("shop_owner", locale="en")
    shop = make_shop(owner)
    login(client, owner)
    response = _upload(client, shop, b"MZ\x90\x00 not really a picture", "licence.jpg")
    assert response.status_code == 422
    assert "Upload a photo (JPEG, PNG, WebP) or a PDF." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Evidence.id))) == 0


def test_an_upload_that_is_too_large_comes_back_with_422(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_EVIDENCE_MAX_BYTES", 100)
    owner = make_user("shop_owner", locale="en")
    shop = make_shop(owner)
    login(client, owner)
    response = _upload(client, shop, _photo() + b"\0" * 500, "big.png")
    assert response.status_code == 422 and "too large" in response.get_data(as_text=True)


def test_a_store_link_is_saved(client):
    owner = make_user("shop_owner")
    shop = make_shop(owner)
    login(client, owner)
    assert post(client, f"/shops/{shop.id}/evidence/link", {"url": "https://v.douyin.com/xyz/"}).status_code == 303
    assert post(client, f"/shops/{shop.id}/evidence/link", {"url": "ftp://x"}).status_code == 422


# --- Stages and the support ledger -------------------------------------------------------

def test_staff_edit_a_stage_and_add_one(client):
    staff = make_user("staff", locale="en")
    shop = make_shop()
    login(client, staff)
    stage = shop.stage
    assert client.get(f"/shops/stages/{stage.id}").status_code == 200
    response = post(client, f"/shops/stages/{stage.id}", {
        "name_zh": "初次联系", "name_en": "First contact", "staff_id": str(staff.id), "target_days": "3",
        "checklist": "打电话 | Call the owner"})
    assert response.status_code == 303
    db.session.refresh(stage)
    assert stage.name_en == "First contact" and [i.text_en for i in stage.items] == ["Call the owner"]
    bad = post(client, "/shops/stages/new", {"name_zh": "", "name_en": "x", "staff_id": "0", "target_days": "0"})
    assert bad.status_code == 422


def test_staff_record_support_for_a_person_by_mobile_number(client):
    staff = make_user("staff", locale="en")
    person = make_user("trainee", phone="13912345678")
    login(client, staff)
    response = post(client, "/shops/support", {"kind": "training", "shop_id": "0", "person": "139 1234 5678",
                                               "what": "入门班名额", "amount": "1200", "given_on": "2026-11-01",
                                               "reason": "全职妈妈"})
    assert response.status_code == 303
    record = db.session.scalar(select(SupportRecord))
    assert (record.user_id, record.amount_fen) == (person.id, 120000)
    unknown = post(client, "/shops/support", {"kind": "training", "shop_id": "0", "person": "13900000000",
                                              "what": "x", "amount": "1", "given_on": "2026-11-01"})
    assert unknown.status_code == 422 and "Nobody of this base" in unknown.get_data(as_text=True)


def test_home_panels_for_owner_and_staff(client, app):
    owner = make_user("shop_owner", locale="en")
    make_shop(owner, name="香馕店")
    login(client, owner)
    assert "香馕店" in client.get("/home").get_data(as_text=True)
    staff_client = app.test_client()
    login(staff_client, make_user("staff", locale="en"))
    assert "1 shop in onboarding" in staff_client.get("/home").get_data(as_text=True)


def test_the_shop_page_is_in_chinese_by_default(client):
    owner = make_user("shop_owner")
    shop = make_shop(owner)
    login(client, owner)
    assert "当前阶段" in client.get(f"/shops/{shop.id}").get_data(as_text=True)


def test_hostile_values_never_break_the_shop_forms(app):
    from tests.test_hostile_input import hostile_run

    owner = make_user("shop_owner")
    shop = make_shop(owner)
    owner_client = app.test_client()
    login(owner_client, owner)
    for page in ("/shops/apply", f"/shops/{shop.id}/sales/new", f"/shops/{shop.id}"):
        assert hostile_run(owner_client, page, max_examples=8) >= 1
    staff_client = app.test_client()
    login(staff_client, make_user("staff"))
    for page in ("/shops/support", "/shops/stages/new", f"/shops/stages/{shop.stage_id}"):
        assert hostile_run(staff_client, page, max_examples=8) >= 1


def test_the_sales_form_fills_in_today_on_the_shops_base_clock(client):
    """A base may keep a clock far from Beijing's: the date a shop owner finds
    filled in is her base's today, the day her pages read on."""
    from datetime import UTC, datetime

    # Of these two, the one whose day differs from Beijing's at this hour.
    zone = "Pacific/Kiritimati" if 10 <= datetime.now(UTC).hour < 16 else "Etc/GMT+12"
    assert local_today(zone) != local_today()
    site = make_site(timezone=zone)
    owner = make_user("shop_owner", site=site)
    shop = make_shop(owner=owner, site=site)
    login(client, owner)
    page = client.get(f"/shops/{shop.id}/sales/new").get_data(as_text=True)
    assert f'value="{local_today(zone).isoformat()}"' in page
    assert f'value="{local_today().isoformat()}"' not in page
