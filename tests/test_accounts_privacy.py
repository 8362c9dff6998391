import csv
import io
import json
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from incubator.accounts import privacy
from incubator.accounts.models import DataRequest, User
from incubator.areas import load_areas, resolve
from incubator.booking.models import CONFIRMED, Booking
from incubator.enrolment.models import Application
from incubator.extensions import db
from incubator.mentoring.models import Meeting, MenteeNeed
from incubator.notify.models import Notification, OutboxMessage
from incubator.reports import service as reports
from incubator.reports.scope import Scope
from incubator.shops import service as shops
from incubator.shops.models import Evidence, SalesRecord, Shop, SupportRecord
from incubator.timeutil import local_today, utcnow
from incubator.training.models import Attendance, Certificate
from tests.conftest import login, post
from tests.factories import DEFAULT_PASSWORD, make_site, make_user
from tests.factories_booking import make_resource
from tests.factories_enrolment import make_application, make_cohort
from tests.factories_mentoring import make_mentor, make_mentorship, make_need
from tests.factories_notify import make_notification
from tests.factories_reports import make_certificate
from tests.factories_shops import add_link, make_shop
from tests.factories_training import make_session


def test_optional_consent_is_given_and_withdrawn_as_easily(client):
    user = make_user()
    login(client, user)
    response = post(client, "/me/privacy/consent/share_with_mentors", {"granted": "1"}, htmx=True)
    assert response.status_code == 200 and "撤回" in response.get_data(as_text=True)
    assert privacy.has_consent(user, privacy.SHARE_WITH_MENTORS)
    post(client, "/me/privacy/consent/share_with_mentors", {"granted": "0"})
    assert not privacy.has_consent(user, privacy.SHARE_WITH_MENTORS)
    assert not privacy.has_consent(user, privacy.PUBLISH_STORIES)


def test_a_person_downloads_her_data_as_json_and_csv(client):
    user = make_user(name="张格琴", email="zhang@example.org")
    login(client, user)
    data = json.loads(client.get("/me/data.json").get_data(as_text=True))
    assert data["account"][0]["name"] == "张格琴"
    assert data["consents"] == [] or isinstance(data["consents"], list)
    response = client.get("/me/data.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["account", "1", "name", "张格琴"] in rows


def test_a_correction_request_needs_details_and_writes_nothing_without(client):
    login(client, make_user())
    response = post(client, "/me/privacy/request", {"kind": "correction", "details": ""})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(DataRequest.id))) == 0


def test_accepting_a_deletion_anonymises_the_person_and_keeps_the_totals(app, client):
    staff = make_user("staff")
    person = make_user(name="赵敏", email="zhao@example.org")
    people_before = db.session.scalar(select(func.count(User.id)))
    device = app.test_client()
    login(device, person)
    post(device, "/me/privacy/request", {"kind": "deletion", "details": ""})
    request = db.session.scalar(select(DataRequest))
    login(client, staff)
    assert "赵敏" in client.get("/staff/data-requests").get_data(as_text=True)
    post(client, f"/staff/data-requests/{request.id}", {"decision": "accept"})
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.display_name != "赵敏" and person.phone is None and "zhao" not in person.email
    assert not person.active
    assert db.session.scalar(select(func.count(User.id))) == people_before
    assert device.get("/profile").status_code == 302
    assert post(device, "/login", {"login_name": "zhao@example.org", "password": DEFAULT_PASSWORD}).status_code == 422


def test_staff_of_another_site_cannot_handle_a_request(client):
    person = make_user()
    other_staff = make_user("staff", site=make_site("另一个基地"))
    request = privacy.ask(person, "deletion", "")
    login(client, other_staff)
    assert person.display_name not in client.get("/staff/data-requests").get_data(as_text=True)
    assert post(client, f"/staff/data-requests/{request.id}", {"decision": "accept"}).status_code == 404
    db.session.refresh(request)
    assert request.status == "open"


def test_retention_anonymises_long_unused_accounts_but_not_staff(app):
    stale = make_user("trainee", name="久未登录")
    stale.last_login_at = utcnow() - timedelta(days=app.config["RETENTION_DAYS"] + 1)
    staff = make_user("staff", name="老员工")
    staff.last_login_at = stale.last_login_at
    recent = make_user("trainee", name="最近登录")
    recent.last_login_at = utcnow()
    db.session.commit()
    assert privacy.anonymise_expired() == 1
    assert privacy.anonymise_expired() == 0  # idempotent
    db.session.expire_all()
    assert db.session.get(User, stale.id).display_name.startswith("已删除用户")
    assert db.session.get(User, staff.id).display_name == "老员工"
    assert db.session.get(User, recent.id).display_name == "最近登录"


# --- A whole journey: applied, attended, booked, opened a shop, was mentored ---------

def _a_whole_journey() -> dict:
    """张格琴 applied and was enrolled, missed a class with an apology and once
    signed in as a walk-in under her mobile, earned a certificate, booked the
    studio, opened a shop that logged a livestream (with its licence link),
    was given support, asked for a mentor, met her and wrote the meeting
    notes, and has a notification. Times are UTC; the base is in Shanghai."""
    staff = make_user("staff", name="王老师")
    her = make_user("trainee", name="张格琴", phone="13912345678", email="zhang@example.org")
    cohort = make_cohort(name="2026 冬季班")
    make_application(cohort, her, status="confirmed")
    excused = make_session(cohort, starts_at=datetime(2026, 11, 16, 1, 30), topic="开播设置与补光")
    walked_in = make_session(cohort, starts_at=datetime(2026, 11, 18, 1, 30), topic="直播话术")
    db.session.add_all([
        Attendance(session_id=excused.id, site_id=cohort.site_id, user_id=her.id, mark="excused",
                   reason="孩子发烧，请假一次"),
        Attendance(session_id=walked_in.id, site_id=cohort.site_id, walkin_name="张格琴",
                   walkin_phone=her.phone, mark="present"),
    ])
    studio = make_resource("练习直播间")
    db.session.add(Booking(site_id=studio.site_id, resource_id=studio.id, user_id=her.id, status=CONFIRMED,
                           starts_at=datetime(2026, 11, 20, 2, 0), ends_at=datetime(2026, 11, 20, 3, 0),
                           purpose="练习卖自家烧饼"))
    db.session.commit()
    certificate = make_certificate(her, cohort)
    shop = make_shop(her, name="张姐烧饼铺", location="烈士塔社区 3 栋 102", products="烧饼、馄饨")
    add_link(her, shop)
    shops.record_sales(shop, occurred_on=local_today() - timedelta(days=1), minutes=60, host="张格琴",
                       platform="douyin", viewers=120, orders=8, revenue_fen=9600, products="芝麻烧饼",
                       recorded_by=her)
    shops.add_support(staff, her.site_id, kind="funding", what="开店补贴", amount_fen=50000,
                      given_on=local_today() - timedelta(days=3), reason="单亲妈妈，家里困难", person=her)
    need = make_need(user=her)
    need.notes = "想学怎么讲解烧饼的做法"
    mentorship = make_mentorship(need, make_mentor("陈晓燕"))
    db.session.add(Meeting(mentorship_id=mentorship.id, author_id=her.id, met_on=local_today(), topic="脚本修改",
                           notes="陈老师帮我改了开场", next_step="周五再练一次"))
    db.session.commit()
    make_notification(her, "您的直播间预约已确认")
    return {"staff": staff, "her": her, "cohort": cohort, "certificate": certificate, "shop": shop}


def test_a_persons_download_holds_everything_the_areas_hold_about_her(client):
    made = _a_whole_journey()
    login(client, made["her"])
    data = json.loads(client.get("/me/data.json").get_data(as_text=True))

    application = data["applications"][0]
    assert application["class"] == "2026 冬季班" and application["status"] == "confirmed"
    assert application["village"] == "烈士塔社区" and application["wants_to_do"] == "卖自家做的烧饼"
    marks = {(m["session"], m["mark"]): m for m in data["attendance"]}
    assert marks[("开播设置与补光", "excused")]["reason"] == "孩子发烧，请假一次"
    assert marks[("直播话术", "present")]["walk_in"] is True
    assert [c["code"] for c in data["certificates"]] == [made["certificate"].code]
    assert data["bookings"][0]["purpose"] == "练习卖自家烧饼"
    assert data["shops"][0]["name"] == "张姐烧饼铺" and data["shops"][0]["location"] == "烈士塔社区 3 栋 102"
    assert data["shop_sales"][0]["revenue_fen"] == 9600 and data["shop_sales"][0]["host"] == "张格琴"
    assert data["shop_evidence"][0]["url"] == "https://v.douyin.com/abc123/"
    assert data["support_received"][0]["reason"] == "单亲妈妈，家里困难"
    assert data["mentee_needs"][0]["notes"] == "想学怎么讲解烧饼的做法"
    assert data["mentorships"][0]["mentor"] == "陈晓燕" and data["mentorships"][0]["as"] == "mentee"
    assert data["meeting_notes"][0]["notes"] == "陈老师帮我改了开场"
    assert "基地工作人员的消息：您的直播间预约已确认" in [n["text"] for n in data["notifications"]]

    # Times read as the base's clock (Shanghai), and say so.
    assert data["attendance"][0]["starts_at"] == "2026-11-16T09:30:00+08:00"
    assert data["bookings"][0]["starts_at"] == "2026-11-20T10:00:00+08:00"
    assert data["certificates"][0]["issued_at"] == "2026-05-02T11:00:00+08:00"
    assert data["account"][0]["created_at"].endswith("+08:00")

    rows = list(csv.reader(io.StringIO(client.get("/me/data.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert ["applications", "1", "village", "烈士塔社区"] in rows
    assert ["bookings", "1", "starts_at", "2026-11-20T10:00:00+08:00"] in rows
    assert ["applications", "1", "availability", '["weekday_mornings"]'] in rows


def _figures(site_id: int) -> dict:
    scope = Scope(site_id, date(2025, 1, 1), local_today() + timedelta(days=365))
    counted = {view.key: view.result.value for view in reports.figures(scope) if view.result}
    listed = {key: reports.figure(scope, key).result.value for key in counted}
    return {"counted": counted, "listed": listed}


def test_a_deletion_blanks_what_she_told_us_and_keeps_every_figure(app, client):
    made = _a_whole_journey()
    her, staff = made["her"], made["staff"]
    figures_before = _figures(her.site_id)
    device = app.test_client()
    login(device, her)
    post(device, "/me/privacy/request", {"kind": "deletion", "details": "请删除我的资料，我的电话是 " + her.phone})
    request = db.session.scalar(select(DataRequest))
    login(client, staff)
    post(client, f"/staff/data-requests/{request.id}", {"decision": "accept"})
    db.session.expire_all()

    assert _figures(her.site_id) == figures_before
    application = db.session.scalar(select(Application).where(Application.user_id == her.id))
    assert application.answers == {} and application.status == "confirmed"
    assert application.applicant_group == "mother"
    marks = db.session.scalars(select(Attendance).order_by(Attendance.id)).all()
    assert [m.mark for m in marks] == ["excused", "present"]
    assert all(m.reason == "" and m.walkin_phone is None and m.walkin_name != "张格琴" for m in marks)
    assert db.session.scalar(select(Certificate.code)) == made["certificate"].code
    booking = db.session.scalar(select(Booking))
    assert booking.status == CONFIRMED and booking.purpose == ""
    shop = db.session.get(Shop, made["shop"].id)
    assert "张" not in shop.name and shop.location == "" and shop.products == "" and shop.stage_id is not None
    sale = db.session.scalar(select(SalesRecord))
    assert sale.revenue_fen == 9600 and sale.host == "" and sale.products == ""
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    support = db.session.scalar(select(SupportRecord))
    assert support.amount_fen == 50000 and support.reason == ""
    assert db.session.scalar(select(MenteeNeed.notes)) == ""
    meeting = db.session.scalar(select(Meeting))
    assert meeting.topic == "脚本修改" and meeting.notes == "" and meeting.next_step == ""
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == her.id)) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.user_id == her.id)) == 0
    assert db.session.get(DataRequest, request.id).details == ""
    assert db.session.get(DataRequest, request.id).status == "done"


def test_a_deletion_blanks_the_names_the_history_copied_and_keeps_its_entries():
    """The history took her name when she walked in to a class and her shop's
    name when she applied; accepting her deletion blanks those copies too."""
    from incubator.audit import AuditEntry
    from incubator.training import service as training

    staff = make_user("staff", name="王老师")
    her = make_user("trainee", name="张格琴", phone="13912345678")
    session = make_session(make_cohort(), starts_at=datetime(2026, 11, 18, 1, 30), topic="直播话术")
    training.add_walkin(staff, session, name="张格琴", phone=her.phone)
    shops.apply(her, name="张姐烧饼铺", category="food", location="烈士塔社区 3 栋 102", has_physical_shop=True,
                platforms=["douyin"], products="烧饼", help_wanted=["training"])
    copied = [AuditEntry.action.in_(("training.walkin_added", "shops.applied"))]
    assert {e.after["name"] for e in db.session.scalars(select(AuditEntry).where(*copied))} == {"张格琴", "张姐烧饼铺"}

    privacy.handle(staff, privacy.ask(her, "deletion", ""), accept=True)
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry).where(*copied)).all()
    assert sorted(e.action for e in entries) == ["shops.applied", "training.walkin_added"]
    assert all(e.after["name"] == "" for e in entries)
    assert "张" not in json.dumps([[e.before, e.after] for e in db.session.scalars(select(AuditEntry))],
                                 ensure_ascii=False)


def test_every_column_pointing_at_people_is_in_the_download_or_says_why_not(app):
    """A table about people added later must say where it stands, or this fails."""
    columns = {f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns
               if any(fk.column.table.name == "users" for fk in column.foreign_keys)}
    covered = set(privacy.COVERS)
    for area in load_areas():
        module = resolve(area.personal_data)
        covered |= set(getattr(module, "COVERS", ()))
    explained = set(privacy.NOT_IN_DOWNLOAD)
    assert columns - covered - explained == set(), "say where these stand in a privacy module"
    assert covered & explained == set()
    assert (covered | explained) - columns == set(), "names of columns that do not exist"
    assert all(reason.strip() for reason in privacy.NOT_IN_DOWNLOAD.values())


def test_she_is_told_when_staff_answer_and_sees_her_requests_with_their_answer(app, client):
    person = make_user(name="李梅")
    staff = make_user("staff")
    request = privacy.ask(person, "correction", "我的名字应该是李梅梅")
    privacy.handle(staff, request, accept=True, response="已改为李梅梅。")
    notification = db.session.scalar(select(Notification).where(Notification.user_id == person.id))
    assert notification is not None and notification.url == "/me/privacy"
    login(client, person)
    bell = client.get("/notifications/").get_data(as_text=True)
    assert "您更正个人数据的申请已处理完成。" in bell and "已改为李梅梅。" in bell
    page = client.get("/me/privacy").get_data(as_text=True)
    assert "我的名字应该是李梅梅" in page and "已改为李梅梅。" in page and "已处理" in page

    refused = privacy.ask(person, "deletion", "")
    privacy.handle(staff, refused, accept=False, response="您还有进行中的课程。")
    texts = [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == person.id))]
    assert "accounts.deletion_refused" in texts
    assert "未受理" in client.get("/me/privacy").get_data(as_text=True)
