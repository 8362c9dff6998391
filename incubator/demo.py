"""Demo data for a newcomer's `make run`: each area seeds its part, in the
order of AREA_PACKAGES, sharing one DemoContext (the site, the people, and
whatever an earlier area made that a later one needs)."""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from incubator.areas import resolve
from incubator.extensions import db


@dataclass
class DemoContext:
    site: object = None
    people: dict = field(default_factory=dict)
    made: dict = field(default_factory=dict)  # area -> whatever it wants to share


def database_is_empty() -> bool:
    from incubator.accounts.models import User

    return not db.session.scalar(select(func.count(User.id)))


def seed_demo() -> DemoContext:
    ctx = DemoContext()
    for area in current_app.extensions["incubator_areas"]:
        seed = resolve(area.demo)
        if seed:
            seed(ctx)
    return ctx
