"""Enrolment objects for tests: programmes, classes and applications."""

import itertools
from datetime import timedelta

from incubator.enrolment.models import Application, Cohort, Programme, ProgrammeQuestion
from incubator.extensions import db
from incubator.timeutil import local_today, utcnow
from tests.factories import default_test_site, make_user

_sequence = itertools.count(1)

STANDARD_ANSWERS = {"availability": ["weekday_mornings"], "village": "烈士塔社区",
                    "wants_to_do": "卖自家做的烧饼", "children_ages": "2, 5", "needs_childcare": True}


def make_programme(site=None, name=None, audiences=("mothers",), questions=(), active=True) -> Programme:
    site = site or default_test_site()
    programme = Programme(site_id=site.id, name=name or f"宝妈主播孵化计划 {next(_sequence)}",
                          description="从零学直播", audiences=list(audiences), languages="普通话", active=active)
    for position, (kind, label, required, choices) in enumerate(questions, start=1):
        programme.questions.append(ProgrammeQuestion(kind=kind, label=label, required=required,
                                                     choices=list(choices), position=position))
    db.session.add(programme)
    db.session.commit()
    return programme


def make_cohort(programme=None, capacity=3, starts_in_days=14, length_days=30, childcare=True,
                name=None, **fields) -> Cohort:
    programme = programme or make_programme()
    starts = local_today() + timedelta(days=starts_in_days)
    cohort = Cohort(programme_id=programme.id, site_id=programme.site_id, name=name or f"第{next(_sequence)}期",
                    starts_on=starts, ends_on=starts + timedelta(days=length_days), capacity=capacity,
                    childcare=childcare, schedule_summary="每周二、四上午", **fields)
    db.session.add(cohort)
    db.session.commit()
    return cohort


def make_application(cohort=None, user=None, status="submitted", group="mother", submitted_ago_hours=1,
                     **fields) -> Application:
    cohort = cohort or make_cohort()
    user = user or make_user("trainee")
    application = Application(cohort_id=cohort.id, user_id=user.id, site_id=cohort.site_id, status=status,
                              applicant_group=group, answers=dict(STANDARD_ANSWERS),
                              submitted_at=utcnow() - timedelta(hours=submitted_ago_hours), **fields)
    db.session.add(application)
    db.session.commit()
    return application
