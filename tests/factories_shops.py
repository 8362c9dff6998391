"""Shops for tests, made through the shops service (so stages and history are real)."""

from incubator.shops import service
from tests.factories import make_user


def make_shop(owner=None, *, name="新疆香馕烤包子店", category="food", baseline=(200, 80000), site=None, **fields):
    owner = owner or make_user("shop_owner", site=site)
    values = dict(name=name, category=category, location="文德路 12 号", has_physical_shop=True,
                  platforms=["douyin"], products="馕、烤包子", help_wanted=["training"],
                  baseline_pieces_per_day=baseline[0] if baseline else None,
                  baseline_revenue_fen_per_day=baseline[1] if baseline else None)
    values.update(fields)
    return service.apply(owner, **values)


def tick_all(staff, shop):
    for item in shop.stage.items:
        service.set_tick(staff, shop, item, True)


def stage_by_key(shop, key):
    return next(s for s in service.stages_for(shop.site_id) if s.key == key)


def add_link(owner, shop):
    return service.add_evidence_link(owner, shop, "https://v.douyin.com/abc123/")


def walk_to(staff, shop, key):
    """Advance a shop (ticking and giving evidence on the way) until it reaches `key`."""
    while shop.stage.key != key:
        tick_all(staff, shop)
        if shop.stage.evidence_required:
            add_link(staff, shop)
        service.advance(staff, shop)
    return shop
