"""Objects for training tests: programmes, cohorts, enrolments, studios, sessions."""

import itertools
from datetime import date, datetime, timedelta

from incubator.booking.models import Resource
from incubator.enrolment.models import CONFIRMED, Application, Cohort, Programme
from incubator.extensions import db
from incubator.timeutil import utcnow
from incubator.training.models import Skill, TrainingSession
from tests.factories import default_test_site, make_user

_sequence = itertools.count(1)


def make_programme(site=None, min_attendance_percent: int = 80, name: str | None = None) -> Programme:
    site = site or default_test_site()
    programme = Programme(site_id=site.id, name=name or f"直播带货班 {next(_sequence)}",
                          min_attendance_percent=min_attendance_percent)
    db.session.add(programme)
    db.session.commit()
    return programme


def make_cohort(programme=None, site=None, name: str | None = None, starts_on: date | None = None,
                ends_on: date | None = None) -> Cohort:
    """A class running from a month ago to a month ahead, unless given its dates."""
    programme = programme or make_programme(site)
    cohort = Cohort(programme_id=programme.id, site_id=programme.site_id, name=name or f"第{next(_sequence)}期",
                    starts_on=starts_on or date.today() - timedelta(days=30),
                    ends_on=ends_on or date.today() + timedelta(days=30), capacity=40)
    db.session.add(cohort)
    db.session.commit()
    return cohort


def enrol(cohort, user=None, status: str = CONFIRMED, **user_fields):
    if user is None:
        from incubator.sites.models import Site

        user = make_user("trainee", site=db.session.get(Site, cohort.site_id), **user_fields)
    db.session.add(Application(cohort_id=cohort.id, user_id=user.id, site_id=cohort.site_id, status=status))
    db.session.commit()
    return user


def make_studio(site=None, name: str | None = None, kind: str = "studio") -> Resource:
    site = site or default_test_site()
    room = Resource(site_id=site.id, name=name or f"{next(_sequence)}号直播间", kind=kind)
    db.session.add(room)
    db.session.commit()
    return room


def make_session(cohort, starts_at: datetime | None = None, hours: float = 2, room=None, code: str = "4821",
                 topic: str | None = None, trainer=None) -> TrainingSession:
    starts_at = starts_at or utcnow() + timedelta(days=1)
    session = TrainingSession(cohort_id=cohort.id, site_id=cohort.site_id, topic=topic or f"课程 {next(_sequence)}",
                              starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                              room_id=room.id if room else None, checkin_code=code,
                              trainer_id=trainer.id if trainer else None)
    db.session.add(session)
    db.session.commit()
    return session


def make_skill(programme, name: str | None = None, required: bool = True) -> Skill:
    skill = Skill(programme_id=programme.id, site_id=programme.site_id, name=name or f"技能 {next(_sequence)}",
                  required=required)
    db.session.add(skill)
    db.session.commit()
    return skill
