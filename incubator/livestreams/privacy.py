"""What the livestream area holds about a person (Area.personal_data).

Residents' questions are not tied to accounts (their name and phone are
optional free text), so a person's part here is the livestreams she hosts.
"""

from sqlalchemy import select

from incubator.accounts.models import User
from incubator.extensions import db
from incubator.livestreams.models import Livestream
from incubator.sites.service import timezone_of
from incubator.timeutil import iso_clock

COVERS = ("livestream_hosts.user_id",)


def export(user: User) -> dict[str, list[dict]]:
    when = iso_clock(timezone_of(user.site_id))
    hosted = db.session.scalars(select(Livestream).where(Livestream.hosts.any(User.id == user.id))
                                .order_by(Livestream.starts_at))
    return {"livestreams_hosted": [
        {"title": ls.title, "kind": ls.kind, "platform": ls.platform, "starts_at": when(ls.starts_at),
         "ends_at": when(ls.ends_at), "cancelled": ls.cancelled} for ls in hosted]}


def anonymise(user: User) -> None:
    """Nothing to rewrite here: the hosting rows stay so that counts of
    livestreams held stay true, her name lives only on the (now anonymised)
    account, and public pages name active hosts only."""
    return None
