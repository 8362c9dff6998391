"""Posted fields a role may not set are ignored.

A person who adds site_id, role, status, owner_id or user_id to a form (with
the browser's developer tools, or a script) changes nothing beyond the fields
the form offers her.
"""

from sqlalchemy import func, select

from incubator.accounts.models import ConsentRecord, User, UserRole
from incubator.enrolment.models import Application
from incubator.extensions import db
from tests.conftest import login, post
from tests.factories import default_test_site, make_site, make_user
from tests.factories_enrolment import make_cohort
from tests.test_enrolment_views import apply_data

FORGED = {
    "site_id": None,  # filled with another base's id
    "role": "admin", "roles": ["admin", "staff"], "status": "accepted", "active": "0",
    "owner_id": None, "user_id": None, "id": "1", "is_admin": "1", "password_hash": "x",
}


def forged(other_site, other_user) -> dict:
    return dict(FORGED, site_id=str(other_site.id), owner_id=str(other_user.id), user_id=str(other_user.id))


def test_sign_up_ignores_site_role_and_status(client):
    home = default_test_site()
    other_site, other_user = make_site("别的基地"), make_user("staff")
    data = {"display_name": "王小梅", "login_name": "13912345678", "password": "lieshita-2026-live",
            "consent": "y", **forged(other_site, other_user)}
    response = post(client, "/signup", data)
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.phone == "13912345678"))
    assert user.site_id == home.id and user.active
    assert sorted(user.roles) == ["trainee"]
    assert user.password_hash != "x"
    assert db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.user_id == user.id)) == 1
    # The other person's account is untouched.
    db.session.refresh(other_user)
    assert sorted(other_user.roles) == ["staff"] and other_user.active
    assert db.session.scalar(select(func.count()).select_from(ConsentRecord)
                             .where(ConsentRecord.user_id == other_user.id)) == 0


def test_profile_changes_only_name_email_and_language(client):
    me = make_user("trainee", name="张格琴")
    other_site, other_user = make_site("别的基地"), make_user("trainee", name="黄丽")
    before = (me.site_id, me.phone, me.password_hash, sorted(me.roles), me.active)
    login(client, me)
    response = post(client, "/profile", {"display_name": "张格琴（宝妈）", "email": "", "locale": "en",
                                         "phone": "13800000000", **forged(other_site, other_user)})
    assert response.status_code == 303
    db.session.expire_all()
    me = db.session.get(User, me.id)
    assert me.display_name == "张格琴（宝妈）" and me.locale == "en"
    assert (me.site_id, me.phone, me.password_hash, sorted(me.roles), me.active) == before
    other_user = db.session.get(User, other_user.id)
    assert other_user.display_name == "黄丽"


def test_apply_ignores_status_site_and_someone_elses_user_id(client):
    cohort = make_cohort(capacity=5)
    me = make_user("trainee")
    other_site, other_user = make_site("别的基地"), make_user("trainee")
    login(client, me)
    response = post(client, f"/classes/{cohort.id}/apply",
                    apply_data(**forged(other_site, other_user), cohort_id="999", submitted_at="2020-01-01"))
    assert response.status_code == 303
    applications = db.session.scalars(select(Application)).all()
    assert len(applications) == 1
    application = applications[0]
    assert application.user_id == me.id and application.site_id == cohort.site_id
    assert application.cohort_id == cohort.id and application.status == "submitted"
    assert application.submitted_at.year >= 2026


# --- booking ---------------------------------------------------------------------------------

BOOKING_FORGED = {
    "status": "confirmed", "unit": "2", "created_by_id": None, "decided_by_id": None, "checked_in_at": "2026-01-01",
    "group_key": "forged", "series_key": "forged", "kit_id": "1", "resource_id": None, "starts_at": "2020-01-01",
}


def booking_forged(other_site, other_user, other_resource) -> dict:
    return {**forged(other_site, other_user), **BOOKING_FORGED, "created_by_id": str(other_user.id),
            "decided_by_id": str(other_user.id), "resource_id": str(other_resource.id)}


def booking_data(resource, **extra) -> dict:
    from tests.factories_booking import day_ahead

    return {"what": f"r:{resource.id}", "day": day_ahead(2).isoformat(), "start": "19:00", "end": "21:00",
            "weeks": "1", "units": "1", "purpose": "杨梅直播", **extra}


def test_a_trainees_booking_is_hers_on_her_base_and_waits_for_approval_whatever_she_posts(client):
    from incubator.booking.models import PENDING, Booking
    from tests.factories_booking import make_resource

    studio = make_resource("1号直播间", approval_required=True)
    other_site, other_user = make_site("别的基地"), make_user("trainee")
    other_resource = make_resource("外站直播间", site=other_site)
    me = make_user("trainee")
    login(client, me)
    response = post(client, "/booking/new", booking_data(studio, **booking_forged(other_site, other_user,
                                                                                  other_resource)))
    assert response.status_code == 303, response.get_data(as_text=True)
    [booking] = db.session.scalars(select(Booking)).all()
    assert (booking.user_id, booking.created_by_id, booking.site_id) == (me.id, me.id, studio.site_id)
    assert booking.resource_id == studio.id and booking.unit == 1 and booking.status == PENDING
    assert booking.checked_in_at is None and booking.decided_by_id is None and booking.kit_id is None
    assert booking.group_key is None and booking.series_key is None and booking.starts_at.year >= 2026


def test_a_booking_for_someone_elses_shop_or_another_bases_studio_writes_nothing(client):
    from incubator.booking.models import Booking
    from tests.factories_booking import make_resource
    from tests.factories_shops import make_shop

    studio = make_resource("1号直播间")
    other_site = make_site("别的基地")
    other_resource = make_resource("外站直播间", site=other_site)
    someone_elses = make_shop(make_user("shop_owner"))
    me = make_user("shop_owner")
    login(client, me)
    for data in (booking_data(studio, shop_id=str(someone_elses.id)), booking_data(other_resource)):
        response = post(client, "/booking/new", data)
        assert response.status_code == 422
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_moving_a_booking_changes_only_its_time(client):
    from incubator.booking import service
    from incubator.booking.models import CONFIRMED, Booking
    from tests.factories_booking import at, day_ahead, make_resource

    studio, other_studio = make_resource("1号直播间"), make_resource("2号直播间")
    me, other_user = make_user("shop_owner"), make_user("shop_owner")
    [booking] = service.book(me, studio, at(2, 19), at(2, 21))
    login(client, me)
    response = post(client, f"/booking/{booking.id}/move", {
        "day": day_ahead(2).isoformat(), "start": "15:00", "end": "16:00",
        **booking_forged(make_site("别的基地"), other_user, other_studio)})
    assert response.status_code == 303
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert (booking.starts_at, booking.ends_at) == (at(2, 15), at(2, 16))
    assert (booking.user_id, booking.created_by_id, booking.resource_id, booking.site_id, booking.unit) == \
        (me.id, me.id, studio.id, studio.site_id, 1)
    assert booking.status == CONFIRMED and booking.checked_in_at is None


# --- shops -------------------------------------------------------------------------------------

SHOP_FORGED = {"stage_id": None, "stage": "graduated", "approved": "1", "approval": "approved",
               "stage_entered_at": "2020-01-01", "shop_id": None, "recorded_by_id": None, "uploaded_by_id": None,
               "livestream_id": "1"}


def shop_forged(other_site, other_user, other_shop, last_stage) -> dict:
    return {**forged(other_site, other_user), **SHOP_FORGED, "stage_id": str(last_stage.id),
            "shop_id": str(other_shop.id), "recorded_by_id": str(other_user.id), "uploaded_by_id": str(other_user.id)}


def test_a_shop_application_is_hers_on_her_base_at_the_first_stage_whatever_she_posts(client):
    from incubator.shops import service
    from incubator.shops.models import Shop
    from tests.factories_shops import make_shop
    from tests.test_shops_views import _application

    home = default_test_site()
    stages = service.stages_for(home.id)
    other_site, other_user = make_site("别的基地"), make_user("shop_owner")
    other_shop = make_shop(other_user)
    me = make_user("trainee")
    login(client, me)
    response = post(client, "/shops/apply", _application(**shop_forged(other_site, other_user, other_shop,
                                                                       stages[-1])))
    assert response.status_code == 303
    shop = db.session.scalar(select(Shop).where(Shop.id != other_shop.id))
    assert (shop.owner_id, shop.site_id, shop.stage_id) == (me.id, home.id, stages[0].id)
    assert shop.stage_entered_at.year >= 2026
    db.session.refresh(me)
    assert sorted(me.roles) == ["shop_owner", "trainee"]
    other_shop = db.session.get(Shop, other_shop.id)
    assert other_shop.owner_id == other_user.id and other_shop.name != shop.name


def test_a_sales_log_and_a_store_link_stay_on_her_shop_under_her_name(client):
    from incubator.shops import service
    from incubator.shops.models import Evidence, SalesRecord, Shop
    from incubator.timeutil import local_today
    from tests.factories_shops import make_shop

    me, other_user = make_user("shop_owner"), make_user("shop_owner")
    mine, other_shop = make_shop(me, name="杨梅鲜果铺"), make_shop(other_user)
    stage_before = mine.stage_id
    last_stage = service.stages_for(mine.site_id)[-1]
    fields = shop_forged(make_site("别的基地"), other_user, other_shop, last_stage)
    login(client, me)
    response = post(client, f"/shops/{mine.id}/sales/new", {
        "occurred_on": local_today().isoformat(), "minutes": "60", "host": "我", "platform": "douyin",
        "viewers": "100", "orders": "0", "revenue": "0", "products": "杨梅", **fields})
    assert response.status_code == 303
    [record] = db.session.scalars(select(SalesRecord)).all()
    assert (record.shop_id, record.recorded_by_id, record.livestream_id) == (mine.id, me.id, None)
    response = post(client, f"/shops/{mine.id}/evidence/link", {"url": "https://v.douyin.com/xyz/", **fields})
    assert response.status_code == 303
    [link] = db.session.scalars(select(Evidence)).all()
    assert (link.shop_id, link.uploaded_by_id, link.stage_id) == (mine.id, me.id, stage_before)
    db.session.expire_all()
    mine = db.session.get(Shop, mine.id)
    assert (mine.owner_id, mine.stage_id) == (me.id, stage_before), "no sale yet: the stage stays"
