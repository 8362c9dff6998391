"""Booking pages through HTTP: plain and with htmx, access, forms, CSV, feed."""

import csv
import io
import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from incubator.booking import service
from incubator.booking.models import CANCELLED, CONFIRMED, PENDING, Booking
from incubator.extensions import db
from incubator.timeutil import local_today
from tests.conftest import htmx_get, login, post
from tests.factories import make_site, make_user
from tests.factories_booking import at, make_equipment, make_kit, make_resource

EN = {"Accept-Language": "en"}


def day(n: int = 2) -> str:
    return (local_today() + timedelta(days=n)).isoformat()


def booking_count() -> int:
    return db.session.scalar(select(func.count(Booking.id)))


def _resource_section(html: str, resource_id: int) -> str:
    match = re.search(rf'<section class="resource-day" aria-labelledby="res-{resource_id}">.*?</section>', html, re.S)
    assert match, f"resource {resource_id} is not on the page"
    return match.group(0)


def test_day_calendar_lists_every_resource_with_free_slots_to_tap(client):
    studio = make_resource(min_minutes=60)
    make_equipment("环形补光灯", 5)
    owner = make_user("shop_owner", locale="en")
    service.book(owner, studio, at(2, 10), at(2, 11))
    login(client, owner)
    html = client.get(f"/booking/?day={day()}").get_data(as_text=True)
    assert "<html" in html and "1号直播间" in html and "环形补光灯" in html
    section = _resource_section(html, studio.id)
    # One form per resource carries the resource, the day and the length; each
    # free time is a button that sends only its start.
    assert '<form action="/booking/new" method="get">' in section
    for name, value in (("resource_id", studio.id), ("day", day()), ("minutes", 60)):
        assert f'name="{name}" value="{value}"' in section
    starts = re.findall(r'<button name="start" value="(\d\d:\d\d)">', section)
    # 09:00 fits an hour before her 10:00 booking; 09:30 does not (it would be refused).
    assert starts[0] == "09:00" and "09:30" not in starts and "11:00" in starts and starts[-1] == "21:00"
    assert "Your booking" in section and "10:00–11:00" in section


def test_a_tap_on_a_free_time_opens_the_form_filled_in(client):
    studio = make_resource(min_minutes=60)
    login(client, make_user("shop_owner", locale="en"))
    html = client.get(f"/booking/new?resource_id={studio.id}&day={day()}&minutes=60&start=19:00").get_data(
        as_text=True)
    assert 'value="19:00"' in html and 'value="20:00"' in html and f'value="{day()}"' in html
    # A length that makes no sense leaves the end for her to choose.
    html = client.get(f"/booking/new?resource_id={studio.id}&day={day()}&minutes=x&start=19:00").get_data(
        as_text=True)
    assert 'value="19:00"' in html and 'value="20:00"' not in html


def test_day_calendar_pages_the_resources_and_keeps_the_page_and_kind_from_day_to_day(client):
    from incubator.booking.views import CALENDAR_PER_PAGE

    studios = [make_resource(f"{n:02d}号直播间") for n in range(1, CALENDAR_PER_PAGE + 3)]
    light = make_equipment("环形补光灯", 5)
    login(client, make_user("shop_owner", locale="en"))
    first = client.get(f"/booking/?day={day()}").get_data(as_text=True)
    assert first.count('class="resource-day"') == CALENDAR_PER_PAGE
    assert "01号直播间" in first and f"{CALENDAR_PER_PAGE + 1:02d}号直播间" not in first
    assert "Page 1 of 2" in first and f"/booking/?day={day()}&amp;page=2" in first
    # Studios come first; the second page has the last studios, then the equipment.
    second = htmx_get(client, f"/booking/?day={day()}&page=2").get_data(as_text=True)
    assert "<html" not in second and "Page 2 of 2" in second
    assert second.count('class="resource-day"') == len(studios) + 1 - CALENDAR_PER_PAGE
    assert f"{CALENDAR_PER_PAGE + 2:02d}号直播间" in second and "环形补光灯" in second and "01号直播间" not in second
    # Moving to the next day stays on the same page.
    assert f"/booking/?day={day(3)}&amp;page=2" in second

    equipment = htmx_get(client, f"/booking/?day={day()}&kind=equipment").get_data(as_text=True)
    assert equipment.count('class="resource-day"') == 1 and f'res-{light.id}"' in equipment
    assert 'aria-current="page">Equipment</a>' in equipment and 'class="pager"' not in equipment
    assert f"/booking/?day={day(3)}&amp;kind=equipment" in equipment
    studios_only = client.get(f"/booking/?day={day()}&kind=studio&page=2").get_data(as_text=True)
    assert "环形补光灯" not in studios_only and studios_only.count('class="resource-day"') == 2
    # An unknown kind shows everything, and a page past the end shows none but the way back.
    assert client.get(f"/booking/?day={day()}&kind=kits").get_data(as_text=True).count(
        'class="resource-day"') == CALENDAR_PER_PAGE
    past_end = client.get(f"/booking/?day={day()}&page=9").get_data(as_text=True)
    assert 'class="resource-day"' not in past_end and 'rel="prev"' in past_end


def test_a_day_at_the_end_of_the_calendar_shows_today_instead_of_failing(client):
    studio = make_resource()
    login(client, make_user("staff", locale="en"))
    for path in ("/booking/?day=9999-12-31", "/booking/?day=0001-01-01",
                 f"/booking/resources/{studio.id}/week?start=9999-12-30", "/booking/staff/report?week=0001-01-01"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert f"day={day(1)}" in client.get("/booking/?day=9999-12-31").get_data(as_text=True)


def test_a_kind_the_base_has_none_of_says_so(client):
    make_resource()
    login(client, make_user("shop_owner", locale="en"))
    html = client.get(f"/booking/?day={day()}&kind=equipment").get_data(as_text=True)
    assert "Nothing of this kind at the base." in html and 'class="resource-day"' not in html


def test_a_past_day_offers_nothing_to_tap(client):
    make_resource()
    login(client, make_user("shop_owner", locale="en"))
    html = htmx_get(client, f"/booking/?day={day(-1)}").get_data(as_text=True)
    assert "Past" in html and "<button" not in html and "<form" not in html


def test_day_navigation_with_htmx_returns_only_the_day(client):
    make_resource()
    login(client, make_user("trainee"))
    response = htmx_get(client, f"/booking/?day={day(3)}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "1号直播间" in html
    assert f"day={day(4)}" in html and "HX-Request" in response.headers["Vary"]


def test_week_view_and_what_is_free(client):
    studio = make_resource()
    service.book(make_user(), studio, at(2, 19), at(2, 21))
    login(client, make_user("shop_owner", locale="en"))
    # From tomorrow: late in the evening today has no free time left.
    week = client.get(f"/booking/resources/{studio.id}/week?start={day(1)}").get_data(as_text=True)
    assert "19:00–21:00" in week and "Booked" in week
    # Each day books through its own form; a free time's button sends its first start.
    assert week.count('<form action="/booking/new" method="get">') == 7
    assert f'name="day" value="{day()}"' in week and '<button name="start" value="21:00">Book' in week
    free = client.get(f"/booking/free?day={day()}&start=19:00&hours=1").get_data(as_text=True)
    assert "Nothing is free" in free
    free = client.get(f"/booking/free?day={day()}&start=17:00&hours=2").get_data(as_text=True)
    assert "1号直播间" in free


def test_booking_form_books_and_redirects(client):
    studio = make_resource()
    owner = make_user("shop_owner", locale="en")
    login(client, owner)
    form = client.get(f"/booking/new?resource_id={studio.id}&day={day()}&start=19:00&end=20:00").get_data(
        as_text=True)
    assert 'value="19:00"' in form
    response = post(client, "/booking/new", {"what": f"r:{studio.id}", "day": day(), "start": "19:00",
                                             "end": "21:00", "purpose": "新疆馕 晚间直播", "weeks": "1",
                                             "units": "1"})
    assert response.status_code == 303
    booking = db.session.scalar(select(Booking))
    assert response.headers["Location"] == f"/booking/{booking.id}"
    assert booking.user_id == owner.id and booking.starts_at == at(2, 19)
    assert "Booked: 1号直播间" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_broken_rule_comes_back_as_422_with_the_message_and_nothing_written(client):
    studio = make_resource(weekly_quota_hours=1)
    login(client, make_user("shop_owner", locale="en"))
    for htmx in (False, True):
        response = post(client, "/booking/new", {"what": f"r:{studio.id}", "day": day(), "start": "19:00",
                                                 "end": "21:00", "weeks": "1", "units": "1"}, htmx=htmx)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "You have used 0 of your 1 hours of 1号直播间 this week" in html
        assert 'value="19:00"' in html
    assert booking_count() == 0


def test_the_message_is_in_chinese_for_a_chinese_reader(client):
    studio = make_resource()
    service.book(make_user(), studio, at(2, 19), at(2, 21))
    login(client, make_user("shop_owner"))
    response = post(client, "/booking/new", {"what": f"r:{studio.id}", "day": day(), "start": "19:00",
                                             "end": "21:00", "weeks": "1"}, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422 and "这个时间已经被预约" in response.get_data(as_text=True)


def test_weekly_booking_reports_the_dates_that_failed(client):
    studio = make_resource(max_advance_days=60)
    service.book(make_user(), studio, at(9, 19), at(9, 21))
    login(client, make_user("shop_owner", locale="en"))
    response = post(client, "/booking/new", {"what": f"r:{studio.id}", "day": day(), "start": "19:00",
                                             "end": "21:00", "weeks": "4"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/booking/series/")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 dates are booked" in html and "Not booked" in html and "already taken" in html
    assert booking_count() == 4
    # A reload shows the same result and books nothing more; a second send is refused.
    assert "3 dates are booked" in client.get(response.headers["Location"]).get_data(as_text=True)
    again = post(client, "/booking/new", {"what": f"r:{studio.id}", "day": day(), "start": "19:00",
                                          "end": "21:00", "weeks": "4"})
    assert again.status_code == 422 and "None of the dates could be booked" in again.get_data(as_text=True)
    assert booking_count() == 4


def test_a_weekly_result_is_shown_only_to_the_person_it_is_for(client):
    studio = make_resource(max_advance_days=60)
    result = service.book_weekly(make_user(), studio, at(2, 19), at(2, 21), 2)
    login(client, make_user("shop_owner"))
    assert client.get(f"/booking/series/{result.booked[0].series_key}").status_code == 404


def test_weekly_booking_of_several_lights_from_the_form_books_each_light(client):
    lights = make_equipment("环形补光灯", 5, max_advance_days=60)
    login(client, make_user("shop_owner", locale="en"))
    response = post(client, "/booking/new", {"what": f"r:{lights.id}", "day": day(), "start": "19:00",
                                             "end": "21:00", "weeks": "2", "units": "3"})
    assert response.status_code == 303
    assert "2 dates are booked" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert booking_count() == 6

def test_kit_from_the_form(client):
    studio, lights = make_resource(), make_equipment("环形补光灯", 5)
    kit = make_kit("带货套装", {studio: 1, lights: 2})
    login(client, make_user("shop_owner"))
    response = post(client, "/booking/new", {"what": f"k:{kit.id}", "day": day(), "start": "19:00",
                                             "end": "21:00", "weeks": "1"})
    assert response.status_code == 303 and booking_count() == 3


def test_another_persons_booking_is_not_found(client):
    studio = make_resource()
    [booking] = service.book(make_user(), studio, at(2, 10), at(2, 11))
    login(client, make_user("shop_owner"))
    assert client.get(f"/booking/{booking.id}").status_code == 404
    assert post(client, f"/booking/{booking.id}/cancel").status_code == 404
    assert db.session.get(Booking, booking.id).status == CONFIRMED


def test_staff_of_another_base_get_404(client):
    studio = make_resource()
    [booking] = service.book(make_user(), studio, at(2, 10), at(2, 11))
    login(client, make_user("staff", site=make_site("江宁基地")))
    assert client.get(f"/booking/{booking.id}").status_code == 404
    assert post(client, f"/booking/{booking.id}/approve").status_code == 404


def test_staff_pages_are_forbidden_to_trainees(client):
    login(client, make_user("trainee"))
    for path in ("/booking/staff/bookings", "/booking/staff/queue", "/booking/staff/report",
                 "/booking/staff/resources", "/booking/staff/closures", "/booking/staff/bookings.csv"):
        assert client.get(path).status_code == 403, path


def test_owner_cancels_and_moves_from_the_booking_page(client):
    studio = make_resource()
    owner = make_user("shop_owner", locale="en")
    [booking] = service.book(owner, studio, at(2, 10), at(2, 11))
    login(client, owner)
    page = client.get(f"/booking/{booking.id}").get_data(as_text=True)
    assert "Move to another time" in page and "Cancel the booking" in page
    response = post(client, f"/booking/{booking.id}/move", {"day": day(), "start": "12:00", "end": "13:00"})
    assert response.status_code == 303
    db.session.refresh(booking)
    assert booking.starts_at == at(2, 12)
    assert post(client, f"/booking/{booking.id}/cancel").status_code == 303
    db.session.refresh(booking)
    assert booking.status == CANCELLED


def test_staff_approve_from_the_queue(client):
    studio = make_resource(approval_required=True)
    [booking] = service.book(make_user("shop_owner"), studio, at(2, 10), at(2, 11))
    assert booking.status == PENDING
    login(client, make_user("staff", locale="en"))
    assert "1号直播间" in client.get("/booking/staff/queue").get_data(as_text=True)
    response = post(client, f"/booking/{booking.id}/approve", {"next": "/booking/staff/queue"})
    assert response.status_code == 303 and response.headers["Location"] == "/booking/staff/queue"
    db.session.refresh(booking)
    assert booking.status == CONFIRMED


def test_staff_list_filters_plain_and_htmx_and_exports_csv(client):
    studio, other = make_resource(), make_resource("2号直播间")
    service.book(make_user(name="乌拉依木·卡日"), studio, at(2, 10), at(2, 11), purpose="新疆馕")
    service.book(make_user(name="刘春梅"), other, at(2, 10), at(2, 11))
    login(client, make_user("staff", locale="en"))
    html = client.get(f"/booking/staff/bookings?resource_id={studio.id}").get_data(as_text=True)
    assert "乌拉依木·卡日" in html and "刘春梅" not in html
    fragment = htmx_get(client, "/booking/staff/bookings?person=刘").get_data(as_text=True)
    assert "<html" not in fragment and "刘春梅" in fragment and "乌拉依木" not in fragment
    response = client.get("/booking/staff/bookings.csv")
    body = response.get_data()
    assert response.mimetype == "text/csv" and body.startswith("\ufeff".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Booking,Studio or equipment")
    assert "乌拉依木·卡日" in text and "新疆馕" in text


def test_csv_export_has_every_column_of_each_booking_newest_first(client):
    from tests.factories_livestreams import make_shop

    studio, lights = make_resource(), make_equipment("环形补光灯", 5)
    owner = make_user("shop_owner", name="乌拉依木·卡日")
    shop = make_shop(owner=owner, name="新疆香馕烤包子店")
    service.book(owner, studio, at(2, 10), at(2, 11), purpose="新疆馕", shop_id=shop.id)
    later = service.book(make_user(name="刘春梅"), lights, at(3, 19), at(3, 21), units=2)
    staff = make_user("staff", locale="en")
    service.hand_over(staff, later[1], "ok", now=at(3, 18, 50))
    login(client, staff)
    rows = client.get("/booking/staff/bookings.csv").get_data().decode("utf-8-sig").splitlines()
    when = lambda days, hour, minute=0: f"{day(days)} {hour:02d}:{minute:02d}"  # noqa: E731
    assert rows[1:] == [
        f"{later[0].id},环形补光灯,1,刘春梅,{later[0].user.phone},{when(3, 19)},{when(3, 21)},Confirmed,,,,,",
        f"{later[1].id},环形补光灯,2,刘春梅,{later[1].user.phone},{when(3, 19)},{when(3, 21)},Confirmed,,,"
        f"{when(3, 18, 50)},{when(3, 18, 50)},",
        f"{later[0].id - 1},1号直播间,1,乌拉依木·卡日,{owner.phone},{when(2, 10)},{when(2, 11)},Confirmed,新疆馕,"
        "新疆香馕烤包子店,,,",
    ]
    only = client.get(f"/booking/staff/bookings.csv?resource_id={studio.id}").get_data().decode("utf-8-sig")
    assert len(only.splitlines()) == 2 and "乌拉依木·卡日" in only


def test_csv_export_makes_typed_formulas_text_and_leaves_its_own_cells_alone(client):
    """Only what people typed can be a formula; the export checks just those
    cells, and a spreadsheet must still show them as text."""
    studio = make_resource("=1号直播间")
    booking = service.book(make_user(name="@SUM(A1)"), studio, at(2, 10), at(2, 11),
                           purpose='=HYPERLINK("http://evil.example")')[0]
    login(client, make_user("staff", locale="en"))
    text = client.get("/booking/staff/bookings.csv").get_data().decode("utf-8-sig")
    row = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert row[:4] == [str(booking.id), "'=1号直播间", "1", "'@SUM(A1)"]
    assert row[5:9] == [f"{day(2)} 10:00", f"{day(2)} 11:00", "Confirmed", '\'=HYPERLINK("http://evil.example")']


def test_a_forged_choice_books_nothing(client):
    """The form lists only what she may book; what is sent is checked again."""
    from tests.factories_livestreams import make_shop

    studio = make_resource()
    far = make_resource("远方直播间", site=make_site("另一个基地"))
    retired = make_kit("旧套装", {studio: 1})
    retired.active = False
    db.session.commit()
    someone_elses = make_shop()
    owner = make_user("shop_owner", locale="en")
    make_shop(owner=owner)  # with a shop of her own, the form shows the shop field
    login(client, owner)
    form = client.get("/booking/new").get_data(as_text=True)
    assert f"r:{studio.id}" in form and f"r:{far.id}" not in form and "旧套装" not in form
    base = {"day": day(), "start": "19:00", "end": "20:00", "weeks": "1", "units": "1"}
    for what, shop_id, words in ((f"r:{far.id}", "0", "Choose a studio, equipment or kit."),
                                 (f"k:{retired.id}", "0", "Choose a studio, equipment or kit."),
                                 ("r:99999999999", "0", "Choose a studio, equipment or kit."),
                                 (f"x:{studio.id}", "0", "Choose a studio, equipment or kit."),
                                 (f"r:{studio.id}", str(someone_elses.id), "Choose one of your own shops."),
                                 (f"r:{studio.id}", "99999999999", "Choose one of your own shops.")):
        response = post(client, "/booking/new", {**base, "what": what, "shop_id": shop_id})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and words in html, what
        assert f"r:{studio.id}" in html  # the form comes back with its list
    assert booking_count() == 0


def test_report_page(client):
    make_resource()
    login(client, make_user("staff", locale="en"))
    html = client.get("/booking/staff/report").get_data(as_text=True)
    assert "Booked hours over open hours" in html and "No-show rate" in html
    assert "<html" not in htmx_get(client, f"/booking/staff/report?week={day(7)}").get_data(as_text=True)


def test_staff_add_a_resource_and_a_closure(client):
    login(client, make_user("staff", locale="en"))
    data = {"name": "3号直播间", "kind": "studio", "quantity": "1", "active": "y", "status": "available",
            "slot_minutes": "30", "min_minutes": "30", "max_minutes": "240", "min_notice_minutes": "60",
            "max_advance_days": "14", "buffer_minutes": "0", "cancel_cutoff_minutes": "120",
            "required_programme_id": "0", "weekly_quota_hours": "10", "opens_0": "09:00", "closes_0": "21:00"}
    assert post(client, "/booking/staff/resources/new", data).status_code == 303
    resource = service.resources_of(make_user().site_id)[0]
    assert resource.name == "3号直播间" and [h.weekday for h in resource.hours] == [0]
    bad = post(client, "/booking/staff/resources/new", {**data, "name": "4号", "status": "maintenance"})
    assert bad.status_code == 422 and "Say why it is under maintenance" in bad.get_data(as_text=True)
    response = post(client, "/booking/staff/closures", {"resource_id": str(resource.id), "start_day": day(),
                                                       "start_time": "08:00", "end_day": day(),
                                                       "end_time": "12:00", "reason": "检修"})
    assert response.status_code == 303
    assert "检修" in client.get("/booking/staff/closures").get_data(as_text=True)

    backwards = post(client, "/booking/staff/closures", {"resource_id": str(resource.id), "start_day": day(3),
                                                         "start_time": "08:00", "end_day": day(2),
                                                         "end_time": "12:00", "reason": "检修"})
    html = backwards.get_data(as_text=True)
    assert backwards.status_code == 422 and 'id="end_day-error"' in html and "must end after it starts" in html


def test_a_resource_with_every_day_emptied_is_refused_not_opened_day_and_night(client):
    studio = make_resource()
    login(client, make_user("staff", locale="en"))
    data = {"name": studio.name, "kind": "studio", "quantity": "1", "active": "y", "status": "available",
            "slot_minutes": "30", "min_minutes": "30", "max_minutes": "240", "min_notice_minutes": "60",
            "max_advance_days": "14", "buffer_minutes": "0", "cancel_cutoff_minutes": "120",
            "required_programme_id": "0", "weekly_quota_hours": ""}
    response = post(client, f"/booking/staff/resources/{studio.id}", data)
    assert response.status_code == 422 and "Give the hours of at least one day" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(type(studio), studio.id).hours) == 7


def test_dates_out_of_any_calendar_and_huge_pages_get_an_answer_not_an_error(client):
    studio = make_resource()
    login(client, make_user("staff", locale="en"))
    for day_text, start, end in (("0001-01-01", "19:00", "20:00"), ("9999-12-31", "23:00", "00:00")):
        response = post(client, "/booking/new", {"what": f"r:{studio.id}", "day": day_text, "start": start,
                                                 "end": end, "weeks": "1", "units": "1"})
        assert response.status_code == 422 and "between the years 1900 and 2999" in response.get_data(as_text=True)
        closure = post(client, "/booking/staff/closures", {"resource_id": "0", "start_day": day_text,
                                                           "start_time": start, "end_day": day_text,
                                                           "end_time": "23:30", "reason": "检修"})
        assert closure.status_code == 422
    assert booking_count() == 0
    for path in ("/booking/free?day=0001-01-01&start=00:00&hours=100000000",
                 "/booking/free?day=9999-12-31&start=23:00&hours=4",
                 "/booking/staff/bookings?day_from=0001-01-01&day_to=9999-12-31",
                 "/booking/staff/bookings.csv?day_to=9999-12-31",
                 "/booking/staff/bookings?page=999999999999999999999", "/booking/?page=999999999999999999999"):
        assert client.get(path).status_code == 200, path
    assert "between the years 1900 and 2999" in client.get(
        "/booking/free?day=0001-01-01").get_data(as_text=True)


def test_check_in_by_code_page(client):
    studio = make_resource(checkin_code="112233", min_notice_minutes=0)
    owner = make_user("shop_owner", locale="en")
    login(client, owner)
    response = post(client, "/booking/checkin", {"code": "112233"})
    assert response.status_code == 422 and "no booking of 1号直播间 starting now" in response.get_data(as_text=True)
    assert studio.id


def test_ical_feed_at_a_secret_address_that_can_be_renewed(client):
    studio = make_resource()
    owner = make_user("shop_owner", locale="en")
    service.book(owner, studio, at(2, 10), at(2, 11))
    login(client, owner)
    html = client.get("/booking/mine").get_data(as_text=True)
    token = service.feed_token(owner)
    assert f"/booking/feed/{token}.ics" in html
    # The feed needs no login: a phone's calendar fetches it.
    anonymous = client.application.test_client()
    response = anonymous.get(f"/booking/feed/{token}.ics")
    assert response.mimetype == "text/calendar"
    assert len(Calendar.from_ical(response.get_data()).walk("VEVENT")) == 1
    assert post(client, "/booking/feed/renew").status_code == 303
    assert anonymous.get(f"/booking/feed/{token}.ics").status_code == 404


def test_home_panels(client):
    studio = make_resource()
    owner = make_user("shop_owner", locale="en")
    service.book(owner, studio, at(2, 10), at(2, 11))
    login(client, owner)
    assert "Studio bookings" in client.get("/home").get_data(as_text=True)


def test_every_staff_page_opens(client):
    studio, camera = make_resource(), make_equipment("相机", 2)
    kit = make_kit("带货套装", {studio: 1, camera: 1})
    owner = make_user("shop_owner")
    [booking] = service.book(owner, camera, at(2, 10), at(2, 11))
    staff = make_user("staff", locale="en")
    login(client, staff)
    for path in (f"/booking/staff/resources/{studio.id}", "/booking/staff/resources/new",
                 f"/booking/staff/resources/{studio.id}/door", f"/booking/staff/kits/{kit.id}",
                 "/booking/staff/kits/new", "/booking/staff/resources", "/booking/staff/closures",
                 "/booking/staff/queue", "/booking/mine", "/booking/checkin", f"/booking/{booking.id}/move"):
        assert client.get(path).status_code == 200, path
    page = client.get(f"/booking/{booking.id}").get_data(as_text=True)
    assert "Hand over" in page
    assert post(client, f"/booking/{booking.id}/handover", {"note": "镜头干净"}).status_code == 303
    assert "Item returned" in client.get(f"/booking/{booking.id}").get_data(as_text=True)
    door = client.get(f"/booking/staff/resources/{studio.id}/door").get_data(as_text=True)
    db.session.refresh(studio)
    assert studio.checkin_code in door


def test_staff_save_a_kit(client):
    studio, lights = make_resource(), make_equipment("环形补光灯", 5)
    login(client, make_user("staff", locale="en"))
    response = post(client, "/booking/staff/kits/new", {"name": "带货套装", "active": "y",
                                                        f"qty_{studio.id}": "1", f"qty_{lights.id}": "2"})
    assert response.status_code == 303
    bad = post(client, "/booking/staff/kits/new", {"name": "只有灯", f"qty_{lights.id}": "2"})
    assert bad.status_code == 422 and "A kit holds one studio" in bad.get_data(as_text=True)


def test_staff_book_on_someones_behalf_without_approval(client):
    studio = make_resource(approval_required=True)
    owner = make_user("shop_owner", name="孙建国")
    login(client, make_user("staff"))
    assert "孙建国" in client.get("/booking/new").get_data(as_text=True)
    response = post(client, "/booking/new", {"what": f"r:{studio.id}", "day": day(), "start": "10:00",
                                             "end": "11:00", "weeks": "1", "owner_id": str(owner.id)})
    assert response.status_code == 303
    booking = db.session.scalar(select(Booking))
    assert booking.user_id == owner.id and booking.status == CONFIRMED
