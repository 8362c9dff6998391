"""Attendance and skills on a person's record, and the attendance export."""

import csv
import io
from datetime import date, datetime

from incubator.extensions import db
from incubator.training.models import Attendance, Skill, SkillTick
from tests.conftest import login
from tests.factories import make_user
from tests.factories_reports import make_application, make_cohort, make_programme, make_session


def test_attendance_and_skills_on_the_record_and_in_the_export(client):
    person = make_user("trainee", name="张格琴")
    cohort = make_cohort(make_programme(name="宝妈直播班"), date(2026, 3, 1), date(2026, 4, 30))
    make_application(person, cohort, "confirmed")
    first = make_session(cohort, datetime(2026, 3, 3, 1, 30), topic="手机直播入门")
    second = make_session(cohort, datetime(2026, 3, 5, 1, 30), topic="选品与定位")
    db.session.add_all([Attendance(session_id=first.id, site_id=cohort.site_id, user_id=person.id, mark="present"),
                        Attendance(session_id=second.id, site_id=cohort.site_id, user_id=person.id, mark="absent"),
                        Attendance(session_id=second.id, site_id=cohort.site_id, walkin_name="路人甲",
                                   walkin_phone="13912345678", mark="present")])
    skill = Skill(programme_id=cohort.programme_id, site_id=cohort.site_id, name="手机直播搭建")
    db.session.add(skill)
    db.session.flush()
    db.session.add(SkillTick(skill_id=skill.id, user_id=person.id, cohort_id=cohort.id))
    db.session.commit()
    login(client, make_user("staff", locale="en"))
    html = client.get(f"/reports/people/{person.id}").get_data(as_text=True)
    assert "Session 手机直播入门: Present" in html and "Session 选品与定位: Absent" in html
    assert "Skill learned: 手机直播搭建" in html
    rows = list(csv.reader(io.StringIO(client.get(
        "/reports/exports/attendance.csv?start=2026-01-01&end=2026-12-31").get_data().decode("utf-8-sig"))))
    assert sorted((r[0], r[5]) for r in rows[1:]) == [("张格琴", "Absent"), ("张格琴", "Present"),
                                                      ("路人甲", "Present")]
