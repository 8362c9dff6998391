"""Demo data: the Lieshita base's three programmes, their classes past,
current and upcoming, and applications in every status.

Shared with later areas as ctx.made["enrolment"]:
  "programmes": {"mothers", "graduates", "village"} -> Programme
  "cohorts": {"mothers_past", "mothers_current", "mothers_upcoming",
              "graduates_current", "graduates_upcoming",
              "village_past", "village_upcoming"} -> Cohort
  "applications": {(person key, cohort key): Application}
Enrolled (confirmed) people: see ENROLMENTS below (status "confirmed").
"""

from datetime import timedelta

from incubator.enrolment.models import (
    Application,
    ApplicationEvent,
    ApplicationNote,
    Cohort,
    Programme,
    ProgrammeQuestion,
)
from incubator.extensions import db
from incubator.timeutil import local_today, utcnow

PROGRAMMES = {
    "mothers": dict(
        name="宝妈主播孵化计划",
        description=("面向有年幼孩子的妈妈：手机直播入门、短视频拍摄、选品和话术、平台规则。"
                     "上课时社区儿童托管角有志愿者照看孩子。全部免费，结业后可预约基地直播间。"),
        audiences=["mothers"], languages="普通话",
        questions=[("yesno", "家里有能直播的智能手机吗？", True, []),
                   ("choice", "每天大概能拿出多少时间直播？", True, ["1 小时以内", "1–2 小时", "2 小时以上"]),
                   ("short", "抖音或视频号账号（有的话）", False, [])]),
    "graduates": dict(
        name="大学生跨境电商直播",
        description=("面向应届和往届大学毕业生：跨境电商平台、英文直播、海外短视频运营、供应链对接。"
                     "与合作企业共建，优秀学员可推荐就业。"),
        audiences=["graduates"], languages="普通话, English",
        questions=[("choice", "英语水平", True, ["能日常交流", "能读写，说得少", "基础较弱"]),
                   ("long", "做过的实习或项目", False, [])]),
    "village": dict(
        name="乡村特产直播带货",
        description=("面向村民和返乡青年：把自家的农产品、手工特产卖到线上。学拍摄、定价、发货和售后，"
                     "基地帮助对接快递和包装。"),
        audiences=["villagers", "anyone"], languages="普通话, 南京话",
        questions=[("short", "想卖的特产", True, []),
                   ("yesno", "有营业执照或食品经营许可吗？", False, [])]),
}

# cohort key: (programme, name, start in days from today, length in days, capacity, childcare, schedule)
COHORTS = {
    "mothers_past": ("mothers", "2026 年秋季班", -100, 42, 12, True, "每周二、四上午 9:30–11:30"),
    "mothers_current": ("mothers", "2026 年冬季班", -10, 42, 12, True, "每周二、四上午 9:30–11:30"),
    "mothers_upcoming": ("mothers", "2027 年春季班", 24, 42, 2, True, "每周一、三上午 9:30–11:30"),
    "graduates_current": ("graduates", "第三期", -20, 56, 15, False, "每周六全天，周三晚上 19:00–21:00"),
    "graduates_upcoming": ("graduates", "第四期", 40, 56, 15, False, "每周六全天，周三晚上 19:00–21:00"),
    "village_past": ("village", "秋收特产班", -70, 28, 20, False, "每周五下午 14:00–17:00"),
    "village_upcoming": ("village", "年货特产班", 18, 28, 20, True, "每周五下午 14:00–17:00"),
}

# (person key, cohort key, status, group, submitted days ago)
ENROLMENTS = [
    ("trainee_huang", "mothers_past", "confirmed", "mother", 130),
    ("trainee_zhao", "mothers_past", "dropped_out", "mother", 128),
    ("trainee", "mothers_current", "confirmed", "mother", 35),
    ("trainee_xu", "mothers_current", "confirmed", "mother", 33),
    ("trainee_feng", "mothers_current", "confirmed", "mother", 30),
    ("trainee_he", "mothers_current", "withdrawn", "mother", 29),
    ("trainee_peng", "mothers_upcoming", "confirmed", "mother", 9),
    ("trainee_deng", "mothers_upcoming", "accepted", "mother", 7),
    ("trainee_he", "mothers_upcoming", "waitlisted", "mother", 5),
    ("trainee_zhao", "mothers_upcoming", "submitted", "mother", 2),
    ("trainee_graduate", "graduates_current", "confirmed", "graduate", 40),
    ("trainee_cao", "graduates_current", "confirmed", "graduate", 38),
    ("trainee_cao", "graduates_upcoming", "rejected", "graduate", 3),
    ("trainee_village", "village_past", "confirmed", "villager", 85),
    ("trainee_xu", "village_past", "lapsed", "villager", 80),
    ("trainee_village", "village_upcoming", "submitted", "villager", 1),
    ("trainee_deng", "village_upcoming", "submitted", "villager", 4),
]

STEPS = {
    "submitted": [], "accepted": ["accepted"], "waitlisted": ["waitlisted"], "rejected": ["rejected"],
    "confirmed": ["accepted", "confirmed"], "withdrawn": ["accepted", "confirmed", "withdrawn"],
    "lapsed": ["accepted", "lapsed"], "dropped_out": ["accepted", "confirmed", "dropped_out"],
}

ANSWERS = {
    "mother": {"availability": ["weekday_mornings"], "children_ages": [2], "needs_childcare": True,
               "village": "烈士塔社区", "wants_to_do": "想在家带娃的同时直播卖童装和本地小吃"},
    "graduate": {"availability": ["weekday_evenings", "weekends"], "children_ages": [], "needs_childcare": False,
                 "graduation_year": local_today().year, "village": "江浦街道",
                 "wants_to_do": "做跨境电商直播，把南京的云锦文创卖到海外"},
    "villager": {"availability": ["weekday_afternoons", "weekends"], "children_ages": [9], "needs_childcare": False,
                 "village": "星甸街道后圩村", "wants_to_do": "卖自家种的草莓和腌制的咸鸭"},
}
QUESTION_ANSWERS = {
    "家里有能直播的智能手机吗？": True, "每天大概能拿出多少时间直播？": "1–2 小时",
    "英语水平": "能日常交流", "想卖的特产": "草莓、咸鸭、雨花茶", "有营业执照或食品经营许可吗？": False,
}


def seed(ctx) -> None:
    site, people = ctx.site, ctx.people
    staff = people.get("staff")
    today = local_today()
    programmes, cohorts = {}, {}
    for key, spec in PROGRAMMES.items():
        programme = Programme(site_id=site.id, name=spec["name"], description=spec["description"],
                              audiences=spec["audiences"], languages=spec["languages"])
        for position, (kind, label, required, choices) in enumerate(spec["questions"], start=1):
            programme.questions.append(ProgrammeQuestion(kind=kind, label=label, required=required,
                                                         choices=choices, position=position))
        db.session.add(programme)
        programmes[key] = programme
    db.session.flush()
    for key, (programme_key, name, start, length, capacity, childcare, schedule) in COHORTS.items():
        starts = today + timedelta(days=start)
        cohort = Cohort(programme_id=programmes[programme_key].id, site_id=site.id, name=name, starts_on=starts,
                        ends_on=starts + timedelta(days=length), capacity=capacity, childcare=childcare,
                        schedule_summary=schedule, applications_open_on=starts - timedelta(days=45),
                        applications_close_on=starts - timedelta(days=1))
        db.session.add(cohort)
        cohorts[key] = cohort
    db.session.flush()

    applications = {}
    now = utcnow()
    for person, cohort_key, status, group, days_ago in ENROLMENTS:
        cohort = cohorts[cohort_key]
        programme = next(p for p in programmes.values() if p.id == cohort.programme_id)
        answers = dict(ANSWERS[group])
        for question in programme.questions:
            if question.label in QUESTION_ANSWERS:
                answers[question.key] = QUESTION_ANSWERS[question.label]
        submitted = now - timedelta(days=days_ago)
        application = Application(cohort_id=cohort.id, user_id=people[person].id, site_id=site.id,
                                  status=status, applicant_group=group, answers=answers, submitted_at=submitted)
        db.session.add(application)
        db.session.flush()
        events = [ApplicationEvent(application_id=application.id, actor_id=people[person].id, from_status=None,
                                   to_status="submitted", at=submitted)]
        previous, at = "submitted", submitted
        for step in STEPS[status]:
            at = at + timedelta(days=1)
            actor = people[person] if step in ("confirmed", "withdrawn") else (
                None if step == "lapsed" else staff)
            events.append(ApplicationEvent(application_id=application.id, actor_id=getattr(actor, "id", None),
                                           from_status=previous, to_status=step, at=at))
            previous = step
        db.session.add_all(events)
        if status != "submitted":
            application.decided_at = at
        if status == "accepted":
            application.offer_expires_at = now + timedelta(days=2)
        applications[(person, cohort_key)] = application
    db.session.add(ApplicationNote(application_id=applications[("trainee_he", "mothers_upcoming")].id,
                                   author_id=getattr(staff, "id", None), at=now - timedelta(days=4),
                                   body="冬季班因孩子生病退出，春季班满员，先候补；有空位优先通知她。"))
    db.session.commit()
    ctx.made["enrolment"] = {"programmes": programmes, "cohorts": cohorts, "applications": applications}
