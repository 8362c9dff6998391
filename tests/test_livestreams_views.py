"""Pages of the livestream area: residents without login, staff and hosts."""

import json
from datetime import date, datetime, time, timedelta

from babel.dates import format_date, format_time
from sqlalchemy import select

from incubator.extensions import db
from incubator.livestreams.models import (
    APPROVED,
    PENDING,
    POLICY,
    REJECTED,
    SALES,
    Livestream,
    LivestreamResult,
    Question,
)
from incubator.timeutil import combine_local, to_local, utcnow
from tests.conftest import htmx_get, login, post
from tests.factories import default_test_site, make_site, make_user
from tests.factories_livestreams import make_livestream, make_question, make_shop, make_studio

EN = {"Accept-Language": "en"}


# --- Residents -----------------------------------------------------------------

def test_public_programme_and_livestream_page_need_no_login(client):
    coming = make_livestream(POLICY, title="养老服务补贴政策问答")
    past = make_livestream(SALES, title="新疆香馕带货专场", starts_in=timedelta(days=-3))
    make_livestream(SALES, title="取消的直播", cancelled=True)
    html = client.get("/livestreams/", headers=EN).get_data(as_text=True)
    assert "养老服务补贴政策问答" in html and "新疆香馕带货专场" in html
    assert "Cancelled" in html
    assert html.index("Upcoming livestreams") < html.index("养老服务补贴政策问答") < html.index("Past livestreams") \
        < html.index("新疆香馕带货专场")
    page = client.get(f"/livestreams/{coming.id}", headers=EN)
    assert page.status_code == 200
    assert "Ask a question" in page.get_data(as_text=True)
    assert "Ask a question" not in client.get(f"/livestreams/{past.id}", headers=EN).get_data(as_text=True)
    assert client.get("/livestreams/9999").status_code == 404


def test_the_public_programme_is_in_the_menu_for_everyone(client):
    assert 'href="/livestreams/"' in client.get("/").get_data(as_text=True)


def test_past_livestreams_page_as_a_fragment_for_htmx(client):
    make_livestream(SALES, title="过去的直播", starts_in=timedelta(days=-3))
    response = htmx_get(client, "/livestreams/")
    html = response.get_data(as_text=True)
    assert "过去的直播" in html and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_a_resident_asks_and_the_question_waits_for_staff(client):
    livestream = make_livestream(POLICY)
    response = post(client, f"/livestreams/{livestream.id}/questions",
                    {"text": "高龄津贴怎么申请？", "name": "张大爷", "phone": ""})
    assert response.status_code == 303
    question = db.session.scalar(select(Question))
    assert question.status == PENDING and question.name == "张大爷"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "高龄津贴怎么申请？" not in page  # not shown before approval
    assert "感谢" in page or "谢谢" in page


def test_asking_with_htmx_returns_the_form_fragment(client):
    livestream = make_livestream(POLICY)
    response = post(client, f"/livestreams/{livestream.id}/questions", {"text": "能在线缴费吗？"}, htmx=True,
                    headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="ask"' in html and "<html" not in html and "Thank you" in html


def test_an_empty_or_long_question_comes_back_with_a_message_and_nothing_saved(client):
    livestream = make_livestream(POLICY)
    empty = post(client, f"/livestreams/{livestream.id}/questions", {"text": " "}, headers=EN)
    assert empty.status_code == 422
    assert "Write your question." in empty.get_data(as_text=True)
    long = post(client, f"/livestreams/{livestream.id}/questions", {"text": "问" * 501, "name": "李"},
                htmx=True, headers=EN)
    assert long.status_code == 422
    html = long.get_data(as_text=True)
    assert "500 characters" in html and "<html" not in html
    assert ">李<" not in html and 'value="李"' in html  # what she typed is kept
    assert db.session.scalar(select(db.func.count(Question.id))) == 0


def test_a_sales_livestream_takes_no_questions(client):
    livestream = make_livestream(SALES)
    response = post(client, f"/livestreams/{livestream.id}/questions", {"text": "有优惠吗？"}, headers=EN)
    assert response.status_code == 422
    assert "does not take questions" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Question.id))) == 0


def test_questions_are_rate_limited_per_address_with_a_friendly_message(client):
    livestream = make_livestream(POLICY)
    path = f"/livestreams/{livestream.id}/questions"
    for n in range(5):
        assert post(client, path, {"text": f"第{n}个问题"}).status_code == 303
    blocked = post(client, path, {"text": "第六个问题"})
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "十分钟" in html and 'id="ask"' in html
    english = post(client, path, {"text": "one more"}, headers=EN)
    assert "Please wait ten minutes" in english.get_data(as_text=True)
    toast = post(client, path, {"text": "again"}, htmx=True, headers=EN)
    assert toast.status_code == 429
    events = json.loads(toast.headers["HX-Trigger"])
    assert "Please wait ten minutes" in events["incubator:messages"][0]["text"]
    assert db.session.scalar(select(db.func.count(Question.id))) == 5
    # Another address may still ask.
    other = post(client, path, {"text": "别的地址"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303


def test_over_the_question_limit_a_livestream_that_is_not_there_answers_the_friendly_message(client):
    livestream = make_livestream(POLICY)
    for n in range(5):
        assert post(client, f"/livestreams/{livestream.id}/questions", {"text": f"第{n}个问题"}).status_code == 303
    blocked = post(client, "/livestreams/99999/questions", {"text": "hello"}, headers=EN)
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "Too many attempts" in html and "Please wait ten minutes" in html and "Error code 429" in html
    toast = post(client, "/livestreams/99999/questions", {"text": "hello"}, htmx=True, headers=EN)
    assert toast.status_code == 429
    assert "Please wait ten minutes" in json.loads(toast.headers["HX-Trigger"])["incubator:messages"][0]["text"]


def test_script_in_a_question_is_shown_as_text(client):
    livestream = make_livestream(POLICY)
    post(client, f"/livestreams/{livestream.id}/questions",
         {"text": "<script>alert('x')</script>", "name": "<b>坏人</b>"})
    question = db.session.scalar(select(Question))
    question.status = APPROVED
    question.answer = "<img src=x onerror=alert(1)>"
    question.answered_at = utcnow()
    db.session.commit()
    html = client.get(f"/livestreams/{livestream.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<b>坏人</b>" not in html and "<img src=x" not in html
    staff = make_user("staff")
    login(client, staff)
    assert "<script>alert" not in client.get("/livestreams/moderation").get_data(as_text=True)
    assert "<script>alert" not in client.get(f"/livestreams/{livestream.id}/run").get_data(as_text=True)


def test_answered_questions_and_written_answers_stay_on_the_page_after_the_livestream(client):
    livestream = make_livestream(POLICY, starts_in=timedelta(days=-2))
    make_question(livestream, "异地就医怎么备案？", status=APPROVED, answered=True, answer="在App上办理。")
    make_question(livestream, "待审核的问题", status=PENDING)
    make_question(livestream, "被拒绝的问题", status=REJECTED)
    html = client.get(f"/livestreams/{livestream.id}", headers=EN).get_data(as_text=True)
    assert "异地就医怎么备案？" in html and "在App上办理。" in html and "Answered" in html
    assert "待审核的问题" not in html and "被拒绝的问题" not in html
    assert "no longer takes questions" in html


# --- Staff: scheduling -----------------------------------------------------------

def _form(livestream_fields: dict) -> dict:
    start = to_local(utcnow() + timedelta(days=3))
    data = {"title": "社区医保政策解读", "kind": "policy", "day": start.date().isoformat(), "start": "15:00",
            "end": "16:00", "platform": "wechat_channels", "room": "视频号", "studio_id": "", "guest": "陈主任",
            "products": "", "description": ""}
    data.update(livestream_fields)
    return data


def test_staff_schedule_a_livestream_from_the_form(client):
    staff = make_user("staff")
    host = make_user("trainee", name="黄小雨")
    shop = make_shop(name="香馕铺")
    studio = make_studio(name="一号直播间")
    login(client, staff)
    assert client.get("/livestreams/new").status_code == 200
    response = post(client, "/livestreams/new", _form({"kind": "sales", "host_ids": [str(host.id)],
                                                       "shop_ids": [str(shop.id)], "studio_id": str(studio.id)}))
    assert response.status_code == 303
    livestream = db.session.scalar(select(Livestream))
    assert livestream.kind == SALES and livestream.hosts == [host] and livestream.shops == [shop]
    assert to_local(livestream.starts_at).hour == 15
    # The same studio at the same time is refused, with the reason.
    clash = post(client, "/livestreams/new", _form({"title": "另一场", "studio_id": str(studio.id)}),
                 headers=EN)
    assert clash.status_code == 422
    assert "studio is taken" in clash.get_data(as_text=True)
    # Editing keeps its own slot.
    edit = post(client, f"/livestreams/{livestream.id}/edit",
                _form({"kind": "sales", "title": "新疆香馕带货专场", "studio_id": str(studio.id),
                       "host_ids": [str(host.id)]}))
    assert edit.status_code == 303
    db.session.refresh(livestream)
    assert livestream.title == "新疆香馕带货专场"


def test_schedule_form_errors_come_back_422_with_htmx_too(client):
    login(client, make_user("staff"))
    response = post(client, "/livestreams/new", _form({"start": "16:00", "end": "15:00"}), htmx=True,
                    headers=EN)
    assert response.status_code == 422
    assert "A livestream lasts at most 12 hours." in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Livestream.id))) == 0


def _en(hour: int, minute: int) -> str:
    """A time as English pages write it ("7:30 PM", with Unicode's narrow space)."""
    return format_time(time(hour, minute), "short", locale="en")


def test_a_livestream_runs_past_midnight_when_its_end_is_before_its_start(client):
    login(client, make_user("staff", locale="en"))
    day = date.fromisoformat(_form({})["day"])
    for end, hours in (("00:00", 2), ("00:30", 2.5)):
        response = post(client, "/livestreams/new", _form({"title": f"夜场 {end}", "start": "22:00", "end": end}))
        assert response.status_code == 303, end
        livestream = db.session.scalar(select(Livestream).where(Livestream.title == f"夜场 {end}"))
        assert to_local(livestream.starts_at) == datetime.combine(day, time(22, 0))
        assert livestream.ends_at - livestream.starts_at == timedelta(hours=hours)
        html = client.get(response.headers["Location"]).get_data(as_text=True)
        next_day = format_date(day + timedelta(days=1), "short", locale="en")
        assert f"{_en(22, 0)} – {next_day}, {_en(0, int(end[3:]))}" in html, end
        edit = client.get(response.headers["Location"] + "/edit").get_data(as_text=True)
        assert f'value="{day.isoformat()}"' in edit and 'value="22:00"' in edit and f'value="{end}"' in edit
    # Past the longest sensible livestream: said, and nothing saved.
    too_long = post(client, "/livestreams/new", _form({"title": "太长", "start": "09:00", "end": "22:00"}))
    assert too_long.status_code == 422
    assert "A livestream lasts at most 12 hours." in too_long.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Livestream.id))) == 2


def test_start_and_end_of_a_livestream_read_in_the_same_clock_style_in_both_languages(client):
    day = to_local(utcnow()).date() + timedelta(days=2)
    livestream = make_livestream(SALES, title="晚场", hours=1.5)
    livestream.starts_at = combine_local(day, time(19, 30))
    livestream.ends_at = combine_local(day, time(21, 0))
    db.session.commit()
    english = f"{format_date(day, 'short', locale='en')}, {_en(19, 30)} – {_en(21, 0)}"  # not "– 21:00"
    chinese = f"{format_date(day, 'short', locale='zh_Hans_CN')} 19:30 – 21:00"
    for path in (f"/livestreams/{livestream.id}", "/livestreams/"):
        assert english in client.get(path, headers=EN).get_data(as_text=True), path
        assert chinese in client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True), path


def test_a_base_on_urumqi_time_schedules_and_reads_its_livestreams_on_its_own_clock(client):
    urumqi = make_site("乌鲁木齐基地", timezone="Asia/Urumqi")  # two hours behind Beijing
    staff = make_user("staff", site=urumqi, locale="en")
    login(client, staff)
    form = _form({"title": "馕坑直播", "start": "19:30", "end": "21:00"})
    response = post(client, "/livestreams/new", form)
    assert response.status_code == 303
    livestream = db.session.scalar(select(Livestream).where(Livestream.title == "馕坑直播"))
    assert to_local(livestream.starts_at, "Asia/Urumqi").time() == time(19, 30)
    day = format_date(date.fromisoformat(form["day"]), "short", locale="en")
    # Her pages show the times she typed, on her base's clock.
    assert f"{day}, {_en(19, 30)} – {_en(21, 0)}" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{day}, {_en(19, 30)}" in client.get("/livestreams/desk").get_data(as_text=True)
    edit = client.get(response.headers["Location"] + "/edit").get_data(as_text=True)
    assert 'value="19:30"' in edit and 'value="21:00"' in edit
    # Residents without an account read it on the base's clock too, not Beijing's (9:30 PM).
    post(client, "/logout")
    for path in (response.headers["Location"], "/livestreams/"):
        html = client.get(path, headers=EN).get_data(as_text=True)
        assert f"{day}, {_en(19, 30)} – {_en(21, 0)}" in html and _en(21, 30) not in html, path


def test_only_staff_schedule_and_only_their_own_base(client):
    login(client, make_user("trainee"))
    assert client.get("/livestreams/new").status_code == 403
    assert client.get("/livestreams/moderation").status_code == 403
    post(client, "/logout")
    other = make_livestream(site=make_site())
    login(client, make_user("staff"))
    assert client.get(f"/livestreams/{other.id}/edit").status_code == 404
    assert post(client, f"/livestreams/{other.id}/cancel").status_code == 404


def test_anonymous_people_are_sent_to_login_for_the_desk(client):
    for path in ("/livestreams/desk", "/livestreams/new", "/livestreams/moderation"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_cancel_a_livestream(client):
    livestream = make_livestream(POLICY)
    login(client, make_user("staff"))
    assert post(client, f"/livestreams/{livestream.id}/cancel").status_code == 303
    db.session.refresh(livestream)
    assert livestream.cancelled
    assert "已取消" in client.get(f"/livestreams/{livestream.id}").get_data(as_text=True)


def test_desk_lists_hosted_livestreams_for_a_host(client):
    host = make_user("trainee")
    make_livestream(POLICY, title="我主持的直播", hosts=[host])
    make_livestream(POLICY, title="别人的直播")
    login(client, host)
    html = client.get("/livestreams/desk").get_data(as_text=True)
    assert "我主持的直播" in html and "别人的直播" not in html


# --- Moderation ------------------------------------------------------------------

def test_staff_approve_and_reject_questions_with_htmx(client):
    livestream = make_livestream(POLICY)
    keep = make_question(livestream, "养老补贴怎么领？")
    drop = make_question(livestream, "广告信息")
    login(client, make_user("staff"))
    html = client.get("/livestreams/moderation").get_data(as_text=True)
    assert "养老补贴怎么领？" in html and "广告信息" in html
    approved = post(client, f"/livestreams/questions/{keep.id}/moderate", {"decision": "approved"}, htmx=True,
                    headers=EN)
    assert approved.status_code == 200
    assert f'id="question-{keep.id}"' in approved.get_data(as_text=True)
    assert "Approved" in approved.get_data(as_text=True)
    plain = post(client, f"/livestreams/questions/{drop.id}/moderate", {"decision": "rejected"})
    assert plain.status_code == 303
    db.session.refresh(keep)
    db.session.refresh(drop)
    assert (keep.status, drop.status) == (APPROVED, REJECTED)
    public = client.get(f"/livestreams/{livestream.id}").get_data(as_text=True)
    assert "养老补贴怎么领？" in public and "广告信息" not in public
    assert post(client, f"/livestreams/questions/{keep.id}/moderate", {"decision": "maybe"}).status_code == 400


def test_staff_cannot_moderate_another_bases_questions(client):
    default_test_site()
    question = make_question(make_livestream(POLICY, site=make_site()))
    login(client, make_user("staff"))
    assert "社区医保" not in client.get("/livestreams/moderation").get_data(as_text=True)
    assert post(client, f"/livestreams/questions/{question.id}/moderate",
                {"decision": "approved"}).status_code == 404
    db.session.refresh(question)
    assert question.status == PENDING


# --- The host's queue ---------------------------------------------------------------

def test_host_sees_the_queue_and_marks_a_question_answered(client):
    host = make_user("trainee")
    livestream = make_livestream(POLICY, starts_in=timedelta(minutes=-5), hosts=[host])
    question = make_question(livestream, "门诊共济怎么用？", status=APPROVED)
    make_question(livestream, "还没审核的问题")
    login(client, host)
    page = client.get(f"/livestreams/{livestream.id}/run", headers=EN)
    html = page.get_data(as_text=True)
    assert "门诊共济怎么用？" in html and "还没审核的问题" not in html
    assert 'hx-trigger="every 15s"' in html
    fragment = htmx_get(client, f"/livestreams/{livestream.id}/run").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="queue"')
    marked = post(client, f"/livestreams/questions/{question.id}/answered", {"answered": "1"}, htmx=True,
                  headers=EN)
    assert marked.status_code == 200 and "Undo" in marked.get_data(as_text=True)
    db.session.refresh(question)
    assert question.answered_at is not None


def test_after_the_livestream_the_host_writes_an_answer(client):
    host = make_user("trainee")
    livestream = make_livestream(POLICY, starts_in=timedelta(hours=-3), hosts=[host])
    question = make_question(livestream, "新生儿怎么参保？", status=APPROVED)
    login(client, host)
    html = client.get(f"/livestreams/{livestream.id}/run").get_data(as_text=True)
    assert "every 15s" not in html and 'name="answer"' in html
    too_long = post(client, f"/livestreams/questions/{question.id}/answer", {"answer": "长" * 1001}, htmx=True,
                    headers=EN)
    assert too_long.status_code == 422 and "1000 characters" in too_long.get_data(as_text=True)
    saved = post(client, f"/livestreams/questions/{question.id}/answer", {"answer": "出生后在App上办理。"})
    assert saved.status_code == 303
    public = client.get(f"/livestreams/{livestream.id}").get_data(as_text=True)
    assert "出生后在App上办理。" in public


def test_a_question_with_a_written_answer_is_never_shown_as_not_answered(client):
    host = make_user("trainee", locale="en")
    livestream = make_livestream(POLICY, starts_in=timedelta(hours=-3), hosts=[host])
    question = make_question(livestream, "小孩刚出生，医保怎么参保？", status=APPROVED)
    login(client, host)
    post(client, f"/livestreams/questions/{question.id}/answer", {"answer": "出生后30天内到街道办登记。"})
    queue = client.get(f"/livestreams/{livestream.id}/run").get_data(as_text=True)
    assert "Undo: not answered" not in queue and "empty it to take the mark back" in queue
    undo = post(client, f"/livestreams/questions/{question.id}/answered", {"answered": "0"})  # a page left open
    assert undo.status_code == 303
    assert "Empty the written answer first." in client.get(undo.headers["Location"]).get_data(as_text=True)
    public = client.get(f"/livestreams/{livestream.id}", headers=EN).get_data(as_text=True)
    assert "出生后30天内到街道办登记。" in public and "Answered" in public and "Not answered yet" not in public


def test_people_who_do_not_run_a_livestream_cannot_see_its_queue(client):
    livestream = make_livestream(POLICY, hosts=[make_user("trainee")])
    question = make_question(livestream, status=APPROVED)
    login(client, make_user("trainee"))
    assert client.get(f"/livestreams/{livestream.id}/run").status_code == 404
    assert post(client, f"/livestreams/questions/{question.id}/answered").status_code == 404
    post(client, "/logout")
    login(client, make_user("staff", site=make_site()))
    assert client.get(f"/livestreams/{livestream.id}/run").status_code == 404


# --- Results ----------------------------------------------------------------------

def test_host_enters_results_that_feed_the_shops_outcome_log(client):
    host = make_user("shop_owner")
    shop = make_shop(owner=host, name="新疆香馕")
    livestream = make_livestream(SALES, starts_in=timedelta(hours=-3), hosts=[host], shops=[shop])
    login(client, host)
    form = client.get(f"/livestreams/{livestream.id}/results").get_data(as_text=True)
    assert "新疆香馕" in form
    response = post(client, f"/livestreams/{livestream.id}/results", {
        "rows-0-shop_id": str(shop.id), "rows-0-viewers": "3280", "rows-0-orders": "146",
        "rows-0-revenue": "8760.50"})
    assert response.status_code == 303
    result = db.session.scalar(select(LivestreamResult))
    assert (result.shop_id, result.viewers, result.orders, result.revenue_fen) == (shop.id, 3280, 146, 876_050)
    assert "8,760.50" in client.get(f"/livestreams/{livestream.id}").get_data(as_text=True)
    bad = post(client, f"/livestreams/{livestream.id}/results", {
        "rows-0-shop_id": str(shop.id), "rows-0-viewers": "-1", "rows-0-orders": "x", "rows-0-revenue": "1"})
    assert bad.status_code == 422
    db.session.refresh(result)
    assert result.viewers == 3280


def test_results_page_only_for_sales_and_for_those_who_run_it(client):
    policy = make_livestream(POLICY, starts_in=timedelta(hours=-3))
    sales = make_livestream(SALES, starts_in=timedelta(hours=-3), shops=[make_shop()])
    login(client, make_user("staff"))
    assert client.get(f"/livestreams/{policy.id}/results").status_code == 404
    assert client.get(f"/livestreams/{sales.id}/results").status_code == 200
    post(client, "/logout")
    login(client, make_user("trainee"))
    assert client.get(f"/livestreams/{sales.id}/results").status_code == 404


def test_home_panel_shows_hosted_livestreams_and_questions_to_read(client):
    host = make_user("trainee")
    make_livestream(POLICY, title="下周的政策直播", hosts=[host])
    login(client, host)
    assert "下周的政策直播" in client.get("/home").get_data(as_text=True)
    post(client, "/logout")
    make_question(make_livestream(POLICY))
    login(client, make_user("staff", locale="en"))
    assert "1 question to read" in client.get("/home").get_data(as_text=True)


def test_during_the_livestream_residents_see_answers_arrive(client):
    livestream = make_livestream(POLICY, starts_in=timedelta(minutes=-10))
    make_question(livestream, "现在能问吗？", status=APPROVED, answered=True)
    page = client.get(f"/livestreams/{livestream.id}").get_data(as_text=True)
    assert 'hx-trigger="every 30s"' in page
    fragment = htmx_get(client, f"/livestreams/{livestream.id}").get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="public-questions"') and "现在能问吗？" in fragment
    later = make_livestream(POLICY)
    assert "every 30s" not in client.get(f"/livestreams/{later.id}").get_data(as_text=True)


def test_a_deleted_hosts_name_leaves_the_public_page_and_her_download_lists_her_livestreams(client):
    from incubator.accounts import privacy

    host = make_user("trainee", name="何佳怡")
    livestream = make_livestream(POLICY, title="宝妈主播结业展示", hosts=[host])
    assert [row["title"] for row in privacy.export(host)["livestreams_hosted"]] == ["宝妈主播结业展示"]
    assert "何佳怡" in client.get(f"/livestreams/{livestream.id}").get_data(as_text=True)
    privacy.anonymise(host)
    db.session.commit()
    html = client.get(f"/livestreams/{livestream.id}").get_data(as_text=True)
    assert "何佳怡" not in html and "已删除用户" not in html
    assert [h.id for h in livestream.hosts] == [host.id]  # the record of the livestream stays whole


def test_with_several_bases_the_programme_says_which_base(client):
    default_test_site()
    make_livestream(POLICY, site=make_site("江浦街道直播基地"), title="另一个基地的直播")
    html = client.get("/livestreams/").get_data(as_text=True)
    assert "另一个基地的直播" in html and "江浦街道直播基地" in html
