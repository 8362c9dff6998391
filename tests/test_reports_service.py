"""Report figures against an independent count over the records the test made.

Each scenario is a random but reproducible base: programmes for different
groups, classes on both sides of the period's edges, applications in every
status (some sent just either side of midnight, Beijing time, on New Year's
Eve), certificates and shops, plus a second base whose records must never be
counted. The expected numbers are plain Python over what was made."""

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from incubator.enrolment.models import APPLICATION_STATUSES
from incubator.errors import DomainError
from incubator.reports import service, sources
from incubator.reports.scope import Scope
from incubator.reports.settings import rule_for, save_rule
from tests.factories import make_site, make_user
from tests.factories_reports import (
    AUDIENCE_GROUP,
    counted_groups,
    make_application,
    make_certificate,
    make_cohort,
    make_programme,
    make_session,
    make_shop,
)

START, END, TODAY = date(2026, 1, 1), date(2026, 12, 31), date(2026, 11, 23)
BEIJING = timedelta(hours=8)  # Asia/Shanghai has no summer time


def beijing_day(utc: datetime) -> date:
    return (utc + BEIJING).date()


def in_period(day: date, start=START, end=END) -> bool:
    return start <= day <= end


def whole_percent(n: int, d: int) -> int | None:
    if not d:
        return None
    return int((Decimal(100 * n) / Decimal(d)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def build_base(seed: int, site, people=14):
    rng = random.Random(seed)
    made = {"apps": [], "certs": [], "cohorts": [], "sessions": [], "shops": []}
    programmes = [make_programme(site, "宝妈直播班", ["mothers"]),
                  make_programme(site, "毕业生电商班", ["graduates"]),
                  make_programme(site, "乡村振兴班", ["villagers", "mothers"])]
    cohort_dates = [(date(2025, 10, 1), date(2025, 12, 20)), (date(2025, 11, 15), date(2026, 1, 20)),
                    (date(2026, 3, 1), date(2026, 4, 30)), (date(2026, 9, 1), date(2026, 11, 22)),
                    (date(2026, 10, 1), date(2026, 12, 15)), (date(2026, 12, 20), date(2027, 2, 1))]
    for starts, ends in cohort_dates:
        programme = rng.choice(programmes)
        cohort = make_cohort(programme, starts, ends)
        made["cohorts"].append({"obj": cohort, "programme": programme, "starts": starts, "ends": ends,
                                "audiences": programme.audiences})
        for _ in range(rng.randint(0, 3)):
            at = datetime.combine(starts, datetime.min.time()) + timedelta(hours=rng.randint(0, 24 * 60))
            make_session(cohort, at)
            made["sessions"].append({"cohort": cohort, "at": at, "programme": programme})
    users = [make_user("trainee", site=site) for _ in range(people)]
    edges = [datetime(2025, 12, 31, 15, 59), datetime(2025, 12, 31, 16, 0), datetime(2026, 12, 31, 15, 59),
             datetime(2026, 12, 31, 16, 0)]
    for user in users:
        for cohort_info in rng.sample(made["cohorts"], rng.randint(0, 3)):
            status = rng.choice(APPLICATION_STATUSES)
            submitted = rng.choice(edges) if rng.random() < 0.3 else (
                datetime(2025, 9, 1) + timedelta(hours=rng.randint(0, 24 * 500)))
            app = make_application(user, cohort_info["obj"], status, submitted,
                                   group=rng.choice(list(AUDIENCE_GROUP.values())))
            made["apps"].append({"user": user, "cohort": cohort_info, "status": status, "submitted": submitted,
                                 "groups": counted_groups(app, cohort_info["audiences"])})
            if status in ("confirmed", "dropped_out") and rng.random() < 0.6:
                ended = datetime.combine(cohort_info["ends"], datetime.min.time())
                issued = ended + timedelta(hours=rng.randint(-8, 30))
                make_certificate(user, cohort_info["obj"], issued)
                made["certs"].append({"user": user, "cohort": cohort_info, "issued": issued,
                                      "groups": made["apps"][-1]["groups"]})
            assert app.id
    for owner in rng.sample(users, 3):
        at = rng.choice(edges + [datetime(2026, 6, 1)])
        make_shop(owner, created_at=at)
        made["shops"].append({"owner": owner, "at": at})
    return made


def expected(made, *, programme=None, group=None, start=START, end=END):
    def matches(cohort_info):
        return ((programme is None or cohort_info["programme"].id == programme.id)
                and (group is None or group in cohort_info["audiences"]))

    def app_matches(a):
        return ((programme is None or a["cohort"]["programme"].id == programme.id)
                and (group is None or group in a["groups"]))

    apps = [a for a in made["apps"] if app_matches(a)]
    applicants = {a["user"].id for a in apps if in_period(beijing_day(a["submitted"]), start, end)}
    enrolments = [a for a in apps if a["status"] in ("confirmed", "dropped_out")
                  and a["cohort"]["starts"] <= end and a["cohort"]["ends"] >= start]
    certs = [c for c in made["certs"] if (programme is None or c["cohort"]["programme"].id == programme.id)
             and (group is None or group in c["groups"])]
    earned = {(c["user"].id, c["cohort"]["obj"].id) for c in made["certs"]}
    ended = [a for a in apps if a["status"] in ("confirmed", "dropped_out")
             and in_period(a["cohort"]["ends"], start, end) and a["cohort"]["ends"] < TODAY]
    completed = [a for a in ended if (a["user"].id, a["cohort"]["obj"].id) in earned]
    by_group = {}
    for a in enrolments:
        for g in a["groups"]:
            if group is None or g == group:
                by_group.setdefault(g, set()).add(a["user"].id)
    first_cert = {}
    for c in certs:
        day = beijing_day(c["issued"])
        first_cert[c["user"].id] = min(day, first_cert.get(c["user"].id, day))
    return {
        "applicants": len(applicants),
        "enrolled": len({a["user"].id for a in enrolments}),
        "completion": (whole_percent(len(completed), len(ended)), len(completed), len(ended)),
        "benefited": len({a["user"].id for a in enrolments}),
        "by_group": {g: len(ids) for g, ids in by_group.items()},
        "certificates": sum(1 for c in certs if in_period(beijing_day(c["issued"]), start, end)),
        "incubated": sum(1 for day in first_cert.values() if in_period(day, start, end)),
        "classes": sum(1 for c in made["cohorts"] if matches(c) and c["starts"] <= end and c["ends"] >= start),
        "sessions": sum(1 for s in made["sessions"]
                        if (programme is None or s["programme"].id == programme.id)
                        and (group is None or group in s["programme"].audiences)
                        and in_period(beijing_day(s["at"]), start, end)),
        "shops_joined": sum(1 for s in made["shops"] if in_period(beijing_day(s["at"]), start, end)),
    }


def values(scope):
    got = {v.key: v.result for v in service.figures(scope)}
    return got


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_dashboard_figures_match_an_independent_count(seed):
    site, other = make_site("烈士塔基地"), make_site("别的基地")
    made = build_base(seed, site)
    build_base(seed + 100, other, people=6)  # never counted
    scope = Scope(site.id, START, END, today=TODAY)
    want = expected(made)
    got = values(scope)
    for key in ("applicants", "enrolled", "benefited", "certificates", "incubated", "classes", "sessions",
                "shops_joined"):
        assert got[key].value == want[key], key
    assert (got["completion"].value, got["completion"].numerator, got["completion"].denominator) == \
        want["completion"]
    labels = {str(label): n for label, n in got["benefited"].breakdown}
    assert labels == {str(sources.GROUP_LABELS[g]): n for g, n in want["by_group"].items()}


@pytest.mark.parametrize("seed", [5, 6])
def test_filtered_figures_match_an_independent_count(seed):
    site = make_site("烈士塔基地")
    made = build_base(seed, site)
    programme = made["cohorts"][2]["programme"]
    for kwargs, scope in [
        ({"programme": programme}, Scope(site.id, START, END, programme_id=programme.id, today=TODAY)),
        ({"group": "mothers"}, Scope(site.id, START, END, group="mothers", today=TODAY)),
        ({"start": date(2026, 3, 1), "end": date(2026, 6, 30)},
         Scope(site.id, date(2026, 3, 1), date(2026, 6, 30), today=TODAY)),
    ]:
        want = expected(made, **kwargs)
        got = values(scope)
        for key in ("applicants", "enrolled", "benefited", "certificates", "incubated", "classes", "sessions"):
            assert got[key].value == want[key], (key, kwargs)
        assert (got["completion"].value, got["completion"].numerator, got["completion"].denominator) == \
            want["completion"], kwargs


def test_each_figure_counts_the_rows_its_drilldown_lists():
    site = make_site("烈士塔基地")
    build_base(7, site)
    scope = Scope(site.id, START, END, today=TODAY)
    for view in service.figures(scope):  # counted, as the dashboard shows them
        if not view.recorded or view.source.unit != "count":
            continue
        rows = service.figure(scope, view.key).result.table.rows  # what its drill-down lists
        if "person_id" in (rows[0] if rows else {}) and view.key not in ("certificates", "shops_joined"):
            assert view.result.value == len({r["person_id"] for r in rows}), view.key
        else:
            assert view.result.value == len(rows), view.key


def test_every_area_feeds_its_figures_now_that_all_have_landed():
    # Before an area is installed its figures read "not yet recorded" (None);
    # with every area on main each figure is a number, zero on an empty base.
    scope = Scope(make_site().id, START, END, today=TODAY)
    got = values(scope)
    for key in ("shops_per_stage", "first_sales", "sales", "utilisation", "no_shows", "mentorships",
                "livestreams"):
        assert got[key] is not None, key


def test_a_person_incubated_last_year_is_not_counted_again_this_year():
    site = make_site()
    person = make_user(site=site)
    first, second = make_cohort(make_programme(site), date(2025, 3, 1), date(2025, 5, 1)), \
        make_cohort(make_programme(site), date(2026, 3, 1), date(2026, 5, 1))
    make_certificate(person, first, datetime(2025, 5, 2))
    make_certificate(person, second, datetime(2026, 5, 2))
    assert sources.incubated(Scope(site.id, START, END, today=TODAY)).value == 0
    assert sources.incubated(Scope(site.id, date(2025, 1, 1), date(2025, 12, 31), today=TODAY)).value == 1


def test_completion_can_be_switched_off_as_a_way_of_being_incubated():
    site = make_site()
    staff = make_user("staff", site=site)
    person = make_user(site=site)
    make_certificate(person, make_cohort(make_programme(site)), datetime(2026, 5, 2))
    scope = Scope(site.id, START, END, today=TODAY)
    assert sources.incubated(scope).value == 1
    save_rule(staff, site.id, by_completion=False, by_shop_stage=True)
    assert rule_for(site.id).by_completion is False
    assert sources.incubated(scope).value == 0
    with pytest.raises(DomainError):
        save_rule(staff, site.id, by_completion=False, by_shop_stage=False)


def test_monthly_trend_adds_up_to_the_figure():
    site = make_site()
    build_base(8, site)
    scope = Scope(site.id, START, END, today=TODAY)
    views = service.figures(scope)
    charts = {c.key: c for c in service.trends(scope, views)}
    by_key = {v.key: v for v in views}
    assert len(charts["applicants"].points) == 12
    assert charts["certificates"].total == by_key["certificates"].result.value
    assert charts["sessions"].total == by_key["sessions"].result.value


def test_applicants_by_month_counts_each_person_in_the_month_she_first_applied():
    from incubator.reports import counts, daily

    site = make_site()
    mother, graduate = make_user("trainee", site=site), make_user("trainee", site=site)
    spring, summer = (make_cohort(make_programme(site, audiences=["mothers"])) for _ in range(2))
    make_application(mother, spring, "submitted", datetime(2026, 2, 10, 2))
    make_application(mother, summer, "submitted", datetime(2026, 3, 5, 2))  # her second: not a new applicant
    make_application(graduate, make_cohort(make_programme(site, audiences=["graduates"])), "submitted",
                     datetime(2026, 3, 6, 2))
    daily.build([site.id])

    def by_month(scope):
        charts = {c.key: c for c in service.trends(scope)}
        return {label: n for label, n, _shown in charts["applicants"].points if n}

    year = Scope(site.id, START, END, today=TODAY)
    assert counts.by_day(year, counts._values(year, None)) is not None  # read from the day rows
    assert by_month(year) == {"2026-02": 1, "2026-03": 1}
    assert by_month(year.with_(group="mothers")) == {"2026-02": 1}  # counted from the records
    assert by_month(year.with_(start=date(2026, 3, 1))) == {"2026-03": 2}  # her first of this period
    assert service.figure(year, "applicants").result.value == 2


def test_scope_rejects_a_period_that_ends_before_it_starts():
    staff = make_user("staff")
    with pytest.raises(DomainError) as error:
        service.build_scope(staff, start=date(2026, 5, 1), end=date(2026, 1, 1))
    assert error.value.errors[0][0] == "end"


def test_scope_refuses_another_sites_programme():
    staff = make_user("staff")
    other = make_site("别的基地")
    with pytest.raises(DomainError):
        service.build_scope(staff, start=None, end=None, programme_id=make_programme(other).id)


def test_default_scope_is_this_year_of_the_staff_members_own_base():
    staff = make_user("staff")
    scope = service.build_scope(staff, start=None, end=None, site_id=999, today=date(2026, 11, 23))
    assert (scope.site_id, scope.start, scope.end) == (staff.site_id, date(2026, 1, 1), date(2026, 12, 31))


def test_csv_cells_neutralise_formulas_and_show_yuan():
    assert service.cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert service.cell(123456, "yuan") == "1234.56"
    assert service.cell(date(2026, 1, 2)) == "2026-01-02"
    assert service.cell(None) == ""


def test_adding_a_note_checks_it_and_writes_history():
    from incubator.audit import AuditEntry
    from incubator.extensions import db

    staff, person = make_user("staff"), make_user()
    with pytest.raises(DomainError):
        service.add_note(staff, person, "   ")
    note = service.add_note(staff, person, "想做本地农产品直播")
    assert note.body == "想做本地农产品直播"
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "person.note_added"))


def test_deleting_a_persons_data_deletes_staff_notes_about_her_and_keeps_her_in_the_counts():
    from incubator.accounts import privacy
    from incubator.extensions import db
    from incubator.reports.models import PersonNote

    site = make_site()
    staff, person = make_user("staff", site=site), make_user(site=site)
    make_certificate(person, make_cohort(make_programme(site)), datetime(2026, 5, 2))
    service.add_note(staff, person, "家里有两个孩子，上午有空")
    privacy.anonymise(person)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(PersonNote.id))) == 0
    assert sources.incubated(Scope(site.id, START, END, today=TODAY)).value == 1


def test_people_are_counted_in_the_group_they_gave_on_their_application():
    site = make_site()
    cohort = make_cohort(make_programme(site, "乡村振兴班", ["villagers", "mothers"]))
    make_application(make_user(site=site), cohort, "confirmed", group="mother")
    make_application(make_user(site=site), cohort, "confirmed", group="graduate")
    result = sources.benefited(Scope(site.id, START, END, today=TODAY))
    assert {str(label): n for label, n in result.breakdown} == {
        str(sources.GROUP_LABELS["mothers"]): 1, str(sources.GROUP_LABELS["graduates"]): 1}
    assert sources.enrolled(Scope(site.id, START, END, group="graduates", today=TODAY)).value == 1
