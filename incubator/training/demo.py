"""Demo sessions: a running class in which 张格琴 attended five sessions and
completed with a certificate, others are in progress and 吴桂兰 is falling
behind; and a next class with a weekly run of sessions.

Enrolment's demo data may or may not exist: cohorts of the site are used when
there are, otherwise a programme, cohorts and confirmed applications are made
here, minimally."""

from datetime import time, timedelta

from sqlalchemy import select

from incubator.booking.models import STUDIO, OpeningHours, Resource
from incubator.enrolment.models import CONFIRMED, Application, Cohort, Programme
from incubator.extensions import db
from incubator.timeutil import local_today, to_local, utcnow
from incubator.training import service
from incubator.training.models import Skill

SKILLS = [("手机直播设置与补光", True), ("产品定位与直播话术", True), ("平台规则与合规", True), ("短视频剪辑", False)]
MAIN_TRAINEES = ("trainee", "trainee_huang", "trainee_zhao", "trainee_xu", "trainee_village", "trainee_deng")
NEXT_TRAINEES = ("trainee_he", "trainee_feng", "trainee_cao", "trainee_peng", "trainee_graduate")
# Marks of the five past sessions, per trainee (P present, L late, A absent, E excused).
MARKS = {
    "trainee": "PPPLP",
    "trainee_huang": "PPEPP",
    "trainee_zhao": "PLPPA",
    "trainee_xu": "PPPPP",
    "trainee_village": "PAAEA",
    "trainee_deng": "PPPPE",
}
# Everyone else in the class (the graduates' own trainees, when the running
# class is theirs): without marks a trainee saw five past sessions "not marked".
OTHERS_MARKS = "PPLPP"
LETTERS = {"P": "present", "L": "late", "A": "absent", "E": "excused"}
TOPICS = ["手机直播入门：开播设置与补光", "直播话术与产品讲解", "平台规则、合规与售后", "短视频拍摄与剪辑",
          "实战演练：一场完整的带货直播", "复盘与结业：数据看板和下一步"]


def _studio(site):
    studio = db.session.scalar(select(Resource).where(Resource.site_id == site.id, Resource.kind == STUDIO)
                               .order_by(Resource.id))
    if studio is None:
        # Its own name (the booking demo's studios are 1号 and 2号直播间) and
        # the base's hours, so the calendar shows every booking of it.
        studio = Resource(site_id=site.id, name="培训教室", kind=STUDIO,
                          description="培训与实操用教室，带直播设备，可坐 20 人。",
                          hours=[OpeningHours(weekday=d, opens=time(8, 0), closes=time(23, 0)) for d in range(7)])
        db.session.add(studio)
        db.session.flush()
    return studio


def _programme(site):
    programme = Programme(site_id=site.id, name="直播带货新手培训班", min_attendance_percent=80,
                          description="面向宝妈、应届毕业生和村民的零基础直播带货培训。",
                          audiences=["mothers", "graduates", "villagers"], languages="普通话")
    db.session.add(programme)
    db.session.flush()
    return programme


def _cohort(site, programme, name, starts, ends):
    cohort = Cohort(programme_id=programme.id, site_id=site.id, name=name, starts_on=starts, ends_on=ends,
                    capacity=30, childcare=True, schedule_summary="每周二、周四 9:30–11:30")
    db.session.add(cohort)
    db.session.flush()
    return cohort


def _enrol(cohort, people):
    for user in people:
        exists = db.session.scalar(select(Application).where(Application.cohort_id == cohort.id,
                                                             Application.user_id == user.id))
        if exists is None:
            db.session.add(Application(cohort_id=cohort.id, user_id=user.id, site_id=cohort.site_id,
                                       status=CONFIRMED, decided_at=utcnow(), applicant_group=_group_of(user)))
    db.session.flush()


def _group_of(user) -> str:
    """The group she gave on her other applications (张格琴 is a mother in
    whatever class): without it the dashboard counted most of the demo's
    trainees as "other"."""
    given = db.session.scalar(select(Application.applicant_group)
                              .where(Application.user_id == user.id, Application.applicant_group != "other")
                              .order_by(Application.submitted_at.desc()).limit(1))
    return given or "other"


def seed(ctx) -> None:
    site, people = ctx.site, ctx.people
    staff, mentor = people["staff"], people["mentor"]
    today = local_today(site.timezone)
    studio = _studio(site)

    cohorts = list(db.session.scalars(select(Cohort).where(Cohort.site_id == site.id).order_by(Cohort.starts_on)))
    running = next((c for c in cohorts if c.starts_on <= today - timedelta(days=17) and c.ends_on >= today), None)
    upcoming = next((c for c in cohorts if c.starts_on > today), None)
    if running is None:
        running = _cohort(site, _programme(site), "直播带货新手班·第一期", today - timedelta(days=18),
                          today + timedelta(days=14))
    if upcoming is None:
        upcoming = _cohort(site, running.programme, "直播带货新手班·第二期", today + timedelta(days=21),
                           today + timedelta(days=60))
    _enrol(running, [people[k] for k in MAIN_TRAINEES])
    _enrol(upcoming, [people[k] for k in NEXT_TRAINEES])

    programme = running.programme
    if not service.skills_of(programme.id):
        for name, required in SKILLS:
            db.session.add(Skill(programme_id=programme.id, site_id=site.id, name=name, required=required,
                                 position=len(service.skills_of(programme.id)) + 1))
            db.session.flush()
    db.session.commit()
    skills = service.skills_of(programme.id)

    # Five past sessions and one in a couple of hours (check-in can be tried then).
    sessions = []
    for i, days_ago in enumerate((17, 15, 10, 8, 3)):
        sessions.append(service.schedule_session(
            staff, running, topic=TOPICS[i], day=today - timedelta(days=days_ago), start_time=time(9, 30),
            end_time=time(11, 30), room_id=studio.id, trainer_id=(mentor if i % 2 else staff).id, capacity=25,
            childcare=True))
    soon = to_local(utcnow(), site.timezone) + timedelta(hours=2)
    day, start = (soon.date(), time(soon.hour)) if soon.hour <= 21 else (today + timedelta(days=1), time(9, 30))
    end = time(start.hour + 2, start.minute)
    sessions.append(service.schedule_session(
        staff, running, topic=TOPICS[5], day=day, start_time=start, end_time=end, room_id=studio.id,
        trainer_id=staff.id, capacity=25, childcare=True))

    # Skills first for 张格琴, so that her fifth mark completes the rule.
    for key, done in (("trainee", 3), ("trainee_xu", 2), ("trainee_huang", 3), ("trainee_zhao", 1),
                      ("trainee_deng", 2)):
        for skill in [s for s in skills if s.required][:done]:
            service.toggle_skill(staff, running, skill, people[key].id)
    # Roll call session by session, as it happened.
    marked = {people[key].id: letters for key, letters in MARKS.items()}
    for trainee in service.enrolled_trainees(running.id):
        marked.setdefault(trainee.id, OTHERS_MARKS)
    for index, session in enumerate(sessions[:5]):
        for user_id, letters in marked.items():
            service.set_mark(staff, session, f"u{user_id}", LETTERS[letters[index]])
    service.send_apology(people["trainee_huang"], sessions[5], "孩子发烧，要带去医院，下次一定来。")
    walkin = service.add_walkin(staff, sessions[2], name="李秀英", phone="13912345678")

    result = service.schedule_recurring(
        staff, upcoming, topic="直播带货新手课", first_day=upcoming.starts_on, weekdays=[1, 3],
        start_time=time(9, 30), end_time=time(11, 30), weeks=4,
        skip=[upcoming.starts_on + timedelta(days=7)], room_id=studio.id, trainer_id=mentor.id, capacity=25,
        childcare=True)
    certificate = service.certificates_of(people["trainee"].id)[0]
    ctx.made["training"] = {"studio": studio, "running_cohort": running, "upcoming_cohort": upcoming,
                            "sessions": sessions, "next_sessions": result.created, "skills": skills,
                            "walkin": walkin, "certificate": certificate}
