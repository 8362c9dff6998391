"""Records of the core tables for report tests (made with the real models,
committed so the test client sees them)."""

import itertools
from datetime import date, datetime, timedelta

from incubator.audit import record_change
from incubator.enrolment.models import Application, Cohort, Programme
from incubator.extensions import db
from incubator.reports.scope import optional_model
from incubator.shops.models import Shop
from incubator.training.models import Certificate, TrainingSession
from tests.factories import default_test_site

_sequence = itertools.count(1)
# The group an applicant gives by default: the first audience of the programme.
AUDIENCE_GROUP = {"mothers": "mother", "graduates": "graduate", "villagers": "villager",
                  "shop_staff": "shop_staff", "anyone": "other"}


def counted_groups(application, audiences) -> set[str]:
    """The audience keys a report counts an application in: the group she gave
    (once enrolment records one), else the programme's audiences."""
    group = getattr(application, "applicant_group", None)
    if group:
        return {{v: k for k, v in AUDIENCE_GROUP.items()}[group]}
    return set(audiences) or {"anyone"}


def make_programme(site=None, name=None, audiences=("mothers",)) -> Programme:
    site = site or default_test_site()
    programme = Programme(site_id=site.id, name=name or f"直播基础班 {next(_sequence)}", audiences=list(audiences))
    db.session.add(programme)
    db.session.commit()
    return programme


def make_cohort(programme=None, starts_on=date(2026, 3, 1), ends_on=date(2026, 4, 30), name=None,
                capacity=30) -> Cohort:
    programme = programme or make_programme()
    cohort = Cohort(programme_id=programme.id, site_id=programme.site_id, name=name or f"第{next(_sequence)}期",
                    starts_on=starts_on, ends_on=ends_on, capacity=capacity)
    db.session.add(cohort)
    db.session.commit()
    return cohort


def make_application(user, cohort, status="submitted", submitted_at=datetime(2026, 2, 10, 2, 0),
                     history=(), group=None) -> Application:
    """history: statuses it went through before `status`, written to the history.
    group: the applicant's group (mother, graduate, ...) once enrolment records one."""
    application = Application(cohort_id=cohort.id, user_id=user.id, site_id=cohort.site_id, status=status,
                              submitted_at=submitted_at)
    if hasattr(Application, "applicant_group"):
        application.applicant_group = group or AUDIENCE_GROUP[(cohort.programme.audiences or ["anyone"])[0]]
    db.session.add(application)
    db.session.flush()
    previous = "submitted"
    events = optional_model("incubator.enrolment.models", "ApplicationEvent")
    for i, step in enumerate(list(history) + [status]):
        if step != previous:
            at = submitted_at + timedelta(days=i + 1)
            entry = record_change(user, "application.status_changed", application, before={"status": previous},
                                  after={"status": step})
            entry.at = at
            if events is not None:
                db.session.add(events(application_id=application.id, from_status=previous, to_status=step, at=at))
            previous = step
    db.session.commit()
    return application


def make_certificate(user, cohort, issued_at=datetime(2026, 5, 2, 3, 0)) -> Certificate:
    certificate = Certificate(user_id=user.id, programme_id=cohort.programme_id, cohort_id=cohort.id,
                              site_id=cohort.site_id, code=f"C{next(_sequence):06d}", issued_at=issued_at)
    db.session.add(certificate)
    db.session.commit()
    return certificate


def make_session(cohort, starts_at=datetime(2026, 3, 3, 1, 30), topic="手机直播入门") -> TrainingSession:
    session = TrainingSession(cohort_id=cohort.id, site_id=cohort.site_id, topic=topic, starts_at=starts_at,
                              ends_at=starts_at + timedelta(hours=2))
    db.session.add(session)
    db.session.commit()
    return session


def make_shop(owner, name=None, created_at=datetime(2026, 6, 1, 4, 0), category="food") -> Shop:
    shop = Shop(site_id=owner.site_id, owner_id=owner.id, name=name or f"小店{next(_sequence)}",
                category=category, created_at=created_at)
    db.session.add(shop)
    db.session.commit()
    return shop
