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


def stage_choices(site_id: int) -> list[tuple[str, str]]:
    """The stages the rule can name: the base's onboarding stages that have a
    key (the rule is kept by key, so it survives a renamed stage; a stage
    staff added has none), in pipeline order, with their names in the
    reader's language. The shops area makes the default pipeline the first
    time a base's stages are asked for."""
    from incubator.shops.service import stages_for

    return [(stage.key, stage.name) for stage in stages_for(site_id) if stage.key]


def stage_name(site_id: int | None, key: str) -> str:
    """The name of the rule's stage at a base, for the page that explains the
    rule: the key itself across bases, or when the base has no such stage."""
    from incubator.shops.models import Stage

    stage = db.session.scalar(select(Stage).where(Stage.site_id == site_id, Stage.key == key)) if site_id else None
    return stage.name if stage else key


def save_rule(actor, site_id: int, *, by_completion: bool, by_shop_stage: bool,
              shop_stage: str = DEFAULT_INCUBATED_STAGE) -> Rule:
    shop_stage = (shop_stage or "").replace("\x00", "").strip() or DEFAULT_INCUBATED_STAGE
    if not by_completion and not by_shop_stage:
        raise DomainError(_l("Choose at least one way of being incubated."), field="by_completion")
    # A key no stage of the base has would count no shop at all, silently.
    if shop_stage not in {key for key, _name in stage_choices(site_id)}:
        raise DomainError(_l("Choose a stage of this base's onboarding pipeline."), field="shop_stage")
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
