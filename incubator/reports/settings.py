"""What "incubated" means at a base (configurable by staff)."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from incubator.audit import record_change
from incubator.errors import DomainError
from incubator.extensions import db
from incubator.reports.models import DEFAULT_INCUBATED_STAGE, IncubationRule


@dataclass(frozen=True)
class Rule:
    by_completion: bool = True
    by_shop_stage: bool = True
    shop_stage: str = DEFAULT_INCUBATED_STAGE


DEFAULT_RULE = Rule()


def rule_for(site_id: int | None) -> Rule:
    """The base's rule; the default for a base that never changed it (and for
    the all-bases view)."""
    if site_id is None:
        return DEFAULT_RULE
    row = db.session.scalar(select(IncubationRule).where(IncubationRule.site_id == site_id))
    if row is None:
        return DEFAULT_RULE
    return Rule(row.by_completion, row.by_shop_stage, row.shop_stage)


def save_rule(actor, site_id: int, *, by_completion: bool, by_shop_stage: bool,
              shop_stage: str = DEFAULT_INCUBATED_STAGE) -> Rule:
    shop_stage = (shop_stage or "").replace("\x00", "").strip() or DEFAULT_INCUBATED_STAGE
    if not by_completion and not by_shop_stage:
        raise DomainError(_l("Choose at least one way of being incubated."), field="by_completion")
    if len(shop_stage) > 40:
        raise DomainError(_l("The stage name is too long."), field="shop_stage")
    row = db.session.scalar(select(IncubationRule).where(IncubationRule.site_id == site_id))
    before = rule_for(site_id)
    if row is None:
        row = IncubationRule(site_id=site_id)
        db.session.add(row)
    row.by_completion, row.by_shop_stage, row.shop_stage = by_completion, by_shop_stage, shop_stage
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_change(actor, "reports.incubation_rule_changed", row, before=before.__dict__,
                  after={"by_completion": by_completion, "by_shop_stage": by_shop_stage,
                         "shop_stage": shop_stage})
    db.session.commit()
    return rule_for(site_id)
