import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from incubator.audit import AuditEntry
from incubator.errors import DomainError, NotAllowed
from incubator.extensions import db
from incubator.notify.models import Notification
from incubator.shops import service
from incubator.shops.jobs import remind_stalled_shops
from incubator.shops.models import Evidence, SalesRecord, Shop, ShopStageEvent
from incubator.timeutil import local_today, utcnow
from tests.factories import make_user
from tests.factories_shops import add_link, make_shop, stage_by_key, tick_all, walk_to


def _notes(user, kind):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == kind)))


# --- Applying ---------------------------------------------------------------

def test_a_person_without_the_shop_owner_role_who_applies_becomes_a_shop_owner():
    trainee = make_user("trainee")
    staff = make_user("staff")
    shop = make_shop(trainee)
    assert trainee.has_role("shop_owner") and trainee.has_role("trainee")
    assert shop.stage.key == "applied"
    assert [e.kind for e in service.history_of(shop)] == ["applied"]
    assert _notes(staff, "shops.applied"), "the base's staff hear of the application"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.granted"))


def test_the_default_pipeline_has_seven_stages_in_order():
    shop = make_shop()
    keys = [s.key for s in service.stages_for(shop.site_id)]
    assert keys == ["applied", "verified", "positioning", "channel", "first_livestream", "first_sale", "incubated"]
    verified = stage_by_key(shop, "verified")
    assert verified.evidence_required and verified.items and verified.target_days == 7


def test_an_application_needs_a_name_a_platform_and_known_choices():
    owner = make_user("shop_owner")
    with pytest.raises(DomainError) as caught:
        service.apply(owner, name=" ", category="cars", location="", has_physical_shop=False, platforms=["myspace"],
                      products="", help_wanted=["cash"], baseline_pieces_per_day=-1)
    fields = {field for field, _ in caught.value.errors}
    assert {"name", "category", "location", "platforms", "products", "help_wanted",
            "baseline_pieces_per_day"} <= fields
    assert db.session.scalar(select(func.count(Shop.id))) == 0


# --- Stage rules and checklist --------------------------------------------------

def test_a_shop_cannot_move_on_until_its_checklist_is_done():
    staff = make_user("staff")
    shop = make_shop()
    with pytest.raises(DomainError, match="检查清单"):
        service.advance(staff, shop)
    tick_all(staff, shop)
    assert service.missing_for_stage(shop) == []
    assert service.advance(staff, shop, "执照已看").key == "verified"
    event = service.history_of(shop)[0]
    assert (event.kind, event.note, event.actor_id) == ("advanced", "执照已看", staff.id)
    assert _notes(shop.owner, "shops.stage_changed")


def test_a_stage_that_asks_for_evidence_waits_for_it():
    staff = make_user("staff")
    shop = walk_to(staff, make_shop(), "verified")
    tick_all(staff, shop)
    with pytest.raises(DomainError, match="营业执照"):
        service.advance(staff, shop)
    add_link(shop.owner, shop)
    assert service.advance(staff, shop).key == "positioning"


def test_unticking_reopens_the_item():
    staff = make_user("staff")
    shop = make_shop()
    item = shop.stage.items[0]
    service.set_tick(staff, shop, item, True)
    service.set_tick(staff, shop, item, False)
    assert item.id not in shop.ticked_item_ids()


def test_sending_back_needs_a_note_and_tells_the_owner():
    staff = make_user("staff")
    shop = walk_to(staff, make_shop(), "positioning")
    with pytest.raises(DomainError) as caught:
        service.send_back(staff, shop, "  ")
    assert caught.value.errors[0][0] == "note"
    assert service.send_back(staff, shop, "执照照片看不清").key == "verified"
    sent = _notes(shop.owner, "shops.sent_back")
    assert sent and sent[0].params["note"] == "执照照片看不清"


def test_the_first_stage_cannot_go_back_and_the_last_cannot_go_on():
    staff = make_user("staff")
    shop = make_shop()
    with pytest.raises(DomainError):
        service.send_back(staff, shop, "why")


def test_only_staff_of_the_shops_base_may_move_it():
    from tests.factories import make_site

    shop = make_shop()
    tick_all(make_user("staff"), shop)
    with pytest.raises(NotAllowed):
        service.advance(shop.owner, shop)
    with pytest.raises(NotAllowed):
        service.advance(make_user("staff", site=make_site()), shop)


def test_first_sale_is_reached_only_by_recording_a_sale():
    staff = make_user("staff")
    shop = walk_to(staff, make_shop(), "first_livestream")
    tick_all(staff, shop)
    with pytest.raises(DomainError, match="直播成果"):
        service.advance(staff, shop)


def test_stages_are_configurable_and_keep_ticks_of_unchanged_items():
    staff = make_user("staff")
    shop = make_shop()
    stage = shop.stage
    first_item = stage.items[0]
    service.set_tick(staff, shop, first_item, True)
    service.save_stage(staff, shop.site_id, stage, name_zh="初次联系", name_en="First contact", staff_id=staff.id,
                       target_days=3, evidence_required=False,
                       checklist=f"{first_item.text_zh} | {first_item.text_en}\n"
                                 "拍一张店面照片 | Take a photo of the shop")
    assert [i.text_en for i in stage.items][1] == "Take a photo of the shop"
    assert first_item.id in shop.ticked_item_ids()
    assert stage.staff_id == staff.id and stage.target_days == 3
    added = service.save_stage(staff, shop.site_id, None, name_zh="复盘", name_en="Review", staff_id=None,
                               target_days=None, evidence_required=False, checklist="")
    keys = [s.key for s in service.stages_for(shop.site_id)]
    assert keys[-2:] == [None, "incubated"] and added.key is None
    with pytest.raises(DomainError):
        service.save_stage(staff, shop.site_id, None, name_zh="", name_en="x", staff_id=shop.owner_id,
                           target_days=0, evidence_required=False)


# --- Sales and the automatic move ---------------------------------------------------

def _sale(shop, who, *, days_ago=1, orders=10, revenue_fen=40000, pieces=None, **kwargs):
    return service.record_sales(shop, occurred_on=local_today() - timedelta(days=days_ago), minutes=90, host="乌拉依木",
                                platform="douyin", viewers=1500, orders=orders, revenue_fen=revenue_fen,
                                products="馕", recorded_by=who, pieces=pieces, **kwargs)


def test_the_first_recorded_sale_moves_the_shop_to_first_sale_by_itself():
    staff = make_user("staff")
    shop = walk_to(staff, make_shop(), "first_livestream")
    _sale(shop, shop.owner, orders=0, revenue_fen=0)  # a livestream without a sale moves nothing
    assert shop.stage.key == "first_livestream"
    _sale(shop, shop.owner, orders=3, revenue_fen=1200)
    assert shop.stage.key == "first_sale"
    event = service.history_of(shop)[0]
    assert event.kind == "first_sale"
    assert _notes(shop.owner, "shops.stage_changed")[-1].params["stage_en"] == "First sale"
    _sale(shop, shop.owner)
    assert db.session.scalar(select(func.count(ShopStageEvent.id)).where(
        ShopStageEvent.kind == "first_sale")) == 1


def test_a_sale_never_moves_a_shop_backwards():
    staff = make_user("staff")
    shop = walk_to(staff, make_shop(), "first_livestream")
    _sale(shop, staff)
    tick_all(staff, shop)
    service.advance(staff, shop)
    assert shop.stage.key == "incubated"
    _sale(shop, staff, days_ago=0)
    assert shop.stage.key == "incubated"


def test_record_sales_for_another_area_joins_its_transaction_and_keeps_the_livestream():
    shop = make_shop()
    _sale(shop, None, livestream_id=42, commit=False)
    db.session.rollback()  # the caller's transaction failed: nothing of it stays
    assert db.session.scalar(select(func.count(SalesRecord.id))) == 0
    record = _sale(shop, None, livestream_id=42)
    assert db.session.get(SalesRecord, record.id).livestream_id == 42


def test_sales_figures_must_make_sense():
    shop = make_shop()
    with pytest.raises(DomainError) as caught:
        service.record_sales(shop, occurred_on=local_today() + timedelta(days=5), minutes=-1, host="", platform="x",
                             viewers=-1, orders=-2, revenue_fen=-3, products="", recorded_by=shop.owner)
    assert {"occurred_on", "minutes", "platform", "viewers", "orders", "revenue_fen"} <= {
        f for f, _ in caught.value.errors}


# --- Uplift -------------------------------------------------------------------------

def test_uplift_is_the_livestream_sales_a_day_against_the_baseline():
    shop = make_shop(baseline=(200, 80000))
    for days_ago, pieces, fen in [(4, 90, 36000), (3, 110, 44000), (2, 95, 38000), (1, 105, 42000)]:
        _sale(shop, shop.owner, days_ago=days_ago, orders=pieces // 2, pieces=pieces, revenue_fen=fen)
    _sale(shop, shop.owner, days_ago=60, pieces=5000, revenue_fen=9_000_000)  # older than four weeks
    figures = service.uplift(shop)
    assert (figures.pieces_per_day, figures.revenue_fen_per_day) == (100, 40000)
    assert (figures.days, figures.livestreams) == (4, 4)
    assert (figures.pieces_percent, figures.revenue_percent) == (50, 50)


def test_uplift_counts_orders_when_pieces_are_not_given_and_copes_without_baseline():
    shop = make_shop(baseline=None)
    _sale(shop, shop.owner, orders=30, revenue_fen=90000)
    figures = service.uplift(shop)
    assert figures.pieces_per_day == 30 and figures.pieces_percent is None
    assert not service.uplift(make_shop(name="空店")).has_records


# --- Stalled shops --------------------------------------------------------------------

def test_a_shop_past_its_stage_target_is_stalled_and_staff_are_told_once():
    staff = make_user("staff")
    shop = make_shop()
    shop.stage.staff_id = staff.id
    db.session.commit()
    assert not service.is_stalled(shop)
    shop.stage_entered_at = utcnow() - timedelta(days=shop.stage.target_days + 1)
    db.session.commit()
    assert service.stalled_shops() == [shop]
    assert remind_stalled_shops() == 1
    assert remind_stalled_shops() == 0, "the job is idempotent"
    note = _notes(staff, "shops.stalled")
    assert len(note) == 1 and note[0].params["days"] == shop.stage.target_days + 1


def test_a_new_visit_to_a_stage_gets_a_new_reminder():
    staff = make_user("staff")
    shop = make_shop()
    old = utcnow() - timedelta(days=30)
    shop.stage_entered_at = old
    db.session.commit()
    remind_stalled_shops()
    tick_all(staff, shop)
    service.advance(staff, shop)
    service.send_back(staff, shop, "再核对一次")
    shop.stage_entered_at = utcnow() - timedelta(days=10)
    db.session.commit()
    remind_stalled_shops()
    assert len(_notes(staff, "shops.stalled")) == 2


def test_the_board_counts_shops_per_stage_and_filters():
    staff = make_user("staff")
    food = make_shop(name="馕店")
    make_shop(name="布鞋", category="crafts")
    walk_to(staff, food, "verified")
    columns = service.board(food.site_id)
    counts = {c["stage"].key: len(c["cards"]) for c in columns}
    assert counts["applied"] == 1 and counts["verified"] == 1
    only_crafts = service.board(food.site_id, category="crafts")
    assert sum(len(c["cards"]) for c in only_crafts) == 1
    stage_by_key(food, "verified").staff_id = staff.id
    db.session.commit()
    mine = service.board(food.site_id, staff_id=staff.id)
    assert [card["shop"].name for c in mine for card in c["cards"]] == ["馕店"]


# --- Evidence -----------------------------------------------------------------------

def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (32.0, 3.0, 0.0)  # GPSInfo: latitude
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_an_image_is_re_encoded_without_exif_under_a_random_name():
    shop = make_shop()
    data = _jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif()
    evidence = service.add_evidence_file(shop.owner, shop, io.BytesIO(data), "../../etc/执照.jpg")
    path = service.evidence_path(evidence)
    assert path.is_file() and "static" not in str(path)
    assert evidence.original_name == "执照.jpg" and "执照" not in evidence.stored_name
    stored = Image.open(path)
    assert stored.format == "JPEG" and not stored.getexif()
    assert evidence.stage_id == shop.stage_id


def test_a_file_of_the_wrong_type_by_content_is_refused_even_with_a_photo_name():
    shop = make_shop()
    with pytest.raises(DomainError, match="JPEG"):
        service.add_evidence_file(shop.owner, shop, io.BytesIO(b"<html><script>alert(1)</script></html>"),
                                  "licence.jpg")
    assert db.session.scalar(select(func.count(Evidence.id))) == 0


def test_a_file_that_is_too_large_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_EVIDENCE_MAX_BYTES", 1000)
    shop = make_shop()
    with pytest.raises(DomainError, match="文件太大"):
        service.add_evidence_file(shop.owner, shop, io.BytesIO(_jpeg_with_gps() + b"\0" * 2000), "big.jpg")


def test_a_pdf_is_kept_as_it_is():
    shop = make_shop()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    evidence = service.add_evidence_file(shop.owner, shop, io.BytesIO(pdf), "licence.pdf")
    assert evidence.content_type == "application/pdf"
    assert service.evidence_path(evidence).read_bytes() == pdf


def test_a_store_link_must_be_a_web_address():
    shop = make_shop()
    with pytest.raises(DomainError):
        service.add_evidence_link(shop.owner, shop, "javascript:alert(1)")


# --- Support ledger -----------------------------------------------------------------

def test_support_goes_to_a_shop_or_a_person_with_its_value():
    staff = make_user("staff")
    shop = make_shop()
    person = make_user("trainee")
    service.add_support(staff, shop.site_id, kind="equipment", what="补光灯", amount_fen=80000,
                        given_on=date.today(), reason="灯光暗", shop=shop)
    service.add_support(staff, shop.site_id, kind="training", what="入门班名额", amount_fen=120000,
                        given_on=date.today(), person=person)
    records = service.support_records(shop.site_id)
    assert service.support_totals(records) == {"training": 120000, "equipment": 80000, "funding": 0}
    with pytest.raises(DomainError):
        service.add_support(staff, shop.site_id, kind="funding", what="补贴", amount_fen=-5, given_on=date.today())


def test_a_licence_photo_sent_with_the_application_counts_for_the_verified_stage_only():
    staff = make_user("staff")
    shop = make_shop()
    add_link(shop.owner, shop)  # sent while "applied", which asks for nothing
    walk_to(staff, shop, "verified")
    assert service.has_evidence(shop, shop.stage)
    tick_all(staff, shop)
    service.advance(staff, shop)
    channel = stage_by_key(shop, "channel")
    assert not service.has_evidence(shop, channel), "the verified stage's evidence is not the store's link"


def test_two_people_moving_the_same_shop_at_once_move_it_once():
    from sqlalchemy import update

    from incubator.errors import Conflict

    staff = make_user("staff")
    shop = make_shop()
    tick_all(staff, shop)
    # Another staff member's request moves the shop while this one still sees "applied".
    db.session.execute(update(Shop).where(Shop.id == shop.id).values(stage_id=stage_by_key(shop, "verified").id)
                       .execution_options(synchronize_session=False))
    with pytest.raises(Conflict):
        service.advance(staff, shop)
    assert [e.kind for e in service.history_of(shop)] == ["applied"]
