"""Rules of livestreams, residents' questions and results, without HTTP."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from incubator.audit import AuditEntry
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.livestreams import reports, service
from incubator.livestreams.models import (
    APPROVED,
    PENDING,
    POLICY,
    REJECTED,
    SALES,
    SHOWCASE,
    LivestreamResult,
    Question,
)
from incubator.notify.models import Notification
from incubator.timeutil import utcnow
from tests.factories import make_site, make_user
from tests.factories_booking import at
from tests.factories_livestreams import make_livestream, make_question, make_shop, make_studio


def _schedule(actor, **overrides):
    # A fixed evening hour: now plus whole days would run past the studio's
    # closing (and midnight) when the tests run late in the day.
    starts_at = at(2, 19)
    fields = dict(site_id=actor.site_id, title="社区医保政策解读", kind=POLICY, platform="wechat_channels",
                  starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), guest="街道社保所 陈主任")
    fields.update(overrides)
    return service.schedule(actor, **fields)


# --- Scheduling ----------------------------------------------------------------

def test_staff_schedule_a_livestream_with_hosts_shops_and_studio_and_hosts_are_told():
    staff = make_user("staff")
    host = make_user("trainee", name="张格琴")
    shop = make_shop(name="新疆香馕")
    studio = make_studio(name="一号直播间")
    livestream = _schedule(staff, title="新疆香馕带货专场", kind=SALES, host_ids=[host.id], shop_ids=[shop.id],
                           studio_id=studio.id, products="烤馕", room="抖音号 lieshita")
    assert [h.display_name for h in livestream.hosts] == ["张格琴"]
    assert [s.name for s in livestream.shops] == ["新疆香馕"]
    assert livestream.studio_id == studio.id
    note = db.session.scalar(select(Notification).where(Notification.user_id == host.id))
    assert note.kind == "livestreams.host_assigned"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "livestream.scheduled"))


def test_a_livestream_must_end_after_it_starts_and_have_a_title():
    staff = make_user("staff")
    start = utcnow() + timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        _schedule(staff, title=" ", starts_at=start, ends_at=start)
    fields = {field for field, _ in caught.value.errors}
    assert {"title", "ends_at"} <= fields


def test_a_livestream_needs_a_host_or_a_guest():
    with pytest.raises(DomainError) as caught:
        _schedule(make_user("staff"), guest="")
    assert caught.value.errors[0][0] == "host_ids"


def test_the_studio_cannot_be_double_booked_by_another_livestream():
    staff = make_user("staff")
    studio = make_studio()
    first = _schedule(staff, studio_id=studio.id)
    with pytest.raises(Conflict) as caught:
        _schedule(staff, studio_id=studio.id, starts_at=first.starts_at + timedelta(minutes=30),
                  ends_at=first.ends_at + timedelta(minutes=30))
    assert first.title in str(caught.value.message)
    # Back to back is fine; so is the same time once the first is cancelled.
    _schedule(staff, studio_id=studio.id, starts_at=first.ends_at, ends_at=first.ends_at + timedelta(hours=1))
    service.cancel(staff, first)
    _schedule(staff, studio_id=studio.id, starts_at=first.starts_at, ends_at=first.ends_at)


def test_changing_a_livestream_does_not_clash_with_itself():
    staff = make_user("staff")
    studio = make_studio()
    livestream = _schedule(staff, studio_id=studio.id)
    changed = _schedule(staff, livestream=livestream, studio_id=studio.id, title="改名后的直播",
                        ends_at=livestream.ends_at + timedelta(minutes=30))
    assert changed.id == livestream.id and changed.title == "改名后的直播"


def test_studio_hosts_and_shops_must_belong_to_the_base():
    staff = make_user("staff")
    other = make_site()
    with pytest.raises(DomainError) as caught:
        _schedule(staff, studio_id=make_studio(site=other).id)
    assert caught.value.errors[0][0] == "studio_id"
    with pytest.raises(DomainError):
        _schedule(staff, studio_id=make_studio(kind="equipment").id)
    with pytest.raises(DomainError):
        _schedule(staff, host_ids=[make_user("trainee", site=other).id])
    with pytest.raises(DomainError):
        _schedule(staff, shop_ids=[make_shop(site=other).id])


def test_cancelling_tells_the_hosts_and_an_ended_livestream_cannot_be_cancelled():
    staff = make_user("staff")
    host = make_user("trainee")
    livestream = make_livestream(hosts=[host])
    service.cancel(staff, livestream)
    assert livestream.cancelled
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == host.id)) == \
        "livestreams.cancelled"
    with pytest.raises(Conflict):
        service.cancel(staff, livestream)
    with pytest.raises(NotAllowed):
        service.cancel(staff, make_livestream(starts_in=timedelta(days=-1)))


# --- Questions -------------------------------------------------------------------

def test_a_resident_question_waits_for_approval_before_it_is_shown():
    livestream = make_livestream(POLICY)
    question = service.ask(livestream, text="  高龄津贴怎么申请？ ", name="张大爷", phone="139 1234 5678")
    assert question.status == PENDING and question.text == "高龄津贴怎么申请？"
    assert service.public_questions(livestream) == []
    assert service.pending_questions(livestream.site_id) == [question]
    staff = make_user("staff")
    service.moderate(staff, question, APPROVED)
    assert service.public_questions(livestream) == [question]
    assert service.pending_questions(livestream.site_id) == []


def test_a_rejected_question_is_never_shown_nor_answerable():
    staff = make_user("staff")
    question = make_question(make_livestream(POLICY))
    service.moderate(staff, question, REJECTED)
    assert service.public_questions(question.livestream) == []
    with pytest.raises(NotAllowed):
        service.mark_answered(staff, question)


def test_questions_are_limited_in_size_and_need_text():
    livestream = make_livestream(POLICY)
    with pytest.raises(DomainError) as caught:
        service.ask(livestream, text="问" * 501)
    assert "500" in str(caught.value.message)
    with pytest.raises(DomainError):
        service.ask(livestream, text="   ")
    with pytest.raises(DomainError) as caught:
        service.ask(livestream, text="可以吗", phone="call me")
    assert caught.value.errors[0][0] == "phone"
    assert service.ask(livestream, text="问" * 500).id
    assert db.session.scalar(select(db.func.count(Question.id))) == 1


def test_questions_are_taken_before_and_during_a_policy_livestream_only():
    live = make_livestream(POLICY, starts_in=timedelta(minutes=-10))
    assert service.ask(live, text="现在还能问吗？").id
    for livestream in (make_livestream(POLICY, starts_in=timedelta(hours=-3)),
                       make_livestream(SALES), make_livestream(SHOWCASE),
                       make_livestream(POLICY, cancelled=True)):
        with pytest.raises(NotAllowed):
            service.ask(livestream, text="能问吗？")


def test_host_marks_answered_and_adds_a_written_answer_afterwards():
    host = make_user("trainee")
    livestream = make_livestream(POLICY, hosts=[host])
    first = make_question(livestream, "第一个问题", status=APPROVED)
    second = make_question(livestream, "第二个问题", status=APPROVED)
    assert service.approved_queue(livestream) == [first, second]
    service.mark_answered(host, first)
    assert first.answered_at is not None and first.answered_by_id == host.id
    # Unanswered questions stay on top of the host's queue.
    assert service.approved_queue(livestream) == [second, first]
    service.save_answer(host, second, "可以在“我的南京”App上办理。")
    assert second.answered_at is not None and second.answer.startswith("可以")
    with pytest.raises(DomainError):
        service.save_answer(host, second, "长" * 1001)
    service.mark_answered(host, first, answered=False)
    assert first.answered_at is None


def test_a_written_answer_counts_as_answered_until_the_host_empties_it():
    host = make_user("trainee")
    question = make_question(make_livestream(POLICY, hosts=[host]), status=APPROVED)
    service.save_answer(host, question, "出生后30天内到街道办登记。")
    with pytest.raises(NotAllowed):
        service.mark_answered(host, question, answered=False)
    assert question.answered_at is not None and question.answer
    service.save_answer(host, question, "")
    service.mark_answered(host, question, answered=False)
    assert question.answered_at is None and question.answer == ""


def test_an_answered_question_cannot_be_moderated_again():
    staff = make_user("staff")
    question = make_question(make_livestream(POLICY), status=APPROVED, answered=True)
    with pytest.raises(Conflict):
        service.moderate(staff, question, REJECTED)


def test_can_run_is_for_site_staff_and_hosts():
    host = make_user("trainee")
    livestream = make_livestream(hosts=[host])
    assert service.can_run(host, livestream)
    assert service.can_run(make_user("staff"), livestream)
    assert service.can_run(make_user("admin", site=make_site()), livestream)
    assert not service.can_run(make_user("trainee"), livestream)
    assert not service.can_run(make_user("staff", site=make_site()), livestream)


# --- Results -----------------------------------------------------------------------

def test_results_are_kept_per_shop_and_go_to_the_shops_outcome_logs():
    staff = make_user("staff")
    nang, tea = make_shop(name="新疆香馕"), make_shop(name="老山茶")
    livestream = make_livestream(SALES, starts_in=timedelta(hours=-2), shops=[nang, tea], title="带货专场")
    service.save_results(staff, livestream, [service.ResultRow(nang.id, 3280, 146, 876_000),
                                             service.ResultRow(tea.id, 900, 12, 36_000)])
    outcomes = service.push_results_to_shops(livestream)
    assert [(o.shop_id, o.viewers, o.orders, o.revenue_fen) for o in outcomes] == sorted(
        [(nang.id, 3280, 146, 876_000), (tea.id, 900, 12, 36_000)])
    assert all(o.title == "带货专场" and o.held_at == livestream.starts_at for o in outcomes)
    # Correcting replaces, never duplicates.
    service.save_results(staff, livestream, [service.ResultRow(nang.id, 3300, 150, 900_000)])
    assert db.session.scalar(select(db.func.count(LivestreamResult.id))) == 2
    [line] = service.shop_outcomes(nang.id)
    assert (line.viewers, line.orders, line.revenue_fen) == (3300, 150, 900_000)
    # The shops' own livestream and sales logs hold one line per shop, corrected.
    from incubator.shops.service import sales_of

    [record] = sales_of(nang)
    assert (record.viewers, record.orders, record.revenue_fen, record.livestream_id) == (
        3300, 150, 900_000, livestream.id)
    assert [r.revenue_fen for r in sales_of(tea)] == [36_000]


def test_a_shops_sales_line_is_dated_on_its_bases_clock():
    """Half past eleven at night in Urumqi is already the next day in
    Beijing: the shop's log keeps the day the livestream was on at its base."""
    from incubator.shops.service import sales_of

    site = make_site(timezone="Asia/Urumqi")
    staff, shop = make_user("staff", site=site), make_shop(site=site)
    yesterday = (utcnow() - timedelta(days=1)).date()
    livestream = make_livestream(SALES, site=site, shops=[shop])
    livestream.starts_at = datetime.combine(yesterday, time(17, 30))  # 23:30 in Urumqi, 01:30 in Beijing
    livestream.ends_at = livestream.starts_at + timedelta(hours=1)
    db.session.commit()
    service.save_results(staff, livestream, [service.ResultRow(shop.id, 500, 20, 80_000)])
    [record] = sales_of(shop)
    assert record.occurred_on == yesterday


def test_results_only_for_featured_shops_of_a_started_sales_livestream():
    staff = make_user("staff")
    shop, stranger = make_shop(), make_shop()
    livestream = make_livestream(SALES, starts_in=timedelta(hours=-2), shops=[shop])
    with pytest.raises(DomainError):
        service.save_results(staff, livestream, [service.ResultRow(stranger.id, 1, 1, 1)])
    with pytest.raises(DomainError):
        service.save_results(staff, livestream, [service.ResultRow(shop.id, -1, 0, 0)])
    with pytest.raises(NotAllowed):
        service.save_results(staff, make_livestream(SALES, shops=[shop]), [service.ResultRow(shop.id, 1, 1, 1)])
    with pytest.raises(NotAllowed):
        service.save_results(staff, make_livestream(POLICY, starts_in=timedelta(hours=-2)), [])
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(LivestreamResult.id))) == 0


# --- Reports -------------------------------------------------------------------------

def test_livestreams_held_by_kind_counts_only_held_ones_in_the_period_and_base():
    site = make_site()
    now = utcnow()
    make_livestream(SALES, site=site, starts_in=timedelta(days=-2))
    make_livestream(SALES, site=site, starts_in=timedelta(days=-3))
    make_livestream(POLICY, site=site, starts_in=timedelta(days=-1))
    make_livestream(POLICY, site=site, starts_in=timedelta(days=-1), cancelled=True)
    make_livestream(SHOWCASE, site=site, starts_in=timedelta(days=2))  # not held yet
    make_livestream(SALES, site=site, starts_in=timedelta(days=-40))  # before the period
    make_livestream(SALES, site=make_site(), starts_in=timedelta(days=-2))  # another base
    figures = reports.livestreams_held_by_kind(site.id, now - timedelta(days=30), now + timedelta(days=30))
    assert figures == {SALES: 2, POLICY: 1, SHOWCASE: 0}
    everywhere = reports.livestreams_held_by_kind(None, now - timedelta(days=30), now + timedelta(days=30))
    assert everywhere[SALES] == 3


def test_question_figures_count_received_approved_and_answered():
    now = utcnow()
    livestream = make_livestream(POLICY)
    make_question(livestream)
    make_question(livestream, status=REJECTED)
    make_question(livestream, status=APPROVED)
    make_question(livestream, status=APPROVED, answered=True)
    make_question(make_livestream(POLICY, site=make_site()))
    figures = reports.question_figures(livestream.site_id, now - timedelta(days=1), now + timedelta(days=1))
    assert figures == {"received": 4, "approved": 2, "answered": 1}
    assert reports.question_figures(livestream.site_id, now + timedelta(days=1), now + timedelta(days=2)) == \
        {"received": 0, "approved": 0, "answered": 0}


def test_two_staff_cannot_take_the_same_studio_at_the_same_time(app, is_postgres):
    """On PostgreSQL two schedulers race in threads (the studio row is locked);
    on SQLite, which serialises writers, the second simply finds the first."""
    import threading

    from incubator.accounts.models import User

    staff_id = make_user("staff").id
    studio_id = make_studio().id
    starts_at = at(3, 19)
    outcomes = []
    barrier = threading.Barrier(2)

    def attempt(title: str, race: bool) -> None:
        with app.app_context():
            try:
                if race:
                    barrier.wait(timeout=10)
                staff = db.session.get(User, staff_id)
                _schedule(staff, title=title, studio_id=studio_id, starts_at=starts_at,
                          ends_at=starts_at + timedelta(hours=1))
                outcomes.append("scheduled")
            except Conflict:
                outcomes.append("refused")
            finally:
                db.session.rollback()
                db.session.remove()

    if is_postgres:
        threads = [threading.Thread(target=attempt, args=(f"直播{n}", True)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        attempt("直播1", False)
        attempt("直播2", False)
    assert sorted(outcomes) == ["refused", "scheduled"]
    from incubator.livestreams.models import Livestream

    assert db.session.scalar(select(db.func.count(Livestream.id)).where(Livestream.studio_id == studio_id)) == 1


def test_hosts_are_reminded_once_before_their_livestream():
    from incubator.livestreams.jobs import JOBS, remind_hosts

    host, other_host = make_user("trainee"), make_user("trainee")
    make_livestream(POLICY, starts_in=timedelta(minutes=40), hosts=[host, other_host], title="马上开播")
    make_livestream(POLICY, starts_in=timedelta(hours=5), hosts=[host])  # not yet
    make_livestream(POLICY, starts_in=timedelta(minutes=20), hosts=[host], cancelled=True)
    assert remind_hosts() == 2
    assert remind_hosts() == 0  # the job may run again: nobody is told twice
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == host.id)).all()
    assert kinds == ["livestreams.reminder"]
    assert [job.id for job in JOBS] == ["livestreams.remind_hosts"]


def test_notification_texts_are_in_the_readers_language(app):
    from flask_babel import force_locale

    from incubator.notify.messages import render_text

    params = {"title": "社区医保政策解读", "starts_at": "2026-11-25T07:00:00"}
    with app.test_request_context():
        with force_locale("en"):
            assert "You are a host" in render_text("livestreams.host_assigned", params)
            assert "is cancelled" in render_text("livestreams.cancelled", params)
            assert "starts at" in render_text("livestreams.reminder", params)
        with force_locale("zh_Hans_CN"):
            assert "社区医保政策解读" in render_text("livestreams.reminder", params)
            assert "开播" in render_text("livestreams.reminder", params)


def test_the_weekly_staff_digest_counts_livestreams_and_waiting_questions():
    from incubator.livestreams import digest
    from incubator.notify.digest import digest_sections

    keys = [section.key for section in digest_sections]
    assert keys.count("livestreams_this_week") == 1 and keys.count("livestream_questions_waiting") == 1
    now = utcnow()
    livestream = make_livestream(POLICY, starts_in=timedelta(days=1))
    make_livestream(SALES, starts_in=timedelta(days=2), cancelled=True)
    make_question(livestream)
    make_question(livestream, status=APPROVED)
    assert digest.livestreams_this_week(livestream.site_id, now, now) == 1
    assert digest.questions_waiting(livestream.site_id, now, now) == 1


def test_a_scheduled_livestream_holds_its_studio_in_booking_and_releases_it_when_cancelled():
    from incubator.booking import service as booking_service
    from incubator.booking.models import Booking

    staff = make_user("staff")
    studio = make_studio()
    livestream = _schedule(staff, studio_id=studio.id)
    held = db.session.get(Booking, livestream.booking_id)
    assert (held.resource_id, held.starts_at, held.ends_at, held.is_active) == (
        studio.id, livestream.starts_at, livestream.ends_at, True)
    assert not booking_service.is_free(studio.id, livestream.starts_at, livestream.ends_at)
    # Moving the livestream moves the hold.
    later = livestream.starts_at + timedelta(hours=3)
    _schedule(staff, livestream=livestream, studio_id=studio.id, starts_at=later, ends_at=later + timedelta(hours=1))
    db.session.refresh(held)
    assert not held.is_active and livestream.booking_id != held.id
    assert booking_service.is_free(studio.id, held.starts_at, held.ends_at)
    service.cancel(staff, livestream)
    assert livestream.booking_id is None
    assert booking_service.is_free(studio.id, later, later + timedelta(hours=1))


def test_a_studio_someone_booked_cannot_be_given_to_a_livestream():
    from incubator.booking import service as booking_service

    staff = make_user("staff")
    studio = make_studio()
    starts_at = at(3, 19)
    booking_service.reserve(staff, studio, starts_at, starts_at + timedelta(hours=2), purpose="店主直播")
    with pytest.raises(Conflict):
        _schedule(staff, studio_id=studio.id, starts_at=starts_at + timedelta(hours=1),
                  ends_at=starts_at + timedelta(hours=3))
