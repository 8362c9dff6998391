"""Demo shops: twelve shops of the Lieshita base at every stage of the
pipeline, with their histories, livestream logs and the support given.

乌拉依木·卡日's nang bakery is the base's story: before, 200 nang a day at the
shop front; with livestreams, 100 more pieces and 400 more yuan a day."""

import io
import secrets
from datetime import timedelta

from PIL import Image, ImageDraw

from incubator.accounts.demo import DEMO_PASSWORD
from incubator.accounts.models import ConsentRecord, User, UserRole
from incubator.accounts.passwords import hash_password
from incubator.accounts.service import PRIVACY_NOTICE_VERSION, PURPOSE_PERSONAL_INFO
from incubator.extensions import db
from incubator.shops import service
from incubator.shops.models import ChecklistTick, Evidence, SalesRecord, Shop, ShopStageEvent, SupportRecord
from incubator.timeutil import local_today, utcnow

# key: phone, name (extra shop owners; numbers above 13800000050 to stay clear of others)
EXTRA_OWNERS = {
    "gao": ("13800000051", "高秀英"),
    "qian": ("13800000052", "钱志刚"),
    "yang": ("13800000053", "杨梅"),
    "zhu": ("13800000054", "朱德兵"),
    "hu": ("13800000055", "胡晓丽"),
    "guo": ("13800000056", "郭建华"),
    "luo": ("13800000057", "罗红"),
    "liang": ("13800000058", "梁文"),
}

# key, owner, name, category, location, physical, platforms, products, help,
# baseline (pieces, fen) or None, stage reached, days in the current stage, stalled note
SHOPS = [
    ("nang", "shop_owner", "新疆香馕烤包子店", "food", "江浦街道烈士塔社区文德路 12 号", True,
     ["douyin", "kuaishou"], "现烤新疆馕、烤包子、手抓饭", ["training", "equipment"], (200, 80000), "incubated", 20),
    ("liu", "shop_owner_liu", "刘春梅乡村土特产", "agricultural", "江浦街道求雨山村 3 组", False,
     ["douyin", "wechat_channels"], "土鸡蛋、桂花糖芋苗、手工咸鹅、时令蔬菜", ["training", "mentor"], (30, 150000),
     "first_sale", 9),
    ("sun", "shop_owner_sun", "建国服装店", "clothing", "江浦街道浦园路 88 号", True,
     ["douyin", "taobao_live"], "中老年男女装、棉服、羊毛衫", ["training", "equipment"], (15, 300000), "channel", 19),
    ("ma", "mentor_ma", "马丽手作饰品", "jewellery", "江浦街道烈士塔社区创业楼 2 层", False,
     ["wechat_channels", "douyin"], "手工串珠、银饰、雨花石吊坠", ["equipment"], None, "positioning", 6),
    ("gao", "gao", "秀英手工布鞋", "crafts", "江浦街道白马村", False,
     ["kuaishou"], "千层底布鞋、虎头鞋", ["training", "funding", "mentor"], (6, 48000), "verified", 4),
    ("qian", "qian", "江浦老鹅", "food", "江浦街道象贤街 21 号", True,
     ["douyin"], "盐水鹅、烤鹅、鹅肫", ["training"], (60, 360000), "applied", 3),
    ("yang", "yang", "杨梅鲜果铺", "agricultural", "江浦街道农贸市场 B 区 7 号", True,
     ["douyin", "kuaishou", "wechat_channels"], "应季水果、杨梅、草莓", ["training", "equipment"], None, "applied", 1),
    ("zhu", "zhu", "老朱五金", "other", "江浦街道浦乌路 5 号", True,
     ["kuaishou"], "家用五金、小工具、水暖配件", ["training"], (40, 120000), "positioning", 25),
    ("hu", "hu", "晓丽童装", "clothing", "江浦街道万达广场 3 楼", True,
     ["douyin", "taobao_live"], "0–8 岁童装、亲子装", ["equipment", "mentor"], (20, 200000), "first_livestream", 5),
    ("guo", "guo", "珍珠小铺", "jewellery", "江浦街道烈士塔社区文德路 30 号", True,
     ["tiktok", "douyin"], "淡水珍珠项链、耳饰", ["training", "funding"], (5, 150000), "channel", 8),
    ("luo", "luo", "雨花石工艺品", "crafts", "江浦街道珠江镇老街 16 号", True,
     ["douyin", "wechat_channels"], "雨花石摆件、雨花石手链", ["training", "funding"], (10, 60000), "incubated", 35),
    ("liang", "liang", "浦口茶叶铺", "agricultural", "江浦街道老山脚下茶园", False,
     ["wechat_channels", "taobao_live"], "老山雨花茶、白茶", ["training", "mentor"], (8, 96000), "first_sale", 12),
]

# Days each earlier stage took, by key.
STAGE_DAYS = {"applied": 4, "verified": 5, "positioning": 10, "channel": 9, "first_livestream": 8, "first_sale": 21}


def _extra_owner(site, phone: str, name: str, password_hash: str) -> User:
    user = User(site_id=site.id, phone=phone, display_name=name, password_hash=password_hash)
    user.role_grants = [UserRole(role="shop_owner")]
    db.session.add(user)
    db.session.flush()
    db.session.add(ConsentRecord(user_id=user.id, purpose=PURPOSE_PERSONAL_INFO,
                                 notice_version=PRIVACY_NOTICE_VERSION, granted=True))
    return user


def _licence_picture(shop_name: str) -> bytes:
    image = Image.new("RGB", (480, 320), (250, 245, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 470, 310), outline=(160, 30, 30), width=6)
    draw.text((40, 60), "BUSINESS LICENCE (demo)", fill=(160, 30, 30))
    draw.text((40, 120), f"shop #{abs(hash(shop_name)) % 100000:05d}", fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def seed(ctx) -> None:
    site = ctx.site
    stages = service.ensure_default_pipeline(site.id)
    by_key = {stage.key: stage for stage in stages}
    staff, staff_li = ctx.people["staff"], ctx.people["staff_li"]
    for key in ("applied", "verified", "first_livestream", "first_sale"):
        by_key[key].staff_id = staff.id
    for key in ("positioning", "channel"):
        by_key[key].staff_id = staff_li.id

    password_hash = hash_password(DEMO_PASSWORD)
    owners = dict(ctx.people)
    for key, (phone, name) in EXTRA_OWNERS.items():
        owners[key] = _extra_owner(site, phone, name, password_hash)
        ctx.people[f"shop_owner_{key}"] = owners[key]

    now = utcnow()
    today = local_today(site.timezone)
    made = {}
    for (key, owner_key, name, category, location, physical, platforms, products, help_wanted, baseline,
         reached, days_here) in SHOPS:
        owner = owners[owner_key]
        reached_index = next(i for i, s in enumerate(stages) if s.key == reached)
        # Walk back from today: days in the current stage, then each earlier stage.
        entered = [None] * (reached_index + 1)
        entered[reached_index] = now - timedelta(days=days_here, hours=3)
        for i in range(reached_index - 1, -1, -1):
            entered[i] = entered[i + 1] - timedelta(days=STAGE_DAYS[stages[i].key])
        shop = Shop(site_id=site.id, owner_id=owner.id, name=name, category=category, location=location,
                    has_physical_shop=physical, platforms=platforms, products=products, help_wanted=help_wanted,
                    baseline_pieces_per_day=baseline[0] if baseline else None,
                    baseline_revenue_fen_per_day=baseline[1] if baseline else None,
                    stage_id=stages[reached_index].id, stage_entered_at=entered[reached_index],
                    created_at=entered[0])
        db.session.add(shop)
        db.session.flush()
        for i in range(reached_index + 1):
            stage = stages[i]
            kind = "applied" if i == 0 else ("first_sale" if stage.key == "first_sale" else "advanced")
            actor = owner if i == 0 else (None if kind == "first_sale" else (stage.staff or staff))
            note = ""
            if stage.key == "positioning":
                note = "先主推一两样招牌商品，目标顾客定为附近小区的上班族和宝妈。"
            db.session.add(ShopStageEvent(shop_id=shop.id, from_stage_id=stages[i - 1].id if i else None,
                                          to_stage_id=stage.id, kind=kind, note=note,
                                          actor_id=actor.id if actor else None, at=entered[i]))
            # Stages already left have their checklists done.
            if i < reached_index:
                for item in stage.items:
                    db.session.add(ChecklistTick(shop_id=shop.id, item_id=item.id, done_by_id=staff.id,
                                                 done_at=entered[i + 1] - timedelta(hours=2)))
            if stage.key == "verified" and i < reached_index:
                stored = f"{secrets.token_hex(16)}.jpg"
                data = _licence_picture(name)
                (service.upload_folder() / stored).write_bytes(data)
                db.session.add(Evidence(shop_id=shop.id, stage_id=stage.id, kind="file", stored_name=stored,
                                        original_name="营业执照.jpg", content_type="image/jpeg", size=len(data),
                                        uploaded_by_id=owner.id, uploaded_at=entered[i] + timedelta(days=1)))
            if stage.key == "channel" and i < reached_index:
                db.session.add(Evidence(shop_id=shop.id, stage_id=stage.id, kind="link",
                                        url=f"https://v.douyin.com/demo-{shop.id:04d}/", uploaded_by_id=owner.id,
                                        uploaded_at=entered[i] + timedelta(days=2)))
        # In the current stage: part of the checklist is done.
        current = stages[reached_index]
        for item in current.items[: len(current.items) // 2]:
            db.session.add(ChecklistTick(shop_id=shop.id, item_id=item.id, done_by_id=staff.id))
        made[key] = shop
    db.session.flush()

    _sales(made, owners, stages, today)
    _support(site, made, ctx, staff, today)
    # A sent-back moment in the history of the clothing shop: the first store
    # name was refused by the platform.
    sun = made["sun"]
    db.session.add(ShopStageEvent(shop_id=sun.id, from_stage_id=by_key["channel"].id,
                                  to_stage_id=by_key["positioning"].id, kind="sent_back",
                                  note="店铺名称和营业执照不一致，平台审核没通过，请先统一名称。",
                                  actor_id=staff_li.id, at=sun.stage_entered_at - timedelta(days=3)))
    db.session.add(ShopStageEvent(shop_id=sun.id, from_stage_id=by_key["positioning"].id,
                                  to_stage_id=by_key["channel"].id, kind="advanced", note="名称已改好。",
                                  actor_id=staff_li.id, at=sun.stage_entered_at))
    db.session.commit()
    licence = db.session.scalar(db.select(Evidence).where(Evidence.shop_id == made["nang"].id,
                                                          Evidence.kind == "file"))
    ctx.made["shops"] = {"shops": made, "stages": by_key, "nang": made["nang"], "stalled": made["zhu"],
                         "licence": licence, "owners": {k: owners[k] for k in EXTRA_OWNERS}}


def _sales(made, owners, stages, today) -> None:
    nang = made["nang"]
    host = owners["shop_owner"].display_name
    # Fourteen days of livestreams: 1,400 nang and 5,600 yuan, i.e. +100 pieces
    # and +400 yuan a day on top of the 200 pieces sold at the counter.
    pieces = [92, 105, 98, 110, 95, 100, 104, 96, 101, 99, 108, 94, 97, 101]
    revenue = [36800, 42000, 39200, 44000, 38000, 40000, 41600, 38400, 40400, 39600, 43200, 37600, 38800, 40400]
    assert sum(pieces) == 1400 and sum(revenue) == 560000
    for offset, (count, fen) in enumerate(zip(pieces, revenue, strict=True)):
        day = today - timedelta(days=14 - offset)
        db.session.add(SalesRecord(shop_id=nang.id, occurred_on=day, minutes=90 + (offset % 3) * 15, host=host,
                                   platform="douyin" if offset % 4 else "kuaishou", viewers=1800 + offset * 70,
                                   orders=count // 2, pieces=count, revenue_fen=fen,
                                   products="现烤馕、烤包子" if offset % 2 else "芝麻馕、玫瑰花馕礼盒",
                                   recorded_by_id=owners["shop_owner"].id))
    logs = {
        "liu": [(9, 60, "douyin", 430, 12, 1260_00, "土鸡蛋、桂花糖芋苗"), (5, 75, "wechat_channels", 610, 21, 2150_00,
                                                                   "手工咸鹅、土鸡蛋"),
                (2, 80, "douyin", 820, 26, 2680_00, "咸鹅、时令蔬菜礼包")],
        "liang": [(12, 60, "wechat_channels", 300, 5, 640_00, "老山雨花茶"), (6, 70, "taobao_live", 520, 9, 1180_00,
                                                                         "雨花茶、白茶礼盒")],
        "luo": [(20, 90, "douyin", 1500, 18, 2160_00, "雨花石摆件"), (10, 90, "douyin", 1900, 25, 3050_00,
                                                                  "雨花石手链"),
                (3, 100, "wechat_channels", 1200, 22, 2580_00, "雨花石吊坠")],
        "hu": [(3, 45, "douyin", 150, 0, 0, "亲子装试播")],
    }
    for key, rows in logs.items():
        shop = made[key]
        for days_ago, minutes, platform, viewers, orders, fen, products in rows:
            db.session.add(SalesRecord(shop_id=shop.id, occurred_on=today - timedelta(days=days_ago), minutes=minutes,
                                       host=shop.owner.display_name, platform=platform, viewers=viewers,
                                       orders=orders, revenue_fen=fen, products=products,
                                       recorded_by_id=shop.owner_id))


def _support(site, made, ctx, staff, today) -> None:
    rows = [
        ("training", made["nang"], None, "直播带货入门班一个名额", 120000, 60, "店主想学会自己开播"),
        ("equipment", made["nang"], None, "补光灯和手机支架（借用三个月）", 80000, 45, "店里灯光暗，画面不清楚"),
        ("equipment", made["liu"], None, "户外直播套装（借用一个月）", 150000, 12, "在田间地头直播需要收音设备"),
        ("funding", made["luo"], None, "创业补贴", 500000, 30, "区里的青年创业扶持资金"),
        ("training", made["hu"], None, "短视频剪辑课一个名额", 60000, 7, "店主想自己剪预告片"),
        ("training", None, ctx.people["trainee"], "直播带货入门班一个名额", 120000, 20, "全职妈妈，想在家门口就业"),
        ("funding", made["gao"], None, "手工艺人扶持资金", 300000, 3, "购买布料和包装材料"),
    ]
    for kind, shop, person, what, fen, days_ago, why in rows:
        db.session.add(SupportRecord(site_id=site.id, kind=kind, shop_id=shop.id if shop else None,
                                     user_id=person.id if person else None, what=what, amount_fen=fen,
                                     given_on=today - timedelta(days=days_ago), reason=why, recorded_by_id=staff.id))
