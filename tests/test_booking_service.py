"""The booking rules, one by one, without HTTP."""

from datetime import time, timedelta

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from incubator.booking import jobs, service
from incubator.booking.models import CANCELLED, CONFIRMED, DECLINED, NO_SHOW, PENDING, Blackout, Booking
from incubator.enrolment.models import Application
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.notify.models import Notification
from incubator.notify.service import text_for
from incubator.timeutil import local_today
from tests.factories import make_user
from tests.factories_booking import (
    at,
    day_ahead,
    give_certificate,
    make_equipment,
    make_kit,
    make_programme_and_session,
    make_resource,
)


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


def said(error_info) -> str:
    return str(error_info.value.message)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- booking and the overlap rule ----------------------------------------------------------

def test_a_free_studio_is_booked_and_confirmed():
    studio, owner = make_resource(), make_user("shop_owner")
    [booking] = service.book(owner, studio, at(2, 19), at(2, 21), purpose="新疆馕 晚间直播")
    assert booking.status == CONFIRMED and booking.unit == 1 and booking.purpose == "新疆馕 晚间直播"


def test_an_overlapping_booking_is_refused_with_a_clear_message():
    studio = make_resource()
    service.book(make_user("shop_owner"), studio, at(2, 19), at(2, 21))
    with pytest.raises(Conflict) as error:
        service.book(make_user("shop_owner"), studio, at(2, 20), at(2, 22))
    assert "already taken" in said(error)
    assert count(Booking) == 1


def test_touching_bookings_do_not_overlap():
    studio = make_resource()
    service.book(make_user("shop_owner"), studio, at(2, 19), at(2, 20))
    service.book(make_user("shop_owner"), studio, at(2, 20), at(2, 21))
    assert count(Booking) == 2


def test_a_pool_lends_each_item_once_and_says_how_many_are_free():
    lights = make_equipment("环形补光灯", 5)
    units = [service.book(make_user(), lights, at(2, 10), at(2, 12))[0].unit for _ in range(5)]
    assert sorted(units) == [1, 2, 3, 4, 5]
    with pytest.raises(Conflict) as error:
        service.book(make_user(), lights, at(2, 11), at(2, 12))
    assert "Only 0 of the 5 环形补光灯 are free" in said(error)


def test_several_items_of_a_pool_in_one_booking():
    lights = make_equipment("环形补光灯", 5)
    placed = service.book(make_user(), lights, at(2, 10), at(2, 12), units=3)
    assert len(placed) == 3 and len({b.group_key for b in placed}) == 1
    with pytest.raises(Conflict) as error:
        service.book(make_user(), lights, at(2, 10), at(2, 12), units=3)
    assert "Only 2 of the 5" in said(error)



def test_a_second_booking_of_a_pool_by_the_same_person_at_the_same_time_is_refused():
    """A second tap, a reload or the back button must not lend her a second light."""
    lights, owner = make_equipment("环形补光灯", 5), make_user("shop_owner")
    service.book(owner, lights, at(2, 10), at(2, 12))
    with pytest.raises(Conflict) as error:
        service.book(owner, lights, at(2, 11), at(2, 13))
    assert "You have already booked 环形补光灯 at this time" in said(error)
    assert count(Booking) == 1
    service.book(owner, lights, at(2, 12), at(2, 14))  # right after hers: fine
    service.book(make_user(), lights, at(2, 10), at(2, 12))  # somebody else: fine
    assert count(Booking) == 3

@pytest.mark.usefixtures("app")
def test_the_database_itself_refuses_overlaps_on_postgresql(is_postgres):
    studio, user = make_resource(), make_user()
    db.session.add(Booking(site_id=studio.site_id, resource_id=studio.id, unit=1, user_id=user.id,
                           starts_at=at(2, 10), ends_at=at(2, 12)))
    db.session.commit()
    db.session.add(Booking(site_id=studio.site_id, resource_id=studio.id, unit=1, user_id=user.id,
                           starts_at=at(2, 11), ends_at=at(2, 13)))
    if is_postgres:
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # A cancelled booking does not hold the time.
        db.session.add(Booking(site_id=studio.site_id, resource_id=studio.id, unit=1, user_id=user.id,
                               starts_at=at(2, 11), ends_at=at(2, 13), status=CANCELLED))
        db.session.commit()
    else:
        # SQLite has no exclusion constraint: the service's lock guards it (see the race test).
        db.session.rollback()
        assert count(Booking) == 1


def test_buffer_between_bookings():
    studio = make_resource(buffer_minutes=30)
    service.book(make_user(), studio, at(2, 10), at(2, 12))
    with pytest.raises(Conflict) as error:
        service.book(make_user(), studio, at(2, 12), at(2, 13))
    assert "needs 30 minutes between bookings" in said(error)
    service.book(make_user(), studio, at(2, 12, 30), at(2, 13, 30))


# --- the time rules -------------------------------------------------------------------------

@pytest.mark.parametrize("start,end,words", [
    ((2, 10), (2, 10, 30), "at least 60 minutes"),
    ((2, 9), (2, 14), "at most 4 hours"),
    ((2, 10, 15), (2, 11, 15), "whole 30-minute slots"),
    ((2, 7), (2, 9), "open from 09:00 to 22:00"),
    ((2, 21), (2, 23), "open from 09:00 to 22:00"),
    ((20, 10), (20, 12), "at most 14 days ahead"),
])
def test_time_rules_each_say_what_is_wrong(start, end, words):
    studio = make_resource(min_minutes=60, max_minutes=240)
    with pytest.raises(DomainError) as error:
        service.book(make_user(), studio, at(*start), at(*end))
    assert words in said(error)
    assert count(Booking) == 0


def test_minimum_notice():
    from incubator.timeutil import utcnow

    studio = make_resource(min_notice_minutes=24 * 60, opens=time(0, 0), closes=time(23, 30))
    soon = utcnow().replace(second=0, microsecond=0) + timedelta(hours=3)
    soon = soon.replace(minute=0 if soon.minute < 30 else 30)
    with pytest.raises(DomainError) as error:
        service.book(make_user(), studio, soon, soon + timedelta(minutes=30))
    assert "at least 24 hours ahead" in said(error)


def test_a_closed_weekday():
    studio = make_resource(weekdays=[d for d in range(7) if d != (local_today() + timedelta(days=2)).weekday()])
    with pytest.raises(DomainError) as error:
        service.book(make_user(), studio, at(2, 10), at(2, 11))
    assert "1号直播间 is closed on" in said(error)


def test_maintenance_says_why_and_until_when():
    studio = make_resource(status="maintenance", maintenance_reason="更换背景墙",
                           maintenance_until=local_today() + timedelta(days=3))
    with pytest.raises(NotAllowed) as error:
        service.book(make_user(), studio, at(2, 10), at(2, 11))
    assert "under maintenance until" in said(error) and "更换背景墙" in said(error)
    service.book(make_user(), studio, at(5, 10), at(5, 11))  # after the maintenance


# --- the person rules ------------------------------------------------------------------------

def test_only_the_allowed_roles_may_book():
    studio = make_resource(allowed_roles=["shop_owner"])
    with pytest.raises(NotAllowed) as error:
        service.book(make_user("mentor"), studio, at(2, 10), at(2, 11))
    assert "can be booked only by: Shop owner" in said(error)
    service.book(make_user("shop_owner"), studio, at(2, 10), at(2, 11))


def test_the_training_gate_names_the_certificate_and_opens_after_completion():
    programme, cohort, _session = make_programme_and_session(name="宝妈直播入门")
    studio = make_resource("练习直播间", required_programme_id=programme.id)
    trainee = make_user("trainee")
    with pytest.raises(NotAllowed) as error:
        service.book(trainee, studio, at(2, 10), at(2, 11))
    assert "练习直播间 needs the “宝妈直播入门” certificate" in said(error)
    give_certificate(trainee, programme, cohort)
    assert service.book(trainee, studio, at(2, 10), at(2, 11))


def _next_monday_at(hour: int, extra_days: int = 0):
    today = local_today()
    days = 7 - today.weekday() + extra_days
    return at(days, hour)


def test_weekly_quota_says_how_many_hours_are_used():
    studio = make_resource(weekly_quota_hours=10, max_minutes=600, max_advance_days=30)
    owner = make_user("shop_owner")
    service.book(owner, studio, _next_monday_at(9), _next_monday_at(18))
    with pytest.raises(NotAllowed) as error:
        service.book(owner, studio, _next_monday_at(10, 1), _next_monday_at(12, 1))
    assert "You have used 9 of your 10 hours of 1号直播间 this week" in said(error)
    service.book(owner, studio, _next_monday_at(10, 1), _next_monday_at(11, 1))  # exactly 10
    # Next week counts afresh; another person has her own hours.
    service.book(owner, studio, _next_monday_at(10, 7), _next_monday_at(12, 7))
    service.book(make_user("shop_owner"), studio, _next_monday_at(12, 1), _next_monday_at(14, 1))


def test_staff_approve_or_decline_with_a_reason():
    studio = make_resource(approval_required=True)
    staff, owner = make_user("staff"), make_user("shop_owner")
    [booking] = service.book(owner, studio, at(2, 10), at(2, 12))
    assert booking.status == PENDING
    assert count(Notification, Notification.user_id == staff.id, Notification.kind == "booking.awaiting_approval") == 1
    # A pending booking holds the time.
    with pytest.raises(Conflict):
        service.book(make_user(), studio, at(2, 11), at(2, 12))
    with pytest.raises(DomainError) as error:
        service.decline(staff, booking, "")
    assert "Say why" in said(error)
    service.decline(staff, booking, "那天要接待参观")
    assert booking.status == DECLINED
    note = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert "那天要接待参观" in text_for(note, "en")
    [again] = service.book(owner, studio, at(3, 10), at(3, 12))
    service.approve(staff, again)
    assert again.status == CONFIRMED


def test_staff_bookings_need_no_approval():
    studio = make_resource(approval_required=True)
    staff, owner = make_user("staff"), make_user("shop_owner")
    [booking] = service.book(staff, studio, at(2, 10), at(2, 12), owner=owner)
    assert booking.status == CONFIRMED and booking.user_id == owner.id and booking.created_by_id == staff.id


# --- training sessions and closures ---------------------------------------------------------------

def test_a_training_session_in_the_room_holds_it():
    studio = make_resource()
    _p, _c, session = make_programme_and_session(studio, starts_at=at(2, 14), ends_at=at(2, 16), topic="直播话术")
    with pytest.raises(Conflict) as error:
        service.book(make_user(), studio, at(2, 15), at(2, 17))
    assert "A training session (直播话术) uses 1号直播间" in said(error)
    assert not service.is_free(studio.id, at(2, 15), at(2, 17))
    assert service.is_free(studio.id, at(2, 16), at(2, 17))
    # What the training area asks before putting a session in a room.
    service.book(make_user(), studio, at(3, 10), at(3, 12))
    assert "already taken" in service.room_conflict(studio.id, at(3, 11), at(3, 13))
    assert service.room_conflict(studio.id, at(2, 14), at(2, 16), ignore_session_id=session.id) is None


def test_a_closure_cancels_the_bookings_it_hits_and_tells_their_owners():
    studio, other = make_resource(), make_resource("2号直播间")
    owner, staff = make_user("shop_owner"), make_user("staff")
    [hit] = service.book(owner, studio, at(2, 10), at(2, 12))
    [spared] = service.book(owner, other, at(2, 10), at(2, 12))
    _blackout, cancelled = service.add_blackout(staff, site_id=studio.site_id, resource=studio,
                                                starts_at=at(2, 8), ends_at=at(2, 13), reason="灯光线路检修")
    assert cancelled == [hit] and hit.status == CANCELLED and spared.status == CONFIRMED
    note = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert note.kind == "booking.closed" and "灯光线路检修" in text_for(note, "en")
    with pytest.raises(Conflict) as error:
        service.book(owner, studio, at(2, 12), at(2, 13))
    assert "1号直播间 is closed from" in said(error) and "灯光线路检修" in said(error)


def test_a_closure_of_the_whole_base_holds_every_resource():
    studio = make_resource()
    service.add_blackout(make_user("staff"), site_id=studio.site_id, resource=None, starts_at=at(2, 0),
                         ends_at=at(3, 0), reason="国庆休息")
    with pytest.raises(Conflict):
        service.book(make_user(), studio, at(2, 10), at(2, 11))
    assert db.session.scalar(select(Blackout.reason)) == "国庆休息"


# --- kits -----------------------------------------------------------------------------------------

def test_a_kit_books_studio_and_equipment_in_one_step():
    studio, lights, mic = make_resource(), make_equipment("环形补光灯", 5), make_equipment("麦克风", 2)
    kit = make_kit("带货套装", {studio: 1, lights: 2, mic: 1})
    placed = service.book_kit(make_user("shop_owner"), kit, at(2, 19), at(2, 21))
    assert sorted(b.resource.name for b in placed) == ["1号直播间", "环形补光灯", "环形补光灯", "麦克风"]
    assert len({b.group_key for b in placed}) == 1


def test_a_kit_is_all_or_nothing():
    studio, lights = make_resource(), make_equipment("环形补光灯", 2)
    kit = make_kit("带货套装", {studio: 1, lights: 2})
    service.book(make_user(), lights, at(2, 19), at(2, 21))  # one of the two lights is out
    with pytest.raises(Conflict) as error:
        service.book_kit(make_user("shop_owner"), kit, at(2, 19), at(2, 21))
    assert "Nothing was booked" in said(error) and "环形补光灯" in said(error)
    assert count(Booking) == 1
    assert service.is_free(studio.id, at(2, 19), at(2, 21))


def test_cancelling_a_kit_frees_all_of_it():
    studio, lights = make_resource(), make_equipment("环形补光灯", 2)
    kit = make_kit("带货套装", {studio: 1, lights: 2})
    owner = make_user("shop_owner")
    placed = service.book_kit(owner, kit, at(2, 19), at(2, 21))
    service.cancel(owner, placed[0])
    assert {b.status for b in placed} == {CANCELLED}


# --- weekly repeat ----------------------------------------------------------------------------------

def test_weekly_repeat_books_the_free_dates_and_lists_the_others():
    studio = make_resource(max_advance_days=70)
    owner, staff = make_user("shop_owner"), make_user("staff")
    service.book(make_user(), studio, at(2 + 14, 19), at(2 + 14, 21))  # week 3 taken
    service.add_blackout(staff, site_id=studio.site_id, resource=studio, starts_at=at(2 + 35, 0),
                         ends_at=at(2 + 36, 0), reason="春节休息")  # week 6 closed
    result = service.book_weekly(owner, studio, at(2, 19), at(2, 21), 8, purpose="每周五晚直播")
    assert len(result.booked) == 6
    failed = dict(result.failed)
    assert set(failed) == {local_today() + timedelta(days=16), local_today() + timedelta(days=37)}
    assert "already taken" in failed[local_today() + timedelta(days=16)]
    assert "春节休息" in failed[local_today() + timedelta(days=37)]
    assert len({b.series_key for b in result.booked}) == 1


def test_weekly_repeat_of_several_items_books_them_all_every_week():
    lights = make_equipment("环形补光灯", 5, max_advance_days=70)
    result = service.book_weekly(make_user("shop_owner"), lights, at(2, 19), at(2, 21), 2, units=3)
    assert len(result.booked) == 6 and not result.failed
    weeks = {}
    for booking in result.booked:
        weeks.setdefault(booking.starts_at, []).append(booking.unit)
    assert sorted(weeks) == [at(2, 19), at(9, 19)]
    assert all(sorted(units) == [1, 2, 3] for units in weeks.values())
    with pytest.raises(DomainError) as error:
        service.book_weekly(make_user("shop_owner"), lights, at(3, 19), at(3, 21), 2, units=6)
    assert "Choose between 1 and 5" in said(error)

def test_weekly_repeat_stops_at_the_quota():
    studio = make_resource(max_advance_days=70, weekly_quota_hours=2)
    result = service.book_weekly(make_user(), studio, at(2, 19), at(2, 21), 3)
    assert len(result.booked) == 3 and not result.failed


# --- cancel and move ----------------------------------------------------------------------------------

def test_cancel_until_the_cut_off():
    studio = make_resource(cancel_cutoff_minutes=120)
    owner = make_user("shop_owner")
    [booking] = service.book(owner, studio, at(2, 10), at(2, 12))
    with pytest.raises(NotAllowed) as error:
        service.cancel(owner, booking, now=booking.starts_at - timedelta(minutes=60))
    assert "can be cancelled until" in said(error)
    service.cancel(owner, booking, now=booking.starts_at - timedelta(minutes=180))
    assert booking.status == CANCELLED
    service.book(make_user(), studio, at(2, 10), at(2, 12))  # the time is free again


def test_someone_else_cannot_cancel_but_staff_can_and_she_is_told():
    studio = make_resource()
    owner = make_user("shop_owner")
    [booking] = service.book(owner, studio, at(2, 10), at(2, 12))
    with pytest.raises(NotAllowed):
        service.cancel(make_user("shop_owner"), booking)
    service.cancel(make_user("staff"), booking, "直播间临时借给区里活动")
    assert count(Notification, Notification.user_id == owner.id, Notification.kind == "booking.cancelled_by_staff") == 1


def test_move_to_a_free_time_and_not_onto_another_booking():
    studio = make_resource()
    owner = make_user("shop_owner")
    [booking] = service.book(owner, studio, at(2, 10), at(2, 12))
    service.book(make_user(), studio, at(2, 14), at(2, 16))
    with pytest.raises(Conflict):
        service.move(owner, booking, at(2, 15), at(2, 17))
    db.session.refresh(booking)
    assert booking.starts_at == at(2, 10)
    service.move(owner, booking, at(2, 11), at(2, 13))  # overlaps its own old time: fine
    assert (booking.starts_at, booking.ends_at) == (at(2, 11), at(2, 13))


# --- on the day --------------------------------------------------------------------------------------

def test_check_in_opens_shortly_before_the_start():
    studio = make_resource()
    owner = make_user("shop_owner")
    [booking] = service.book(owner, studio, at(2, 10), at(2, 12))
    with pytest.raises(DomainError) as error:
        service.check_in(owner, booking, now=booking.starts_at - timedelta(minutes=30))
    assert "Check-in opens at" in said(error)
    service.check_in(owner, booking, now=booking.starts_at - timedelta(minutes=10))
    assert booking.checked_in_at is not None


def test_check_in_with_the_door_code():
    studio = make_resource(checkin_code="482913")
    owner = make_user("shop_owner")
    [booking] = service.book(owner, studio, at(2, 10), at(2, 12))
    with pytest.raises(DomainError) as error:
        service.check_in_with_code(owner, "000000", now=booking.starts_at)
    assert "code is not right" in said(error)
    with pytest.raises(DomainError) as error:
        service.check_in_with_code(make_user(), "482913", now=booking.starts_at)
    assert "no booking of 1号直播间 starting now" in said(error)
    assert service.check_in_with_code(owner, "482913", now=booking.starts_at + timedelta(minutes=5)) == booking
    assert booking.checked_in_at is not None


def test_no_show_is_released_and_the_time_becomes_bookable():
    studio = make_resource()
    owner = make_user("shop_owner")
    [late] = service.book(owner, studio, at(2, 10), at(2, 12))
    [kept] = service.book(owner, studio, at(2, 12), at(2, 14))
    service.check_in(owner, kept, now=kept.starts_at)
    assert service.release_no_shows(now=late.starts_at + timedelta(minutes=14)) == []
    assert service.release_no_shows(now=late.starts_at + timedelta(minutes=15)) == [late]
    assert late.status == NO_SHOW and kept.status == CONFIRMED
    assert service.is_free(studio.id, at(2, 10, 30), at(2, 12))
    assert service.release_no_shows(now=late.starts_at + timedelta(minutes=20)) == []  # idempotent
    assert count(Notification, Notification.kind == "booking.no_show") == 1


def test_the_no_show_grace_is_a_setting(app):
    studio = make_resource()
    [booking] = service.book(make_user(), studio, at(2, 10), at(2, 12))
    app.config["BOOKING_NO_SHOW_MINUTES"] = 30
    try:
        assert jobs.release_no_shows() == 0
        assert service.release_no_shows(now=booking.starts_at + timedelta(minutes=20)) == []
        assert service.release_no_shows(now=booking.starts_at + timedelta(minutes=30)) == [booking]
    finally:
        app.config.pop("BOOKING_NO_SHOW_MINUTES")


def test_repeated_no_shows_pause_booking_and_say_until_when():
    studio = make_resource()
    owner = make_user("shop_owner")
    for day in (2, 3, 4):
        [booking] = service.book(owner, studio, at(day, 10), at(day, 11))
        service.release_no_shows(now=booking.starts_at + timedelta(minutes=16))
    until = service.paused_until(owner)
    assert until is not None
    with pytest.raises(NotAllowed) as error:
        service.book(owner, studio, at(5, 10), at(5, 11))
    assert "Booking is paused until" in said(error) and "no-shows" in said(error)
    note = db.session.scalar(select(Notification).where(Notification.kind == "booking.paused"))
    assert "After 3 missed bookings" in text_for(note, "en")


def test_reminders_a_day_and_an_hour_before_each_once():
    studio = make_resource()
    owner = make_user("shop_owner")
    [booking] = service.book(owner, studio, at(2, 10), at(2, 12))
    assert service.send_reminders(now=booking.starts_at - timedelta(hours=25)) == 0
    assert service.send_reminders(now=booking.starts_at - timedelta(hours=23)) == 1
    assert service.send_reminders(now=booking.starts_at - timedelta(hours=22)) == 0
    assert service.send_reminders(now=booking.starts_at - timedelta(minutes=50)) == 1
    assert service.send_reminders(now=booking.starts_at - timedelta(minutes=40)) == 0
    texts = [text_for(n, "en") for n in db.session.scalars(select(Notification).order_by(Notification.id))]
    assert texts[0].startswith("Booking reminder: 1号直播间") and texts[1].startswith("In one hour: 1号直播间")


def test_a_day_ahead_reminder_for_later_today_does_not_say_tomorrow():
    [booking] = service.book(make_user("shop_owner"), make_resource(), at(2, 19), at(2, 21))
    assert service.send_reminders(now=booking.starts_at - timedelta(hours=3)) == 1
    note = db.session.scalar(select(Notification))
    for locale, tomorrow in (("en", "Tomorrow"), ("zh_CN", "明天")):
        text = text_for(note, locale)
        assert tomorrow not in text and "1号直播间" in text


def test_equipment_hand_over_return_and_overdue_flag():
    camera = make_equipment("相机", 2)
    owner, staff = make_user("shop_owner"), make_user("staff")
    [booking] = service.book(owner, camera, at(2, 10), at(2, 12))
    service.hand_over(staff, booking, "镜头干净", now=booking.starts_at)
    assert booking.checked_in_at is not None  # handed over counts as there
    assert service.flag_overdue(now=booking.ends_at + timedelta(minutes=10)) == []
    assert service.flag_overdue(now=booking.ends_at + timedelta(minutes=31)) == [booking]
    assert service.flag_overdue(now=booking.ends_at + timedelta(minutes=60)) == []
    note = db.session.scalar(select(Notification).where(Notification.user_id == staff.id))
    assert note.kind == "booking.overdue" and "相机" in text_for(note, "en")
    service.take_back(staff, booking, "电池少了一块")
    assert booking.return_note == "电池少了一块"
    with pytest.raises(Conflict):
        service.take_back(staff, booking, "")


# --- reading: calendar, reports, feed --------------------------------------------------------------------

def test_day_calendar_marks_mine_busy_sessions_and_closures():
    studio = make_resource()
    me, other = make_user("shop_owner"), make_user("shop_owner")
    service.book(me, studio, at(2, 10), at(2, 11))
    service.book(other, studio, at(2, 11), at(2, 12))
    make_programme_and_session(studio, starts_at=at(2, 14), ends_at=at(2, 15), topic="选品")
    service.add_blackout(make_user("staff"), site_id=studio.site_id, resource=studio, starts_at=at(2, 20),
                         ends_at=at(2, 22), reason="保洁")
    [row] = service.day_calendar(studio.site_id, local_today() + timedelta(days=2), me)
    states = [(p.state, p.local_start.strftime("%H:%M"), p.local_end.strftime("%H:%M")) for p in row["periods"]]
    assert states == [("free", "09:00", "10:00"), ("mine", "10:00", "11:00"), ("busy", "11:00", "12:00"),
                      ("free", "12:00", "14:00"), ("session", "14:00", "15:00"), ("free", "15:00", "20:00"),
                      ("closure", "20:00", "22:00")]


def test_a_free_time_offers_the_starts_from_which_the_shortest_booking_fits():
    studio = make_resource(min_minutes=90)  # 30-minute slots
    pool = make_equipment("环形补光灯", 2, min_minutes=60)
    me, other = make_user("shop_owner"), make_user("shop_owner")
    service.book(other, studio, at(2, 12), at(2, 14))
    service.book(other, pool, at(2, 12), at(2, 14))
    rows = {row["resource"].id: row for row in service.day_calendar(studio.site_id, day_ahead(2), me)}
    free = [p for p in rows[studio.id]["periods"] if p.state == "free"]
    assert rows[studio.id]["length"] == 90
    assert [(p.local_start.strftime("%H:%M"), p.local_end.strftime("%H:%M")) for p in free] == [
        ("09:00", "12:00"), ("14:00", "22:00")]
    # 10:30 is the last start before 12:00 with 90 minutes free; 20:30 before closing.
    assert [t.strftime("%H:%M") for t in free[0].starts] == ["09:00", "09:30", "10:00", "10:30"]
    assert free[1].starts[0].strftime("%H:%M") == "14:00" and free[1].starts[-1].strftime("%H:%M") == "20:30"
    # A pool with one item taken is still free (one of two): every start fits.
    pool_starts = [t.strftime("%H:%M") for p in rows[pool.id]["periods"] for t in p.starts]
    assert "11:30" in pool_starts and "12:00" in pool_starts and pool_starts[-1] == "21:00"
    # Nothing is offered on a day that is over.
    [row] = [r for r in service.day_calendar(studio.site_id, day_ahead(-1), me) if r["resource"].id == studio.id]
    assert [p.state for p in row["periods"]] == ["past"] and not row["periods"][0].starts


def test_the_calendar_pages_through_the_resources_it_is_given():
    from incubator.booking.models import EQUIPMENT, Resource

    studio, light = make_resource(), make_equipment()
    make_resource("关闭的直播间", active=False)
    me = make_user("shop_owner")
    listed = list(db.session.scalars(service.calendar_resources(studio.site_id)).unique())
    assert listed == [studio, light]  # studios first, then equipment; inactive ones left out
    assert list(db.session.scalars(service.calendar_resources(studio.site_id, EQUIPMENT)).unique()) == [light]
    [row] = service.day_calendar(studio.site_id, day_ahead(2), me, [light])
    assert row["resource"] is light and isinstance(row["resource"], Resource)


def test_the_week_is_each_day_as_the_day_calendar_shows_it():
    """The week is read once for seven days; each day must look exactly as it
    does when that day is read alone."""
    studio = make_resource()
    me, other = make_user("shop_owner"), make_user("shop_owner")
    service.book(me, studio, at(1, 10), at(1, 11))
    service.book(other, studio, at(3, 11), at(3, 13))
    make_programme_and_session(studio, starts_at=at(2, 14), ends_at=at(2, 15), topic="选品")
    staff = make_user("staff")
    service.add_blackout(staff, site_id=studio.site_id, resource=studio, starts_at=at(4, 20), ends_at=at(5, 10),
                         reason="保洁")
    service.add_blackout(staff, site_id=studio.site_id, resource=None, starts_at=at(6, 9), ends_at=at(6, 12),
                         reason="停电")
    first = local_today()
    week = service.week_of(studio, first, me)
    assert [d for d, _periods in week] == [first + timedelta(days=n) for n in range(7)]
    for d, periods in week:
        assert periods == service.merge_slots(service.day_slots(studio, d, me), service.booking_length(studio)), d
    assert ("mine", "10:00") in [(p.state, p.local_start.strftime("%H:%M")) for p in week[1][1]]
    assert [p.state for p in week[5][1]] == ["closure", "free"]
    assert [p.label for p in week[6][1] if p.state == "closure"] == ["停电"]


def test_a_booking_for_a_shop_of_another_base_is_refused():
    from tests.factories import make_site
    from tests.factories_livestreams import make_shop

    studio = make_resource()
    staff = make_user("staff")
    far_shop = make_shop(site=make_site("另一个基地"))
    with pytest.raises(DomainError) as error:
        service.book(staff, studio, at(2, 10), at(2, 11), shop_id=far_shop.id)
    assert "your own shops" in said(error) and count(Booking) == 0
    near_shop = make_shop()
    [booking] = service.book(staff, studio, at(2, 10), at(2, 11), shop_id=near_shop.id)
    assert booking.shop_id == near_shop.id


def test_what_is_free_at_a_time():
    studio, _other = make_resource(), make_resource("2号直播间")
    service.book(make_user(), studio, at(2, 19), at(2, 21))
    assert [row["resource"].name for row in service.free_at(studio.site_id, at(2, 19), at(2, 20))] == ["2号直播间"]


def test_what_is_free_leaves_out_a_maintenance_only_while_it_lasts():
    camera = make_equipment("相机", 2, status="maintenance", maintenance_reason="换镜头",
                            maintenance_from=local_today() + timedelta(days=20),
                            maintenance_until=local_today() + timedelta(days=25))
    assert [row["resource"].name for row in service.free_at(camera.site_id, at(2, 19), at(2, 20))] == ["相机"]
    assert service.free_at(camera.site_id, at(21, 19), at(21, 20)) == []


def test_utilisation_and_no_show_rate():
    studio = make_resource(opens=time(9, 0), closes=time(19, 0))
    monday = local_today() + timedelta(days=7 - local_today().weekday())
    start = monday - timedelta(days=0)
    days = (start - local_today()).days
    [a] = service.book(make_user(), studio, at(days, 10), at(days, 14))
    [b] = service.book(make_user(), studio, at(days + 1, 10), at(days + 1, 12))
    service.release_no_shows(now=b.starts_at + timedelta(minutes=20))
    a.status = CONFIRMED
    db.session.commit()
    [row] = service.utilisation(studio.site_id, monday)
    assert row["open"] == 70 and row["booked"] == 4 and row["no_show_hours"] == 2 and row["percent"] == 6
    rate = service.no_show_rate(studio.site_id, at(days, 0), at(days + 7, 0), now=at(days + 2, 0))
    assert rate == {"total": 2, "no_shows": 1, "percent": 50}
    # Seen from the afternoon of the first, the second has not begun yet: not counted.
    rate = service.no_show_rate(studio.site_id, at(days, 0), at(days + 7, 0), now=at(days, 15))
    assert rate == {"total": 1, "no_shows": 0, "percent": 0}


def test_a_kit_missed_counts_as_one_no_show():
    studio, lights = make_resource(), make_equipment("环形补光灯", 5)
    kit = make_kit("带货套装", {studio: 1, lights: 2})
    placed = service.book_kit(make_user(), kit, at(2, 19), at(2, 21))
    service.book(make_user(), studio, at(3, 19), at(3, 21))  # kept
    for booking in placed:
        booking.status = NO_SHOW
    db.session.commit()
    rate = service.no_show_rate(studio.site_id, at(0, 0), at(7, 0), now=at(4, 0))
    assert rate == {"total": 2, "no_shows": 1, "percent": 50}


def test_ical_feed_holds_her_bookings_and_confirmed_sessions():
    studio = make_resource()
    trainee = make_user("trainee")
    service.book(trainee, studio, at(2, 10), at(2, 11), purpose="练习讲解")
    _p, cohort, session = make_programme_and_session(studio, starts_at=at(3, 14), ends_at=at(3, 16), topic="直播话术")
    _p2, cohort2, _s2 = make_programme_and_session(name="电商运营", starts_at=at(4, 14), ends_at=at(4, 16),
                                                   topic="不该出现")
    db.session.add_all([Application(cohort_id=cohort.id, user_id=trainee.id, site_id=cohort.site_id,
                                    status="confirmed"),
                        Application(cohort_id=cohort2.id, user_id=trainee.id, site_id=cohort.site_id,
                                    status="submitted")])
    db.session.commit()
    calendar = Calendar.from_ical(service.feed_ics(trainee))
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Booked: 1号直播间", "Session: 直播话术"}
    booked = events["Booked: 1号直播间"]
    assert booked.decoded("dtstart").replace(tzinfo=None) == at(2, 10)
    assert str(booked["location"]) == "1号直播间" and str(booked["description"]) == "练习讲解"
    assert events["Session: 直播话术"].decoded("dtend").replace(tzinfo=None) == session.ends_at


def test_feed_token_renewal_retires_the_old_address():
    user = make_user()
    old = service.feed_token(user)
    assert service.user_for_feed(old) == user
    new = service.renew_feed_token(user)
    assert new != old and service.user_for_feed(old) is None and service.user_for_feed(new) == user


def test_staff_reserve_a_studio_for_a_livestream_past_the_person_rules():
    studio = make_resource(allowed_roles=["trainee"], approval_required=True, weekly_quota_hours=1)
    staff = make_user("staff")
    booking = service.reserve(staff, studio, at(2, 19), at(2, 22), purpose="政策解读直播")
    assert booking.status == CONFIRMED
    with pytest.raises(Conflict):
        service.reserve(staff, studio, at(2, 20), at(2, 21), purpose="x")
    with pytest.raises(NotAllowed):
        service.reserve(make_user("trainee"), studio, at(3, 19), at(3, 20), purpose="x")


def test_saving_a_resource_checks_its_rules():
    staff = make_user("staff")
    with pytest.raises(DomainError) as error:
        service.save_resource(staff, None, site_id=staff.site_id, name="", kind="studio")
    assert "Give it a name" in said(error)
    with pytest.raises(DomainError) as error:
        service.save_resource(staff, None, site_id=staff.site_id, name="3号", kind="studio", status="maintenance")
    assert "Say why" in said(error)
    resource = service.save_resource(staff, None, site_id=staff.site_id, name="3号直播间", kind="studio")
    assert len(resource.hours) == 7 and resource.checkin_code and len(resource.checkin_code) == 6
