"""Demo people: one site modelled on the Lieshita live-streaming base, and an
account for each role. The README lists these numbers and the password."""

from incubator.accounts.models import ConsentRecord, User, UserRole
from incubator.accounts.passwords import hash_password
from incubator.accounts.service import PRIVACY_NOTICE_VERSION, PURPOSE_PERSONAL_INFO
from incubator.extensions import db
from incubator.sites.models import Site

DEMO_PASSWORD = "incubator2026"

# key: (phone, name, roles, locale, e-mail)
DEMO_PEOPLE = {
    "admin": ("13800000001", "宋杨", ("admin", "staff"), None, "admin@example.org"),
    "staff": ("13800000002", "王芳", ("staff",), None, "staff@example.org"),
    "staff_li": ("13800000003", "李强", ("staff",), None, None),
    "mentor": ("13800000004", "陈晓燕", ("mentor",), None, None),
    "mentor_ma": ("13800000005", "马丽", ("mentor", "shop_owner"), None, None),
    "mentor_zhou": ("13800000006", "周凯", ("mentor",), "en", "zhou.kai@example.org"),
    "shop_owner": ("13800000007", "乌拉依木·卡日", ("shop_owner",), None, None),
    "shop_owner_liu": ("13800000008", "刘春梅", ("shop_owner",), None, None),
    "shop_owner_sun": ("13800000009", "孙建国", ("shop_owner",), None, None),
    "trainee": ("13800000010", "张格琴", ("trainee",), None, None),
    "trainee_huang": ("13800000011", "黄小雨", ("trainee",), None, None),
    "trainee_zhao": ("13800000012", "赵敏", ("trainee",), None, None),
    "trainee_xu": ("13800000013", "徐婷婷", ("trainee",), None, None),
    "trainee_graduate": ("13800000014", "林浩然", ("trainee",), "en", "lin.haoran@example.org"),
    "trainee_he": ("13800000015", "何佳怡", ("trainee",), None, None),
    "trainee_village": ("13800000016", "吴桂兰", ("trainee",), None, None),
    "trainee_deng": ("13800000017", "邓丽娟", ("trainee",), None, None),
    "trainee_feng": ("13800000018", "冯雪", ("trainee",), None, None),
    "trainee_cao": ("13800000019", "曹阳", ("trainee",), None, None),
    "trainee_peng": ("13800000020", "彭静", ("trainee",), None, None),
}


def seed(ctx) -> None:
    site = Site(
        name="烈士塔社区“红商圈”直播基地",
        address="南京市浦口区江浦街道烈士塔社区",
        contact_phone="025-58880000",
        description=(
            "社区与电商企业共建的直播基地和公益创业服务中心：免费培训、直播间和设备、"
            "店铺孵化、导师结对。"
        ),
    )
    db.session.add(site)
    db.session.flush()
    ctx.site = site
    password_hash = hash_password(DEMO_PASSWORD)
    for key, (phone, name, roles, locale, email) in DEMO_PEOPLE.items():
        user = User(site_id=site.id, phone=phone, email=email, display_name=name, locale=locale,
                    password_hash=password_hash)
        user.role_grants = [UserRole(role=role) for role in roles]
        db.session.add(user)
        db.session.flush()
        db.session.add(ConsentRecord(user_id=user.id, purpose=PURPOSE_PERSONAL_INFO,
                                     notice_version=PRIVACY_NOTICE_VERSION, granted=True))
        ctx.people[key] = user
    db.session.commit()
