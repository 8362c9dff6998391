"""Objects of the livestream area for tests (each function commits)."""

import itertools
from datetime import timedelta

from incubator.booking.models import STUDIO, Resource
from incubator.extensions import db
from incubator.livestreams.models import APPROVED, PENDING, POLICY, Livestream, Question
from incubator.shops.models import Shop
from incubator.timeutil import utcnow
from tests.factories import default_test_site, make_user

_sequence = itertools.count(1)


def make_studio(site=None, name: str | None = None, kind: str = STUDIO, active: bool = True) -> Resource:
    site = site or default_test_site()
    studio = Resource(site_id=site.id, name=name or f"直播间 {next(_sequence)}", kind=kind, active=active)
    db.session.add(studio)
    db.session.commit()
    return studio


def make_shop(owner=None, site=None, name: str | None = None) -> Shop:
    site = site or default_test_site()
    owner = owner or make_user("shop_owner", site=site)
    shop = Shop(site_id=site.id, owner_id=owner.id, name=name or f"店铺 {next(_sequence)}", category="food")
    db.session.add(shop)
    db.session.commit()
    return shop


def make_livestream(kind: str = POLICY, site=None, starts_in: timedelta = timedelta(days=1),
                    hours: float = 1, hosts=(), shops=(), studio=None, title: str | None = None,
                    platform: str = "douyin", cancelled: bool = False) -> Livestream:
    site = site or default_test_site()
    starts_at = utcnow() + starts_in
    livestream = Livestream(site_id=site.id, title=title or f"直播 {next(_sequence)}", kind=kind,
                            platform=platform, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                            studio_id=studio.id if studio else None,
                            cancelled_at=utcnow() if cancelled else None)
    livestream.hosts = list(hosts)
    livestream.shops = list(shops)
    db.session.add(livestream)
    db.session.commit()
    return livestream


def make_question(livestream, text: str = "社区医保怎么缴费？", status: str = PENDING, name: str = "",
                  answered: bool = False, answer: str = "") -> Question:
    question = Question(livestream_id=livestream.id, text=text, status=status, name=name, answer=answer,
                        answered_at=utcnow() if answered and status == APPROVED else None)
    db.session.add(question)
    db.session.commit()
    return question
