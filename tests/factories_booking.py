"""Objects of the booking area for tests."""

from datetime import date, datetime, time, timedelta

from incubator.booking.models import EQUIPMENT, STUDIO, Kit, KitItem, OpeningHours, Resource
from incubator.extensions import db
from incubator.timeutil import combine_local, local_today
from tests.factories import default_test_site


def make_resource(name: str = "1号直播间", *, site=None, kind: str = STUDIO, quantity: int = 1,
                  opens: time = time(9, 0), closes: time = time(22, 0), weekdays=range(7), **rules) -> Resource:
    site = site or default_test_site()
    rules.setdefault("min_notice_minutes", 60)
    resource = Resource(site_id=site.id, name=name, kind=kind, quantity=quantity, **rules)
    resource.hours = [OpeningHours(weekday=d, opens=opens, closes=closes) for d in weekdays]
    db.session.add(resource)
    db.session.commit()
    return resource


def make_equipment(name: str = "环形补光灯", quantity: int = 5, **rules) -> Resource:
    return make_resource(name, kind=EQUIPMENT, quantity=quantity, **rules)


def make_kit(name: str, items: dict, site=None) -> Kit:
    site = site or default_test_site()
    kit = Kit(site_id=site.id, name=name)
    kit.items = [KitItem(resource_id=r.id, quantity=n) for r, n in items.items()]
    db.session.add(kit)
    db.session.commit()
    return kit


def day_ahead(days: int = 2) -> date:
    return local_today() + timedelta(days=days)


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """UTC of a local wall-clock time `days` from today (site zone)."""
    return combine_local(day_ahead(days), time(hour, minute))


def make_programme_and_session(room=None, *, site=None, name: str = "宝妈直播入门", starts_at=None, ends_at=None,
                               topic: str = "直播话术"):
    """A programme, a cohort and (with starts_at) a session in `room`."""
    from incubator.enrolment.models import Cohort, Programme
    from incubator.training.models import TrainingSession

    site = site or default_test_site()
    programme = Programme(site_id=site.id, name=name, audiences=["mothers"])
    db.session.add(programme)
    db.session.flush()
    cohort = Cohort(programme_id=programme.id, site_id=site.id, name=f"{name} 第1期", starts_on=local_today(),
                    ends_on=local_today() + timedelta(days=60), capacity=20)
    db.session.add(cohort)
    db.session.flush()
    session = None
    if starts_at is not None:
        session = TrainingSession(cohort_id=cohort.id, site_id=site.id, topic=topic, starts_at=starts_at,
                                  ends_at=ends_at, room_id=room.id if room else None)
        db.session.add(session)
    db.session.commit()
    return programme, cohort, session


def give_certificate(user, programme, cohort) -> None:
    from incubator.training.models import Certificate

    db.session.add(Certificate(user_id=user.id, programme_id=programme.id, cohort_id=cohort.id,
                               site_id=cohort.site_id, code=f"C{user.id}-{cohort.id}"))
    db.session.commit()
