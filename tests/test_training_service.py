from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from incubator.audit import AuditEntry
from incubator.enrolment.models import WITHDRAWN
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.notify.models import Notification
from incubator.notify.service import text_for
from incubator.timeutil import utcnow
from incubator.training import completion, service
from incubator.training.jobs import send_session_reminders
from incubator.training.models import Attendance, Certificate, TrainingSession
from incubator.training.rooms import find_conflicts
from tests.factories import make_site, make_user
from tests.factories_training import (
    enrol,
    make_cohort,
    make_programme,
    make_session,
    make_skill,
    make_studio,
)

NINE_THIRTY, ELEVEN_THIRTY = time(9, 30), time(11, 30)
# The dates of a class whose sessions the tests below schedule on fixed days.
AUTUMN_2026 = {"starts_on": date(2026, 10, 1), "ends_on": date(2027, 1, 31)}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- Recurrence and time zones ---------------------------------------------------------

def test_tuesdays_and_thursdays_for_six_weeks_skip_the_holiday():
    first = date(2026, 12, 1)  # a Tuesday
    dates, skipped = service.recurring_dates(first, [1, 3], weeks=6, skip=[date(2026, 12, 31), date(2027, 1, 1)])
    assert len(dates) == 11 and skipped == [date(2026, 12, 31)]
    assert dates[0] == date(2026, 12, 1) and dates[1] == date(2026, 12, 3) and dates[-1] == date(2027, 1, 7)
    assert all(d.weekday() in (1, 3) for d in dates)


def test_until_date_is_inclusive_and_nonsense_is_refused():
    dates, _ = service.recurring_dates(date(2026, 12, 1), [1], until=date(2026, 12, 15))
    assert dates == [date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15)]
    with pytest.raises(DomainError):
        service.recurring_dates(date(2026, 12, 1), [], weeks=2)
    with pytest.raises(DomainError):
        service.recurring_dates(date(2026, 12, 1), [1], weeks=2, until=date(2026, 12, 15))
    with pytest.raises(DomainError):
        service.recurring_dates(date(2026, 12, 1), [1], until=date(2026, 11, 1))


def test_early_morning_shanghai_sessions_are_stored_on_the_previous_utc_day():
    staff = make_user("staff")
    cohort = make_cohort(**AUTUMN_2026)
    result = service.schedule_recurring(staff, cohort, topic="早课", first_day=date(2026, 12, 1), weekdays=[1],
                                        start_time=time(7, 30), end_time=time(9, 0), weeks=2)
    starts = [s.starts_at for s in result.created]
    # 07:30 in Shanghai (UTC+8) is 23:30 UTC the evening before.
    assert starts == [datetime(2026, 11, 30, 23, 30), datetime(2026, 12, 7, 23, 30)]
    assert result.created[0].ends_at == datetime(2026, 12, 1, 1, 0)


def test_a_site_in_a_zone_with_summer_time_keeps_the_wall_clock_time():
    site = make_site(timezone="America/New_York")
    staff = make_user("staff", site=site)
    cohort = make_cohort(make_programme(site), **AUTUMN_2026)
    result = service.schedule_recurring(staff, cohort, topic="Weekly", first_day=date(2026, 10, 23),
                                        weekdays=[4], start_time=time(10, 0), end_time=time(11, 0), weeks=3)
    # Summer time ends on 1 November 2026: 10:00 local is 14:00 UTC before, 15:00 after.
    assert [s.starts_at.hour for s in result.created] == [14, 14, 15]


def test_sessions_are_scheduled_only_within_the_class_dates():
    staff = make_user("staff")
    cohort = make_cohort(starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 8))
    with pytest.raises(DomainError) as single:
        service.schedule_session(staff, cohort, topic="课", day=date(2030, 1, 1), start_time=NINE_THIRTY,
                                 end_time=ELEVEN_THIRTY)
    assert [f for f, _ in single.value.errors] == ["day"] and "2027-01-08" in str(single.value.message)
    with pytest.raises(DomainError) as typo:  # 2027-12-31 typed for 2027-01-08: a year of sessions
        service.schedule_recurring(staff, cohort, topic="周课", first_day=date(2026, 12, 8), weekdays=[1, 3],
                                   start_time=NINE_THIRTY, end_time=ELEVEN_THIRTY, until=date(2027, 12, 31))
    assert [f for f, _ in typo.value.errors] == ["until"]
    with pytest.raises(DomainError) as early:
        service.schedule_recurring(staff, cohort, topic="周课", first_day=date(2026, 11, 24), weekdays=[1],
                                   start_time=NINE_THIRTY, end_time=ELEVEN_THIRTY, weeks=2)
    assert [f for f, _ in early.value.errors] == ["first_day"]
    assert count(TrainingSession) == 0
    service.schedule_session(staff, cohort, topic="最后一课", day=date(2027, 1, 8), start_time=NINE_THIRTY,
                             end_time=ELEVEN_THIRTY)
    assert count(TrainingSession) == 1


# --- Rooms ------------------------------------------------------------------------

def test_find_conflicts_sees_overlaps_but_not_touching_sessions():
    room = make_studio()
    cohort = make_cohort()
    start = datetime(2026, 12, 1, 1, 30)
    existing = make_session(cohort, starts_at=start, hours=2, room=room)
    assert [c.object_id for c in find_conflicts(room.id, start + timedelta(hours=1), start + timedelta(hours=3))] \
        == [existing.id]
    assert find_conflicts(room.id, start + timedelta(hours=2), start + timedelta(hours=4)) == []
    assert find_conflicts(room.id, start - timedelta(hours=1), start) == []
    assert find_conflicts(room.id, start, start + timedelta(hours=1), exclude_session_id=existing.id) == []
    assert find_conflicts(make_studio().id, start, start + timedelta(hours=1)) == []


def test_a_session_in_a_taken_room_is_refused_and_nothing_is_written():
    staff, room, cohort = make_user("staff"), make_studio(), make_cohort(**AUTUMN_2026)
    service.schedule_session(staff, cohort, topic="直播入门", day=date(2026, 12, 1), start_time=NINE_THIRTY,
                             end_time=ELEVEN_THIRTY, room_id=room.id)
    with pytest.raises(Conflict) as error:
        service.schedule_session(staff, make_cohort(**AUTUMN_2026), topic="另一个班", day=date(2026, 12, 1),
                                 start_time=time(10, 0), end_time=time(12, 0), room_id=room.id)
    assert "直播入门" in str(error.value.message)
    assert count(TrainingSession) == 1


def test_a_weekly_run_creates_the_free_dates_and_reports_the_clashing_ones():
    staff, room = make_user("staff"), make_studio()
    other = make_cohort(**AUTUMN_2026)
    service.schedule_session(staff, other, topic="店主沙龙", day=date(2026, 12, 8), start_time=time(10, 0),
                             end_time=time(12, 0), room_id=room.id)
    result = service.schedule_recurring(staff, make_cohort(**AUTUMN_2026), topic="新手课", first_day=date(2026, 12, 1),
                                        weekdays=[1], start_time=NINE_THIRTY, end_time=ELEVEN_THIRTY, weeks=3,
                                        room_id=room.id)
    assert [d for d, _ in result.clashes] == [date(2026, 12, 8)]
    assert result.clashes[0][1].title == "店主沙龙"
    assert len(result.created) == 2
    assert count(TrainingSession) == 3


def test_rooms_of_another_site_and_trainers_who_are_trainees_are_refused():
    staff, cohort = make_user("staff"), make_cohort(**AUTUMN_2026)
    elsewhere = make_studio(site=make_site())
    with pytest.raises(DomainError) as error:
        service.schedule_session(staff, cohort, topic="课", day=date(2026, 12, 1), start_time=NINE_THIRTY,
                                 end_time=ELEVEN_THIRTY, room_id=elsewhere.id, trainer_id=make_user("trainee").id)
    fields = {f for f, _ in error.value.errors}
    assert fields == {"room_id", "trainer_id"}
    assert count(TrainingSession) == 0


def test_a_mentor_may_lead_a_session():
    staff, cohort, mentor = make_user("staff"), make_cohort(**AUTUMN_2026), make_user("mentor")
    session = service.schedule_session(staff, cohort, topic="话术", day=date(2026, 12, 1), start_time=NINE_THIRTY,
                                       end_time=ELEVEN_THIRTY, trainer_id=mentor.id)
    assert session.trainer_id == mentor.id and session.checkin_code


# --- Self check-in ------------------------------------------------------------------------

@pytest.fixture
def running():
    cohort = make_cohort()
    trainee = enrol(cohort)
    session = make_session(cohort, starts_at=datetime(2026, 12, 1, 1, 30), code="4821")
    return cohort, trainee, session


def test_check_in_works_only_in_the_window(running):
    _, trainee, session = running
    with pytest.raises(NotAllowed):
        service.check_in(trainee, "4821", now=session.starts_at - timedelta(minutes=16))
    with pytest.raises(NotAllowed):
        service.check_in(trainee, "4821", now=session.starts_at + timedelta(minutes=31))
    attendance = service.check_in(trainee, " 4821 ", now=session.starts_at - timedelta(minutes=15))
    assert attendance.mark == "present" and attendance.checked_in_at is not None


def test_check_in_after_ten_minutes_is_late_and_works_once(running):
    _, trainee, session = running
    attendance = service.check_in(trainee, "4821", now=session.starts_at + timedelta(minutes=20))
    assert attendance.mark == "late"
    with pytest.raises(Conflict):
        service.check_in(trainee, "4821", now=session.starts_at + timedelta(minutes=21))
    assert count(Attendance) == 1


def test_a_wrong_code_or_someone_not_enrolled_is_refused(running):
    cohort, trainee, session = running
    with pytest.raises(DomainError):
        service.check_in(trainee, "0000", now=session.starts_at)
    outsider = make_user("trainee")
    with pytest.raises(DomainError):
        service.check_in(outsider, "4821", now=session.starts_at)
    withdrawn = enrol(cohort, status=WITHDRAWN)
    with pytest.raises(DomainError):
        service.check_in(withdrawn, "4821", now=session.starts_at)
    assert count(Attendance) == 0


def test_check_in_upgrades_a_mark_given_before_she_arrived(running):
    _, trainee, session = running
    staff = make_user("staff")
    service.set_mark(staff, session, f"u{trainee.id}", "absent")
    attendance = service.check_in(trainee, "4821", now=session.starts_at + timedelta(minutes=25))
    assert attendance.mark == "late"


# --- Apologies ------------------------------------------------------------------------

def test_an_apology_before_the_start_marks_her_excused_with_the_reason(running):
    _, trainee, session = running
    attendance = service.send_apology(trainee, session, "孩子发烧", now=session.starts_at - timedelta(hours=3))
    assert attendance.mark == "excused" and attendance.reason == "孩子发烧"


def test_apologies_need_a_reason_and_come_before_the_start(running):
    _, trainee, session = running
    with pytest.raises(DomainError):
        service.send_apology(trainee, session, "  ", now=session.starts_at - timedelta(hours=1))
    with pytest.raises(NotAllowed):
        service.send_apology(trainee, session, "堵车", now=session.starts_at + timedelta(minutes=1))
    with pytest.raises(NotAllowed):
        service.send_apology(make_user("trainee"), session, "有事", now=session.starts_at - timedelta(hours=1))
    assert count(Attendance) == 0


# --- Roll call -------------------------------------------------------------------------

def test_mark_all_present_keeps_the_marks_already_given(running):
    cohort, trainee, session = running
    others = [enrol(cohort) for _ in range(3)]
    staff = make_user("staff")
    service.set_mark(staff, session, f"u{trainee.id}", "late")
    assert service.mark_all_present(staff, session) == 3
    marks = {row.user.id: row.mark for row in service.roll(session)}
    assert marks[trainee.id] == "late" and all(marks[o.id] == "present" for o in others)
    assert service.roll_counts(session)["present"] == 3


def test_marks_are_recorded_in_the_history(running):
    _, trainee, session = running
    staff = make_user("staff")
    service.set_mark(staff, session, f"u{trainee.id}", "present")
    service.set_mark(staff, session, f"u{trainee.id}", "absent")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "training.mark")
                                 .order_by(AuditEntry.id)).all()
    assert [e.after["mark"] for e in entries] == ["present", "absent"]
    assert entries[1].before == {"mark": "present"} and entries[1].actor_id == staff.id


def test_unknown_marks_and_people_off_the_list_are_refused(running):
    _, trainee, session = running
    staff = make_user("staff")
    with pytest.raises(DomainError):
        service.set_mark(staff, session, f"u{trainee.id}", "sleeping")
    with pytest.raises(DomainError):
        service.set_mark(staff, session, f"u{make_user('trainee').id}", "present")


def test_a_walk_in_is_added_and_later_linked_to_her_new_account(running):
    _, _, session = running
    staff = make_user("staff")
    walkin = service.add_walkin(staff, session, name="李秀英", phone="139 1234 5678")
    assert walkin.user_id is None and walkin.walkin_phone == "13912345678" and walkin.mark == "present"
    with pytest.raises(Conflict):
        service.add_walkin(staff, session, name="李秀英", phone="13912345678")
    with pytest.raises(DomainError):
        service.link_walkin(staff, walkin)  # no account yet
    account = make_user("trainee", phone="13912345678", name="李秀英")
    assert service.account_for_walkin(walkin).id == account.id
    service.link_walkin(staff, walkin)
    assert walkin.user_id == account.id
    assert service.marks_of(account.id)[session.id].mark == "present"
    assert service.unlinked_walkins(session.site_id) == []


def test_a_walk_in_whose_number_has_an_account_is_marked_on_the_account(running):
    _, _, session = running
    account = make_user("trainee", phone="13912340000")
    attendance = service.add_walkin(make_user("staff"), session, name="王", phone="13912340000")
    assert attendance.user_id == account.id


def test_a_walk_in_with_the_number_of_another_bases_account_stays_a_walk_in(running):
    _, _, session = running
    elsewhere = make_user("trainee", site=make_site("六合基地"), phone="13912340000", name="另一基地的学员")
    staff = make_user("staff")
    attendance = service.add_walkin(staff, session, name="王", phone="13912340000")
    assert attendance.user_id is None and attendance.walkin_name == "王"
    assert session.id not in service.marks_of(elsewhere.id)
    with pytest.raises(Conflict) as again:
        service.add_walkin(staff, session, name="王", phone="13912340000")
    assert "另一基地的学员" not in str(again.value)
    assert service.account_for_walkin(attendance) is None
    with pytest.raises(DomainError):
        service.link_walkin(staff, attendance)


# --- Skills, progress and completion ------------------------------------------------------

@pytest.fixture
def course():
    """Five past sessions, rule 80% (4 sessions) and two required skills plus an optional one."""
    programme = make_programme(min_attendance_percent=80)
    cohort = make_cohort(programme)
    trainee = enrol(cohort, name="张格琴")
    staff = make_user("staff")
    start = utcnow() - timedelta(days=20)
    sessions = [make_session(cohort, starts_at=start + timedelta(days=3 * i)) for i in range(5)]
    skills = [make_skill(programme, "手机直播设置"), make_skill(programme, "平台规则"),
              make_skill(programme, "短视频剪辑", required=False)]
    return cohort, trainee, staff, sessions, skills


def test_completion_needs_attendance_and_every_required_skill(course):
    cohort, trainee, staff, sessions, skills = course
    for session in sessions[:4]:
        service.set_mark(staff, session, f"u{trainee.id}", "present")
    service.set_mark(staff, sessions[4], f"u{trainee.id}", "absent")
    assert not completion.has_completed(trainee.id, cohort.programme_id)
    service.toggle_skill(staff, cohort, skills[0], trainee.id)
    assert not completion.has_completed(trainee.id, cohort.programme_id)
    service.toggle_skill(staff, cohort, skills[1], trainee.id)  # the optional one is not needed
    assert completion.has_completed(trainee.id, cohort.programme_id)
    certificate = db.session.scalar(select(Certificate))
    assert certificate.cohort_id == cohort.id and len(certificate.code) == 9
    told = db.session.scalars(select(Notification).where(Notification.user_id == trainee.id,
                                                         Notification.kind == "training.certificate")).all()
    assert len(told) == 1 and told[0].params["code"] == certificate.code


def test_progress_says_what_is_left(course):
    cohort, trainee, staff, sessions, skills = course
    service.set_mark(staff, sessions[0], f"u{trainee.id}", "present")
    service.set_mark(staff, sessions[1], f"u{trainee.id}", "late")
    service.set_mark(staff, sessions[2], f"u{trainee.id}", "excused")
    service.toggle_skill(staff, cohort, skills[0], trainee.id)
    progress = service.progress(trainee.id, cohort)
    assert (progress.attended, progress.required_sessions, progress.sessions_left) == (2, 4, 2)
    assert progress.percent == 67  # 2 of the 3 sessions with a roll call
    assert [s.name for s in progress.skills_left] == ["平台规则"]
    assert not progress.meets_rule


def test_unticking_a_skill_does_not_take_a_certificate_away(course):
    cohort, trainee, staff, sessions, skills = course
    for skill in skills[:2]:
        service.toggle_skill(staff, cohort, skill, trainee.id)
    for session in sessions[:4]:
        service.set_mark(staff, session, f"u{trainee.id}", "present")
    assert service.toggle_skill(staff, cohort, skills[0], trainee.id) is False
    assert completion.has_completed(trainee.id, cohort.programme_id)


def test_falling_behind_is_told_once_to_her_and_the_staff(course):
    cohort, trainee, staff, sessions, _ = course
    other_staff = make_user("staff", site=make_site())
    service.set_mark(staff, sessions[0], f"u{trainee.id}", "absent")
    service.set_mark(staff, sessions[1], f"u{trainee.id}", "absent")
    service.set_mark(staff, sessions[1], f"u{trainee.id}", "excused")
    service.set_mark(staff, sessions[2], f"u{trainee.id}", "absent")
    behind = db.session.scalars(select(Notification).where(Notification.kind.like("training.behind%"))).all()
    assert sorted((n.user_id, n.kind) for n in behind) == sorted(
        [(trainee.id, "training.behind"), (staff.id, "training.behind_staff")])
    assert other_staff.id not in {n.user_id for n in behind}
    assert behind[0].params["percent"] == 0


def test_a_trainee_who_keeps_up_is_not_warned(course):
    cohort, trainee, staff, sessions, _ = course
    for session in sessions:
        service.set_mark(staff, session, f"u{trainee.id}", "present")
    assert count(Notification) == 0 or not db.session.scalar(
        select(Notification.id).where(Notification.kind == "training.behind"))


# --- Grid, figures and the timetable ---------------------------------------------------------

def test_grid_rates_per_session_trainee_and_cohort(course):
    cohort, trainee, staff, sessions, _ = course
    second = enrol(cohort, name="黄小雨")
    service.set_mark(staff, sessions[0], f"u{trainee.id}", "present")
    service.set_mark(staff, sessions[0], f"u{second.id}", "absent")
    service.set_mark(staff, sessions[1], f"u{trainee.id}", "late")
    service.set_mark(staff, sessions[1], f"u{second.id}", "present")
    grid = service.cohort_grid(cohort)
    assert grid.session_rate(sessions[0]) == 50 and grid.session_rate(sessions[1]) == 100
    assert grid.session_rate(sessions[2]) is None  # no roll call yet
    assert grid.trainee_rate(trainee) == 100 and grid.trainee_rate(second) == 50
    assert grid.cohort_rate == 75
    text = service.grid_csv(grid, {"present": "出勤", "late": "迟到", "absent": "缺勤", "excused": "请假"},
                            {"name": "姓名", "phone": "手机号", "attended": "出勤次数", "rate": "出勤率"})
    assert text.startswith("\ufeff姓名,手机号")
    assert "张格琴" in text and "迟到" in text and "75%" in text


def test_figures_for_reports_and_sessions_for_the_ical_feed(course):
    cohort, trainee, staff, sessions, _ = course
    service.set_mark(staff, sessions[0], f"u{trainee.id}", "present")
    service.set_mark(staff, sessions[1], f"u{trainee.id}", "absent")
    service.add_walkin(staff, sessions[1], name="来客", phone="13912349999")
    figures = service.attendance_figures(site_id=cohort.site_id)
    assert figures["sessions_held"] == 5
    assert figures["marks"]["present"] == 2 and figures["marks"]["absent"] == 1
    assert figures["attendance_rate"] == 67 and figures["walkins"] == 1 and figures["certificates"] == 0
    assert service.sessions_for_person(trainee.id) == sessions
    assert service.sessions_for_person(trainee.id, start=sessions[3].starts_at) == sessions[3:]
    assert service.sessions_for_person(make_user("trainee").id) == []


# --- Reminders ---------------------------------------------------------------------

def test_reminders_go_out_a_day_and_an_hour_ahead_once(running):
    cohort, trainee, _ = running
    excused = enrol(cohort)
    now = utcnow()
    tomorrow = make_session(cohort, starts_at=now + timedelta(hours=20))
    soon = make_session(cohort, starts_at=now + timedelta(minutes=50))
    make_session(cohort, starts_at=now + timedelta(days=3))
    service.send_apology(excused, tomorrow, "出差")
    assert send_session_reminders() == 3  # trainee twice, excused once (only for the soon one)
    assert send_session_reminders() == 0
    kinds = sorted(db.session.scalars(select(Notification.kind).where(Notification.user_id == trainee.id)))
    assert kinds == ["training.reminder_1h", "training.reminder_24h"]
    assert service.send_reminders(now=soon.starts_at - timedelta(minutes=30)) == 0


def test_a_day_ahead_reminder_for_later_today_does_not_say_tomorrow(running):
    cohort, trainee, _ = running
    evening = make_session(cohort, starts_at=utcnow() + timedelta(hours=3), topic="直播话术",
                           room=make_studio(name="培训教室"))
    send_session_reminders()
    note = db.session.scalar(select(Notification).where(
        Notification.user_id == trainee.id, Notification.object_id == evening.id))
    assert note.kind == "training.reminder_24h"
    for locale, tomorrow in (("en", "Tomorrow"), ("zh_CN", "明天")):
        text = text_for(note, locale)
        assert tomorrow not in text and "直播话术" in text
    assert text_for(note, "en").endswith(" in 培训教室.") and text_for(note, "zh_CN").endswith("，地点 培训教室。")


def test_two_check_ins_at_the_same_moment_leave_one_mark(running, monkeypatch):
    """The second of two simultaneous requests does not see the first one's row
    (simulated by hiding it); the unique constraint stops it with a message."""
    _, trainee, session = running
    first = service.check_in(trainee, "4821", now=session.starts_at)
    monkeypatch.setattr(service, "attendance_of", lambda session_id, user_id: None)
    with pytest.raises(Conflict):
        service.check_in(trainee, "4821", now=session.starts_at + timedelta(minutes=1))
    assert db.session.scalars(select(Attendance)).all() == [first]


def test_a_future_session_can_be_removed_and_trainees_are_told(running):
    cohort, trainee, _ = running
    later = make_session(cohort, starts_at=utcnow() + timedelta(days=2))
    service.cancel_session(make_user("staff"), later)
    assert db.session.get(TrainingSession, later.id) is None
    told = db.session.scalar(select(Notification).where(Notification.user_id == trainee.id))
    assert told.kind == "training.cancelled"


def test_a_session_with_marks_stays_on_the_record(running):
    _, trainee, session = running
    staff = make_user("staff")
    service.set_mark(staff, session, f"u{trainee.id}", "present")
    with pytest.raises(Conflict):
        service.cancel_session(staff, session)
    assert db.session.get(TrainingSession, session.id) is not None


def test_a_session_cannot_take_a_room_a_booking_holds():
    from datetime import timedelta

    from incubator.booking.models import Booking, Resource

    staff = make_user("staff")
    room = Resource(site_id=staff.site_id, name="2号直播间", kind="studio")
    db.session.add(room)
    db.session.commit()
    start = utcnow().replace(microsecond=0) + timedelta(days=2)
    booking = Booking(resource_id=room.id, site_id=room.site_id, user_id=staff.id, starts_at=start,
                      ends_at=start + timedelta(hours=2), purpose="新疆香馕带货")
    db.session.add(booking)
    db.session.commit()
    clashes = find_conflicts(room.id, start + timedelta(hours=1), start + timedelta(hours=3))
    assert [(c.kind, c.object_id) for c in clashes] == [("booking", booking.id)]
    assert find_conflicts(room.id, start + timedelta(hours=2), start + timedelta(hours=3)) == []
