"""Enrolment pages: who may see what, fragments, errors, the CSV export."""

import csv
import io
from datetime import datetime, timedelta

from incubator.accounts.models import User
from incubator.enrolment.models import Application
from incubator.extensions import db
from incubator.timeutil import utcnow
from tests.conftest import htmx_get, login, post
from tests.factories import make_site, make_user
from tests.factories_enrolment import make_application, make_cohort, make_programme

EN = {"Accept-Language": "en"}


def apply_data(**extra):
    data = {"group": "mother", "availability": ["weekday_mornings", "weekends"], "village": "烈士塔社区",
            "wants_to_do": "卖烧饼", "children_ages": "1, 4", "needs_childcare": "y"}
    data.update(extra)
    return data


# --- Public page --------------------------------------------------------------

def test_the_programmes_page_needs_no_login_and_shows_places_left(client):
    cohort = make_cohort(make_programme(name="宝妈主播孵化计划"), capacity=3)
    make_application(cohort, status="confirmed")
    make_cohort(make_programme(name="隐藏项目", active=False))
    html = client.get("/programmes", headers=EN).get_data(as_text=True)
    assert "宝妈主播孵化计划" in html and "2 places left" in html
    assert "隐藏项目" not in html
    assert f"/classes/{cohort.id}/apply" in html


def test_who_a_programme_is_for_is_listed_in_each_languages_own_way(client):
    make_cohort(make_programme(audiences=("villagers", "anyone")))
    chinese = client.get("/programmes", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<dd>村民、所有人</dd>" in chinese
    assert "<dd>Villagers, Anyone</dd>" in client.get("/programmes", headers=EN).get_data(as_text=True)


def test_the_programmes_page_filters_by_group_and_answers_htmx_with_the_list_only(client):
    make_cohort(make_programme(name="宝妈主播孵化计划", audiences=("mothers",)))
    make_cohort(make_programme(name="大学生跨境电商直播", audiences=("graduates",)))
    response = htmx_get(client, "/programmes?group=graduate")
    html = response.get_data(as_text=True)
    assert "大学生跨境电商直播" in html and "宝妈主播孵化计划" not in html
    assert "<html" not in html
    page = client.get("/programmes?group=graduate").get_data(as_text=True)
    assert "<html" in page and "宝妈主播孵化计划" not in page


def test_a_visitor_picks_her_base_and_pages_through_a_district_of_classes(client):
    near, far = make_site("烈士塔直播基地"), make_site("江心洲直播基地")
    near_programme = make_programme(near, name="宝妈主播孵化计划")
    for day in range(14):
        make_cohort(near_programme, name=f"第{day + 1}期", starts_in_days=10 + day)
    make_cohort(make_programme(far, name="江心洲农产品直播"))
    first = client.get("/programmes", headers=EN).get_data(as_text=True)
    assert "Page 1 of 2" in first and "江心洲直播基地" in first
    mine = client.get(f"/programmes?base={near.id}", headers=EN).get_data(as_text=True)
    assert "第1期" in mine and "第12期" in mine and "第13期" not in mine and "江心洲农产品直播" not in mine
    assert f'<option value="{near.id}" selected>' in mine
    second = client.get(f"/programmes?base={near.id}&page=2", headers=EN).get_data(as_text=True)
    assert "第13期" in second and "第14期" in second and "第1期<" not in second
    assert "江心洲农产品直播" in client.get(f"/programmes?base={far.id}").get_data(as_text=True)
    nonsense = client.get("/programmes?base=abc&page=-3")
    assert nonsense.status_code == 200 and "第1期" in nonsense.get_data(as_text=True)


# --- Applying -----------------------------------------------------------------

def test_an_anonymous_visitor_signs_up_inside_the_flow_and_comes_back_to_the_form(client):
    cohort = make_cohort()
    page = client.get(f"/classes/{cohort.id}/apply", headers=EN).get_data(as_text=True)
    assert "your account" in page and f"next=/classes/{cohort.id}/apply" in page.replace("%2F", "/")
    response = post(client, f"/classes/{cohort.id}/apply/account",
                    {"display_name": "黄小雨", "login_name": "13900007777", "password": "longenough", "consent": "y"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/classes/{cohort.id}/apply"
    form = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "When can you come?" in form
    response = post(client, f"/classes/{cohort.id}/apply", apply_data())
    assert response.status_code == 303
    application = db.session.scalar(db.select(Application))
    assert application.user.display_name == "黄小雨" and application.applicant_group == "mother"


def test_sign_up_errors_in_the_flow_are_422_and_keep_what_she_typed(client):
    cohort = make_cohort()
    response = post(client, f"/classes/{cohort.id}/apply/account",
                    {"display_name": "黄小雨", "login_name": "123", "password": "longenough", "consent": "y"},
                    headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="黄小雨"' in html and "11 位" in html
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_application_errors_are_beside_the_field_in_her_language_and_keep_what_she_typed(client):
    programme = make_programme(questions=[("short", "你的抖音号", True, ())])
    cohort = make_cohort(programme)
    login(client, make_user("trainee"))
    response = post(client, f"/classes/{cohort.id}/apply", apply_data(village="", wants_to_do="卖草莓"),
                    headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "卖草莓" in html
    assert 'id="village-error"' in html
    assert f'id="{programme.questions[0].key}-error"' in html
    assert "村" in html.split('id="village-error"')[1][:80]
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 0


def test_nul_bytes_typed_in_the_forms_are_not_stored(client):
    """PostgreSQL refuses text with a NUL byte: the shared form base drops them."""
    from incubator.enrolment.models import ApplicationNote, Programme

    programme = make_programme(questions=[("short", "你的抖音号", False, ())])
    key = programme.questions[0].key
    cohort = make_cohort(programme)
    login(client, make_user("trainee"))
    response = post(client, f"/classes/{cohort.id}/apply",
                    apply_data(village="桥\x00北", wants_to_do="卖\x00草莓", **{key: "gq\x00"}))
    assert response.status_code == 303
    answers = db.session.scalar(db.select(Application.answers))
    assert (answers["village"], answers["wants_to_do"], answers[key]) == ("桥北", "卖草莓", "gq")
    post(client, "/logout")
    login(client, make_user("staff"))
    application_id = db.session.scalar(db.select(Application.id))
    assert post(client, f"/staff/applications/{application_id}/notes", {"body": "需要\x00托管"}).status_code == 303
    assert db.session.scalar(db.select(ApplicationNote.body)) == "需要托管"
    assert post(client, "/staff/programmes/new", {"name": "新\x00项目", "audiences": ["mothers"]}).status_code == 303
    assert db.session.scalar(db.select(Programme.name).where(Programme.name.like("新%"))) == "新项目"


def test_application_errors_as_htmx_come_back_as_the_form_fragment(client):
    cohort = make_cohort()
    login(client, make_user("trainee"))
    response = post(client, f"/classes/{cohort.id}/apply", {"group": "mother"}, htmx=True)
    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)


def test_a_second_application_gets_a_clear_message(client):
    application = make_application()
    login(client, application.user)
    response = post(client, f"/classes/{application.cohort_id}/apply", apply_data(), headers=EN)
    assert response.status_code == 422
    assert "already applied" in response.get_data(as_text=True)


def test_after_withdrawing_she_can_apply_to_the_class_again(client):
    application = make_application()
    login(client, application.user)
    post(client, f"/my/applications/{application.id}/withdraw")
    form = client.get(f"/classes/{application.cohort_id}/apply", headers=EN).get_data(as_text=True)
    assert "already applied" not in form
    response = post(client, f"/classes/{application.cohort_id}/apply", apply_data(), headers=EN)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "submitted"


# --- Her applications -----------------------------------------------------------

def test_she_confirms_an_offered_place_and_it_shows_on_her_home(client):
    application = make_application(status="accepted", offer_expires_at=utcnow() + timedelta(days=2))
    login(client, application.user)
    home = client.get("/home", headers=EN).get_data(as_text=True)
    assert "Confirm my place" in home
    response = post(client, f"/my/applications/{application.id}/confirm", htmx=True)
    assert response.status_code == 200
    assert "已入班" in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.status == "confirmed"


def test_she_withdraws_with_a_plain_post(client):
    application = make_application()
    login(client, application.user)
    response = post(client, f"/my/applications/{application.id}/withdraw")
    assert response.status_code == 303
    db.session.expire_all()
    assert application.status == "withdrawn"


def test_another_persons_application_is_404(client):
    application = make_application(status="accepted", offer_expires_at=utcnow() + timedelta(days=2))
    login(client, make_user("trainee"))
    assert post(client, f"/my/applications/{application.id}/confirm").status_code == 404
    assert post(client, f"/my/applications/{application.id}/withdraw").status_code == 404


# --- Staff --------------------------------------------------------------------

def test_trainees_and_mentors_may_not_use_staff_pages(client):
    application = make_application()
    for role in ("trainee", "mentor"):
        login(client, make_user(role))
        for path in ("/staff/applications", "/staff/programmes", f"/staff/applications/{application.id}",
                     f"/staff/classes/{application.cohort_id}/applications.csv"):
            assert client.get(path).status_code == 403, (role, path)
        post(client, "/logout")
    assert client.get("/staff/applications").status_code in (302, 303)


def test_staff_of_another_site_get_404(client):
    application = make_application()
    login(client, make_user("staff", site=make_site("浦口另一个基地")))
    assert client.get(f"/staff/applications/{application.id}").status_code == 404
    assert post(client, f"/staff/applications/{application.id}/accept").status_code == 404
    assert client.get(f"/staff/classes/{application.cohort_id}/applications.csv").status_code == 404
    assert client.get(f"/staff/programmes/{application.cohort.programme_id}").status_code == 404
    queue = client.get("/staff/applications").get_data(as_text=True)
    assert application.user.display_name not in queue


def test_queue_filters_search_and_fragment(client):
    cohort = make_cohort(capacity=5)
    make_application(cohort, user=make_user("trainee", name="吴桂兰"), group="villager")
    make_application(cohort, user=make_user("trainee", name="林浩然"), group="graduate")
    login(client, make_user("staff"))
    html = client.get("/staff/applications?group=villager").get_data(as_text=True)
    assert "吴桂兰" in html and "林浩然" not in html
    fragment = htmx_get(client, "/staff/applications?q=林").get_data(as_text=True)
    assert "林浩然" in fragment and "吴桂兰" not in fragment and "<html" not in fragment
    assert "吴桂兰" in client.get("/staff/applications?status=submitted&sort=old").get_data(as_text=True)


def test_accepting_inline_swaps_the_row_and_the_places_left(client):
    cohort = make_cohort(capacity=2)
    application = make_application(cohort)
    login(client, make_user("staff", locale="en"))
    response = post(client, f"/staff/applications/{application.id}/accept", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="application-{application.id}"' in html and "Place offered" in html
    assert f'id="seats-{cohort.id}" hx-swap-oob="true"' in html and "1 place left" in html
    assert "<html" not in html


def test_each_queue_row_is_one_form_whose_buttons_name_the_move(client):
    cohort = make_cohort(capacity=2)
    first, second = make_application(cohort), make_application(cohort)
    login(client, make_user("staff", locale="en"))
    html = client.get("/staff/applications?status=submitted").get_data(as_text=True)
    row = html.split(f'id="application-{first.id}"')[1].split("</tr>")[0]
    assert row.count("<form") == 1 and row.count('name="csrf_token"') == 1
    assert 'name="move" value="accept"' in row and 'name="move" value="reject"' in row
    assert f'hx-post="/staff/applications/{first.id}/decision"' in row
    # htmx sends the button pressed: the row swaps itself.
    response = post(client, f"/staff/applications/{first.id}/decision", {"move": "waitlist"}, htmx=True)
    assert response.status_code == 200 and "On the waiting list" in response.get_data(as_text=True)
    # Without JavaScript the same form posts and comes back to the queue it came from.
    response = post(client, f"/staff/applications/{second.id}/decision?next=/staff/applications?status%3Dsubmitted",
                    {"move": "accept"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/applications?status=submitted")
    assert post(client, f"/staff/applications/{second.id}/decision", {"move": "nonsense"}).status_code == 404
    db.session.expire_all()
    assert (first.status, second.status) == ("waitlisted", "accepted")


def test_the_class_filter_lists_classes_not_yet_ended_and_the_chosen_one(client):
    current = make_cohort(make_programme(name="宝妈主播孵化计划"), name="第九期")
    ended = make_cohort(make_programme(name="乡村特产直播带货"), name="第一期", starts_in_days=-90, length_days=30)
    make_application(ended, user=make_user("trainee", name="吴桂兰"))
    login(client, make_user("staff", locale="en"))
    html = client.get("/staff/applications").get_data(as_text=True)
    assert f'<option value="{current.id}">' in html and f'<option value="{ended.id}"' not in html
    assert "吴桂兰" in html  # her application is still in the queue, with its class
    assert "open from its programme" in html
    chosen = client.get(f"/staff/applications?cohort={ended.id}").get_data(as_text=True)
    assert f'<option selected value="{ended.id}">' in chosen or f'<option value="{ended.id}" selected>' in chosen
    assert client.get("/staff/applications?cohort=²").status_code == 200  # not an id: no filter, no error


def test_accepting_a_full_class_says_why_and_writes_nothing(client):
    cohort = make_cohort(capacity=1)
    make_application(cohort, status="confirmed")
    application = make_application(cohort)
    login(client, make_user("staff", locale="en"))
    response = post(client, f"/staff/applications/{application.id}/accept", htmx=True)
    assert "is full" in response.headers.get("HX-Trigger", "")
    db.session.expire_all()
    assert application.status == "submitted"


def test_accept_several_at_once(client):
    cohort = make_cohort(capacity=3)
    applications = [make_application(cohort) for _ in range(3)]
    login(client, make_user("staff"))
    page = client.get(f"/staff/applications?cohort={cohort.id}").get_data(as_text=True)
    assert 'form="bulk"' in page
    response = post(client, f"/staff/classes/{cohort.id}/accept",
                    {"ids": [str(a.id) for a in applications[:2]]})
    assert response.status_code == 303
    db.session.expire_all()
    assert [a.status for a in applications] == ["accepted", "accepted", "submitted"]


def test_accepting_one_ticked_application_says_so_in_the_singular(client):
    cohort = make_cohort(capacity=3)
    application = make_application(cohort)
    login(client, make_user("staff", locale="en"))
    response = post(client, f"/staff/classes/{cohort.id}/accept", {"ids": [str(application.id)]})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 application accepted." in page


def test_applicant_page_shows_answers_history_other_programmes_and_notes(client):
    staff = make_user("staff", name="王芳", locale="en")
    application = make_application()
    other = make_application(make_cohort(make_programme(name="乡村特产直播带货")), user=application.user,
                             status="confirmed")
    login(client, staff)
    post(client, f"/staff/applications/{application.id}/waitlist")
    response = post(client, f"/staff/applications/{application.id}/notes", {"body": "孩子两岁，需要托管"})
    assert response.status_code == 303
    html = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    assert "烧饼" in html and "乡村特产直播带货" in html and "孩子两岁，需要托管" in html
    assert "On the waiting list" in html and "王芳" in html
    assert other.status == "confirmed"
    empty_note = post(client, f"/staff/applications/{application.id}/notes", {"body": ""})
    assert empty_note.status_code == 422


def test_programme_and_class_crud_with_422_on_bad_input(client):
    login(client, make_user("staff", locale="en"))
    bad = post(client, "/staff/programmes/new", {"name": "", "audiences": []})
    assert bad.status_code == 422
    response = post(client, "/staff/programmes/new", {"name": "宝妈主播孵化计划", "audiences": ["mothers"],
                                                      "languages": "普通话", "active": "y"})
    assert response.status_code == 303
    programme_path = response.headers["Location"]
    programme_id = int(programme_path.rsplit("/", 1)[1])
    question = post(client, f"/staff/programmes/{programme_id}/questions",
                    {"label": "每天能直播多久？", "kind": "choice", "choices": "1小时\n2小时"}, htmx=True)
    assert question.status_code == 200 and "每天能直播多久？" in question.get_data(as_text=True)
    bad_question = post(client, f"/staff/programmes/{programme_id}/questions",
                        {"label": "选一个", "kind": "choice", "choices": "只有一个"}, htmx=True)
    assert bad_question.status_code == 422
    bad_class = post(client, f"/staff/programmes/{programme_id}/classes/new",
                     {"name": "冬季班", "starts_on": "2026-12-10", "ends_on": "2026-12-01", "capacity": "20"})
    assert bad_class.status_code == 422 and "cannot be before" in bad_class.get_data(as_text=True)
    good_class = post(client, f"/staff/programmes/{programme_id}/classes/new",
                      {"name": "冬季班", "starts_on": "2026-12-10", "ends_on": "2027-01-20", "capacity": "20",
                       "childcare": "y"})
    assert good_class.status_code == 303
    assert "冬季班" in client.get(programme_path).get_data(as_text=True)


def test_a_class_of_0_places_is_told_the_range_not_that_the_field_is_empty(client):
    programme = make_programme()
    login(client, make_user("staff", locale="en"))
    data = {"name": "新班", "starts_on": "2027-03-01", "ends_on": "2027-04-01", "capacity": "0"}
    response = post(client, f"/staff/programmes/{programme.id}/classes/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "between 1 and 1000" in html.split('id="capacity-error"')[1][:200] and "This field is required" not in html
    empty = post(client, f"/staff/programmes/{programme.id}/classes/new", {**data, "capacity": ""})
    assert empty.status_code == 422 and "This field is required" in empty.get_data(as_text=True)


def test_a_choice_not_offered_is_refused_in_chinese_on_a_chinese_page(client):
    """WTForms' own zh catalogue leaves this message untranslated."""
    login(client, make_user("staff", locale="zh_CN"))
    response = post(client, "/staff/programmes/new", {"name": "新项目", "audiences": ["bogus"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“bogus”不是这一项的有效选项。" in html and "not a valid choice" not in html


def test_csv_export_opens_with_the_csv_module_and_keeps_chinese(client):
    programme = make_programme(questions=[("short", "抖音号", False, ())])
    cohort = make_cohort(programme)
    application = make_application(cohort, user=make_user("trainee", name="张格琴"))
    application.answers = {**application.answers, programme.questions[0].key: "gq_zhang"}
    db.session.commit()
    login(client, make_user("staff"))
    response = client.get(f"/staff/classes/{cohort.id}/applications.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][-1] == "抖音号"
    assert rows[1][0] == "张格琴" and rows[1][-1] == "gq_zhang" and "烧饼" in rows[1][10]


def test_removing_an_answered_question_keeps_the_answers_and_stops_asking_it(client):
    from incubator.enrolment.models import ProgrammeQuestion

    programme = make_programme(questions=[("short", "抖音号", False, ()), ("short", "快手号", False, ())])
    answered, unanswered = programme.questions
    cohort = make_cohort(programme)
    application = make_application(cohort, user=make_user("trainee", name="张格琴"))
    application.answers = {**application.answers, answered.key: "gq_zhang"}
    db.session.commit()
    answered_id, unanswered_id = answered.id, unanswered.id
    login(client, make_user("staff", locale="en"))
    page = client.get(f"/staff/programmes/{programme.id}").get_data(as_text=True)
    remove = page[page.find(f"/questions/{answered_id}/delete"):]
    assert "hx-confirm=" in remove[:remove.find("</form>")]

    removed = post(client, f"/staff/programmes/{programme.id}/questions/{answered_id}/delete", htmx=True)
    assert removed.status_code == 200 and "answers already given are kept" in removed.headers["HX-Trigger"]
    applicant = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    assert "抖音号" in applicant and "gq_zhang" in applicant
    rows = list(csv.reader(io.StringIO(client.get(f"/staff/classes/{cohort.id}/applications.csv")
                                       .data.decode("utf-8-sig"))))
    assert "抖音号" in rows[0] and "gq_zhang" in rows[1]
    post(client, "/logout")
    login(client, make_user("trainee"))
    form = client.get(f"/classes/{cohort.id}/apply").get_data(as_text=True)
    assert "抖音号" not in form and "快手号" in form

    post(client, "/logout")
    login(client, make_user("staff"))
    post(client, f"/staff/programmes/{programme.id}/questions/{unanswered_id}/delete")
    db.session.expire_all()
    assert db.session.get(ProgrammeQuestion, unanswered_id) is None  # nobody had answered it
    assert db.session.get(ProgrammeQuestion, answered_id) is not None


def test_csv_export_gives_the_submission_time_on_the_bases_clock(client):
    """Staff compare the file with the queue, which shows the base's time:
    08:30 in the morning in Nanjing is 00:30 UTC as stored."""
    cohort = make_cohort()
    application = make_application(cohort, user=make_user("trainee", name="张格琴"))
    application.submitted_at = datetime(2026, 11, 20, 0, 30)
    db.session.commit()
    login(client, make_user("staff"))
    rows = list(csv.reader(io.StringIO(client.get(f"/staff/classes/{cohort.id}/applications.csv")
                                       .data.decode("utf-8-sig"))))
    assert rows[1][0] == "张格琴" and rows[1][4] == "2026-11-20 08:30"


def test_csv_export_makes_a_typed_formula_inert(client):
    """An applicant's answer that a spreadsheet would run reaches staff as text."""
    programme = make_programme(questions=[("short", "抖音号", False, ())])
    cohort = make_cohort(programme)
    application = make_application(cohort, user=make_user("trainee", name="张格琴"))
    application.answers = {**application.answers, "village": '=HYPERLINK("http://evil.example","点我")',
                           programme.questions[0].key: "@SUM(1+1)"}
    db.session.commit()
    login(client, make_user("staff"))
    rows = list(csv.reader(io.StringIO(client.get(f"/staff/classes/{cohort.id}/applications.csv")
                                       .data.decode("utf-8-sig"))))
    assert rows[1][9] == '\'=HYPERLINK("http://evil.example","点我")'
    assert rows[1][-1] == "'@SUM(1+1)"
