"""The dashboard's day rows (reports/daily.py) stay exact: built from the
records they equal what every write kept, and the dashboard read from them
equals the drill-downs, after writes of every kind made once the rows
exist (through the areas' services), at the same moment from several
connections, and in a time zone that changes its clocks."""

import threading
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from incubator.booking import service as booking
from incubator.booking.models import CONFIRMED, EQUIPMENT, NO_SHOW, Booking
from incubator.enrolment import service as enrolment
from incubator.extensions import db
from incubator.reports import counts, daily
from incubator.reports.models import ReportDay, ReportIncubation, ReportSite
from incubator.reports.scope import Scope
from incubator.reports.settings import save_rule
from incubator.shops import service as shops
from incubator.timeutil import combine_local, local_today, utcnow
from incubator.training import service as training
from tests.factories import make_site, make_user
from tests.factories_booking import at, give_certificate, make_resource
from tests.factories_enrolment import STANDARD_ANSWERS, make_cohort, make_programme
from tests.factories_shops import make_shop, tick_all, walk_to
from tests.test_reports_counts import TODAY, assert_same, build_everything


def rows_of(site_id: int) -> tuple[dict, dict]:
    """A base's day rows (days with something counted) and first incubations."""
    days = {row.day: tuple(getattr(row, column) for column in daily.COLUMNS)
            for row in db.session.scalars(select(ReportDay).where(ReportDay.site_id == site_id))}
    firsts = dict(db.session.execute(select(ReportIncubation.person_id, ReportIncubation.at)
                                     .where(ReportIncubation.site_id == site_id)).all())
    return {day: values for day, values in days.items() if any(values)}, firsts


def assert_kept_as_counted(site_id: int) -> None:
    """The rows the writes kept are those a count from the records gives."""
    kept = rows_of(site_id)
    daily.build([site_id])
    assert kept == rows_of(site_id)


def assert_read_from_days(scope: Scope) -> None:
    assert counts.by_day(scope, counts._values(scope, None)) is not None, scope
    assert_same(scope)


def test_rows_kept_by_writes_equal_a_count_from_the_records():
    site, other = make_site("烈士塔基地"), make_site("别的基地")
    build_everything(11, site)
    build_everything(61, other)
    for base in (site, other):
        assert db.session.get(ReportSite, base.id) is not None
        assert rows_of(base.id)[0]
        assert_kept_as_counted(base.id)
    year = Scope(site.id, date(2026, 1, 1), date(2026, 12, 31), today=TODAY)
    assert_read_from_days(year)
    assert_read_from_days(year.with_(site_id=None))
    assert_read_from_days(year.with_(start=date(2025, 6, 15), end=date(2027, 1, 31)))


def test_a_base_not_built_is_counted_from_its_records():
    site = make_site()
    build_everything(12, site)
    db.session.execute(delete(ReportSite).where(ReportSite.site_id == site.id))
    db.session.execute(delete(ReportDay).where(ReportDay.site_id == site.id))
    db.session.commit()
    year = Scope(site.id, date(2026, 1, 1), date(2026, 12, 31), today=TODAY)
    assert counts.by_day(year, counts._values(year, None)) is None
    assert_same(year)  # from the records
    assert daily.build() == [site.id]
    assert_read_from_days(year)


def test_figures_follow_writes_made_through_the_services():
    site = make_site("烈士塔基地")
    build_everything(21, site)
    staff, trainee = make_user("staff", site=site), make_user("trainee", site=site)
    today = local_today()
    scopes = [Scope(site.id, today - timedelta(days=365), today), Scope(site.id, today - timedelta(days=30),
                                                                         today + timedelta(days=30)),
              Scope(site.id, today, today)]

    def check():
        for scope in scopes:
            assert_read_from_days(scope)
        assert_kept_as_counted(site.id)

    # Bookings: made, moved to another day, cancelled; one released as a no-show.
    room = make_resource("三号直播间", site=site)
    made = booking.book(staff, room, at(2, 10), at(2, 12), owner=trainee)
    check()
    booking.move(staff, made[0], at(3, 14), at(3, 15))
    check()
    booking.cancel(staff, made[0])
    check()
    late = Booking(site_id=site.id, resource_id=room.id, user_id=trainee.id, status=CONFIRMED,
                   starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(minutes=30))
    db.session.add(late)
    db.session.commit()
    check()
    assert late in booking.release_no_shows()
    check()
    # The studio becomes equipment: every day of its bookings leaves the studios' hours.
    booking.save_resource(staff, room, site_id=site.id, name=room.name, kind=EQUIPMENT)
    check()
    # Applications: sent, offered, confirmed; another withdrawn.
    cohort = make_cohort(make_programme(site), capacity=5, starts_in_days=10, length_days=60)
    applicants = [make_user("trainee", site=site) for _ in range(2)]
    sent = [enrolment.apply(person, cohort, group="mother", answers=dict(STANDARD_ANSWERS))
            for person in applicants]
    check()
    enrolment.accept(staff, sent[0])
    enrolment.confirm(applicants[0], sent[0])
    enrolment.withdraw(applicants[1], sent[1])
    check()
    # The class is moved to have ended yesterday (completion counts it), then her certificate.
    cohort.starts_on, cohort.ends_on = today - timedelta(days=60), today - timedelta(days=1)
    db.session.commit()
    check()
    give_certificate(applicants[0], cohort.programme, cohort)
    check()
    # A session scheduled and called off through the training service (on its
    # last day: sessions are scheduled within the class's dates).
    session = training.schedule_session(staff, cohort, topic="复盘", day=today - timedelta(days=1),
                                        start_time=time(9), end_time=time(11))
    check()
    training.cancel_session(staff, session)
    check()
    # What "incubated" means at the base changes.
    save_rule(staff, site.id, by_completion=True, by_shop_stage=False)
    check()
    save_rule(staff, site.id, by_completion=True, by_shop_stage=True, shop_stage="first_sale")
    check()


def test_a_shop_moved_by_the_shops_service_is_incubated_on_its_day():
    site = make_site()
    staff = make_user("staff", site=site)
    shop = make_shop(make_user("shop_owner", site=site), site=site)
    scope = Scope(site.id, local_today() - timedelta(days=7), local_today())
    assert_read_from_days(scope)
    walk_to(staff, shop, "first_livestream")  # each move a Core update of the shop and a stage event
    shops.record_sales(shop, occurred_on=local_today(), minutes=90, host="乌拉依木", platform="douyin",
                       viewers=1500, orders=3, revenue_fen=1200, products="馕", recorded_by=staff)
    tick_all(staff, shop)
    shops.advance(staff, shop)
    assert shop.stage.key == "incubated"
    assert_read_from_days(scope)
    assert counts.figures(scope)["incubated"].value == 1
    assert_kept_as_counted(site.id)


def test_a_base_moving_to_another_time_zone_is_counted_again():
    site = make_site()
    build_everything(31, site)
    year = Scope(site.id, date(2026, 1, 1), date(2026, 12, 31), today=TODAY)
    site.timezone = "Asia/Urumqi"
    db.session.commit()
    assert counts.by_day(year, counts._values(year, None)) is None  # kept in another zone than asked
    assert_same(year)
    assert_read_from_days(year.with_(tz="Asia/Urumqi"))
    assert_kept_as_counted(site.id)


def test_days_of_a_zone_that_changes_its_clocks():
    """London moves its clocks in March and October: a booking late in the
    evening falls on the next day in summer, and the rows built from the
    records (offset by offset) equal those each write kept."""
    site = make_site(timezone="Europe/London")
    rooms = [make_resource(name, site=site) for name in ("一号", "二号")]
    person = make_user("shop_owner", site=site)
    times = [datetime(2026, 3, 28, 23, 30), datetime(2026, 3, 29, 0, 30), datetime(2026, 3, 29, 23, 30),
             datetime(2026, 3, 30, 0, 30), datetime(2026, 6, 30, 23, 15), datetime(2026, 10, 24, 23, 30),
             datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 23, 30)]
    for i, starts in enumerate(times):
        db.session.add(Booking(site_id=site.id, resource_id=rooms[i % 2].id, user_id=person.id, starts_at=starts,
                               ends_at=starts + timedelta(minutes=45 + i), status=NO_SHOW if i % 3 else CONFIRMED))
    db.session.commit()
    spring = Scope(site.id, date(2026, 3, 29), date(2026, 3, 30), tz="Europe/London", today=TODAY)
    for scope in (spring, spring.with_(start=date(2026, 3, 1), end=date(2026, 10, 31)),
                  spring.with_(start=date(2026, 7, 1), end=date(2026, 7, 1)),
                  spring.with_(start=date(2026, 10, 25), end=date(2026, 10, 26))):
        assert_read_from_days(scope)
    assert_kept_as_counted(site.id)
    assert rows_of(site.id)[0][date(2026, 7, 1)]  # 23:15 UTC on 30 June is 00:15 on 1 July in London


def test_bookings_committed_at_the_same_moment_are_all_counted(app, is_postgres):
    """Four connections book a base's studios for one day at once. On
    PostgreSQL each has written its booking before any commits, so each
    counts the day while the others' bookings are not yet visible; the
    base's lock makes each count after the one before it committed."""
    site = make_site()
    rooms = [make_resource(f"{i}号直播间", site=site) for i in range(4)]
    people = [make_user("shop_owner", site=site) for _ in range(4)]
    site_id, room_ids, person_ids = site.id, [r.id for r in rooms], [p.id for p in people]
    day = combine_local(local_today() + timedelta(days=3), time(9))
    together = threading.Barrier(4)
    failures = []

    def write(i: int) -> None:
        try:
            with app.app_context():
                for hour in range(4):
                    if not is_postgres:  # SQLite has one writer: meet before writing, not while holding the lock
                        together.wait(timeout=20)
                    starts = day + timedelta(hours=hour, minutes=10 * i)
                    db.session.add(Booking(site_id=site_id, resource_id=room_ids[i], user_id=person_ids[i],
                                           starts_at=starts, ends_at=starts + timedelta(minutes=30 + i),
                                           status=CONFIRMED))
                    db.session.flush()
                    if is_postgres:
                        together.wait(timeout=20)
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported by the test)
            failures.append(error)
            together.abort()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    db.session.expire_all()
    days, _firsts = rows_of(site_id)
    assert days[local_today() + timedelta(days=3)][daily.COLUMNS.index("bookings_due")] == 16
    assert_kept_as_counted(site_id)
