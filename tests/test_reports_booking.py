"""Studio utilisation and the no-show rate against an independent count, and
bookings on a person's record and in the export."""

from datetime import date, datetime, time, timedelta

from incubator.booking.models import CANCELLED, CONFIRMED, NO_SHOW, Booking, OpeningHours, Resource
from incubator.extensions import db
from incubator.reports import service
from incubator.reports.scope import Scope
from tests.conftest import login
from tests.factories import make_site, make_user

# Monday 2 March to Sunday 8 March 2026, Beijing time (UTC+8).
START, END, TODAY = date(2026, 3, 2), date(2026, 3, 8), date(2026, 11, 23)


def studio(site, name, opens=time(9), closes=time(21)):
    resource = Resource(site_id=site.id, name=name, kind="studio", quantity=1)
    resource.hours = [OpeningHours(weekday=d, opens=opens, closes=closes) for d in range(7)]
    db.session.add(resource)
    db.session.commit()
    return resource


def book(resource, person, local_start, hours, status=CONFIRMED):
    starts = local_start - timedelta(hours=8)
    booking = Booking(site_id=resource.site_id, resource_id=resource.id, user_id=person.id, starts_at=starts,
                      ends_at=starts + timedelta(hours=hours), status=status)
    db.session.add(booking)
    db.session.commit()
    return booking


def build(site):
    a, b = studio(site, "一号直播间"), studio(site, "二号直播间", time(10), time(16))
    people = [make_user("shop_owner", site=site) for _ in range(3)]
    plan = [(a, datetime(2026, 3, 2, 19), 2, CONFIRMED), (a, datetime(2026, 3, 3, 9), 3, CONFIRMED),
            (a, datetime(2026, 3, 4, 9), 1, NO_SHOW), (b, datetime(2026, 3, 8, 10), 6, CONFIRMED),
            (b, datetime(2026, 3, 9, 0, 30), 2, CONFIRMED),  # the day after the period
            (b, datetime(2026, 3, 1, 23), 1, NO_SHOW),  # the day before
            (a, datetime(2026, 3, 5, 12), 2, CANCELLED)]
    made = [(book(r, people[i % 3], at, h, s), r, at, h, s) for i, (r, at, h, s) in enumerate(plan)]
    return (a, b), made


def test_utilisation_and_no_show_rate_match_an_independent_count():
    site = make_site("烈士塔基地")
    (a, b), made = build(site)
    build(make_site("别的基地"))
    got = {v.key: v.result for v in service.figures(Scope(site.id, START, END, today=TODAY))}
    inside = [m for m in made if START <= m[2].date() <= END]
    booked_minutes = sum(h * 60 for _b, _r, _at, h, s in inside if s == CONFIRMED)
    open_minutes = 7 * (12 + 6) * 60
    assert (got["utilisation"].numerator, got["utilisation"].denominator) == (booked_minutes, open_minutes)
    assert got["utilisation"].value == round(100 * booked_minutes / open_minutes)
    due = [m for m in inside if m[4] in (CONFIRMED, NO_SHOW)]
    no_shows = [m for m in due if m[4] == NO_SHOW]
    assert (got["no_shows"].numerator, got["no_shows"].denominator) == (len(no_shows), len(due)) == (1, 4)
    assert got["no_shows"].value == 25


def test_bookings_show_on_the_record_and_in_the_export(client):
    import csv
    import io

    site = make_site("烈士塔基地")
    _studios, made = build(site)
    person = made[2][0].user
    login(client, make_user("staff", site=site, locale="en"))
    html = client.get(f"/reports/people/{person.id}").get_data(as_text=True)
    assert "Booking of 一号直播间: no-show" in html
    rows = list(csv.reader(io.StringIO(client.get(
        "/reports/exports/bookings.csv?start=2026-03-02&end=2026-03-08").get_data().decode("utf-8-sig"))))
    assert len(rows) - 1 == sum(1 for m in made if START <= m[2].date() <= END)
    assert {r[5] for r in rows[1:]} == {"Booked", "No-show", "Cancelled"}
