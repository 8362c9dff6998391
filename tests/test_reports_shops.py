"""Shop figures (stages, first sales, sales in yuan, incubated shops) against an
independent count, and the shop's part of a person's record and exports."""

from datetime import date, datetime

from incubator.extensions import db
from incubator.reports import service, sources
from incubator.reports.scope import Scope
from incubator.shops.models import SalesRecord, ShopStageEvent, Stage, SupportRecord
from tests.conftest import login, post
from tests.factories import make_site, make_user
from tests.factories_reports import make_shop

START, END, TODAY = date(2026, 1, 1), date(2026, 12, 31), date(2026, 11, 23)
KEYS = ("applied", "verified", "first_sale", "incubated")


def pipeline(site):
    stages = {}
    for position, key in enumerate(KEYS, start=1):
        stage = Stage(site_id=site.id, position=position, key=key, name_zh=f"阶段{position}", name_en=key.title())
        db.session.add(stage)
        stages[key] = stage
    db.session.commit()
    return stages


def move(shop, stage, at):
    db.session.add(ShopStageEvent(shop_id=shop.id, to_stage_id=stage.id, kind="advanced", at=at))
    shop.stage_id, shop.stage_entered_at = stage.id, at
    db.session.commit()


def sale(shop, day, orders, fen):
    db.session.add(SalesRecord(shop_id=shop.id, occurred_on=day, orders=orders, revenue_fen=fen, viewers=100))
    db.session.commit()


def build(site):
    stages = pipeline(site)
    owners = [make_user("shop_owner", site=site, name=f"店主{i}") for i in range(5)]
    shops = [make_shop(owner, name=f"小店{i}", created_at=datetime(2025, 12, 1)) for i, owner in enumerate(owners)]
    plan = [("applied", None), ("verified", None), ("first_sale", None),
            ("incubated", datetime(2026, 6, 1)), ("incubated", datetime(2025, 11, 1))]
    for shop, (key, at) in zip(shops, plan, strict=True):
        move(shop, stages[key], at or datetime(2026, 3, 1))
    records = [(shops[2], date(2026, 2, 1), 0, 0), (shops[2], date(2026, 2, 3), 5, 12000),
               (shops[3], date(2025, 12, 20), 2, 3000), (shops[3], date(2026, 4, 1), 10, 250050),
               (shops[4], date(2026, 12, 31), 1, 99), (shops[4], date(2027, 1, 1), 3, 500)]
    for shop, day, orders, fen in records:
        sale(shop, day, orders, fen)
    return stages, shops, records


def test_shop_figures_match_an_independent_count():
    site = make_site("烈士塔基地")
    stages, shops, records = build(site)
    build(make_site("别的基地"))  # never counted
    got = {v.key: v.result for v in service.figures(Scope(site.id, START, END, today=TODAY))}
    in_period = [r for r in records if START <= r[1] <= END]
    assert got["sales"].value == sum(r[3] for r in in_period) == 12000 + 250050 + 99
    first = {}
    for shop, day, orders, _fen in sorted(records, key=lambda r: r[1]):
        if orders and shop.id not in first:
            first[shop.id] = day
    assert got["first_sales"].value == sum(1 for day in first.values() if START <= day <= END)
    assert dict((str(k), v) for k, v in got["shops_per_stage"].breakdown) == {
        "阶段1": 1, "阶段2": 1, "阶段3": 1, "阶段4": 2}
    # One shop reached "incubated" in 2026, the other in 2025.
    incubated_shops = sources.shops_reached_stage(Scope(site.id, START, END, today=TODAY), "incubated")
    assert [r["shop"] for r in incubated_shops.table.rows] == ["小店3"]
    assert got["incubated"].value == 1


def test_incubated_list_shows_the_incubated_shop(client):
    site = make_site("烈士塔基地")
    build(site)
    login(client, make_user("staff", site=site, locale="en"))
    html = client.get("/reports/incubated?start=2026-01-01&end=2026-12-31").get_data(as_text=True)
    assert "小店3" in html and "店主3" in html


def test_person_record_shows_the_shop_stage_sales_and_support(client):
    site = make_site("烈士塔基地")
    stages, shops, _records = build(site)
    db.session.add(SupportRecord(site_id=site.id, kind="equipment", shop_id=shops[3].id, what="补光灯两盏",
                                 amount_fen=48000, given_on=date(2026, 5, 1)))
    db.session.commit()
    login(client, make_user("staff", site=site, locale="en"))
    html = client.get(f"/reports/people/{shops[3].owner_id}").get_data(as_text=True)
    assert "小店3: stage Incubated" in html
    assert "小店3 livestream: 10 orders, 2,500.50 yuan" in html
    assert "Support: 补光灯两盏" in html


def test_outcomes_and_support_exports(client):
    import csv
    import io

    site = make_site("烈士塔基地")
    stages, shops, _records = build(site)
    db.session.add(SupportRecord(site_id=site.id, kind="funding", shop_id=shops[1].id, what="创业补贴",
                                 amount_fen=500000, given_on=date(2026, 7, 1)))
    db.session.commit()
    login(client, make_user("staff", site=site, locale="en"))
    outcomes = list(csv.reader(io.StringIO(client.get(
        "/reports/exports/outcomes.csv?start=2026-01-01&end=2026-12-31").get_data().decode("utf-8-sig"))))
    assert sorted(r[-1] for r in outcomes[1:]) == sorted(["0.00", "120.00", "2500.50", "0.99"])
    support = list(csv.reader(io.StringIO(client.get(
        "/reports/exports/support.csv?start=2026-01-01&end=2026-12-31").get_data().decode("utf-8-sig"))))
    assert support[1][1:5] == ["小店1", "Funding", "创业补贴", "5000.00"]


def test_shop_category_and_platform_are_words_in_the_readers_language(client):
    import csv
    import io

    site = make_site("烈士塔基地")
    owner = make_user("shop_owner", site=site, name="刘春梅")
    shop = make_shop(owner, name="刘春梅乡村土特产", category="agricultural", created_at=datetime(2026, 3, 1))
    db.session.add(SalesRecord(shop_id=shop.id, occurred_on=date(2026, 3, 5), platform="douyin", orders=3,
                               revenue_fen=9000, viewers=200))
    db.session.commit()

    def rows(url):
        return list(csv.reader(io.StringIO(client.get(url).get_data().decode("utf-8-sig"))))

    period = "start=2026-01-01&end=2026-12-31"
    for locale, category, platform in (("en", "Agricultural specialties", "Douyin"), ("zh_CN", "农特产品", "抖音")):
        login(client, make_user("staff", site=site, locale=locale))
        assert rows(f"/reports/exports/shops.csv?{period}")[1][2] == category
        assert rows(f"/reports/figures/shops_joined?{period}&format=csv")[1][2] == category
        assert rows(f"/reports/exports/outcomes.csv?{period}")[1][3] == platform
        drill = client.get(f"/reports/figures/sales?{period}").get_data(as_text=True)
        assert platform in drill and "douyin" not in drill
        post(client, "/logout")
