import csv
import io
from datetime import date, datetime

from sqlalchemy import select

from incubator.audit import AuditEntry
from incubator.extensions import db
from incubator.reports.models import PersonNote
from tests.conftest import htmx_get, login, post
from tests.factories import default_test_site, make_site, make_user
from tests.factories_reports import (
    make_application,
    make_certificate,
    make_cohort,
    make_programme,
    make_shop,
)

PERIOD = "start=2026-01-01&end=2026-12-31"


def journey(site=None, name="张格琴"):
    """A mother who applied, was enrolled and completed; with a shop."""
    site = site or default_test_site()
    person = make_user("trainee", site=site, name=name, locale="en")
    cohort = make_cohort(make_programme(site, "宝妈直播班", ["mothers"]), date(2026, 3, 1), date(2026, 4, 30),
                         name="第一期")
    make_application(person, cohort, "confirmed", datetime(2026, 2, 10, 2), history=["accepted"])
    make_certificate(person, cohort, datetime(2026, 5, 2, 3))
    make_shop(person, name="格琴土特产", created_at=datetime(2026, 6, 1))
    return person


def read_csv(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- Access ---------------------------------------------------------------------

def test_staff_pages_are_forbidden_to_trainees_shop_owners_and_mentors(client):
    person = journey()
    for role in ("trainee", "shop_owner", "mentor"):
        login(client, make_user(role))
        for url in ("/reports/", "/reports/figures/applicants", "/reports/incubated", "/reports/impact",
                    "/reports/exports", "/reports/exports/people.csv", "/reports/people",
                    f"/reports/people/{person.id}", "/reports/audit", "/reports/settings"):
            assert client.get(url).status_code == 403, (role, url)
        post(client, "/logout")


def test_staff_of_another_base_see_nothing_of_this_base(client):
    here = default_test_site()
    person = journey(here)
    other_staff = make_user("staff", site=make_site("江北基地"), locale="en")
    login(client, other_staff)
    assert client.get(f"/reports/people/{person.id}").status_code == 404
    assert post(client, f"/reports/people/{person.id}/notes", {"body": "x"}).status_code == 404
    dashboard = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)
    assert "格琴" not in dashboard
    drill = client.get(f"/reports/figures/applicants?{PERIOD}").get_data(as_text=True)
    assert "张格琴" not in drill and "No records in this period" in drill
    rows = read_csv(client.get(f"/reports/exports/people.csv?{PERIOD}"))
    assert len(rows) == 1  # the header only
    assert "张格琴" not in client.get("/reports/people?q=张").get_data(as_text=True)
    # Their programme filter cannot name this base's programme either.
    programme_id = db.session.scalar(select(AuditEntry.id))  # any number that is not theirs
    assert client.get(f"/reports/?programme={programme_id}").status_code in (200, 422)


def test_anonymous_people_are_sent_to_login(client):
    assert client.get("/reports/").status_code == 302
    assert client.get("/me/record").status_code == 302


# --- Dashboard and drill-downs ---------------------------------------------------

def test_dashboard_shows_figures_that_link_to_their_records(client):
    journey()
    login(client, make_user("staff", locale="en"))
    html = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)
    assert "Applicants" in html and "not yet recorded" not in html  # every area has landed
    assert f'href="/reports/figures/applicants?{PERIOD.replace("&", "&amp;")}' in html
    assert "<svg" in html and "<title id=\"chart-applicants-title\">" in html and "Show the numbers" in html
    drill = client.get(f"/reports/figures/enrolled?{PERIOD}").get_data(as_text=True)
    assert "张格琴" in drill and "第一期" in drill


def test_dashboard_filters_answer_htmx_with_the_fragment(client):
    journey()
    login(client, make_user("staff", locale="en"))
    fragment = htmx_get(client, f"/reports/?{PERIOD}&group=graduates").get_data(as_text=True)
    assert "<html" not in fragment and "figure-value" in fragment
    page = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)
    assert "<html" in page


def test_a_bad_period_is_refused_with_a_message_and_422(client):
    login(client, make_user("staff", locale="en"))
    response = client.get("/reports/?start=2026-05-01&end=2026-01-01")
    assert response.status_code == 422
    assert "must end on or after" in response.get_data(as_text=True)
    response = htmx_get(client, "/reports/figures/applicants?start=not-a-date")
    assert response.status_code == 422 and "Showing this year instead" in response.get_data(as_text=True)
    assert client.get("/reports/?programme=abc").status_code == 422
    assert client.get("/reports/figures/no-such-figure").status_code == 404


def test_drilldown_downloads_the_same_rows_as_csv(client):
    journey()
    login(client, make_user("staff", locale="en"))
    response = client.get(f"/reports/figures/applicants?{PERIOD}&format=csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert rows[0][0] == "Person" and rows[1][0] == "张格琴"


def test_incubated_list_and_impact_report(client):
    journey()
    login(client, make_user("staff", locale="en"))
    html = client.get(f"/reports/incubated?{PERIOD}").get_data(as_text=True)
    assert "张格琴" in html and "Completed 宝妈直播班" in html
    impact = client.get(f"/reports/impact?{PERIOD}").get_data(as_text=True)
    assert 'lang="zh-CN"' in impact and 'lang="en"' in impact and "&lt;h2" not in impact
    assert "<h2>烈士塔直播基地：" in impact
    assert "1 person took part in 1 training class (0 sessions)." in impact
    assert "1 certificate of completion was issued." in impact and "1 person applied." in impact
    assert "共有 1 人参加了 1 期培训班（0 节课程）。" in impact and "颁发结业证书 1 张。" in impact


def test_the_impact_report_names_the_groups_in_each_texts_own_language(client):
    import re

    journey()
    for locale in ("en", "zh_CN"):
        login(client, make_user("staff", locale=locale))
        impact = client.get(f"/reports/impact?{PERIOD}").get_data(as_text=True)
        chinese, english = re.findall(r'<article class="impact-text" lang="[^"]+">(.*?)</article>', impact, re.S)
        assert "宝妈 1" in chinese and "Mothers" not in chinese, locale
        assert "Mothers 1" in english and "宝妈" not in english, locale
        post(client, "/logout")


def test_incubated_definition_can_be_changed_by_staff(client):
    login(client, make_user("staff", locale="en"))
    response = post(client, "/reports/settings", {"by_shop_stage": "y", "shop_stage": "incubated"})
    assert response.status_code == 303
    refused = post(client, "/reports/settings", {"shop_stage": "incubated"})
    assert refused.status_code == 422 and "at least one way" in refused.get_data(as_text=True)


def test_the_incubated_stage_is_chosen_from_the_bases_stages_by_name(client):
    from incubator.reports.settings import rule_for

    staff = make_user("staff", locale="en")
    login(client, staff)
    page = client.get("/reports/settings").get_data(as_text=True)
    assert '<select' in page and '<option value="first_sale">First sale</option>' in page
    assert '<option selected value="incubated">Incubated</option>' in page
    refused = post(client, "/reports/settings", {"by_shop_stage": "y", "shop_stage": "no-such-stage"})
    assert refused.status_code == 422
    assert "Choose a stage of this base&#39;s onboarding pipeline." in refused.get_data(as_text=True)
    assert rule_for(staff.site_id).shop_stage == "incubated"
    assert post(client, "/reports/settings", {"by_shop_stage": "y", "shop_stage": "first_sale"}).status_code == 303
    assert "A shop reaching the stage “First sale”." in client.get("/reports/incubated").get_data(as_text=True)
    post(client, "/logout")
    login(client, make_user("staff", locale="zh_CN"))
    refused = post(client, "/reports/settings", {"by_shop_stage": "y", "shop_stage": "no-such-stage"})
    assert "请从本基地的入驻流程中选择一个阶段。" in refused.get_data(as_text=True)


# --- Exports ---------------------------------------------------------------------

def test_exports_are_csv_with_bom_honouring_the_filters(client):
    person = journey()
    other = make_user("trainee", name="林浩然")
    make_application(other, make_cohort(make_programme(name="毕业生电商班", audiences=["graduates"])),
                     "submitted", datetime(2026, 7, 1))
    login(client, make_user("staff", locale="en"))
    people = read_csv(client.get(f"/reports/exports/people.csv?{PERIOD}"))
    header, rows = people[0], people[1:]
    assert header[:2] == ["Person", "Mobile"]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(by_name) == {"张格琴", "林浩然"}
    assert by_name["张格琴"]["Mobile"] == person.phone
    assert by_name["张格琴"]["Certificates"] == "1" and by_name["张格琴"]["Incubated on"] == "2026-05-02"
    mothers = read_csv(client.get(f"/reports/exports/applications.csv?{PERIOD}&group=mothers"))
    assert [r[0] for r in mothers[1:]] == ["张格琴"]
    shops = read_csv(client.get(f"/reports/exports/shops.csv?{PERIOD}"))
    assert shops[1][:2] == ["格琴土特产", "张格琴"]
    assert client.get(f"/reports/exports/nothing.csv?{PERIOD}").status_code == 404


def test_exports_page_offers_every_export_once_all_areas_have_landed(client):
    login(client, make_user("staff", locale="en"))
    html = client.get("/reports/exports").get_data(as_text=True)
    for name in ("people", "applications", "attendance", "bookings", "shops", "outcomes", "support"):
        assert f"/reports/exports/{name}.csv" in html, name
    assert "not yet recorded" not in html


# --- Person records ------------------------------------------------------------------

def test_staff_see_the_whole_journey_with_notes_and_the_look_is_recorded(client):
    person = journey()
    staff = make_user("staff", locale="en")
    db.session.add(PersonNote(site_id=person.site_id, person_id=person.id, author_id=staff.id,
                              body="想做本地农产品直播"))
    db.session.commit()
    login(client, staff)
    html = client.get(f"/reports/people/{person.id}").get_data(as_text=True)
    for words in ("Applied to 宝妈直播班", "Submitted → Offered a place", "Offered a place → Enrolled",
                  "Completed 宝妈直播班", "格琴土特产", "想做本地农产品直播", "Add a staff note"):
        assert words in html, words
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.viewed"))
    assert (entry.actor_id, entry.object_type, entry.object_id) == (staff.id, "users", person.id)


def test_a_person_sees_her_own_record_without_staff_notes_and_nothing_is_logged(client):
    person = journey()
    staff = make_user("staff")
    db.session.add(PersonNote(site_id=person.site_id, person_id=person.id, author_id=staff.id,
                              body="内部备注：需要多关心"))
    db.session.commit()
    login(client, person)
    html = client.get("/me/record").get_data(as_text=True)
    assert "Completed 宝妈直播班" in html and "Applied to 宝妈直播班" in html
    assert "内部备注" not in html and "Staff notes" not in html and "Add a staff note" not in html
    assert not db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.viewed"))


def test_staff_add_a_note_plainly_and_with_htmx(client):
    person = journey()
    login(client, make_user("staff", locale="en"))
    response = post(client, f"/reports/people/{person.id}/notes", {"body": "下周介绍导师"})
    assert response.status_code == 303
    empty = post(client, f"/reports/people/{person.id}/notes", {"body": "  "}, htmx=True)
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert "<html" not in html and "Write the note first." in html
    with_htmx = post(client, f"/reports/people/{person.id}/notes", {"body": "已联系"}, htmx=True)
    assert with_htmx.status_code == 204 and "HX-Location" in with_htmx.headers
    assert [n.body for n in db.session.scalars(select(PersonNote).order_by(PersonNote.id))] == \
        ["下周介绍导师", "已联系"]


def _booked_daily(person, days: int):
    """A booking a day from 1 January 2026, each with its day in the purpose."""
    from datetime import timedelta

    from tests.test_reports_booking import book, studio

    room = studio(person.site, "一号直播间")
    for day in range(days):
        booking = book(room, person, datetime(2026, 1, 1, 10) + timedelta(days=day), 1)
        booking.purpose = f"练习第{day + 1}天"
    db.session.commit()


def test_a_long_record_shows_each_sections_latest_and_links_to_all_of_it(client, monkeypatch):
    from incubator.reports import timeline, views

    person = journey()
    _booked_daily(person, 23)
    staff = make_user("staff", locale="en")
    db.session.add(PersonNote(site_id=person.site_id, person_id=person.id, author_id=staff.id, body="多关心"))
    db.session.commit()
    login(client, staff)
    html = client.get(f"/reports/people/{person.id}").get_data(as_text=True)
    # Her milestones are all there; of her 23 bookings, the latest ten.
    assert "Applied to 宝妈直播班" in html and "Completed 宝妈直播班" in html and "多关心" in html
    assert html.count("timeline-bookings") == timeline.RECENT
    assert "练习第23天" in html and "练习第14天" in html and "练习第13天" not in html
    assert f'<dd>23 · <a href="/reports/people/{person.id}/sections/bookings">Show all</a></dd>' in html
    assert "/sections/applications" not in html  # everything of a short section is shown already

    # All of them, newest first, a page at a time; the pager swaps only the list.
    monkeypatch.setattr(views, "ROWS_PER_PAGE", 10)
    first = client.get(f"/reports/people/{person.id}/sections/bookings").get_data(as_text=True)
    assert "23 entries, newest first" in first and "Page 1 of 3" in first
    assert first.index("练习第23天") < first.index("练习第22天") and "练习第13天" not in first
    last = htmx_get(client, f"/reports/people/{person.id}/sections/bookings?page=3").get_data(as_text=True)
    assert "<html" not in last and "练习第3天" in last and "练习第1天" in last and "练习第4天" not in last
    beyond = client.get(f"/reports/people/{person.id}/sections/bookings?page=9").get_data(as_text=True)
    assert "23 entries" in beyond and "Nothing recorded here." in beyond
    assert "多关心" in client.get(f"/reports/people/{person.id}/sections/notes").get_data(as_text=True)
    assert client.get(f"/reports/people/{person.id}/sections/nothing").status_code == 404
    # Every look at her record, whole or a section of it, is written to the history.
    looks = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "person.viewed")).all()
    assert len(looks) == 5 and {(e.actor_id, e.object_id) for e in looks} == {(staff.id, person.id)}


def test_a_person_pages_through_her_own_sections_but_never_the_staff_notes(client):
    person = journey()
    _booked_daily(person, 12)
    db.session.add(PersonNote(site_id=person.site_id, person_id=person.id, author_id=make_user("staff").id,
                              body="内部备注"))
    db.session.commit()
    login(client, person)
    html = client.get("/me/record").get_data(as_text=True)
    assert '<a href="/me/record/sections/bookings">Show all</a>' in html and "/sections/notes" not in html
    own = client.get("/me/record/sections/bookings").get_data(as_text=True)
    assert "12 entries, newest first" in own and "练习第1天" in own and "written to the history" not in own
    assert client.get("/me/record/sections/notes").status_code == 404
    assert not db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.viewed"))


def test_people_search_finds_people_of_the_base(client):
    journey()
    login(client, make_user("staff", locale="en"))
    fragment = htmx_get(client, "/reports/people?q=格琴").get_data(as_text=True)
    assert "<html" not in fragment and "张格琴" in fragment


# --- History ---------------------------------------------------------------------------

def test_history_search_filters_by_who_and_action_and_pages(client):
    person = journey()
    staff = make_user("staff", name="王芳", locale="en")
    login(client, staff)
    client.get(f"/reports/people/{person.id}")
    assert "<html" in client.get("/reports/audit?action=person.viewed").get_data(as_text=True)
    html = htmx_get(client, "/reports/audit?action=person.viewed").get_data(as_text=True)
    assert "record opened</td>" in html and "王芳" in html
    assert "application.status_changed" not in html
    fragment = htmx_get(client, "/reports/audit?who=王芳").get_data(as_text=True)
    assert "<html" not in fragment and "1 entry" in fragment
    # An action no area names is shown as it was written, never hidden.
    assert '<td data-label="What">application.status_changed</td>' in client.get("/reports/audit").get_data(
        as_text=True)
    assert client.get("/reports/audit?object_id=abc").status_code == 422


def test_history_names_actions_and_records_in_the_readers_language(client):
    person = journey()
    login(client, make_user("staff", name="王芳"))
    client.get(f"/reports/people/{person.id}")
    chinese = client.get("/reports/audit?action=person.viewed").get_data(as_text=True)
    assert '<td data-label="内容">查看了个人档案</td>' in chinese
    assert f">用户 #{person.id}</a>" in chinese
    assert '<option selected value="person.viewed">查看了个人档案</option>' in chinese
    english = client.get("/reports/audit?action=person.viewed", headers={"Accept-Language": "en"})
    assert f">Person #{person.id}</a>" in english.get_data(as_text=True)


# Actions written with a value in their name (f"application.{to_status}"),
# and the one booking passes through _finish's default.
WRITTEN_WITH_A_VALUE = {"data_request.correction", "data_request.deletion", "data_request.done",
                        "data_request.refused", "question.approved", "question.rejected", "shops.advanced",
                        "shops.sent_back", "shops.first_sale", "person.viewed", "booking.booked"}


def test_every_action_the_code_writes_to_the_history_has_a_name():
    """The history page names each action; one added without a name would
    show its code ("booking.moved") to staff."""
    import re
    from pathlib import Path

    from incubator.audit import _NAMES
    from incubator.enrolment.models import APPLICATION_STATUSES

    action = r'"([a-z_]+\.[a-z_]+)"'
    written = set(WRITTEN_WITH_A_VALUE) | {f"application.{status}" for status in APPLICATION_STATUSES}
    for source in Path("incubator").rglob("*.py"):
        for call in re.findall(r"(?:record_change|_finish)\(([^)]*)", source.read_text()):
            written |= set(re.findall(action, call))
    assert len(written) > 80
    assert sorted(written - set(_NAMES)) == []


def test_history_of_another_base_is_not_shown(client):
    person = journey()
    login(client, make_user("staff", site=make_site("江北基地"), locale="en"))
    html = client.get("/reports/audit").get_data(as_text=True)
    assert "application.status_changed" not in html
    assert f"#{person.id}" not in html


def test_every_report_page_works_on_the_demo_data(client):
    from incubator.accounts.demo import DEMO_PASSWORD
    from incubator.demo import seed_demo

    ctx = seed_demo()
    for key in ("staff", "admin"):
        login(client, ctx.people[key], DEMO_PASSWORD)
        for url in ("/reports/", "/reports/incubated", "/reports/impact", "/reports/exports", "/reports/people",
                    f"/reports/people/{ctx.people['trainee'].id}", "/reports/audit", "/reports/settings"):
            assert client.get(url).status_code == 200, (key, url)
        from incubator.reports import exports, sources

        for figure in sources.FIGURES:
            assert client.get(f"/reports/figures/{figure.key}").status_code == 200, figure.key
        for export in exports.EXPORTS:
            response = client.get(f"/reports/exports/{export.name}.csv")
            assert response.status_code in (200, 404), export.name
        post(client, "/logout")
    login(client, ctx.people["trainee"], DEMO_PASSWORD)
    html = client.get("/me/record").get_data(as_text=True)
    assert "孩子上幼儿园" not in html  # the demo's staff note stays with staff


def test_an_admin_sees_every_base_or_chooses_one(client):
    here = default_test_site()
    journey(here)
    journey(make_site("江北基地"), name="吴桂兰")
    login(client, make_user("admin", locale="en"))
    both = client.get(f"/reports/figures/applicants?{PERIOD}").get_data(as_text=True)
    assert "张格琴" in both and "吴桂兰" in both
    one = client.get(f"/reports/figures/applicants?{PERIOD}&site={here.id}").get_data(as_text=True)
    assert "张格琴" in one and "吴桂兰" not in one
    assert client.get(f"/reports/?site=99999&{PERIOD}").status_code == 422


def test_an_admins_chosen_base_stays_in_every_report_link_and_download(client):
    import html as entities
    import re

    here = default_test_site()
    journey(here)
    journey(make_site("江北基地"), name="吴桂兰")
    login(client, make_user("admin", locale="en"))
    exports = client.get(f"/reports/exports?{PERIOD}&site={here.id}").get_data(as_text=True)
    shops_link = entities.unescape(re.search(r'href="(/reports/exports/shops\.csv[^"]*)"', exports).group(1))
    assert [r[0] for r in read_csv(client.get(shops_link))[1:]] == ["格琴土特产"]
    dashboard = client.get(f"/reports/?{PERIOD}&site={here.id}").get_data(as_text=True)
    links = [entities.unescape(u) for u in re.findall(r'href="(/reports/(?:figures|impact|exports)[^"]*)"',
                                                      dashboard)]
    assert links and all(f"site={here.id}" in u for u in links if "?" in u)
    drill_link = next(u for u in links if u.startswith("/reports/figures/applicants"))
    drill = client.get(drill_link).get_data(as_text=True)
    assert "张格琴" in drill and "吴桂兰" not in drill
