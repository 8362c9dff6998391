"""Demo livestreams: a past nang sales livestream with results, a past and an
upcoming policy livestream with residents' questions, a mothers' showcase.

Robust when the shops or booking areas seeded nothing: the livestreams are made
without featured shops or studio then."""

from datetime import time, timedelta

from sqlalchemy import select

from incubator.booking.service import is_free
from incubator.extensions import db
from incubator.livestreams import service
from incubator.livestreams.models import APPROVED, PENDING, POLICY, REJECTED, SALES, SHOWCASE, Question
from incubator.shops.models import Shop
from incubator.timeutil import combine_local, local_today, utcnow


def _shop_of(owner) -> Shop | None:
    if owner is None:
        return None
    return db.session.scalar(select(Shop).where(Shop.owner_id == owner.id).order_by(Shop.id).limit(1))


def seed(ctx) -> None:
    site, people = ctx.site, ctx.people
    tz = site.timezone
    today = local_today(tz)
    staff = people["staff"]
    # The base's first studio (the training room), held only when nothing else holds it then.
    studios = sorted(service.studios_of(site.id), key=lambda studio: studio.id)
    studio_id = studios[0].id if studios else None

    def at(days: int, hour: int, minute: int = 0):
        return combine_local(today + timedelta(days=days), time(hour, minute), tz)

    def free_studio(starts_at, ends_at):
        if studio_id and service.studio_clash(studio_id, starts_at, ends_at) is None \
                and is_free(studio_id, starts_at, ends_at):
            return studio_id
        return None

    nang = _shop_of(people.get("shop_owner"))
    liu_shop = _shop_of(people.get("shop_owner_liu"))

    def plan(days, start, end, **fields):
        starts_at, ends_at = at(days, *start), at(days, *end)
        return service.schedule(staff, site_id=site.id, starts_at=starts_at, ends_at=ends_at,
                                studio_id=free_studio(starts_at, ends_at), **fields)

    nang_sales = plan(-6, (19, 30), (21, 0), title="新疆香馕带货专场", kind=SALES, platform="douyin",
                      room="抖音号 lieshita_live", host_ids=[people["trainee"].id, people["shop_owner"].id],
                      shop_ids=[nang.id] if nang else [],
                      products="新疆手工烤馕（原味、芝麻、玫瑰花馅）、窝窝馕礼盒、葡萄干",
                      description="乌拉依木老师现场打馕，张格琴主播带你尝遍新疆味道。")
    if nang:
        service.save_results(staff, nang_sales, [service.ResultRow(
            shop_id=nang.id, viewers=3280, orders=146, revenue_fen=876_000)])

    policy_past = plan(-3, (15, 0), (16, 0), title="社区医保政策解读", kind=POLICY,
                       platform="wechat_channels", room="烈士塔社区视频号",
                       host_ids=[people["staff_li"].id], guest="江浦街道社保所 陈主任",
                       description="城乡居民医保缴费、门诊共济和异地就医备案，一次讲清楚。欢迎提前留言提问。")
    past_questions = [
        ("孙阿姨", "我退休后从外地回南京住，异地就医备案怎么办？", APPROVED, True,
         "在“我的南京”App或国家医保服务平台就能办理备案，带身份证到社区服务站也可以代办。"),
        ("", "今年城乡居民医保缴费截止到什么时候？", APPROVED, True, "截止到12月31日，可在微信或银行网点缴费。"),
        ("王师傅", "门诊共济后，家里人能用我的个人账户吗？", APPROVED, True, ""),
        ("", "小孩刚出生，医保怎么参保？", APPROVED, False, ""),
        ("", "广告：代办各类证件，请联系……", REJECTED, False, ""),
    ]
    for index, (name, text, status, answered, answer) in enumerate(past_questions):
        asked = policy_past.starts_at - timedelta(days=2, hours=index)
        db.session.add(Question(
            livestream_id=policy_past.id, name=name, text=text, status=status, created_at=asked,
            moderated_at=asked + timedelta(hours=3), moderated_by_id=staff.id,
            answered_at=policy_past.starts_at + timedelta(minutes=10 + 8 * index) if answered else None,
            answered_by_id=people["staff_li"].id if answered else None, answer=answer))

    policy_next = plan(2, (15, 0), (16, 0), title="养老服务补贴政策问答", kind=POLICY, platform="douyin",
                       room="https://live.douyin.com/lieshita", host_ids=[people["staff"].id],
                       guest="浦口区民政局 刘科长",
                       description="居家养老服务补贴、高龄津贴怎么申请？现在就可以留言提问。")
    next_questions = []
    for name, text, status, phone in [
        ("张大爷", "我父亲85岁，高龄津贴要本人去窗口申请吗？", APPROVED, ""),
        ("", "居家养老上门服务每个月有几次？", APPROVED, ""),
        ("李女士", "外地户籍老人在南京能享受养老补贴吗？", PENDING, "13951700000"),
        ("", "助餐点的饭菜能送到家里吗？", PENDING, ""),
    ]:
        question = Question(livestream_id=policy_next.id, name=name, text=text, status=status, phone=phone,
                            created_at=utcnow() - timedelta(hours=5),
                            moderated_at=utcnow() - timedelta(hours=2) if status != PENDING else None,
                            moderated_by_id=staff.id if status != PENDING else None)
        db.session.add(question)
        next_questions.append(question)

    showcase = plan(5, (19, 0), (20, 30), title="宝妈主播结业展示", kind=SHOWCASE, platform="kuaishou",
                    room="快手号 lieshita_mama",
                    host_ids=[people[k].id for k in ("trainee_huang", "trainee_zhao", "trainee_xu")],
                    description="第三期宝妈主播班的学员们第一次独立开播，欢迎来给她们加油。")

    farm_sales = plan(8, (20, 0), (21, 30), title="浦口农家好物直播", kind=SALES, platform="taobao_live",
                      host_ids=[people["trainee_village"].id, people["shop_owner_liu"].id],
                      shop_ids=[liu_shop.id] if liu_shop else [],
                      products="桥林草莓、汤泉农家土鸡蛋、老山野菊花茶")
    db.session.commit()
    ctx.made["livestreams"] = {
        "nang_sales": nang_sales, "policy_past": policy_past, "policy_next": policy_next,
        "showcase": showcase, "farm_sales": farm_sales,
        "approved_question": next_questions[0], "pending_question": next_questions[2],
    }
