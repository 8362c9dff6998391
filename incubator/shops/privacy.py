"""What shops holds about a person (Area.personal_data): the shops she owns,
with what she told us about them, their stage history, the evidence
uploaded for them, their livestream and sales log, and the support given to
her or to her shops.

Deletion keeps each shop, its stage and its numbers (shops joined, shops per
stage, first sales, sales in yuan, support given are counted from them) and
removes what names her or what she told us in her own words."""

from sqlalchemy import event, or_, select, update

from incubator.audit import blank_in_history
from incubator.extensions import db
from incubator.shops.models import Evidence, SalesRecord, Shop, ShopStageEvent, SupportRecord
from incubator.sites.service import timezone_of
from incubator.timeutil import iso_clock

COVERS = ("shops.owner_id", "shop_support_records.user_id")


def _shops(user):
    return db.session.scalars(select(Shop).where(Shop.owner_id == user.id).order_by(Shop.created_at, Shop.id)).all()


def _support(user, shop_ids):
    return db.session.scalars(select(SupportRecord).where(or_(
        SupportRecord.user_id == user.id, SupportRecord.shop_id.in_(shop_ids or [-1])))
        .order_by(SupportRecord.given_on, SupportRecord.id)).all()


def export(user) -> dict[str, list[dict]]:
    when = iso_clock(timezone_of(user.site_id))
    shops = _shops(user)
    ids = [shop.id for shop in shops]
    names = {shop.id: shop.name for shop in shops}
    of_shops = [-1] + ids
    history = db.session.scalars(select(ShopStageEvent).where(ShopStageEvent.shop_id.in_(of_shops))
                                 .order_by(ShopStageEvent.at, ShopStageEvent.id)).all()
    evidence = db.session.scalars(select(Evidence).where(Evidence.shop_id.in_(of_shops))
                                  .order_by(Evidence.uploaded_at, Evidence.id)).all()
    sales = db.session.scalars(select(SalesRecord).where(SalesRecord.shop_id.in_(of_shops))
                               .order_by(SalesRecord.occurred_on, SalesRecord.id)).all()
    return {
        "shops": [{"name": s.name, "category": s.category, "location": s.location,
                   "has_physical_shop": s.has_physical_shop, "platforms": s.platforms, "products": s.products,
                   "help_wanted": s.help_wanted, "baseline_pieces_per_day": s.baseline_pieces_per_day,
                   "baseline_revenue_fen_per_day": s.baseline_revenue_fen_per_day,
                   "stage": s.stage.name if s.stage else None, "created_at": when(s.created_at)} for s in shops],
        "shop_history": [{"shop": names[e.shop_id], "kind": e.kind,
                          "to_stage": e.to_stage.name if e.to_stage else None, "note": e.note, "at": when(e.at)}
                         for e in history],
        "shop_evidence": [{"shop": names[e.shop_id], "kind": e.kind, "file_name": e.original_name, "url": e.url,
                           "uploaded_at": when(e.uploaded_at)} for e in evidence],
        "shop_sales": [{"shop": names[r.shop_id], "occurred_on": r.occurred_on.isoformat(), "minutes": r.minutes,
                        "host": r.host, "platform": r.platform, "viewers": r.viewers, "orders": r.orders,
                        "pieces": r.pieces, "revenue_fen": r.revenue_fen, "products": r.products}
                       for r in sales],
        "support_received": [{"shop": names.get(r.shop_id), "kind": r.kind, "what": r.what,
                              "amount_fen": r.amount_fen, "given_on": r.given_on.isoformat(), "reason": r.reason}
                             for r in _support(user, ids)],
    }


def _remove_files_after_commit(paths) -> None:
    """Evidence files go from the disk only once their rows' deletion is
    committed: a rolled-back deletion must not leave rows without files."""
    if not paths:
        return
    session = db.session()

    def remove(_session):
        for path in paths:
            path.unlink(missing_ok=True)

    event.listen(session, "after_commit", remove, once=True)


def anonymise(user) -> None:
    """Per column:
    - the shop's category, stage, stage dates, physical-shop flag and baseline
      figures: kept. The reports count shops by stage and category, and the
      uplift is measured against the baseline; none of them names her.
    - the shop's name, location, products, platforms and help wanted:
      replaced or blanked. A small shop's name is often its owner's ("张姐烧饼")
      and its location may be her home; the rest is what she told us.
    - the stage history's notes: blanked (staff's words about her shop); the
      moves are kept (shops per stage, first sales). The history's copies of
      the shop's name and of those notes are blanked too.
    - evidence: deleted with its files. A licence photo shows her name and
      identity number; nothing counts evidence once a stage is passed.
    - the sales log: numbers, dates and platform kept (sales in yuan, first
      sales); the host's name and the products typed are blanked.
    - support given: kind, what and value kept (support given is summed);
      the reason, staff's words about her circumstances, is blanked."""
    from incubator.shops.service import evidence_path

    shops = _shops(user)
    ids = [shop.id for shop in shops]
    for shop in shops:
        shop.name = f"已删除店铺 #{shop.id}"
        shop.location = ""
        shop.products = ""
        shop.platforms = []
        shop.help_wanted = []
    for record in _support(user, ids):
        record.reason = ""
    if not ids:
        return
    blank_in_history("shops", ids, ("name", "note"))  # its name when it applied, notes on its moves
    db.session.execute(update(ShopStageEvent).where(ShopStageEvent.shop_id.in_(ids)).values(note=""),
                       execution_options={"synchronize_session": False})
    for record in db.session.scalars(select(SalesRecord).where(SalesRecord.shop_id.in_(ids))):
        record.host = ""
        record.products = ""
    evidence = db.session.scalars(select(Evidence).where(Evidence.shop_id.in_(ids))).all()
    files = [evidence_path(e) for e in evidence if e.stored_name]
    for item in evidence:
        db.session.delete(item)
    _remove_files_after_commit(files)
