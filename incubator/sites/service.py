"""Sites (bases). There is one by default; pickers appear only when there are two."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from incubator.errors import Conflict, DomainError
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.timeutil import DEFAULT_TIMEZONE

FIRST_SITE_NAME = "孵化基地"


def _first_site() -> Site | None:
    return db.session.scalar(select(Site).order_by(Site.id).limit(1))


def default_site() -> Site:
    """The first site: where new sign-ups belong until they choose."""
    site = _first_site()
    if site is None:
        # A fresh installation: the first base is made with the first account,
        # in the caller's transaction. People signing up at the same moment all
        # find no base; the name is unique, so the insert that comes second
        # waits for the first and then does nothing, and every one of them
        # reads the same base (tests/test_reliability_first_base.py).
        insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[db.session.get_bind().dialect.name]
        db.session.execute(insert(Site.__table__).values(name=FIRST_SITE_NAME, timezone=DEFAULT_TIMEZONE)
                           .on_conflict_do_nothing(index_elements=["name"]))
        site = _first_site()
    return site


def timezone_of(site_id: int | None) -> str:
    """The base's time zone, the default when it has none: its wall clock is
    the one pages and exports show times on."""
    site = db.session.get(Site, site_id) if site_id else None
    if site is not None:
        # The session's identity map holds objects only weakly: without this a
        # page asking once per day of a week, or once per rule checked, could
        # read the base again whenever the garbage collector had taken it, and
        # run a different number of statements from one request to the next.
        # Kept for the session's life; a commit or rollback still expires it,
        # so a changed time zone is read again after one.
        db.session.info.setdefault("sites.kept", {})[site_id] = site
    return (site.timezone if site else None) or DEFAULT_TIMEZONE


def all_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))


def has_several_sites() -> bool:
    return (db.session.scalar(select(func.count(Site.id))) or 0) > 1


def save_site(site: Site | None, *, name: str, address: str, timezone: str, description: str,
              contact_phone: str) -> Site:
    from zoneinfo import available_timezones

    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the base a name."), field="name")
    if timezone not in available_timezones():
        raise DomainError(_l("Choose a time zone from the list."), field="timezone")
    clash = db.session.scalar(select(Site).where(Site.name == name, Site.id != (site.id if site else -1)))
    if clash:
        raise Conflict(_l("Another base already has this name."), field="name")
    site = site or Site()
    site.name, site.address, site.timezone = name, (address or "").strip(), timezone
    site.description, site.contact_phone = (description or "").strip(), (contact_phone or "").strip()
    db.session.add(site)
    db.session.commit()
    return site
