"""Demo notifications (read and unread) and e-mail settings for the people
who gave an e-mail address."""

from datetime import timedelta

from incubator.extensions import db
from incubator.notify.service import notify, save_preferences
from incubator.timeutil import utcnow


def seed(ctx) -> None:
    now = utcnow()
    people = ctx.people
    # E-mail choices first, so that the notifications below follow them.
    save_preferences(people["admin"], {"digest": {"email": True}, "applications": {"email": True}})
    save_preferences(people["staff"], {"digest": {"email": True}, "applications": {"email": True},
                                       "training": {"email": True}})
    save_preferences(people["mentor_zhou"], {"mentoring": {"email": True}, "digest": {"email": False}})
    save_preferences(people["trainee_graduate"], {"training": {"email": True}, "bookings": {"email": True},
                                                  "applications": {"email": True}})

    made = []
    for index, key in enumerate(("trainee", "trainee_huang", "trainee_graduate", "shop_owner", "mentor",
                                 "mentor_zhou", "staff")):
        person = people[key]
        n = notify(person, "notify.welcome", {"site": ctx.site.name, "name": person.display_name},
                   url="/notifications/settings", dedupe_key="welcome")
        n.created_at = now - timedelta(days=20 - index)
        if index % 2 == 0:
            n.read_at = n.created_at + timedelta(hours=3)
        made.append(n)
    announcements = [
        ("trainee", "本周六上午直播间开放练习，带孩子的妈妈可以使用二楼托管角。", 2, False),
        ("trainee", "《短视频拍摄入门》讲义已放在基地前台，可随时领取。", 6, True),
        ("trainee_huang", "下周二的课程改到 3 号直播间，时间不变。", 1, False),
        ("shop_owner", "馕饼礼盒的产品图已拍好，请到基地前台拷贝。", 3, False),
        ("shop_owner_liu", "本月助农直播排期已公布，欢迎报名参加。", 4, True),
        ("trainee_graduate", "Studio 2 has a new ring light and a second phone stand.", 2, False),
        ("staff", "3 号直播间的补光灯已报修，维修前请安排在 1 号或 2 号直播间。", 1, False),
        ("admin", "区里下周三来基地调研孵化成果，请提前准备数据。", 2, False),
    ]
    for key, text, days_ago, read in announcements:
        n = notify(people[key], "notify.announcement", {"text": text}, url="/home")
        n.created_at = now - timedelta(days=days_ago, hours=2)
        n.read_at = n.created_at + timedelta(hours=1) if read else None
        made.append(n)
    db.session.commit()
    ctx.made["notify"] = {"notifications": made}
