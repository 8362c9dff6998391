"""Objects for tests, made with the real models. Each function commits, so the
object is visible to requests made by the test client."""

import itertools

from incubator.accounts.models import User, UserRole
from incubator.accounts.passwords import hash_password
from incubator.extensions import db
from incubator.sites.models import Site

DEFAULT_PASSWORD = "correct horse 42"
_PASSWORD_HASH = hash_password(DEFAULT_PASSWORD)  # hashing is slow on purpose: once
_sequence = itertools.count(1)


def make_site(name: str | None = None, **fields) -> Site:
    site = Site(name=name or f"测试基地 {next(_sequence)}", **fields)
    db.session.add(site)
    db.session.commit()
    return site


def default_test_site() -> Site:
    site = db.session.scalar(db.select(Site).order_by(Site.id).limit(1))
    return site or make_site("烈士塔直播基地")


def unique_phone() -> str:
    return f"139{next(_sequence):08d}"


def make_user(*roles: str, site: Site | None = None, name: str | None = None, phone: str | None = None,
              email: str | None = None, locale: str | None = None, active: bool = True) -> User:
    """make_user("staff"), make_user("trainee", "shop_owner", site=other_site)."""
    site = site or default_test_site()
    user = User(site_id=site.id, phone=phone or (None if email else unique_phone()), email=email,
                display_name=name or f"用户{next(_sequence)}", locale=locale, active=active,
                password_hash=_PASSWORD_HASH)
    user.role_grants = [UserRole(role=role) for role in (roles or ("trainee",))]
    db.session.add(user)
    db.session.commit()
    return user
