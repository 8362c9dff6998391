"""Demo mentoring: four mentors, pairs in every state, meetings, feedback,
and a few newcomers still waiting for a mentor. Works whether or not the
enrolment and shops demo data are there (shops and cohorts are looked up)."""

from datetime import timedelta

from sqlalchemy import select

from incubator.accounts.models import ConsentRecord, User, UserRole
from incubator.extensions import db
from incubator.mentoring import service
from incubator.mentoring.models import (
    ACTIVE,
    COMPLETED,
    ENDED_EARLY,
    FROM_MENTEE,
    FROM_STAFF,
    PENDING,
    MatchProposal,
    Meeting,
    MenteeNeed,
    MentorProfile,
    Mentorship,
    MentorshipFeedback,
)
from incubator.timeutil import local_today, utcnow

AYIGULI_PHONE = "13800000088"

EVENINGS = ["mon_evening", "tue_evening", "wed_evening", "thu_evening"]


def _ayiguli(ctx) -> User:
    existing = db.session.scalar(select(User).where(User.phone == AYIGULI_PHONE))
    if existing:
        return existing
    from incubator.accounts.demo import DEMO_PASSWORD
    from incubator.accounts.passwords import hash_password
    from incubator.accounts.service import PRIVACY_NOTICE_VERSION, PURPOSE_PERSONAL_INFO

    user = User(site_id=ctx.site.id, phone=AYIGULI_PHONE, display_name="阿依古丽·艾买提",
                password_hash=hash_password(DEMO_PASSWORD))
    user.role_grants = [UserRole(role="mentor")]
    db.session.add(user)
    db.session.flush()
    db.session.add(ConsentRecord(user_id=user.id, purpose=PURPOSE_PERSONAL_INFO,
                                 notice_version=PRIVACY_NOTICE_VERSION, granted=True))
    return user


def _shop_of(owner):
    from incubator.shops.models import Shop

    if owner is None:
        return None
    return db.session.scalar(select(Shop).where(Shop.owner_id == owner.id).order_by(Shop.id).limit(1))


def _profile(user, skills, keys, **fields) -> MentorProfile:
    profile = MentorProfile(user_id=user.id, site_id=user.site_id, skills=[skills[k] for k in keys], **fields)
    db.session.add(profile)
    return profile


def _need(user, skills, keys, shop=None, **fields) -> MenteeNeed:
    known = service.prefill(user, shop)
    need = MenteeNeed(site_id=user.site_id, user_id=user.id, shop_id=shop.id if shop else None,
                      skills=[skills[k] for k in keys],
                      category=fields.pop("category", known["category"]),
                      languages=fields.pop("languages", known["languages"] or ["普通话"]),
                      availability=fields.pop("availability", known["availability"]), **fields)
    db.session.add(need)
    db.session.flush()
    return need


def _pair(need, profile, *, days_ago, status=ACTIVE, reason="", source=FROM_STAFF, created_by=None):
    starts = local_today() - timedelta(days=days_ago)
    proposal = MatchProposal(site_id=need.site_id, need_id=need.id, profile_id=profile.id, source=source,
                             status="accepted", created_by_id=created_by.id if created_by else need.user_id,
                             created_at=utcnow() - timedelta(days=days_ago + 2),
                             expires_at=utcnow() - timedelta(days=days_ago - 3),
                             answered_at=utcnow() - timedelta(days=days_ago))
    db.session.add(proposal)
    db.session.flush()
    mentorship = Mentorship(site_id=need.site_id, need_id=need.id, profile_id=profile.id,
                            mentor_id=profile.user_id, mentee_id=need.user_id, shop_id=need.shop_id,
                            proposal_id=proposal.id, starts_on=starts,
                            ends_on=service.add_months(starts, service.MENTORSHIP_MONTHS), status=status,
                            end_reason=reason)
    if status != ACTIVE:
        ended = mentorship.ends_on if status == COMPLETED else starts + timedelta(days=40)
        mentorship.ended_at = utcnow() - timedelta(days=(local_today() - ended).days)
    db.session.add(mentorship)
    db.session.flush()
    return mentorship


def _meet(mentorship, author, days_ago, topic, notes, next_step=""):
    db.session.add(Meeting(mentorship_id=mentorship.id, author_id=author.id,
                           met_on=local_today() - timedelta(days=days_ago), topic=topic, notes=notes,
                           next_step=next_step))


def seed(ctx) -> None:
    people = ctx.people
    site = ctx.site
    skills = {s.key: s for s in service.ensure_default_skills(site.id) if s.key}
    staff = people.get("staff")

    chen, ma, zhou = people.get("mentor"), people.get("mentor_ma"), people.get("mentor_zhou")
    ayiguli = _ayiguli(ctx)
    profiles = {}
    if chen:
        profiles["chen"] = _profile(
            chen, skills, ("live_hosting", "customer_service", "platform_operations"),
            categories=["food", "clothing"], languages=["普通话", "南京话"],
            availability=["tue_evening", "thu_evening", "sat_morning", "sat_afternoon"], capacity=3,
            bio="烈士塔基地第一批学员，带货主播三年，擅长直播话术和直播间节奏。")
    if ma:
        profiles["ma"] = _profile(
            ma, skills, ("agricultural", "short_video", "product_photography"),
            categories=["agricultural", "food"], languages=["普通话"],
            availability=["mon_afternoon", "wed_afternoon", "sat_morning"], capacity=2,
            bio="自家经营浦口农产品店，短视频种草和产地直播都做过。")
    if zhou:
        profiles["zhou"] = _profile(
            zhou, skills, ("cross_border", "platform_operations"),
            categories=["crafts", "jewellery"], languages=["普通话", "English"],
            availability=EVENINGS, capacity=2,
            bio="做过五年跨境电商运营，熟悉海外平台规则和英文直播。")
    profiles["ayiguli"] = _profile(
        ayiguli, skills, ("live_hosting", "short_video", "agricultural"),
        categories=["food", "agricultural"], languages=["维吾尔语", "普通话"],
        availability=["wed_evening", "fri_evening", "sun_afternoon"], capacity=2,
        bio="来自喀什，在南京做新疆特产直播，会用维吾尔语和普通话双语讲解。")
    db.session.flush()

    mentorships = {}
    needs = {}
    owner = people.get("shop_owner")
    if owner:
        shop = _shop_of(owner)
        needs["wulayimu"] = _need(owner, skills, ("live_hosting", "short_video"), shop=shop,
                                  category=(shop.category if shop else "food"), languages=["维吾尔语", "普通话"],
                                  availability=["wed_evening", "fri_evening"])
        m = mentorships["wulayimu"] = _pair(needs["wulayimu"], profiles["ayiguli"], days_ago=30, created_by=staff)
        _meet(m, ayiguli, 26, "直播间怎么摆馕", "把刚出炉的馕放在镜头前，讲清楚馕坑和配料。", "周五晚上试播半小时")
        _meet(m, owner, 12, "第一次试播复盘", "观看 86 人，下单 9 单。开场太慢，前五分钟要讲优惠。",
              "准备三句开场白")
    trainee = people.get("trainee")
    if trainee and "chen" in profiles:
        needs["zhang"] = _need(trainee, skills, ("live_hosting", "customer_service"),
                               availability=["tue_evening", "thu_evening"], languages=["普通话", "南京话"])
        m = mentorships["zhang"] = _pair(needs["zhang"], profiles["chen"], days_ago=20, source=FROM_MENTEE)
        _meet(m, chen, 17, "孩子睡了以后怎么直播", "定在每周二、四晚上九点，一次一小时。", "写好第一场的脚本")
        _meet(m, trainee, 16, "脚本修改", "陈老师帮我改了开场和讲解顺序。")
    village = people.get("trainee_village")
    if village and "ma" in profiles:
        needs["wu"] = _need(village, skills, ("agricultural", "short_video"), category="agricultural",
                            availability=["mon_afternoon", "sat_morning"])
        m = mentorships["wu"] = _pair(needs["wu"], profiles["ma"], days_ago=100, status=COMPLETED)
        _meet(m, ma, 95, "拍自家的桃园", "用手机竖屏拍，早上光线最好。", "剪一条 30 秒短视频")
        _meet(m, village, 60, "第一条短视频上线", "播放 3200，有 12 人私信问价。", "开一场产地直播")
        db.session.add_all([
            MentorshipFeedback(mentorship_id=m.id, author_id=ma.id, side="mentor", rating=5,
                               comment="吴大姐很肯学，三个月里从不会剪辑到能自己开播。"),
            MentorshipFeedback(mentorship_id=m.id, author_id=village.id, side="mentee", rating=5,
                               comment="马老师手把手教，现在村里的桃子能在网上卖了。"),
        ])
    graduate = people.get("trainee_graduate")
    if graduate and "zhou" in profiles:
        needs["lin"] = _need(graduate, skills, ("cross_border",), languages=["普通话", "English"],
                             availability=["tue_evening", "wed_evening"])
        m = mentorships["lin"] = _pair(needs["lin"], profiles["zhou"], days_ago=70, status=ENDED_EARLY,
                                       reason="林浩然找到了外贸公司的全职工作，时间对不上。")
        _meet(m, zhou, 65, "跨境平台入门", "比较了几个平台的入驻要求。", "准备英文商品描述")
        db.session.add(MentorshipFeedback(mentorship_id=m.id, author_id=graduate.id, side="mentee", rating=4,
                                          comment="周老师讲得很实用，可惜我没时间继续了。"))

    # Waiting: a staff proposal to 周凯, and newcomers without a mentor.
    liu = people.get("shop_owner_liu")
    if liu and "zhou" in profiles:
        needs["liu"] = _need(liu, skills, ("platform_operations", "product_photography"), shop=_shop_of(liu),
                             availability=["mon_evening", "tue_evening"])
        db.session.add(MatchProposal(site_id=site.id, need_id=needs["liu"].id, profile_id=profiles["zhou"].id,
                                     source=FROM_STAFF, status=PENDING, created_by_id=staff.id if staff else None,
                                     expires_at=utcnow() + timedelta(days=3)))
    for key, keys, slots in (("trainee_huang", ("live_hosting", "short_video"), ["sat_morning", "sun_afternoon"]),
                             ("trainee_zhao", ("product_photography",), ["wed_afternoon"]),
                             ("trainee_xu", ("live_hosting", "customer_service"), ["tue_evening", "fri_evening"])):
        person = people.get(key)
        if person:
            needs[key] = _need(person, skills, keys, availability=slots)

    # A class's confirmed applicants get their needs prefilled, if enrolment made one.
    from incubator.enrolment.models import Cohort

    for cohort in db.session.scalars(select(Cohort).where(Cohort.site_id == site.id)):
        for person in service.cohort_mentees(cohort):
            if service.need_for(person) is None:
                service.ensure_need(staff or person, person, commit=False)
    db.session.commit()
    ctx.made["mentoring"] = {"skills": skills, "profiles": profiles, "needs": needs,
                             "mentorships": mentorships, "people": {"ayiguli": ayiguli}}
