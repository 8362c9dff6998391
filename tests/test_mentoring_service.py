import threading
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.mentoring import service
from incubator.mentoring.models import (
    ACCEPTED,
    ACTIVE,
    LAPSED,
    PENDING,
    WITHDRAWN,
    MatchProposal,
    Mentorship,
)
from incubator.notify.models import Notification
from incubator.timeutil import local_today, utcnow
from tests.factories import default_test_site, make_site, make_user
from tests.factories_mentoring import make_mentor, make_mentorship, make_need, make_proposal, skills


def _count(model, *where):
    return db.session.scalar(select(func.count(model.id)).where(*where))


# --- Scores and explanations -----------------------------------------------------------

def test_a_mentor_is_scored_and_explained_in_plain_words():
    profile = make_mentor("阿依古丽", skill_keys=("live_hosting", "short_video", "agricultural"),
                          categories=("agricultural",), languages=("普通话", "维吾尔语"),
                          availability=("tue_evening", "sat_morning"), capacity=3)
    for i in range(2):
        make_mentorship(make_need(f"学员{i}"), profile)
    need = make_need(skill_keys=("live_hosting", "short_video", "agricultural", "customer_service"),
                     category="agricultural", languages=("普通话", "Uyghur"), availability=("tue_evening",))
    with force_locale("en"):
        [match] = service.suggestions(need)
        assert match.explanation == (
            "3 skills in common: Live hosting, Short-video editing, Agricultural products; "
            "knows Farm produce; both free on Tuesday evenings; speaks Uyghur; 1 of 3 places left")
    # 3 skills × 30 + category 20 + one slot × 5 + two languages × 20 + 10 × 1/3 free
    assert match.score == 90 + 20 + 5 + 40 + 3


def test_the_explanation_is_in_chinese_for_a_chinese_reader():
    make_mentor(skill_keys=("live_hosting",), languages=("普通话", "南京话"), availability=("tue_evening",),
                capacity=3)
    need = make_need(skill_keys=("live_hosting",), languages=("南京话",), availability=("tue_evening",))
    with force_locale("zh_Hans_CN"):
        [match] = service.suggestions(need)
        assert "1 项技能相同：直播主播" in match.explanation
        assert "周二晚上都有空" in match.explanation
        assert "会说南京话" in match.explanation
        assert "3 个名额剩 3 个" in match.explanation


def test_mentors_are_ranked_best_first_and_paused_or_full_ones_are_not_offered():
    best = make_mentor("陈晓燕", skill_keys=("live_hosting", "short_video"))
    good = make_mentor("马丽", skill_keys=("short_video",))
    make_mentor("周凯", skill_keys=("live_hosting", "short_video"), active=False)
    full = make_mentor("满员导师", skill_keys=("live_hosting", "short_video"), capacity=1)
    make_mentorship(make_need("已有导师的学员"), full)
    need = make_need(skill_keys=("live_hosting", "short_video"))
    ranked = [m.profile for m in service.suggestions(need)]
    assert ranked == [best, good]


def test_staff_weights_change_the_ranking():
    site = default_test_site()
    skilled = make_mentor("技能导师", skill_keys=("live_hosting",))
    speaker = make_mentor("同乡导师", languages=("维吾尔语",))
    need = make_need(skill_keys=("live_hosting",), languages=("维吾尔语",))
    assert service.suggestions(need)[0].profile == skilled  # 30 for a skill beats 20 for a language
    staff = make_user("staff")
    service.save_settings(staff, site.id, weight_skill=10, weight_category=20, weight_language=50,
                          weight_availability=5, weight_capacity=10, proposal_days=5)
    assert service.suggestions(need)[0].profile == speaker


def test_weights_out_of_range_are_refused_and_nothing_is_saved():
    staff = make_user("staff")
    with pytest.raises(DomainError) as error:
        service.save_settings(staff, default_test_site().id, weight_skill=-1, weight_category=20,
                              weight_language=20, weight_availability=5, weight_capacity=10, proposal_days=5)
    assert error.value.errors[0][0] == "weight_skill"
    assert service.settings_for(default_test_site().id).weight_skill == 30


# --- Profiles and needs ----------------------------------------------------------------

def test_a_mentor_edits_her_own_profile_but_not_another_ones():
    site = default_test_site()
    by_key = skills(site)
    me = make_user("mentor")
    other = make_user("mentor")
    profile = service.save_profile(me, me, skill_ids=[by_key["cross_border"].id], categories=["food", "nope"],
                                   languages="English, 普通话, english", availability=["mon_evening", "x"],
                                   capacity=3, bio="跨境电商", active=True)
    assert [s.key for s in profile.skills] == ["cross_border"]
    assert profile.categories == ["food"]
    assert profile.languages == ["English", "普通话"]
    assert profile.availability == ["mon_evening"]
    with pytest.raises(NotAllowed):
        service.save_profile(me, other, capacity=2)
    service.save_profile(make_user("staff"), other, capacity=4)  # staff may


def test_capacity_cannot_drop_below_the_active_mentees():
    profile = make_mentor(capacity=2)
    make_mentorship(make_need("甲"), profile)
    make_mentorship(make_need("乙"), profile)
    with pytest.raises(DomainError) as error:
        service.save_profile(profile.user, profile.user, capacity=1)
    assert error.value.errors[0][0] == "capacity"


def test_a_need_is_prefilled_from_the_application_and_the_shop():
    from incubator.enrolment.models import CONFIRMED, Application, Cohort, Programme
    from incubator.shops.models import Shop

    site = default_test_site()
    person = make_user("trainee", "shop_owner")
    programme = Programme(site_id=site.id, name="宝妈直播班")
    db.session.add(programme)
    db.session.flush()
    cohort = Cohort(programme_id=programme.id, site_id=site.id, name="第三期", starts_on=date(2026, 9, 1),
                    ends_on=date(2026, 10, 1), capacity=20)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(Application(cohort_id=cohort.id, user_id=person.id, site_id=site.id, status=CONFIRMED,
                               answers={"availability": ["周二晚上", "sat_morning"], "languages": "维吾尔语"}))
    shop = Shop(site_id=site.id, owner_id=person.id, name="新疆烤馕", category="food")
    db.session.add(shop)
    db.session.commit()
    need = service.ensure_need(person, person)
    assert need.availability == ["tue_evening", "sat_morning"]
    assert need.languages == ["维吾尔语"]
    shop_need = service.ensure_need(person, person, shop)
    assert shop_need.category == "food" and shop_need.shop_id == shop.id
    assert service.ensure_need(person, person) == need  # once only
    assert [n.id for n in service.ensure_needs_for_cohort(person, cohort)] == [need.id]


def test_only_trainees_shop_owners_and_shops_become_mentees():
    from incubator.mentoring.models import MenteeNeed
    from tests.factories_livestreams import make_shop

    staff = make_user("staff")
    for person in (make_user("staff", name="王芳"), make_mentor("周凯").user):
        with force_locale("en"), pytest.raises(NotAllowed, match="Only trainees, shop owners and shops"):
            service.ensure_need(staff, person)
    assert _count(MenteeNeed) == 0
    assert service.ensure_need(staff, make_user("trainee")).id
    assert service.ensure_need(staff, make_user("shop_owner")).id
    shop = make_shop()
    assert service.ensure_need(staff, shop.owner, shop).shop_id == shop.id


def test_only_the_mentee_or_staff_edit_a_need():
    need = make_need()
    with pytest.raises(NotAllowed):
        service.save_need(make_user("trainee"), need, category="food")
    service.save_need(need.user, need, category="food", languages="普通话")
    service.save_need(make_user("staff"), need, category="clothing")
    with pytest.raises(NotAllowed):
        service.save_need(make_user("staff", site=make_site()), need, category="food")


# --- Proposals and capacity ------------------------------------------------------------

def test_a_mentee_asks_a_mentor_who_accepts_and_the_other_requests_are_withdrawn():
    first = make_mentor("陈晓燕")
    second = make_mentor("马丽")
    need = make_need()
    asked = service.ask_mentor(need.user, need, first, "想学直播话术")
    other = service.propose(make_user("staff"), need, second)
    assert _count(Notification, Notification.user_id == first.user_id, Notification.kind == "mentoring.proposal") == 1
    mentorship = service.accept_proposal(first.user, asked, today=date(2026, 11, 30))
    assert (mentorship.starts_on, mentorship.ends_on) == (date(2026, 11, 30), date(2027, 2, 28))
    assert mentorship.status == ACTIVE
    assert db.session.get(MatchProposal, asked.id).status == ACCEPTED
    assert db.session.get(MatchProposal, other.id).status == WITHDRAWN
    assert _count(Notification, Notification.user_id == need.user_id, Notification.kind == "mentoring.accepted") == 1


def test_only_the_mentor_asked_answers_and_only_once():
    profile = make_mentor()
    proposal = make_proposal(make_need(), profile)
    with pytest.raises(NotAllowed):
        service.accept_proposal(make_user("mentor"), proposal)
    service.decline_proposal(profile.user, proposal, "这个月太忙")
    with pytest.raises(Conflict):
        service.accept_proposal(profile.user, db.session.get(MatchProposal, proposal.id))


def test_a_full_mentor_cannot_accept_more():
    profile = make_mentor(capacity=1)
    first = make_proposal(make_need("甲"), profile)
    second = make_proposal(make_need("乙"), profile)
    service.accept_proposal(profile.user, first)
    with pytest.raises(Conflict):
        service.accept_proposal(profile.user, db.session.get(MatchProposal, second.id))
    assert _count(Mentorship, Mentorship.profile_id == profile.id) == 1
    assert db.session.get(MatchProposal, second.id).status == PENDING


def test_asking_a_full_or_paused_mentor_is_refused():
    full = make_mentor(capacity=1)
    make_mentorship(make_need("甲"), full)
    paused = make_mentor(active=False)
    need = make_need()
    with pytest.raises(Conflict):
        service.ask_mentor(need.user, need, full)
    with pytest.raises(DomainError):
        service.ask_mentor(need.user, need, paused)
    assert _count(MatchProposal) == 0


def test_capacity_is_never_exceeded_by_concurrent_accepts(app):
    """Five mentees' proposals accepted at the same moment on five threads,
    each with its own app context and database connection: two places, two
    mentorships."""
    profile = make_mentor(capacity=2)
    proposal_ids = [make_proposal(make_need(f"学员{i}"), profile).id for i in range(5)]
    mentor_id = profile.user_id
    barrier = threading.Barrier(len(proposal_ids))
    outcomes = []

    def accept(proposal_id):
        from incubator.accounts.models import User

        with app.app_context():
            try:
                mentor = db.session.get(User, mentor_id)
                proposal = db.session.get(MatchProposal, proposal_id)
                barrier.wait()
                service.accept_proposal(mentor, proposal)
                outcomes.append("accepted")
            except Conflict:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept, args=(pid,)) for pid in proposal_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert sorted(outcomes) == ["accepted"] * 2 + ["refused"] * 3
    assert _count(Mentorship, Mentorship.profile_id == profile.id, Mentorship.status == ACTIVE) == 2


def test_unanswered_proposals_lapse_once():
    profile = make_mentor()
    old = make_proposal(make_need("甲"), profile, days=-1)
    fresh = make_proposal(make_need("乙"), profile, days=3)
    assert service.lapse_proposals() == 1
    assert service.lapse_proposals() == 0
    assert db.session.get(MatchProposal, old.id).status == LAPSED
    assert db.session.get(MatchProposal, fresh.id).status == PENDING
    assert _count(Notification, Notification.kind == "mentoring.lapsed") == 1
    # And later the fresh one lapses too, on the site's number of days.
    assert service.lapse_proposals(utcnow() + timedelta(days=4)) == 1


def test_the_lapse_job_calls_the_service():
    from incubator.mentoring.jobs import JOBS, lapse_proposals

    make_proposal(make_need(), make_mentor(), days=-2)
    assert lapse_proposals() == 1
    assert {job.id for job in JOBS} >= {"mentoring.lapse_proposals", "mentoring.checkin_reminders"}


# --- Batch matching -------------------------------------------------------------------

def greedy(plan_rows, places):
    """Highest-scoring pairs first, as a person with a list would do it."""
    pairs = sorted(((m.score, row.need.id, m.profile.id) for row in plan_rows for m in row.options), reverse=True)
    left, taken, total = dict(places), set(), 0
    for score, need_id, profile_id in pairs:
        if need_id not in taken and left[profile_id] > 0:
            taken.add(need_id)
            left[profile_id] -= 1
            total += score
    return total


def test_the_optimal_assignment_beats_the_greedy_one():
    # 陈 suits 黄 best of all pairs, but 马 suits 黄 nearly as well and
    # nobody but 陈 knows what 张 needs. Greedy: 110 + 30; optimal: 90 + 60.
    chen = make_mentor("陈晓燕", skill_keys=("live_hosting", "short_video", "agricultural"),
                       categories=("food",), capacity=1)
    ma = make_mentor("马丽", skill_keys=("live_hosting", "short_video"), capacity=1)
    zhang = make_need("张格琴", skill_keys=("agricultural",))
    huang = make_need("黄小雨", skill_keys=("live_hosting", "short_video"), category="food")
    plan = service.plan_batch(default_test_site().id, [zhang, huang])
    chosen = {row.need.id: row.chosen.profile.id for row in plan.rows}
    assert chosen == {zhang.id: chen.id, huang.id: ma.id}
    assert greedy(plan.rows, plan.places) == 140
    assert plan.total == 150 > greedy(plan.rows, plan.places)


def test_batch_plan_respects_every_mentors_free_places():
    chen = make_mentor("陈晓燕", skill_keys=("live_hosting",), capacity=3)
    make_mentorship(make_need("老学员"), chen)
    make_proposal(make_need("待回复"), chen)
    zhou = make_mentor("周凯", capacity=5)
    needs = [make_need(f"学员{i}", skill_keys=("live_hosting",)) for i in range(4)]
    plan = service.plan_batch(default_test_site().id, needs)
    given = [row.chosen.profile.id for row in plan.rows]
    assert given.count(chen.id) == 1  # 3 places − 1 active − 1 waiting
    assert given.count(zhou.id) == 3
    assert not plan.overloaded()


def test_confirming_a_batch_makes_proposals_and_refuses_an_overload():
    staff = make_user("staff")
    site_id = default_test_site().id
    chen = make_mentor("陈晓燕", skill_keys=("live_hosting",), capacity=1)
    ma = make_mentor("马丽", capacity=1)
    a, b = make_need("甲", skill_keys=("live_hosting",)), make_need("乙")
    assert service.unmatched_count(site_id) == service.unmatched_listing(site_id).total == 2
    with pytest.raises(Conflict):
        service.confirm_batch(staff, site_id, [a, b], {a.id: chen.id, b.id: chen.id})
    assert _count(MatchProposal) == 0
    made = service.confirm_batch(staff, site_id, [a, b], {a.id: ma.id, b.id: chen.id})
    assert {(p.need_id, p.profile_id) for p in made} == {(a.id, ma.id), (b.id, chen.id)}
    assert service.unmatched_listing(site_id).rows == [] and service.unmatched_count(site_id) == 0


def test_optimal_assignment_never_uses_impossible_pairs():
    assert service.optimal_assignment([[None, 5], [None, 7]], [2, 1]) in ([None, 1], [1, None])
    assert service.optimal_assignment([[3, None]], [0, 1]) == [None]


def test_solving_for_each_mentees_shortlist_is_as_good_as_solving_for_every_mentor():
    """optimal_assignment solves for each mentee's few best mentors first;
    its total must be the best total of the whole problem, whatever the
    ties, impossible pairs and places."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(11)
    for _case in range(400):
        mentees, mentors = rng.integers(1, 10), rng.integers(1, 12)
        scores = rng.integers(0, rng.integers(1, 30), (mentees, mentors)).astype(float)
        scores[rng.random((mentees, mentors)) < rng.random() * 0.6] = np.nan
        places = rng.integers(-1, 4, mentors)
        picks = service.optimal_assignment(scores, places, shortlist=int(rng.integers(1, 4)))
        given = [j for j in picks if j is not None]
        assert all(not np.isnan(scores[i, j]) for i, j in enumerate(picks) if j is not None)
        assert all(given.count(j) <= places[j] for j in set(given))
        # The whole problem: every place a column, impossible pairs never worth it.
        columns = np.repeat(np.arange(mentors), np.clip(places, 0, mentees))
        whole = np.nan_to_num(scores[:, columns], nan=service.INFEASIBLE)
        rows, cols = linear_sum_assignment(whole, maximize=True)
        best = [whole[i, j] for i, j in zip(rows, cols, strict=True) if whole[i, j] > service.INFEASIBLE]
        assert (len(given), sum(scores[i, j] for i, j in enumerate(picks) if j is not None)) == (len(best), sum(best))


# --- Mentorships -----------------------------------------------------------------------

def test_either_side_logs_meetings_and_nobody_else():
    profile = make_mentor()
    mentorship = make_mentorship(make_need(), profile)
    today = local_today()
    service.add_meeting(profile.user, mentorship, met_on=today, topic="直播间布光", next_step="周五试播")
    service.add_meeting(mentorship.mentee, mentorship, met_on=today, topic="选品")
    with pytest.raises(NotAllowed):
        service.add_meeting(make_user("staff"), mentorship, met_on=today, topic="x")
    with pytest.raises(DomainError) as error:
        service.add_meeting(profile.user, mentorship, met_on=today + timedelta(days=1), topic="")
    assert {f for f, _m in error.value.errors} == {"met_on", "topic"}
    assert len(mentorship.meetings) == 2


def test_ending_early_needs_a_reason_and_feedback_comes_after_the_end():
    profile = make_mentor()
    mentorship = make_mentorship(make_need(), profile)
    with pytest.raises(DomainError):
        service.give_feedback(profile.user, mentorship, rating=5)
    with pytest.raises(DomainError) as error:
        service.end_mentorship(profile.user, mentorship, early=True, reason="")
    assert error.value.errors[0][0] == "reason"
    service.end_mentorship(mentorship.mentee, mentorship, early=True, reason="孩子生病，暂停学习")
    assert mentorship.status == "ended_early"
    service.give_feedback(profile.user, mentorship, rating=4, comment="很努力")
    service.give_feedback(mentorship.mentee, mentorship, rating=5)
    with pytest.raises(Conflict):
        service.give_feedback(mentorship.mentee, mentorship, rating=3)
    with pytest.raises(DomainError):
        service.give_feedback(profile.user, mentorship, rating=6)
    [load] = service.mentor_loads(profile.site_id).rows
    assert (load.rating, load.ratings, load.active) == (5.0, 1, 0)


def test_check_in_reminders_after_fourteen_quiet_days_once_per_quiet_spell():
    profile = make_mentor()
    quiet = make_mentorship(make_need("甲"), profile, starts_days_ago=20)
    busy = make_mentorship(make_need("乙"), profile, starts_days_ago=20)
    service.add_meeting(profile.user, busy, met_on=local_today() - timedelta(days=3), topic="复盘")
    assert service.remind_quiet_mentorships() == 2  # the mentor and the mentee of the quiet one
    assert service.remind_quiet_mentorships() == 0
    reminded = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.kind == "mentoring.checkin"))}
    assert reminded == {quiet.mentor_id, quiet.mentee_id}
    service.add_meeting(profile.user, quiet, met_on=local_today() - timedelta(days=15), topic="补记")
    assert service.remind_quiet_mentorships() == 2  # a new quiet spell


def test_finished_mentorships_complete_and_ask_for_feedback_once():
    profile = make_mentor()
    old = make_mentorship(make_need(), profile, starts_days_ago=100)
    assert service.complete_finished_mentorships() == 1
    assert service.complete_finished_mentorships() == 0
    assert old.status == "completed"
    assert _count(Notification, Notification.kind == "mentoring.feedback") == 2


def test_functions_for_reports():
    profile = make_mentor()
    need = make_need()
    current = make_mentorship(need, profile, starts_days_ago=10)
    other_need = make_need("乙")
    early = make_mentorship(other_need, profile, starts_days_ago=60)
    service.end_mentorship(profile.user, early, early=True, reason="搬家")
    early.ended_at = utcnow() - timedelta(days=20)
    db.session.commit()
    today = local_today()
    assert service.mentorships_in_period(need.site_id, today - timedelta(days=5), today) == [current]
    assert set(service.mentorships_in_period(None, today - timedelta(days=70), today)) == {current, early}
    assert service.mentorships_as_mentee(need.user_id) == [current]
    assert set(service.mentorships_as_mentor(profile.user_id)) == {current, early}


def test_enrolments_availability_answers_become_slots():
    from incubator.mentoring.vocabulary import slots_from_answer

    assert slots_from_answer(["weekday_evenings"]) == [f"{d}_evening" for d in ("mon", "tue", "wed", "thu", "fri")]
    assert slots_from_answer(["weekends"]) == ["sat_morning", "sat_afternoon", "sat_evening",
                                               "sun_morning", "sun_afternoon", "sun_evening"]
    assert slots_from_answer(["tue_evening", "周六上午"]) == ["tue_evening", "sat_morning"]
