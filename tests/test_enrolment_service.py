"""Enrolment rules, without HTTP."""

import threading
from datetime import timedelta

import pytest

from incubator.audit import AuditEntry
from incubator.enrolment import jobs, service
from incubator.enrolment.models import Application, ApplicationEvent
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.notify.models import Notification
from incubator.timeutil import local_today, utcnow
from tests.factories import make_user
from tests.factories_enrolment import STANDARD_ANSWERS, make_application, make_cohort, make_programme


@pytest.fixture(autouse=True)
def english():
    """Messages are read in English here (the default language is Chinese)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def statuses(cohort):
    db.session.expire_all()
    return sorted(a.status for a in service.cohort_applications(cohort.id))


def kinds_for(user):
    return [n.kind for n in db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)
                                               .order_by(Notification.id))]


# --- Applying ---------------------------------------------------------------

def test_apply_records_answers_group_history_and_tells_her():
    programme = make_programme(questions=[("yesno", "家里有智能手机吗？", True, ())])
    cohort = make_cohort(programme)
    mother = make_user("trainee", name="张格琴")
    question = programme.questions[0]
    application = service.apply(mother, cohort, group="mother",
                                answers={**STANDARD_ANSWERS, question.key: "yes"})
    assert application.status == "submitted"
    assert application.applicant_group == "mother"
    assert application.answers[question.key] is True
    assert application.answers["children_ages"] == [2, 5]
    assert [e.to_status for e in application.events] == ["submitted"]
    assert kinds_for(mother) == ["enrolment.received"]


def test_a_second_application_to_the_same_class_gets_a_clear_message():
    cohort = make_cohort()
    mother = make_user("trainee")
    service.apply(mother, cohort, group="mother", answers=STANDARD_ANSWERS)
    with pytest.raises(Conflict, match="already applied"):
        service.apply(mother, cohort, group="mother", answers=STANDARD_ANSWERS)
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 1


def test_she_may_apply_again_after_withdrawing_or_letting_an_offer_lapse():
    cohort = make_cohort()
    mother = make_user("trainee")
    first = service.apply(mother, cohort, group="mother", answers=STANDARD_ANSWERS)
    service.withdraw(mother, first)
    again = service.apply(mother, cohort, group="mother", answers={**STANDARD_ANSWERS, "village": "桥北"})
    db.session.expire_all()
    assert again.id == first.id and again.status == "submitted" and again.answers["village"] == "桥北"
    assert [(e.from_status, e.to_status) for e in again.events] == [
        (None, "submitted"), ("submitted", "withdrawn"), ("withdrawn", "submitted")]
    assert kinds_for(mother).count("enrolment.received") == 2
    lapsed = make_application(cohort, status="lapsed")
    assert service.apply(lapsed.user, cohort, group="mother", answers=STANDARD_ANSWERS).status == "submitted"
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 2


def test_a_rejected_applicant_cannot_simply_apply_again():
    application = make_application(status="rejected")
    with pytest.raises(Conflict, match="already applied"):
        service.apply(application.user, application.cohort, group="mother", answers=STANDARD_ANSWERS)


def test_the_database_itself_refuses_a_duplicate():
    from sqlalchemy.exc import IntegrityError

    application = make_application()
    db.session.add(Application(cohort_id=application.cohort_id, user_id=application.user_id,
                               site_id=application.site_id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_missing_answers_come_back_per_field_and_nothing_is_written():
    programme = make_programme(questions=[("short", "抖音账号", True, ())])
    cohort = make_cohort(programme)
    with pytest.raises(DomainError) as caught:
        service.apply(make_user("trainee"), cohort, group="graduate",
                      answers={"availability": [], "children_ages": "小明 3岁", "graduation_year": "1850"})
    fields = {field for field, _ in caught.value.errors}
    assert fields == {"availability", "village", "wants_to_do", "children_ages", "graduation_year",
                      programme.questions[0].key}
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 0


def test_graduates_give_a_graduation_year():
    cohort = make_cohort(make_programme(audiences=("graduates",)))
    application = service.apply(make_user("trainee"), cohort, group="graduate",
                                answers={**STANDARD_ANSWERS, "children_ages": "", "graduation_year": "2026"})
    assert application.answers["graduation_year"] == 2026


@pytest.mark.parametrize("year", ["²⁰²⁶", "2O26", "20 26"])
def test_a_graduation_year_that_is_not_a_plain_number_gets_the_field_message(year):
    cohort = make_cohort(make_programme(audiences=("graduates",)))
    with pytest.raises(DomainError) as caught:
        service.apply(make_user("trainee"), cohort, group="graduate",
                      answers={**STANDARD_ANSWERS, "children_ages": "", "graduation_year": year})
    assert [field for field, _ in caught.value.errors] == ["graduation_year"]
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 0


def test_a_graduation_year_in_full_width_digits_is_understood():
    cohort = make_cohort(make_programme(audiences=("graduates",)))
    application = service.apply(make_user("trainee"), cohort, group="graduate",
                                answers={**STANDARD_ANSWERS, "children_ages": "", "graduation_year": "２０２６"})
    assert application.answers["graduation_year"] == 2026


def test_a_question_answered_no_is_retired_not_deleted_and_no_longer_asked():
    programme = make_programme(questions=[("yesno", "家里有智能手机吗？", True, ())])
    question = programme.questions[0]
    cohort = make_cohort(programme)
    service.apply(make_user("trainee"), cohort, group="mother", answers={**STANDARD_ANSWERS, question.key: "no"})
    assert service.delete_question(make_user("staff"), question) is False
    db.session.expire_all()
    assert question.retired_at is not None and programme.asked_questions == []
    later = service.apply(make_user("trainee"), cohort, group="mother", answers=STANDARD_ANSWERS)
    assert question.key not in later.answers  # not asked, so not required any more


def test_applications_are_refused_outside_the_window():
    cohort = make_cohort(applications_open_on=local_today() + timedelta(days=3))
    with pytest.raises(NotAllowed, match="closed"):
        service.apply(make_user("trainee"), cohort, group="mother", answers=STANDARD_ANSWERS)


# --- Decisions ----------------------------------------------------------------

def test_accept_offers_a_place_with_a_deadline_and_records_who():
    staff = make_user("staff", name="王芳")
    application = make_application()
    service.accept(staff, application)
    db.session.expire_all()
    assert application.status == "accepted"
    assert timedelta(days=2, hours=23) < application.offer_expires_at - utcnow() <= timedelta(days=3)
    event = application.events[-1]
    assert (event.from_status, event.to_status, event.actor_id) == ("submitted", "accepted", staff.id)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "application.accepted"))
    assert kinds_for(application.user)[-1] == "enrolment.accepted"


def test_every_transition_and_the_ones_refused():
    staff = make_user("staff")
    cohort = make_cohort(capacity=5)
    waiting = make_application(cohort)
    service.waitlist(staff, waiting)
    assert waiting.status == "waitlisted"
    rejected = make_application(cohort)
    service.reject(staff, rejected)
    assert rejected.status == "rejected"
    with pytest.raises(NotAllowed):
        service.accept(staff, rejected)
    enrolled = make_application(cohort)
    service.accept(staff, enrolled)
    service.confirm(enrolled.user, enrolled)
    assert enrolled.status == "confirmed"
    assert service.is_enrolled(enrolled.user_id, cohort.id)
    assert service.enrolled_users(cohort.id) == [enrolled.user]
    with pytest.raises(NotAllowed):
        service.confirm(enrolled.user, enrolled)
    service.mark_dropout(staff, enrolled)
    assert enrolled.status == "dropped_out"
    withdrawing = make_application(cohort)
    service.withdraw(withdrawing.user, withdrawing)
    assert withdrawing.status == "withdrawn"
    with pytest.raises(NotAllowed):
        service.withdraw(withdrawing.user, withdrawing)
    with pytest.raises(NotAllowed):
        service.confirm(make_user("trainee"), waiting)
    history = [(e.from_status, e.to_status) for e in db.session.scalars(db.select(ApplicationEvent)
                                                                          .order_by(ApplicationEvent.id))]
    assert ("accepted", "confirmed") in history and ("confirmed", "dropped_out") in history


def test_accepting_a_full_class_is_refused():
    staff = make_user("staff")
    cohort = make_cohort(capacity=1)
    service.accept(staff, make_application(cohort))
    late = make_application(cohort)
    with pytest.raises(Conflict, match="full"):
        service.accept(staff, late)
    db.session.expire_all()
    assert late.status == "submitted"


def test_accept_many_is_all_or_nothing():
    staff = make_user("staff")
    cohort = make_cohort(capacity=2)
    three = [make_application(cohort) for _ in range(3)]
    with pytest.raises(Conflict, match="Only 2"):
        service.accept_many(staff, cohort, three)
    assert statuses(cohort) == ["submitted"] * 3
    service.accept_many(staff, cohort, three[:2])
    assert statuses(cohort) == ["accepted", "accepted", "submitted"]


def test_an_expired_offer_cannot_be_confirmed():
    application = make_application(status="accepted", offer_expires_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(NotAllowed, match="passed"):
        service.confirm(application.user, application)


# --- Waitlist ---------------------------------------------------------------

def test_a_withdrawal_offers_the_place_to_the_oldest_on_the_waitlist():
    staff = make_user("staff")
    cohort = make_cohort(capacity=1)
    holder = make_application(cohort, status="confirmed")
    newer = make_application(cohort, status="waitlisted", submitted_ago_hours=1,
                             decided_at=utcnow() - timedelta(hours=1))
    older = make_application(cohort, status="waitlisted", submitted_ago_hours=5,
                             decided_at=utcnow() - timedelta(hours=4))
    service.withdraw(holder.user, holder)
    db.session.expire_all()
    assert older.status == "accepted" and newer.status == "waitlisted"
    assert timedelta(hours=47) < older.offer_expires_at - utcnow() <= timedelta(hours=48)
    assert kinds_for(older.user)[-1] == "enrolment.offered"
    assert older.events[-1].actor_id is None
    assert staff  # staff took no part


def test_a_dropout_before_the_start_frees_the_seat_but_not_after():
    staff = make_user("staff")
    upcoming = make_cohort(capacity=1, starts_in_days=5)
    dropped = make_application(upcoming, status="confirmed")
    waiting = make_application(upcoming, status="waitlisted")
    service.mark_dropout(staff, dropped)
    db.session.expire_all()
    assert waiting.status == "accepted"

    running = make_cohort(capacity=1, starts_in_days=-5)
    dropped = make_application(running, status="confirmed")
    waiting = make_application(running, status="waitlisted")
    service.mark_dropout(staff, dropped)
    db.session.expire_all()
    assert waiting.status == "waitlisted"


def test_the_job_lapses_expired_offers_moves_on_and_is_idempotent():
    cohort = make_cohort(capacity=1)
    expired = make_application(cohort, status="accepted", offer_expires_at=utcnow() - timedelta(minutes=5))
    waiting = make_application(cohort, status="waitlisted")
    assert jobs.lapse_expired_offers() == 1
    db.session.expire_all()
    assert expired.status == "lapsed"
    assert waiting.status == "accepted"
    assert jobs.lapse_expired_offers() == 0
    db.session.expire_all()
    assert statuses(cohort) == ["accepted", "lapsed"]
    assert kinds_for(expired.user).count("enrolment.lapsed") == 1
    assert jobs.JOBS[0].trigger_args == {"minutes": 10}


def test_the_lapsed_offer_moves_on_until_the_waitlist_is_empty():
    cohort = make_cohort(capacity=1)
    make_application(cohort, status="accepted", offer_expires_at=utcnow() - timedelta(minutes=5))
    first = make_application(cohort, status="waitlisted", decided_at=utcnow() - timedelta(days=2))
    second = make_application(cohort, status="waitlisted", decided_at=utcnow() - timedelta(days=1))
    service.lapse_expired_offers()
    service.lapse_expired_offers(now=utcnow() + timedelta(hours=49))
    db.session.expire_all()
    assert (first.status, second.status) == ("lapsed", "accepted")


def test_settings_change_the_deadlines(app):
    app.config["ENROLMENT_CONFIRM_DAYS"] = 1
    try:
        application = make_application()
        service.accept(make_user("staff"), application)
        assert application.offer_expires_at - utcnow() <= timedelta(days=1)
    finally:
        app.config.pop("ENROLMENT_CONFIRM_DAYS")


# --- Capacity under concurrency --------------------------------------------------

def _accept_concurrently(app, staff_ids, application_ids):
    barrier = threading.Barrier(len(application_ids))
    outcomes = []
    lock = threading.Lock()

    def work(staff_id, application_id):
        with app.app_context():
            from incubator.accounts.models import User

            staff = db.session.get(User, staff_id)
            application = db.session.get(Application, application_id)
            barrier.wait()
            try:
                service.accept(staff, application)
                outcome = "accepted"
            except Conflict:
                db.session.rollback()
                outcome = "full"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=work, args=pair) for pair in zip(staff_ids, application_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_ten_staff_accepting_at_once_never_overfill_three_places(app, is_postgres):
    cohort = make_cohort(capacity=3)
    staff_ids = [make_user("staff").id for _ in range(10)]
    application_ids = [make_application(cohort).id for _ in range(10)]
    outcomes = _accept_concurrently(app, staff_ids, application_ids)
    assert sorted(outcomes) == ["accepted"] * 3 + ["full"] * 7
    assert statuses(cohort).count("accepted") == 3
    assert service.seats_left(cohort) == 0


def test_a_concurrent_withdrawal_and_accept_keep_the_count_right(app):
    cohort = make_cohort(capacity=2)
    held = make_application(cohort, status="accepted", offer_expires_at=utcnow() + timedelta(days=1))
    staff_ids = [make_user("staff").id for _ in range(4)]
    application_ids = [make_application(cohort).id for _ in range(4)]
    outcomes = _accept_concurrently(app, staff_ids, application_ids)
    assert outcomes.count("accepted") == 1
    service.withdraw(held.user, held)
    db.session.expire_all()
    assert service.seats_taken(cohort.id) == 1  # nothing on the waitlist to promote


def test_demo_data_has_the_three_programmes_and_every_status():
    from incubator.demo import seed_demo
    from incubator.enrolment.models import APPLICATION_STATUSES

    ctx = seed_demo()
    made = ctx.made["enrolment"]
    names = {p.name for p in made["programmes"].values()}
    assert names == {"宝妈主播孵化计划", "大学生跨境电商直播", "乡村特产直播带货"}
    assert {a.status for a in made["applications"].values()} == set(APPLICATION_STATUSES)
    for cohort in made["cohorts"].values():
        assert service.seats_taken(cohort.id) <= cohort.capacity
    assert ctx.people["trainee"] in service.enrolled_users(made["cohorts"]["mothers_current"].id)
