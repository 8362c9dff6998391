"""Demo studios, equipment and bookings. Works whether or not the enrolment,
training and shops areas seeded anything: it looks for what exists."""

from datetime import time, timedelta

from sqlalchemy import select

from incubator.booking.models import (
    CONFIRMED,
    EQUIPMENT,
    NO_SHOW,
    PENDING,
    STUDIO,
    Blackout,
    Booking,
    Kit,
    KitItem,
    OpeningHours,
    Resource,
)
from incubator.extensions import db
from incubator.timeutil import combine_local, local_today, utcnow


def _hours(opens: time, closes: time) -> list[OpeningHours]:
    return [OpeningHours(weekday=d, opens=opens, closes=closes) for d in range(7)]


def _mothers_programme(site_id: int):
    try:
        from incubator.enrolment.models import Programme
    except ImportError:  # pragma: no cover
        return None
    programmes = list(db.session.scalars(select(Programme).where(Programme.site_id == site_id)
                                         .order_by(Programme.id)))
    for programme in programmes:
        if "mothers" in (programme.audiences or []):
            return programme
    return programmes[0] if programmes else None


def _shop_of(user):
    if user is None:
        return None
    from incubator.shops.models import Shop

    return db.session.scalar(select(Shop).where(Shop.owner_id == user.id).order_by(Shop.id).limit(1))


def seed(ctx) -> None:
    site = ctx.site
    if site is None:
        return
    tz = site.timezone
    programme = _mothers_programme(site.id)
    codes = iter(["310101", "310102", "310103"])

    def studio(name, description, **rules):
        r = Resource(site_id=site.id, name=name, kind=STUDIO, description=description, quantity=1,
                     checkin_code=next(codes), **rules)
        r.hours = _hours(time(8, 0), time(23, 0))
        db.session.add(r)
        return r

    def equipment(name, description, quantity, **rules):
        r = Resource(site_id=site.id, name=name, kind=EQUIPMENT, description=description, quantity=quantity,
                     **rules)
        r.hours = _hours(time(8, 0), time(23, 0))
        db.session.add(r)
        return r

    room1 = studio("1号直播间", "大号直播间：背景墙、货架和补光，适合店铺带货直播。", weekly_quota_hours=10,
                   max_minutes=240, min_notice_minutes=60, max_advance_days=14, buffer_minutes=0)
    room2 = studio("2号直播间", "可布置成厨房场景，适合美食和农产品直播。需要工作人员审核。",
                   approval_required=True, weekly_quota_hours=8, buffer_minutes=30)
    practice = studio("练习直播间", "给学员练习用的小直播间，学过培训课程后可以预约。",
                      allowed_roles=["trainee", "shop_owner"], weekly_quota_hours=6, max_minutes=120,
                      required_programme_id=programme.id if programme else None)
    lights = equipment("环形补光灯", "18 寸环形补光灯，带落地支架。", 5)
    camera = equipment("相机（索尼 ZV-E10）", "直播相机，含采集卡和充电器。", 2, weekly_quota_hours=12)
    rigs = equipment("手机直播支架", "多机位手机支架，可装两台手机。", 4)
    mics = equipment("无线领夹麦克风", "一拖二无线领夹麦克风。", 3)
    db.session.flush()

    kit = Kit(site_id=site.id, name="1号直播间带货套装", description="直播间、两盏补光灯、手机支架和麦克风，一次订好。")
    kit.items = [KitItem(resource_id=room1.id, quantity=1), KitItem(resource_id=lights.id, quantity=2),
                 KitItem(resource_id=rigs.id, quantity=1), KitItem(resource_id=mics.id, quantity=1)]
    db.session.add(kit)
    db.session.flush()

    people = ctx.people
    today = local_today(tz)
    now = utcnow()

    def at(days, hour, minute=0):
        return combine_local(today + timedelta(days=days), time(hour, minute), tz)

    def add(resource, person, start, end, purpose, unit=1, **fields):
        if person is None:
            return None
        b = Booking(site_id=site.id, resource_id=resource.id, unit=unit, user_id=person.id,
                    created_by_id=person.id, starts_at=start, ends_at=end, purpose=purpose,
                    status=fields.pop("status", CONFIRMED), **fields)
        db.session.add(b)
        return b

    owner = people.get("shop_owner")
    shop = _shop_of(owner)
    # 乌拉依木 books the kit at night for tomorrow evening's livestream.
    made_at = at(0, 22, 30) if now > at(0, 22, 30) else at(-1, 22, 30)
    for resource, unit in ((room1, 1), (lights, 1), (lights, 2), (rigs, 1), (mics, 1)):
        add(resource, owner, at(1, 19), at(1, 21), "新疆馕 晚间直播带货", unit=unit, group_key="demo-kit-1",
            kit_id=kit.id, shop_id=shop.id if shop else None, created_at=made_at)
    # Last week's evening livestreams (checked in), for the use report.
    for days in (-6, -4, -2):
        add(room1, owner, at(days, 19), at(days, 21), "新疆馕 晚间直播带货", shop_id=shop.id if shop else None,
            checked_in_at=at(days, 18, 55))
    # A trainee's practice hour.
    add(practice, people.get("trainee"), at(2, 10), at(2, 11), "练习开场白和讲解商品")
    add(practice, people.get("trainee_huang"), at(-1, 15), at(-1, 16), "练习直播", checked_in_at=at(-1, 15, 2))
    # A no-show yesterday: released.
    add(room2, people.get("shop_owner_liu"), at(-1, 14), at(-1, 16), "雨花茶 午间直播", status=NO_SHOW)
    # Waiting for approval.
    add(room2, people.get("shop_owner_sun"), at(3, 18), at(3, 20), "高淳螃蟹 预售直播", status=PENDING)
    # A camera out today.
    liu = people.get("shop_owner_liu")
    add(camera, liu, at(0, 9), at(0, 12), "外景拍摄", handed_over_at=at(0, 9), checked_in_at=at(0, 9),
        handover_note="镜头干净，电池两块")
    add(mics, people.get("mentor_ma"), at(1, 14), at(1, 16), "带徒弟练习直播")
    # A closure: 2号直播间 rewiring.
    db.session.add(Blackout(site_id=site.id, resource_id=room2.id, starts_at=at(4, 8), ends_at=at(4, 13),
                            reason="灯光线路检修", created_by_id=people["staff"].id if "staff" in people else None))
    db.session.commit()
    ctx.made["booking"] = {"studios": [room1, room2, practice], "practice_studio": practice,
                           "equipment": [lights, camera, rigs, mics], "kit": kit}
