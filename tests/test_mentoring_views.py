from datetime import date

from sqlalchemy import func, select

from incubator.extensions import db
from incubator.mentoring.models import MatchingSettings, MatchProposal, Meeting, Mentorship
from incubator.timeutil import local_today
from tests.conftest import htmx_get, login, post
from tests.factories import make_site, make_user
from tests.factories_mentoring import make_mentor, make_mentorship, make_need, make_proposal, skills

EN = {"Accept-Language": "en"}


def switch_to(client, user):
    post(client, "/logout")
    login(client, user)


def _count(model, *where):
    return db.session.scalar(select(func.count(model.id)).where(*where))


def test_staff_see_mentors_load_and_mentees_without_a_mentor(client):
    chen = make_mentor("陈晓燕", capacity=3)
    make_mentorship(make_need("张格琴"), chen)
    make_need("黄小雨")
    login(client, make_user("staff", locale="en"))
    html = client.get("/mentoring/staff").get_data(as_text=True)
    assert "陈晓燕" in html and "1 of 3" in html
    assert "黄小雨" in html and "张格琴" not in html.split("Mentees without a mentor")[1].split("Proposals")[0]


def test_the_mentoring_pages_are_not_for_other_roles(client):
    login(client, make_user("trainee"))
    assert client.get("/mentoring/staff").status_code == 403
    assert client.get("/mentoring/match").status_code == 403
    assert client.get("/mentoring/profile").status_code == 403


def test_a_mentee_sees_explained_suggestions_and_asks_a_mentor(client):
    chen = make_mentor("陈晓燕", skill_keys=("live_hosting",), availability=("tue_evening",), capacity=3)
    need = make_need(skill_keys=("live_hosting",), availability=("tue_evening",))
    login(client, need.user)
    html = client.get(f"/mentoring/needs/{need.id}").get_data(as_text=True)
    assert "1 skill in common: Live hosting" in html and "both free on Tuesday evenings" in html
    assert "3 of 3 places left" in html
    response = post(client, f"/mentoring/needs/{need.id}/mentors/{chen.id}", {"message": "想学直播"})
    assert response.status_code == 303
    proposal = db.session.scalar(select(MatchProposal))
    assert (proposal.source, proposal.message) == ("mentee", "想学直播")


def test_staff_see_the_ten_best_mentors_ranked_and_can_show_more(client):
    # 12 mentors with a free place, each a little better than the one before:
    # one more shared time slot (up to six), then one more skill in common.
    keys = ["live_hosting", "product_photography", "short_video", "platform_operations", "cross_border"]
    slots = ["mon_morning", "mon_afternoon", "mon_evening", "tue_morning", "tue_afternoon", "tue_evening"]
    need = make_need(availability=slots, skill_keys=keys)
    for n in range(12):
        make_mentor(f"导师{n:02d}", availability=slots[:n], skill_keys=keys[:max(n - 6, 0)], capacity=3)
    login(client, make_user("staff", locale="en"))
    html = client.get(f"/mentoring/needs/{need.id}").get_data(as_text=True)
    assert "12 mentors have a free place" in html
    assert html.count('class="card" id="match-') == 10
    ranked = [html.index(f"导师{n:02d}") for n in range(11, 1, -1)]
    assert ranked == sorted(ranked)  # best first
    assert "导师01" not in html and "导师00" not in html
    assert "5 skills in common" in html
    assert "both free on Monday mornings, Monday afternoons, Monday evenings and 3 more times" in html
    assert "Show 2 more mentors" in html and "10 of 12 shown" in html
    assert f'href="/mentoring/needs/{need.id}?show=20#match-11"' in html  # works without JavaScript

    # htmx asks for the next ones only: they take the link's place.
    more = htmx_get(client, f"/mentoring/needs/{need.id}?show=20&after=10").get_data(as_text=True)
    assert "<html" not in more and "<h1" not in more
    assert more.count('class="card" id="match-') == 2 and 'id="match-11"' in more and 'id="match-12"' in more
    assert "导师01" in more and "导师00" in more and "导师11" not in more
    assert "Show" not in more.split("</li>")[-1]  # no more to show

    # The plain link (and a reload of the pushed address) shows all twelve.
    html = client.get(f"/mentoring/needs/{need.id}?show=20").get_data(as_text=True)
    assert html.count('class="card" id="match-') == 12 and "more mentor" not in html


def test_a_mentee_edits_her_needs_and_bad_input_comes_back_422(client):
    by_key = skills()
    need = make_need()
    login(client, need.user)
    response = post(client, f"/mentoring/needs/{need.id}", {
        "skills": [str(by_key["short_video"].id)], "category": "food", "languages": "普通话, 南京话",
        "availability": ["sat_morning", "sun_evening"], "notes": ""})
    assert response.status_code == 303
    db.session.refresh(need)
    assert [s.key for s in need.skills] == ["short_video"]
    assert need.availability == ["sat_morning", "sun_evening"] and need.languages == ["普通话", "南京话"]
    bad = post(client, f"/mentoring/needs/{need.id}", {"category": "cars", "languages": "x"}, headers=EN)
    assert bad.status_code == 422
    assert "Not a valid choice" in bad.get_data(as_text=True)
    # WTForms' own messages follow the page's language too (incubator/forms.py).
    need.user.locale = "zh_Hans_CN"
    db.session.commit()
    bad_zh = post(client, f"/mentoring/needs/{need.id}", {"category": "cars", "languages": "x"})
    assert bad_zh.status_code == 422 and "不是有效的选择" in bad_zh.get_data(as_text=True)


def test_another_persons_need_is_not_found(client):
    need = make_need()
    login(client, make_user("trainee"))
    assert client.get(f"/mentoring/needs/{need.id}").status_code == 404
    switch_to(client, make_user("staff", site=make_site()))
    assert client.get(f"/mentoring/needs/{need.id}").status_code == 404


def test_a_mentor_accepts_with_htmx_and_gets_the_card_back(client):
    profile = make_mentor()
    proposal = make_proposal(make_need("张格琴"), profile)
    login(client, profile.user)
    assert "张格琴" in client.get("/mentoring/mine").get_data(as_text=True)
    response = post(client, f"/mentoring/proposals/{proposal.id}/accept", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.strip().startswith(f'<li class="card" id="proposal-{proposal.id}"')
    assert "incubator:messages" in response.headers["HX-Trigger"]
    assert _count(Mentorship) == 1


def test_a_mentor_declines_without_javascript(client):
    profile = make_mentor()
    proposal = make_proposal(make_need(), profile)
    login(client, profile.user)
    response = post(client, f"/mentoring/proposals/{proposal.id}/decline", {"reason": "太忙"})
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert (proposal.status, proposal.decline_reason) == ("declined", "太忙")


def test_a_mentor_cannot_answer_another_mentors_proposal(client):
    proposal = make_proposal(make_need(), make_mentor("陈晓燕"))
    login(client, make_mentor("马丽").user)
    assert post(client, f"/mentoring/proposals/{proposal.id}/accept").status_code == 404
    assert _count(Mentorship) == 0


def test_meeting_notes_are_seen_only_by_the_pair_and_their_staff(client):
    profile = make_mentor("陈晓燕")
    mentorship = make_mentorship(make_need("张格琴"), profile)
    db.session.add(Meeting(mentorship_id=mentorship.id, author_id=profile.user_id, met_on=date(2026, 11, 20),
                           topic="直播脚本", notes="孩子睡后九点开播"))
    db.session.commit()
    path = f"/mentoring/mentorships/{mentorship.id}"
    for person in (profile.user, mentorship.mentee, make_user("staff")):
        switch_to(client, person)
        assert "孩子睡后九点开播" in client.get(path).get_data(as_text=True)
    for outsider in (make_mentor("马丽").user, make_user("trainee"), make_user("staff", site=make_site())):
        switch_to(client, outsider)
        assert client.get(path).status_code == 404


def test_logging_a_meeting_with_htmx_returns_the_log_and_errors_come_back_422(client):
    profile = make_mentor()
    mentorship = make_mentorship(make_need(), profile)
    login(client, profile.user)
    path = f"/mentoring/mentorships/{mentorship.id}/meetings"
    bad = post(client, path, {"met_on": "2099-01-01", "topic": "选品"}, htmx=True, headers=EN)
    assert bad.status_code == 422
    assert "<html" not in bad.get_data(as_text=True)
    assert "cannot be in the future" in bad.get_data(as_text=True)
    assert _count(Meeting) == 0
    ok = post(client, path, {"met_on": mentorship.starts_on.isoformat(), "topic": "选品"}, htmx=True)
    assert ok.status_code == 200 and "选品" in ok.get_data(as_text=True)
    assert _count(Meeting) == 1


def test_a_meeting_added_with_htmx_also_updates_the_last_meeting_fact_out_of_band(client):
    from babel.dates import format_date

    profile = make_mentor()
    mentorship = make_mentorship(make_need(), profile)
    login(client, profile.user)
    path = f"/mentoring/mentorships/{mentorship.id}"
    page = client.get(path, headers=EN).get_data(as_text=True)
    assert page.count('id="last-meeting"') == 1 and "none yet" in page and "hx-swap-oob" not in page
    answer = post(client, path + "/meetings", {"met_on": mentorship.starts_on.isoformat(), "topic": "选品"},
                  htmx=True, headers=EN).get_data(as_text=True)
    fact = answer.split('<dd id="last-meeting" hx-swap-oob="true">')[1].split("</dd>")[0]
    assert fact == format_date(mentorship.starts_on, "medium", locale="en")


def test_ending_and_feedback_through_the_page(client):
    profile = make_mentor()
    mentorship = make_mentorship(make_need(), profile)
    login(client, profile.user)
    path = f"/mentoring/mentorships/{mentorship.id}"
    assert post(client, path + "/end", {"outcome": "ended_early", "reason": ""}, headers=EN).status_code == 422
    assert post(client, path + "/end", {"outcome": "completed", "reason": ""}).status_code == 303
    assert post(client, path + "/feedback", {"rating": "5", "comment": "很好"}).status_code == 303
    switch_to(client, make_user("staff", locale="en"))
    html = client.get(path).get_data(as_text=True)
    assert "5 of 5" in html and "很好" in html


def test_a_second_tap_on_end_or_feedback_says_it_is_already_done_on_the_mentorship_page(client):
    profile = make_mentor()
    mentorship = make_mentorship(make_need(), profile)
    login(client, profile.user)
    path = f"/mentoring/mentorships/{mentorship.id}"
    assert post(client, path + "/end", {"outcome": "completed"}).status_code == 303
    again = post(client, path + "/end", {"outcome": "completed"})
    assert again.status_code == 303 and again.headers["Location"].endswith(path)
    assert "This mentorship has already ended." in client.get(path, headers=EN).get_data(as_text=True)
    assert post(client, path + "/feedback", {"rating": "4"}).status_code == 303
    again = post(client, path + "/feedback", {"rating": "4"}, htmx=True)
    assert again.status_code == 204 and path in again.headers["HX-Location"]
    assert "You have already given feedback on this mentorship." in client.get(path, headers=EN).get_data(
        as_text=True)
    db.session.refresh(mentorship)
    assert [f.rating for f in mentorship.feedback] == [4]


def test_a_mentorship_that_ended_early_shows_the_day_it_ended_not_its_planned_end(client):
    from babel.dates import format_date

    profile = make_mentor()
    mentorship = make_mentorship(make_need(), profile)
    planned, today = format_date(mentorship.ends_on, "medium", locale="en"), format_date(local_today(), "medium",
                                                                                         locale="en")
    login(client, profile.user)
    path = f"/mentoring/mentorships/{mentorship.id}"
    assert planned in client.get(path, headers=EN).get_data(as_text=True)  # while active: the planned end
    assert post(client, path + "/end", {"outcome": "ended_early", "reason": "她找到了工作"}).status_code == 303
    for page in (path, "/mentoring/mine"):
        html = client.get(page, headers=EN).get_data(as_text=True)
        assert f"– {today}" in html and planned not in html, page


def test_staff_change_weights_and_skills(client):
    login(client, make_user("staff"))
    response = post(client, "/mentoring/settings", {"weight_skill": "40", "weight_category": "0",
                                                    "weight_language": "30", "weight_availability": "5",
                                                    "weight_capacity": "10", "proposal_days": "7"})
    assert response.status_code == 303
    assert db.session.scalar(select(MatchingSettings.weight_skill)) == 40
    assert post(client, "/mentoring/settings", {"weight_skill": "-5"}).status_code == 422
    assert post(client, "/mentoring/skills/defaults").status_code == 303
    assert post(client, "/mentoring/skills", {"name": "茶叶知识"}).status_code == 303
    assert post(client, "/mentoring/skills", {"name": "茶叶知识"}).status_code == 422


def test_a_mentor_edits_her_profile_and_staff_of_another_site_cannot(client):
    profile = make_mentor()
    login(client, profile.user)
    response = post(client, "/mentoring/profile", {"capacity": "4", "languages": "普通话, 维吾尔语",
                                                   "availability": ["fri_evening"], "bio": "", "active": ""})
    assert response.status_code == 303
    db.session.refresh(profile)
    assert (profile.capacity, profile.active, profile.languages) == (4, False, ["普通话", "维吾尔语"])
    switch_to(client, make_user("staff", site=make_site()))
    assert client.get(f"/mentoring/mentors/{profile.user_id}/profile").status_code == 404


def test_batch_preview_as_a_fragment_then_confirm(client):
    chen = make_mentor("陈晓燕", skill_keys=("live_hosting",), capacity=1)
    a = make_need("甲", skill_keys=("live_hosting",))
    b = make_need("乙")
    login(client, make_user("staff", locale="en"))
    preview = post(client, "/mentoring/match/preview", {"scope": "unmatched"}, htmx=True)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<html" not in html
    assert f'<option value="{chen.id}" selected>' in html
    overload = post(client, "/mentoring/match/confirm", {"scope": "unmatched", f"pair-{a.id}": str(chen.id),
                                                         f"pair-{b.id}": str(chen.id)})
    assert overload.status_code == 422 and "1 free places but was given 2" in overload.get_data(as_text=True)
    done = post(client, "/mentoring/match/confirm", {"scope": "unmatched", f"pair-{a.id}": str(chen.id),
                                                     f"pair-{b.id}": ""})
    assert done.status_code == 303
    assert _count(MatchProposal) == 1


def test_a_batch_preview_of_a_class_that_is_not_there_answers_htmx_with_the_error_alone(client):
    login(client, make_user("staff", locale="en"))
    for path in ("/mentoring/match/preview", "/mentoring/match/confirm"):
        answer = post(client, path, {"scope": "cohort-424242"}, htmx=True)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and "<html" not in html and "<header" not in html, path
        assert 'role="alert"' in html and "Who to match: Not a valid choice." in html, path
    page = post(client, "/mentoring/match/preview", {"scope": "cohort-424242"})
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)


def test_skill_lists_in_chinese_use_the_enumeration_comma(client):
    from flask_babel import force_locale

    profile = make_mentor("陈晓燕", locale="zh_Hans_CN")
    need = make_need("黄小雨", skill_keys=("live_hosting", "short_video"))
    make_proposal(need, profile)
    make_need("赵敏", skill_keys=("live_hosting", "short_video"))  # no mentor asked yet
    with force_locale("zh_Hans_CN"):
        first, second = (skill.label for skill in need.skills)
    login(client, make_user("staff", locale="zh_Hans_CN"))
    overview = client.get("/mentoring/staff").get_data(as_text=True)  # the mentees without a mentor
    switch_to(client, profile.user)
    mine = client.get("/mentoring/mine").get_data(as_text=True)  # the request waiting for her answer
    for html in (overview, mine):
        assert f"{first}、{second}" in html and f"{first}, {second}" not in html


def test_the_home_page_shows_the_mentoring_panel(client):
    make_need()
    login(client, make_user("staff", locale="en"))
    assert "1 mentee is waiting for a mentor." in client.get("/home").get_data(as_text=True)
    switch_to(client, make_user("trainee", locale="en"))
    assert "Find a mentor" in client.get("/home").get_data(as_text=True)


def test_htmx_get_of_the_staff_page_is_a_whole_page_when_boosted(client):
    login(client, make_user("staff"))
    assert "<html" in client.get("/mentoring/staff", headers={"HX-Request": "true", "HX-Boosted": "true"}).get_data(
        as_text=True)
    assert htmx_get(client, "/mentoring/").status_code == 302


# --- The staff's overview: finding a mentee, and the lists a page at a time ---------------

def _matches(html: str) -> str:
    """The matches part of a search page or fragment."""
    return html.split('id="mentee-matches"')[-1] if 'id="mentee-matches"' in html else html


def test_the_overview_offers_a_search_not_a_list_of_everyone(client):
    make_user("trainee", name="冯雪")
    login(client, make_user("staff", locale="en"))
    html = client.get("/mentoring/staff").get_data(as_text=True)
    assert '<input type="search" id="mentee-q" name="q"' in html
    assert '<label for="mentee-q">Name, shop or mobile' in html
    assert "<select" not in html and "冯雪" not in html  # nobody is listed before she types
    assert "Type a name or a mobile number: the matches show here." in html


def test_staff_find_a_person_by_name_as_a_fragment_and_as_a_page(client):
    feng = make_user("trainee", name="冯雪梅")
    make_user("trainee", name="李雪")
    make_user("shop_owner", name="Amy Feng")
    login(client, make_user("staff", locale="en"))
    fragment = htmx_get(client, "/mentoring/staff/mentees?q=冯雪")
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and "HX-Request" in fragment.headers["Vary"]
    assert "冯雪梅" in html and "李雪" not in html and feng.phone in html
    assert f'name="mentee" value="person:{feng.id}"' in html and 'action="/mentoring/needs/new"' in html
    # Without JavaScript the form opens the same matches on a page of their own.
    page = client.get("/mentoring/staff/mentees?q=冯雪").get_data(as_text=True)
    assert "<html" in page and 'value="冯雪"' in page and f'value="person:{feng.id}"' in _matches(page)
    assert "Amy Feng" in htmx_get(client, "/mentoring/staff/mentees?q=amy").get_data(as_text=True)


def test_staff_find_people_and_shops_by_the_first_digits_of_a_mobile(client):
    from tests.factories_shops import make_shop

    owner = make_user("shop_owner", name="乌拉依木", phone="13712345678")
    shop = make_shop(owner, name="乌拉依木馕坑")
    make_user("trainee", name="别人", phone="13812345678")
    login(client, make_user("staff", locale="en"))
    for typed in ("1371234", "137 1234", "+86 137-1234"):
        html = htmx_get(client, "/mentoring/staff/mentees", query_string={"q": typed}).get_data(as_text=True)
        assert f'value="person:{owner.id}"' in html and f'value="shop:{shop.id}"' in html, typed
        assert "别人" not in html
    by_name = htmx_get(client, "/mentoring/staff/mentees?q=馕坑").get_data(as_text=True)
    assert f'value="shop:{shop.id}"' in by_name and "乌拉依木馕坑（乌拉依木）" in by_name
    assert f'value="person:{owner.id}"' not in by_name


def test_adding_a_match_lands_on_her_needs_and_she_then_shows_as_a_mentee(client):
    from incubator.mentoring.models import MenteeNeed

    feng = make_user("trainee", name="冯雪")
    login(client, make_user("staff", locale="en"))
    response = post(client, "/mentoring/needs/new", {"mentee": f"person:{feng.id}"})
    need = db.session.scalar(select(MenteeNeed).where(MenteeNeed.user_id == feng.id))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/mentoring/needs/{need.id}")
    html = htmx_get(client, "/mentoring/staff/mentees?q=冯雪").get_data(as_text=True)
    assert "already a mentee" in html and f'href="/mentoring/needs/{need.id}"' in html
    assert f'value="person:{feng.id}"' not in html
    # From an htmx request, the answer sends the browser to her needs.
    other = make_user("trainee", name="冯雨")
    answer = post(client, "/mentoring/needs/new", {"mentee": f"person:{other.id}"}, htmx=True)
    assert answer.status_code == 204 and "/mentoring/needs/" in answer.headers["HX-Location"]


def test_staff_cannot_add_a_staff_member_or_a_mentor_as_a_mentee_by_posting_her_id(client):
    from incubator.mentoring.models import MenteeNeed

    login(client, make_user("staff", locale="en"))
    for person in (make_user("staff", name="王芳"), make_mentor("周凯").user):
        response = post(client, "/mentoring/needs/new", {"mentee": f"person:{person.id}"})
        assert response.status_code == 303 and response.headers["Location"].endswith("/mentoring/staff")
        page = client.get("/mentoring/staff").get_data(as_text=True)
        assert "Only trainees, shop owners and shops can be mentees." in page
        assert person.display_name not in page.split("Mentees without a mentor")[1].split("Proposals waiting")[0]
    assert _count(MenteeNeed) == 0


def test_the_search_never_shows_another_bases_people_nor_mentors_or_closed_accounts(client):
    staff = make_user("staff", locale="en")  # on the first base
    other_site = make_site()
    stranger = make_user("trainee", site=other_site, name="冯外人", phone="13799990001")
    make_user("mentor", name="冯导师", phone="13799990002")
    make_user("trainee", name="冯停用", phone="13799990003", active=False)
    mine = make_user("trainee", name="冯本人", phone="13799990004")
    login(client, staff)
    for typed in ("冯", "1379999"):
        html = htmx_get(client, f"/mentoring/staff/mentees?q={typed}").get_data(as_text=True)
        assert f"person:{mine.id}" in html and html.count('name="mentee"') == 1, typed
        assert "冯外人" not in html and "冯导师" not in html and "冯停用" not in html
    assert post(client, "/mentoring/needs/new", {"mentee": f"person:{stranger.id}"}).status_code == 404


def test_an_empty_search_shows_a_hint_and_a_hostile_one_matches_nothing(client):
    make_user("trainee", name="冯雪")
    make_user("trainee", name="100%_真")
    login(client, make_user("staff", locale="en"))
    empty = htmx_get(client, "/mentoring/staff/mentees?q=%20%20").get_data(as_text=True)
    assert "the matches show here" in empty and 'name="mentee"' not in empty
    for typed in ("%", "_", "%25", "\\", "' OR 1=1 --", "<script>alert(1)</script>", "冯\x00雪", "冯" * 5000):
        response = htmx_get(client, "/mentoring/staff/mentees", query_string={"q": typed})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, typed
        assert "冯雪" not in html or typed == "冯\x00雪", typed  # wildcards are plain characters
        assert "<script>alert" not in html
    assert "100%_真" in htmx_get(client, "/mentoring/staff/mentees", query_string={"q": "%_"}).get_data(as_text=True)
    nothing = htmx_get(client, "/mentoring/staff/mentees?q=zzz").get_data(as_text=True)
    assert "Nobody on this base matches “zzz”" in nothing


def test_the_search_shows_twenty_matches_and_says_how_many_more(client):
    for n in range(23):
        make_user("trainee", name=f"周{n:02d}")
    login(client, make_user("staff", locale="en"))
    html = htmx_get(client, "/mentoring/staff/mentees?q=周").get_data(as_text=True)
    assert html.count('name="mentee"') == 20 and "周00" in html and "周22" not in html
    assert "3 more matches: type more of the name or number." in html


def test_the_overview_shows_the_first_rows_of_each_list_with_totals(client, monkeypatch):
    from incubator.mentoring import views

    monkeypatch.setattr(views, "OVERVIEW_ROWS", 2)
    chen = make_mentor("导师1", capacity=3)
    make_mentor("导师2")
    make_mentor("导师3")
    needs = [make_need(f"学员{n}") for n in range(3)]
    for need in needs:
        make_proposal(need, chen)
    for n in range(3, 6):
        make_need(f"学员{n}")
    login(client, make_user("staff", locale="en"))
    html = client.get("/mentoring/staff").get_data(as_text=True)
    assert "3 mentors, by name." in html and 'href="/mentoring/staff/mentors">Show all 3 mentors' in html
    assert "3 mentees are waiting for a mentor." in html and "Show all 3 mentees" in html
    assert "3 proposals are waiting for an answer." in html and "Show all 3 proposals" in html
    loads = html.split('id="loads-heading"')[1]
    assert "导师1" in loads and "导师2" in loads and "导师3" not in loads  # by name
    assert "0 of 3" in loads and "<td data-label=\"Waiting requests\">3</td>" in loads


def test_each_list_has_its_own_page_a_page_at_a_time(client, monkeypatch):
    from incubator.mentoring import views

    monkeypatch.setattr(views, "LIST_ROWS", 2)
    chen = make_mentor("陈晓燕")
    for n in range(5):
        make_proposal(make_need(f"学员{n}"), chen, days=n + 1)
    for n in range(5, 8):
        make_need(f"学员{n}")
    login(client, make_user("staff", locale="en"))
    first = client.get("/mentoring/staff/unmatched").get_data(as_text=True)
    assert "<h1>Mentees without a mentor</h1>" in first and "3 mentees are waiting for a mentor." in first
    assert "学员5" in first and "学员6" in first and "学员7" not in first and "Page 1 of 2" in first
    second = htmx_get(client, "/mentoring/staff/unmatched?page=2")
    fragment = second.get_data(as_text=True)
    assert "<html" not in fragment and "学员7" in fragment and "学员5" not in fragment and 'rel="prev"' in fragment
    waiting = client.get("/mentoring/staff/waiting?page=3").get_data(as_text=True)
    assert "学员4" in waiting and "学员3" not in waiting  # the first to lapse first
    assert client.get("/mentoring/staff/mentors").status_code == 200
    past_the_end = client.get("/mentoring/staff/waiting?page=9")
    assert past_the_end.status_code == 302 and past_the_end.headers["Location"].endswith("/mentoring/staff/waiting")
    switch_to(client, make_user("trainee"))
    assert client.get("/mentoring/staff/waiting").status_code == 403
    assert client.get("/mentoring/staff/mentees?q=学员").status_code == 403


def test_empty_lists_say_what_to_do_next(client):
    login(client, make_user("staff", locale="en"))
    html = client.get("/mentoring/staff").get_data(as_text=True)
    assert "No mentor profiles yet. Give someone the mentor role" in html
    assert 'Every mentee has a mentor or a proposal waiting. <a href="/mentoring/staff/mentees">' in html
    assert 'Propose a mentor from a mentee\'s page, or match a class. <a href="/mentoring/match">' in html


def test_hostile_text_and_numbers_are_refused_or_stored_harmlessly(client):
    profile = make_mentor()
    mentorship = make_mentorship(make_need(), profile)
    login(client, profile.user)
    path = f"/mentoring/mentorships/{mentorship.id}/meetings"
    response = post(client, path, {"met_on": mentorship.starts_on.isoformat(), "topic": "a\x00b <script>x</script>",
                                   "notes": "\x00"})
    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert meeting.topic == "ab <script>x</script>" and meeting.notes == ""
    assert "&lt;script&gt;" in client.get(f"/mentoring/mentorships/{mentorship.id}").get_data(as_text=True)
    huge = post(client, "/mentoring/profile", {"capacity": "2", "skills": ["99999999999999999999"]})
    assert huge.status_code == 422
    assert post(client, "/mentoring/profile", {"capacity": "99999999999999999999"}).status_code == 422


def test_the_batch_preview_offers_each_mentee_her_best_few_mentors(client):
    from incubator.mentoring.service import SHOWN_OPTIONS

    # Eight mentors: five share one or two of her times, three none.
    mentors = [make_mentor(f"导师{n}", availability=("mon_morning", "tue_morning")[:n % 3], capacity=1)
               for n in range(8)]
    need = make_need(availability=("mon_morning", "tue_morning"))
    login(client, make_user("staff", locale="en"))
    html = post(client, "/mentoring/match/preview", {"scope": "unmatched"}, htmx=True).get_data(as_text=True)
    select = html.split(f'name="pair-{need.id}"')[1].split("</select>")[0]
    assert SHOWN_OPTIONS == 5
    assert select.count("<option") == 5 + 1  # her best five, and "no mentor for now"
    assert "导师0" not in select and "导师3" not in select and "导师6" not in select
    assert f'aria-label="Mentor for {need.mentee_name}"' in html
    assert f'href="/mentoring/needs/{need.id}"' in html  # her page lists every mentor
    # A mentor chosen who is not among the five (a page left open while
    # things changed) is kept, and offered in her list.
    last = mentors[6]
    html = post(client, "/mentoring/match/preview", {"scope": "unmatched", "manual": "1",
                                                     f"pair-{need.id}": str(last.id)}, htmx=True).get_data(as_text=True)
    assert f'<option value="{last.id}" selected>' in html
