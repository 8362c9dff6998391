from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from incubator.extensions import db
from incubator.timeutil import utcnow
from incubator.training import service
from incubator.training.models import Attendance, Certificate, TrainingSession
from tests.conftest import htmx_get, login, post
from tests.factories import make_site, make_user
from tests.factories_training import enrol, make_cohort, make_programme, make_session, make_skill, make_studio


def _setup(**dates):
    cohort = make_cohort(make_programme(name="直播带货新手班"), **dates)
    staff = make_user("staff", locale="en")
    trainee = enrol(cohort, name="张格琴", locale="en")
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5), code="7315")
    return cohort, staff, trainee, session


# --- Roll call ------------------------------------------------------------------------

def test_staff_marks_a_trainee_with_a_plain_post(client):
    _, staff, trainee, session = _setup()
    login(client, staff)
    response = post(client, f"/training/sessions/{session.id}/marks/u{trainee.id}", {"mark": "late"})
    assert response.status_code == 303
    assert service.attendance_of(session.id, trainee.id).mark == "late"
    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert "张格琴" in page and "1 late" in page


def test_an_htmx_mark_returns_only_the_row_and_the_new_counts(client):
    _, staff, trainee, session = _setup()
    login(client, staff)
    response = post(client, f"/training/sessions/{session.id}/marks/u{trainee.id}", {"mark": "present"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and f'id="row-u{trainee.id}"' in html
    assert 'value="present" class="mark mark-present" aria-pressed="true"' in html
    assert 'hx-swap-oob="true"' in html and "1 present" in html


def test_the_roll_call_lists_everyone_in_the_same_few_statements(client):
    """Trainees, people marked though not enrolled and walk-ins: the page reads
    the session, its marks and its trainees once each, however many there are."""
    from tests.support.bench_pages import StatementRecorder

    cohort, staff, trainee, session = _setup()
    login(client, staff)
    service.set_mark(staff, session, f"u{trainee.id}", "late")
    counts = []
    for i, name in enumerate(["王芳", "刘洋"]):
        make_user("trainee", phone=f"1391234000{i}", name=name)  # marked on her account, not enrolled
        service.add_walkin(staff, session, name=name, phone=f"1391234000{i}")
        service.add_walkin(staff, session, name=f"过路人{i}", phone=f"1391234500{i}")
        enrol(cohort)
        with StatementRecorder(db.engine) as recorder:
            page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
        counts.append(len(recorder.statements))
    assert all(name in page for name in ["张格琴", "王芳", "刘洋", "过路人0", "过路人1"])
    assert "4 present, 1 late" in page and "2 not marked" in page
    assert counts[0] == counts[1] <= 6


def test_mark_all_present_and_walk_ins_from_the_roll_call(client):
    cohort, staff, trainee, session = _setup()
    enrol(cohort)
    login(client, staff)
    response = post(client, f"/training/sessions/{session.id}/all-present", htmx=True)
    assert response.status_code == 200 and "2 present" in response.get_data(as_text=True)
    bad = post(client, f"/training/sessions/{session.id}/walkins", {"name": "李秀英", "phone": "123"}, htmx=True)
    assert bad.status_code == 422 and "11-digit" in bad.get_data(as_text=True)
    good = post(client, f"/training/sessions/{session.id}/walkins", {"name": "李秀英", "phone": "13912345678"})
    assert good.status_code == 303
    assert db.session.scalar(select(func.count(Attendance.id))) == 3
    nul = post(client, f"/training/sessions/{session.id}/walkins", {"name": "王\x00芳", "phone": "13912345679"})
    assert nul.status_code == 303
    assert db.session.scalar(select(Attendance.walkin_name).where(Attendance.walkin_phone == "13912345679")) == "王芳"


def test_flashes_for_one_say_one_in_the_singular(client):
    cohort, staff, _, session = _setup()
    login(client, staff)
    response = post(client, f"/training/sessions/{session.id}/all-present", htmx=True)
    assert "1 person marked present." in response.headers["HX-Trigger"]
    first_day = date.today() + timedelta(days=1)
    response = post(client, f"/training/cohorts/{cohort.id}/sessions/recurring", {
        "topic": "周课", "first_day": first_day.isoformat(), "weekdays": [str(first_day.weekday())], "weeks": "1",
        "start_time": "09:30", "end_time": "11:30"})
    assert "1 session is scheduled." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_staff_link_a_walk_in_to_an_account(client):
    _, staff, _, session = _setup()
    walkin = service.add_walkin(staff, session, name="李秀英", phone="13912345678")
    login(client, staff)
    post(client, f"/training/walkins/{walkin.id}/link", {"phone": ""})
    assert "No account has this mobile number" in client.get("/training/").get_data(as_text=True)
    account = make_user("trainee", phone="13912345678")
    response = post(client, f"/training/walkins/{walkin.id}/link", {"phone": ""})
    assert response.status_code == 303
    db.session.refresh(walkin)
    assert walkin.user_id == account.id


def test_a_trainee_cannot_run_roll_call(client):
    _, _, trainee, session = _setup()
    login(client, trainee)
    assert client.get(f"/training/sessions/{session.id}").status_code == 403
    response = post(client, f"/training/sessions/{session.id}/marks/u{trainee.id}", {"mark": "present"})
    assert response.status_code == 403
    assert service.attendance_of(session.id, trainee.id) is None
    assert client.get("/training/").status_code == 403


def test_staff_of_another_site_get_404(client):
    cohort, _, trainee, session = _setup()
    login(client, make_user("staff", site=make_site()))
    assert client.get(f"/training/sessions/{session.id}").status_code == 404
    assert post(client, f"/training/sessions/{session.id}/marks/u{trainee.id}", {"mark": "absent"}).status_code == 404
    assert client.get(f"/training/cohorts/{cohort.id}/grid").status_code == 404
    assert client.get(f"/training/cohorts/{cohort.id}/sessions/new").status_code == 404


def test_the_sessions_trainer_may_run_its_roll_call(client):
    cohort = make_cohort()
    mentor = make_user("mentor")
    session = make_session(cohort, trainer=mentor)
    login(client, mentor)
    assert client.get(f"/training/sessions/{session.id}").status_code == 200
    assert client.get(f"/training/sessions/{session.id}/code").status_code == 200


def test_the_code_page_shows_the_code(client):
    _, staff, _, session = _setup()
    login(client, staff)
    html = client.get(f"/training/sessions/{session.id}/code").get_data(as_text=True)
    assert 'class="code-big"' in html and "7315" in html


# --- Scheduling -------------------------------------------------------------------------

# A class whose sessions are scheduled below on fixed days of December 2026.
AUTUMN_2026 = {"starts_on": date(2026, 10, 1), "ends_on": date(2027, 1, 31)}


def test_scheduling_one_session_from_the_form(client):
    cohort, staff, _, _ = _setup(**AUTUMN_2026)
    room = make_studio(name="1号直播间")
    login(client, staff)
    form = client.get(f"/training/cohorts/{cohort.id}/sessions/new").get_data(as_text=True)
    assert "1号直播间" in form
    response = post(client, f"/training/cohorts/{cohort.id}/sessions/new", {
        "topic": "直播话术", "day": "2026-12-01", "start_time": "09:30", "end_time": "11:30",
        "room_id": str(room.id), "trainer_id": "", "capacity": "20"})
    assert response.status_code == 303
    created = db.session.scalar(select(TrainingSession).where(TrainingSession.topic == "直播话术"))
    assert created.starts_at.hour == 1 and created.starts_at.minute == 30 and created.room_id == room.id


def test_a_clash_comes_back_as_422_beside_the_room(client):
    cohort, staff, _, _ = _setup()
    room = make_studio()
    service.schedule_session(staff, cohort, topic="店主沙龙", day=utcnow().date() + timedelta(days=3),
                             start_time=time(9), end_time=time(12),
                             room_id=room.id)
    login(client, staff)
    response = post(client, f"/training/cohorts/{cohort.id}/sessions/new", {
        "topic": "直播话术", "day": (utcnow().date() + timedelta(days=3)).isoformat(), "start_time": "10:00",
        "end_time": "11:00", "room_id": str(room.id)}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "店主沙龙" in html and 'value="直播话术"' in html


def test_a_weekly_run_past_the_last_day_of_the_class_comes_back_beside_the_end_date(client):
    cohort, staff, _, _ = _setup(starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 8))
    login(client, staff)
    response = post(client, f"/training/cohorts/{cohort.id}/sessions/recurring", {
        "topic": "周课", "first_day": "2026-12-08", "weekdays": ["1", "3"], "start_time": "09:30",
        "end_time": "11:30", "until": "2027-12-31"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="until-error"' in html
    assert "2026-12-01 to 2027-01-08" in html.split('id="until-error"')[1][:200]
    assert db.session.scalar(select(func.count(TrainingSession.id)).where(TrainingSession.topic == "周课")) == 0


def test_a_weekday_not_offered_is_refused_in_chinese_on_a_chinese_page(client):
    cohort, _, _, _ = _setup()
    login(client, make_user("staff", locale="zh_CN"))
    response = post(client, f"/training/cohorts/{cohort.id}/sessions/recurring", {
        "topic": "周课", "first_day": date.today().isoformat(), "weekdays": ["9"], "weeks": "1",
        "start_time": "09:30", "end_time": "11:30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "“9”不是这一项的有效选项。" in html


def test_a_weekly_run_reports_clashing_dates_and_bad_holidays(client):
    cohort, staff, _, _ = _setup(**AUTUMN_2026)
    room = make_studio()
    service.schedule_session(staff, cohort, topic="店主沙龙", day=date(2026, 12, 8), start_time=time(10),
                             end_time=time(12), room_id=room.id)
    login(client, staff)
    data = {"topic": "新手课", "first_day": "2026-12-01", "weekdays": ["1", "3"], "weeks": "2",
            "start_time": "09:30", "end_time": "11:30", "room_id": str(room.id), "skip": "2026-12-03"}
    bad = post(client, f"/training/cohorts/{cohort.id}/sessions/recurring", {**data, "skip": "12月3日"})
    assert bad.status_code == 422 and "is not a date" in bad.get_data(as_text=True)
    response = post(client, f"/training/cohorts/{cohort.id}/sessions/recurring", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "room is taken" in html and "店主沙龙" in html
    assert "2 sessions were scheduled" in html  # Dec 1 and Dec 10; Dec 3 skipped, Dec 8 clashed


# --- Grid and skills -------------------------------------------------------------------------

def test_grid_and_csv_export(client):
    cohort, staff, trainee, session = _setup()
    service.set_mark(staff, session, f"u{trainee.id}", "present")
    login(client, staff)
    html = client.get(f"/training/cohorts/{cohort.id}/grid").get_data(as_text=True)
    assert "张格琴" in html and "100%" in html
    response = client.get(f"/training/cohorts/{cohort.id}/grid.csv")
    assert response.mimetype == "text/csv" and response.data.startswith("\ufeff".encode())
    assert "张格琴" in response.data.decode("utf-8-sig")


def test_ticking_a_skill_with_htmx_returns_the_toggle(client):
    cohort, staff, trainee, _ = _setup()
    skill = make_skill(cohort.programme, "手机直播设置")
    login(client, staff)
    url = f"/training/cohorts/{cohort.id}/skills/{skill.id}/{trainee.id}"
    response = post(client, url, htmx=True)
    assert response.status_code == 200 and 'aria-pressed="true"' in response.get_data(as_text=True)
    assert (trainee.id, skill.id) in service.ticks_of(cohort.id)
    assert post(client, url).status_code == 303
    assert service.ticks_of(cohort.id) == set()


def test_adding_a_skill_needs_a_name(client):
    cohort, staff, _, _ = _setup()
    login(client, staff)
    assert post(client, f"/training/programmes/{cohort.programme_id}/skills", {"name": ""}).status_code == 422
    assert post(client, f"/training/programmes/{cohort.programme_id}/skills",
                {"name": "平台规则", "required": "y"}).status_code == 303


# --- Trainees -------------------------------------------------------------------------

def test_she_checks_in_with_the_code_from_her_phone(client):
    _, _, trainee, session = _setup()
    login(client, trainee)
    wrong = post(client, "/training/checkin", {"code": "0000"})
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    response = post(client, "/training/checkin", {"code": "7315"})
    assert response.status_code == 303
    assert service.attendance_of(session.id, trainee.id).mark == "present"
    again = post(client, "/training/checkin", {"code": "7315"})
    assert again.status_code == 422 and "already checked in" in again.get_data(as_text=True)


def test_her_home_shows_the_next_session_and_her_timetable(client):
    cohort, _, trainee, running = _setup()
    make_session(cohort, topic="短视频剪辑", starts_at=utcnow() + timedelta(days=2))
    login(client, trainee)
    home = client.get("/home").get_data(as_text=True)
    assert "My next session" in home and running.topic in home  # the one under way comes first
    page = client.get("/training/mine").get_data(as_text=True)
    assert "短视频剪辑" in page and "I cannot come" in page


def test_she_sends_an_apology(client):
    cohort, _, trainee, _ = _setup()
    later = make_session(cohort, starts_at=utcnow() + timedelta(days=2))
    login(client, trainee)
    assert post(client, f"/training/sessions/{later.id}/apology", {"reason": ""}).status_code == 422
    assert post(client, f"/training/sessions/{later.id}/apology", {"reason": "孩子生病"}).status_code == 303
    assert service.attendance_of(later.id, trainee.id).mark == "excused"
    stranger = make_user("trainee")
    post(client, "/logout")
    login(client, stranger)
    assert client.get(f"/training/sessions/{later.id}/apology").status_code == 404


def test_her_progress_page_lists_what_is_left(client):
    cohort, _, trainee, _ = _setup()
    make_skill(cohort.programme, "平台规则")
    login(client, trainee)
    html = client.get(f"/training/progress/{cohort.id}").get_data(as_text=True)
    assert "What is left" in html and "Skill: 平台规则" in html
    other = make_cohort()
    assert client.get(f"/training/progress/{other.id}").status_code == 404


# --- Certificates -------------------------------------------------------------------------

def _certificate(cohort, trainee):
    certificate = Certificate(user_id=trainee.id, programme_id=cohort.programme_id, cohort_id=cohort.id,
                              site_id=cohort.site_id, code="ABCD-2345")
    db.session.add(certificate)
    db.session.commit()
    return certificate


def test_the_certificate_page_is_bilingual_whatever_the_language(client):
    cohort, _, trainee, _ = _setup()
    _certificate(cohort, trainee)
    login(client, trainee)  # her account is in English
    html = client.get("/training/certificates/ABCD-2345").get_data(as_text=True)
    assert "结业证书" in html and "Certificate of Completion" in html
    assert "直播带货新手班" in html and "ABCD-2345" in html and "/verify/ABCD-2345" in html
    post(client, "/logout")
    login(client, make_user("trainee"))
    assert client.get("/training/certificates/ABCD-2345").status_code == 404


def test_the_certificate_gives_the_day_it_was_issued_at_the_base(client):
    cohort, _, trainee, _ = _setup()
    certificate = _certificate(cohort, trainee)
    certificate.issued_at = datetime(2026, 12, 2, 23, 30)  # 07:30 on 3 December in Nanjing
    db.session.commit()
    login(client, trainee)
    html = client.get("/training/certificates/ABCD-2345").get_data(as_text=True)
    assert "2026-12-03" in html and "2026-12-02" not in html
    verify = client.get("/verify/ABCD-2345", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Dec 3, 2026" in verify


def test_anyone_can_verify_a_certificate_without_logging_in(client):
    cohort, _, trainee, _ = _setup()
    _certificate(cohort, trainee)
    response = client.get("/verify/abcd-2345", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "genuine" in html
    assert "张格琴" in html and "直播带货新手班" in html
    assert trainee.phone not in html  # whose, which programme, when: nothing more
    assert client.get("/verify?code=ABCD-2345").status_code == 200
    missing = client.get("/verify?code=ZZZZ-9999", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and "No certificate has the code" in missing.get_data(as_text=True)
    assert client.get("/verify").status_code == 200


def test_fragment_requests_get_a_fragment_for_the_roll(client):
    _, staff, _, session = _setup()
    login(client, staff)
    html = htmx_get(client, f"/training/sessions/{session.id}").get_data(as_text=True)
    assert "<html" not in html and 'id="roll-summary"' in html


def test_an_unknown_mark_with_htmx_keeps_the_row_and_says_why(client):
    _, staff, trainee, session = _setup()
    login(client, staff)
    response = post(client, f"/training/sessions/{session.id}/marks/u{trainee.id}", {"mark": "asleep"}, htmx=True)
    assert response.status_code == 422
    assert f'id="row-u{trainee.id}"' in response.get_data(as_text=True)
    assert "Choose present" in response.headers["HX-Trigger"]
    assert post(client, f"/training/sessions/{session.id}/marks/u999999", {"mark": "present"}).status_code == 404


def test_staff_remove_a_session_from_the_class_page(client):
    cohort, staff, _, _ = _setup()
    later = make_session(cohort, starts_at=utcnow() + timedelta(days=2))
    login(client, staff)
    assert "Remove" in client.get(f"/training/cohorts/{cohort.id}").get_data(as_text=True)
    later_id = later.id
    assert post(client, f"/training/sessions/{later_id}/cancel").status_code == 303
    assert db.session.scalar(select(TrainingSession.id).where(TrainingSession.id == later_id)) is None
    post(client, "/logout")
    login(client, make_user("staff", site=make_site()))
    other = make_session(cohort, starts_at=utcnow() + timedelta(days=3))
    assert post(client, f"/training/sessions/{other.id}/cancel").status_code == 404


def test_verifying_nonsense_codes_is_a_plain_not_found(client):
    for code in ("%00abc", "<script>", "张格琴", "x" * 50):
        assert client.get(f"/verify/{code}").status_code == 404
    assert client.get("/verify?code=%00").status_code in (200, 404)
