"""Active mentorships and livestreams held against an independent count; both
sides of a mentorship on a person's record."""

from datetime import date, datetime, timedelta

from incubator.extensions import db
from incubator.livestreams.models import Livestream
from incubator.mentoring.models import MenteeNeed, MentorProfile, Mentorship
from incubator.reports import service, sources
from incubator.reports.scope import Scope
from tests.conftest import login
from tests.factories import make_site, make_user

START, END, TODAY = date(2026, 1, 1), date(2026, 6, 30), date(2026, 11, 23)


def pair(site, mentor, mentee, starts, ends, status="active", ended_at=None):
    profile = db.session.scalar(db.select(MentorProfile).where(MentorProfile.user_id == mentor.id))
    if profile is None:
        profile = MentorProfile(user_id=mentor.id, site_id=site.id, capacity=5)
        db.session.add(profile)
    need = MenteeNeed(site_id=site.id, user_id=mentee.id)
    db.session.add(need)
    db.session.flush()
    m = Mentorship(site_id=site.id, need_id=need.id, profile_id=profile.id, mentor_id=mentor.id,
                   mentee_id=mentee.id, starts_on=starts, ends_on=ends, status=status, ended_at=ended_at)
    db.session.add(m)
    db.session.commit()
    return m


def test_active_mentorships_match_an_independent_count():
    site = make_site("烈士塔基地")
    mentor = make_user("mentor", site=site, name="陈晓燕")
    plan = [(date(2025, 10, 1), date(2026, 1, 1), "completed", datetime(2026, 1, 1, 4)),   # last day inside
            (date(2025, 9, 1), date(2025, 12, 1), "completed", datetime(2025, 12, 1, 4)),  # before
            (date(2026, 3, 1), date(2026, 6, 1), "ended_early", datetime(2026, 3, 10, 4)),
            (date(2026, 7, 1), date(2026, 10, 1), "completed", datetime(2026, 10, 1)),     # after
            (date(2025, 11, 1), date(2025, 12, 31), "active", None)]  # still active today: counts
    for starts, ends, status, ended in plan:
        pair(site, mentor, make_user("trainee", site=site), starts, ends, status, ended)
    got = service.figure(Scope(site.id, START, END, today=TODAY), "mentorships").result
    assert got.value == 3


def test_both_sides_of_a_mentorship_on_the_record(client):
    site = make_site("烈士塔基地")
    mentor = make_user("mentor", site=site, name="陈晓燕")
    mentee = make_user("trainee", site=site, name="张格琴")
    pair(site, mentor, mentee, date(2026, 3, 1), date(2026, 6, 1))
    login(client, make_user("staff", site=site, locale="en"))
    assert "Mentored by 陈晓燕" in client.get(f"/reports/people/{mentee.id}").get_data(as_text=True)
    assert "Mentor of 张格琴" in client.get(f"/reports/people/{mentor.id}").get_data(as_text=True)


def stream(site, title, kind, local_start, cancelled=False, hours=2):
    starts = local_start - timedelta(hours=8)
    s = Livestream(site_id=site.id, title=title, kind=kind, platform="douyin", starts_at=starts,
                   ends_at=starts + timedelta(hours=hours), cancelled_at=starts if cancelled else None)
    db.session.add(s)
    db.session.commit()
    return s


def test_livestreams_held_match_an_independent_count():
    site = make_site("烈士塔基地")
    plan = [("新疆馕带货", "sales", datetime(2026, 1, 1, 0, 30), False),
            ("社保政策解读", "policy", datetime(2026, 3, 5, 19), False),
            ("取消的直播", "sales", datetime(2026, 4, 5, 19), True),
            ("学员成果展示", "showcase", datetime(2026, 6, 30, 23, 0), False),
            ("去年的直播", "sales", datetime(2025, 12, 31, 23, 0), False),
            ("七月直播", "policy", datetime(2026, 7, 1, 0, 10), False)]
    for title, kind, at, cancelled in plan:
        stream(site, title, kind, at, cancelled)
    stream(make_site("别的基地"), "别处的直播", "sales", datetime(2026, 2, 1, 19))
    got = service.figure(Scope(site.id, START, END, today=TODAY), "livestreams").result
    held = [p for p in plan if not p[3] and START <= p[2].date() <= END]
    assert got.value == len(held) == 3
    labels = sources.LIVESTREAM_KIND_LABELS
    assert {str(k): n for k, n in got.breakdown} == {str(labels[k]): 1 for k in ("sales", "policy", "showcase")}
