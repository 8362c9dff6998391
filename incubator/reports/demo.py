"""Demo: a few staff notes on people's records (the figures read the other
areas' demo data)."""

from datetime import timedelta

from incubator.extensions import db
from incubator.reports import daily
from incubator.reports.models import PersonNote
from incubator.timeutil import utcnow

NOTES = [
    ("trainee", "staff", 40, "孩子上幼儿园后上午有空，适合安排上午的课。想做本地农产品直播。"),
    ("trainee", "staff_li", 12, "第一次独立开播很顺利，下周介绍给马丽做导师。"),
    ("shop_owner", "staff", 30, "馕坑已经搬进新店面，营业执照照片已核对。希望借补光灯做夜间直播。"),
    ("trainee_graduate", "staff_li", 8, "应届毕业生，会剪辑短视频，可以请他给新学员做剪辑分享。"),
]


def seed(ctx) -> None:
    now = utcnow()
    for person_key, author_key, days_ago, body in NOTES:
        person, author = ctx.people.get(person_key), ctx.people.get(author_key)
        if person is None or author is None:
            continue
        db.session.add(PersonNote(site_id=person.site_id, person_id=person.id, author_id=author.id, body=body,
                                  created_at=now - timedelta(days=days_ago)))
    db.session.commit()
    # The demo's records were counted into the day rows as they were written;
    # a base made without the ORM (the first base of a fresh installation) is built here.
    daily.build()
    ctx.made["reports"] = {"notes": len(NOTES)}
