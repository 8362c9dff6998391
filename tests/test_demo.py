from sqlalchemy import func, select

from incubator.accounts.models import User
from incubator.auth import ROLES
from incubator.demo import database_is_empty, seed_demo
from incubator.extensions import db


def test_demo_data_gives_one_site_and_an_account_for_each_role():
    assert database_is_empty()
    ctx = seed_demo()
    assert ctx.site.name.startswith("烈士塔")
    held = {role for user in db.session.scalars(select(User)) for role in user.roles}
    assert held == set(ROLES)
    assert not database_is_empty()
    assert db.session.scalar(select(func.count(User.id))) >= 10
