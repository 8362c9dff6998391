"""A fresh installation: the first base is made with the first account. Several
people signing up at the same moment on an empty database all get an account,
and there is exactly one base, theirs. Likewise a new base's onboarding stages
are made with its first shop: shops applying at the same moment all get in,
and the base has one pipeline.

Each call runs in its own thread with its own app context and database
connection, released together. For sign-ups, the password hash (slow on
purpose) sits between looking for the base and committing, so every sign-up
looks before any commits. Several rounds, each on empty tables.

Before the fix, all but one of each round failed with IntegrityError (a 500):
the unique base name and the unique (base, stage key) kept the data right, but
refused the people.
"""

import threading

from sqlalchemy import func, select

from incubator.accounts import service
from incubator.accounts.models import User
from incubator.extensions import db
from incubator.shops import service as shops
from incubator.shops.models import Shop, Stage
from incubator.shops.pipeline import DEFAULT_STAGES
from incubator.sites.models import Site
from tests.conftest import empty_all_tables
from tests.factories import make_site, make_user

ROUNDS, PEOPLE = 4, 4


def together(app, call, arguments: list) -> list:
    """call(argument) for each argument in threads released together, each in
    an app context of its own: their results, or the errors they raised."""
    barrier = threading.Barrier(len(arguments))
    results = [None] * len(arguments)

    def run(i, argument):
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                results[i] = call(argument)
            except Exception as error:  # noqa: BLE001  (any failure is the finding)
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, argument)) for i, argument in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def sign_up(phone: str) -> int:
    return service.sign_up(login_name=phone, password="lieshita-2026-live", display_name="第一批学员",
                           consent=True).id


def apply_with_shop(user_id: int) -> int:
    return shops.apply(db.session.get(User, user_id), name=f"第一批店铺{user_id}", category="food",
                       location="烈士塔社区", has_physical_shop=True, platforms=["douyin"], products="馕",
                       help_wanted=[]).id


def test_people_signing_up_together_on_a_fresh_installation_share_one_new_base(app):
    for round_ in range(ROUNDS):
        empty_all_tables()
        phones = [f"1370000{round_:02d}{i:02d}" for i in range(PEOPLE)]
        results = together(app, sign_up, phones)
        failed = [r for r in results if not isinstance(r, int)]
        assert not failed, f"round {round_}: {failed!r}"
        db.session.rollback()
        sites = db.session.scalars(select(Site)).all()
        assert len(sites) == 1, f"round {round_}: {sites}"
        assert db.session.scalar(select(func.count()).select_from(User).where(User.site_id == sites[0].id)) \
            == PEOPLE
    print(f"\nfirst base: {ROUNDS} rounds of {PEOPLE} simultaneous sign-ups on an empty database, one base each")


def test_the_first_shops_of_a_base_applying_together_share_one_pipeline(app):
    for round_ in range(ROUNDS):
        empty_all_tables()
        site = make_site("烈士塔直播基地")
        people = [make_user("trainee", site=site).id for _ in range(PEOPLE)]
        results = together(app, apply_with_shop, people)
        failed = [r for r in results if not isinstance(r, int)]
        assert not failed, f"round {round_}: {failed!r}"
        db.session.rollback()
        keys = db.session.scalars(select(Stage.key).where(Stage.site_id == site.id)).all()
        assert len(keys) == len(DEFAULT_STAGES) and len(set(keys)) == len(keys), keys
        first = db.session.scalar(select(Stage.id).where(Stage.site_id == site.id).order_by(Stage.position))
        assert set(db.session.scalars(select(Shop.stage_id))) == {first}
        assert db.session.scalar(select(func.count()).select_from(Shop)) == PEOPLE
    print(f"\nfirst shops: {ROUNDS} rounds of {PEOPLE} simultaneous applications on a new base, one pipeline each")
