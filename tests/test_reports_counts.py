"""The dashboard counts its figures in the database (counts.py) while each
drill-down lists the rows behind its figure (sources.py): the two must say
the same, figure by figure, for every filter, over bases with records of
every area, including the awkward ones (a certificate without an
application, a programme for no one in particular, a shop incubated without
a recorded move, periods that start or end mid-month or in the future)."""

import random
from datetime import date, datetime, timedelta

import pytest

from incubator.booking.models import NO_SHOW
from incubator.extensions import db
from incubator.reports import service, sources
from incubator.reports.scope import Scope
from incubator.reports.settings import save_rule
from tests.factories import make_site, make_user
from tests.factories_reports import (
    make_application,
    make_certificate,
    make_cohort,
    make_programme,
    make_session,
    make_shop,
)
from tests.test_reports_booking import book, studio
from tests.test_reports_mentoring_livestreams import pair, stream
from tests.test_reports_service import build_base
from tests.test_reports_shops import move, pipeline, sale

TODAY = date(2026, 11, 23)


def build_everything(seed: int, site) -> dict:
    rng = random.Random(seed)
    made = build_base(seed, site)
    # A programme for no one in particular, and certificates without an application.
    open_to_all = make_programme(site, "开放课程", [])
    cohort = make_cohort(open_to_all, date(2026, 2, 1), date(2026, 5, 31))
    make_session(cohort, datetime(2026, 2, 3, 2))
    for _ in range(2):
        issued = datetime(2026, 6, 1) + timedelta(hours=rng.randint(0, 900))
        make_certificate(make_user("trainee", site=site), cohort, issued)
    make_certificate(make_user("trainee", site=site), made["cohorts"][0]["obj"], datetime(2025, 12, 31, 16, 30))
    # A class ending today: not yet counted in the completion rate.
    ending = make_cohort(open_to_all, date(2026, 10, 1), TODAY)
    make_application(make_user("trainee", site=site), ending, "confirmed", datetime(2026, 9, 1), group="mother")
    # Shops through the stages, with sales; one incubated with no move recorded.
    stages = pipeline(site)
    owners = [make_user("shop_owner", site=site) for _ in range(6)]
    for i, owner in enumerate(owners):
        shop = make_shop(owner, created_at=datetime(2025, 11, 1) + timedelta(days=rng.randint(0, 500)))
        key = rng.choice(list(stages))
        if i == 0:
            shop.stage_id, shop.stage_entered_at = stages["incubated"].id, datetime(2026, 4, 30, 16, 0)
            db.session.commit()
        else:
            move(shop, stages[key], datetime(2025, 12, 1) + timedelta(days=rng.randint(0, 400)))
        for _ in range(rng.randint(0, 4)):
            sale(shop, date(2025, 12, 1) + timedelta(days=rng.randint(0, 420)), rng.choice([0, 0, 1, 3]),
                 rng.randint(0, 90000))
    # Studios and bookings, some no-shows.
    rooms = [studio(site, "一号直播间"), studio(site, "二号直播间")]
    for _ in range(12):
        local = datetime(2026, 1, 1, 9) + timedelta(days=rng.randint(0, 360), hours=rng.randint(0, 10))
        book(rng.choice(rooms), rng.choice(owners), local, rng.randint(1, 3),
             rng.choice(["confirmed", "confirmed", NO_SHOW, "cancelled"]))
    # Mentorships in every state, livestreams of every kind.
    mentor = make_user("mentor", site=site)
    for _ in range(5):
        starts = date(2025, 10, 1) + timedelta(days=rng.randint(0, 400))
        status = rng.choice(["active", "completed", "ended_early"])
        ended = None if status == "active" or rng.random() < 0.3 else datetime.combine(
            starts + timedelta(days=rng.randint(1, 90)), datetime.min.time())
        pair(site, mentor, make_user("trainee", site=site), starts, starts + timedelta(days=90), status, ended)
    # Ended on its planned last day, the first day of the year, with no end recorded.
    pair(site, mentor, make_user("trainee", site=site), date(2025, 10, 1), date(2026, 1, 1), "completed", None)
    pair(site, mentor, make_user("trainee", site=site), date(2025, 10, 1), date(2026, 3, 1), "ended_early",
         datetime(2025, 12, 31, 16, 0))  # midnight, Beijing time, as the year begins
    for i in range(6):
        local = datetime(2025, 12, 20) + timedelta(days=rng.randint(0, 400), hours=rng.randint(0, 23))
        stream(site, f"直播{i}", rng.choice(["sales", "policy", "showcase"]), local, cancelled=rng.random() < 0.2)
    return made


def shown(result) -> tuple:
    """What the dashboard shows of a figure."""
    if result is None:
        return None
    return (result.value, result.numerator, result.denominator, [(str(k), n) for k, n in result.breakdown])


def assert_same(scope: Scope):
    counted = {view.key: view for view in service.figures(scope)}
    for source in sources.FIGURES:
        listed = service.figure(scope, source.key).result
        got = counted[source.key].result
        assert shown(got) == shown(listed), (source.key, scope)
        if source.trend_date and listed is not None:
            monthly = [n for _label, n in service.monthly(scope, listed.table, source.trend_date, source.trend_sum)]
            assert got.months == monthly, (source.key, scope)


@pytest.mark.parametrize("seed", [11, 12])
def test_counted_figures_equal_the_rows_of_their_drilldowns(seed):
    site, other = make_site("烈士塔基地"), make_site("别的基地")
    made = build_everything(seed, site)
    build_everything(seed + 50, other)
    year = Scope(site.id, date(2026, 1, 1), date(2026, 12, 31), today=TODAY)
    scopes = [year, year.with_(site_id=None),
              year.with_(start=date(2026, 3, 2), end=date(2026, 3, 8)),
              year.with_(start=date(2025, 6, 15), end=date(2026, 8, 10)),
              year.with_(start=date(2026, 12, 1), end=date(2027, 1, 31)),  # mostly after today
              year.with_(cohort_id=made["cohorts"][3]["obj"].id)]
    scopes += [year.with_(programme_id=c["programme"].id) for c in made["cohorts"][:3]]
    scopes += [year.with_(group=group) for group in sources.GROUP_LABELS]
    for scope in scopes:
        assert_same(scope)


def test_counted_figures_follow_the_bases_definition_of_incubated():
    site = make_site()
    build_everything(13, site)
    staff = make_user("staff", site=site)
    year = Scope(site.id, date(2026, 1, 1), date(2026, 12, 31), today=TODAY)
    for by_completion, by_shop_stage, stage in [(False, True, "incubated"), (True, False, "incubated"),
                                                (True, True, "first_sale")]:
        save_rule(staff, site.id, by_completion=by_completion, by_shop_stage=by_shop_stage, shop_stage=stage)
        assert_same(year)
        assert_same(year.with_(group="mothers"))
