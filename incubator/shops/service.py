"""Shop onboarding rules: applying, moving through the stages, checklists,
evidence, the livestream and sales log, uplift, stalled shops and the
support ledger.

Other areas call these functions (never the views):

- record_sales(shop, *, occurred_on, minutes, host, platform, viewers, orders,
  revenue_fen, products, recorded_by, livestream_id=None, pieces=None,
  commit=True) puts one livestream's results into a shop's log; the first sale
  moves the shop to "first sale" by itself. With commit=False the caller's
  transaction takes it (the livestreams area records several shops at once).
- uplift(shop) -> Uplift: pieces and revenue a day against the baseline.
- support_records(site_id, since=None, until=None) for the reports.
"""

import io
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select, update

from incubator.accounts.models import User, UserRole
from incubator.audit import record_change
from incubator.auth import SHOP_OWNER, STAFF, STAFF_ROLES
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.i18n import reader_today
from incubator.notify.service import notify
from incubator.shops.models import (
    CATEGORIES,
    FIRST_SALE,
    HELP_KINDS,
    PLATFORMS,
    SUPPORT_KINDS,
    ChecklistItem,
    ChecklistTick,
    Evidence,
    SalesRecord,
    Shop,
    ShopStageEvent,
    Stage,
    SupportRecord,
)
from incubator.shops.pipeline import DEFAULT_STAGES
from incubator.sites.models import Site
from incubator.timeutil import utcnow

SALES_PLATFORMS = PLATFORMS + ("other",)
UPLIFT_WINDOW_DAYS = 28
# What one livestream or one shop's day can hold (the columns are 32-bit):
# beyond this a number is a slip of the finger.
MAX_COUNT = 100_000_000
MAX_FEN = 1_000_000_000  # 10 million yuan
# Sales and support are logged for the years the base has been open, not year 1.
EARLIEST_DAY = date(2000, 1, 1)
DEFAULT_MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
ALLOWED_TYPES = IMAGE_TYPES | {"application/pdf"}
MAX_IMAGE_PIXELS = 40_000_000


# --- Stages --------------------------------------------------------------------

def stages_for(site_id: int) -> list[Stage]:
    """The site's pipeline in order; the default one is made the first time."""
    stages = list(db.session.scalars(select(Stage).where(Stage.site_id == site_id).order_by(Stage.position)))
    if not stages:
        stages = ensure_default_pipeline(site_id)
    return stages


def _stages_of(site_id: int) -> list[Stage]:
    return list(db.session.scalars(select(Stage).where(Stage.site_id == site_id).order_by(Stage.position)))


def ensure_default_pipeline(site_id: int) -> list[Stage]:
    """Create the default stages for a site that has none (idempotent)."""
    existing = _stages_of(site_id)
    if existing:
        return existing
    # The first shops of a new base, applying at the same moment, all find no
    # stages. Locking the site's row (an UPDATE that changes nothing: a row
    # lock on PostgreSQL, the write lock on SQLite) lets one make them; the
    # others wait for it, then find them (tests/test_reliability_first_base.py).
    db.session.execute(update(Site).where(Site.id == site_id).values(name=Site.name))
    existing = _stages_of(site_id)
    if existing:
        return existing
    stages = []
    for position, (key, zh, en, days, evidence, items) in enumerate(DEFAULT_STAGES, start=1):
        stage = Stage(site_id=site_id, position=position, key=key, name_zh=zh, name_en=en, target_days=days,
                      evidence_required=evidence is not None,
                      evidence_hint_zh=evidence[0] if evidence else "",
                      evidence_hint_en=evidence[1] if evidence else "")
        stage.items = [ChecklistItem(position=i, text_zh=z, text_en=e) for i, (z, e) in enumerate(items)]
        db.session.add(stage)
        stages.append(stage)
    db.session.commit()
    return stages


def next_stage(shop: Shop) -> Stage | None:
    return _neighbour(shop.stage, +1) if shop.stage else None


def previous_stage(shop: Shop) -> Stage | None:
    return _neighbour(shop.stage, -1) if shop.stage else None


def _neighbour(stage: Stage, direction: int) -> Stage | None:
    query = select(Stage).where(Stage.site_id == stage.site_id)
    if direction > 0:
        query = query.where(Stage.position > stage.position).order_by(Stage.position)
    else:
        query = query.where(Stage.position < stage.position).order_by(Stage.position.desc())
    return db.session.scalar(query.limit(1))


def _parse_checklist(text: str) -> list[tuple[str, str]]:
    """One item a line: "中文 | English" (without "|" the line serves both)."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        zh, _sep, en = line.partition("|")
        zh, en = zh.strip()[:200], (en.strip() or zh.strip())[:200]
        if zh:
            items.append((zh, en))
    return items


def checklist_text(stage: Stage) -> str:
    return "\n".join(f"{item.text_zh} | {item.text_en}" for item in stage.items)


def save_stage(actor: User, site_id: int, stage: Stage | None, *, name_zh: str, name_en: str,
               staff_id: int | None, target_days: int | None, evidence_required: bool,
               evidence_hint_zh: str = "", evidence_hint_en: str = "", checklist: str = "") -> Stage:
    """Add a stage (before the last one) or change one. Checklist items whose
    Chinese text stays the same keep their ticks."""
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    errors = []
    if not name_zh:
        errors.append(("name_zh", _l("Give the stage a Chinese name.")))
    if not name_en:
        errors.append(("name_en", _l("Give the stage an English name.")))
    if target_days is not None and not 1 <= target_days <= 365:
        errors.append(("target_days", _l("Use a number of days from 1 to 365, or leave it empty.")))
    staff = None
    if staff_id:
        staff = db.session.get(User, staff_id)
        if staff is None or staff.site_id != site_id or not staff.has_any_role(STAFF_ROLES):
            errors.append(("staff_id", _l("Choose a staff member of this base.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    before = _stage_facts(stage) if stage else None
    if stage is None:
        stages = stages_for(site_id)
        last = stages[-1]
        stage = Stage(site_id=site_id, position=last.position)
        last.position += 1
        db.session.add(stage)
    stage.name_zh, stage.name_en = name_zh[:80], name_en[:80]
    stage.staff_id = staff.id if staff else None
    stage.target_days = target_days
    stage.evidence_required = bool(evidence_required)
    stage.evidence_hint_zh = (evidence_hint_zh or "").strip()[:120]
    stage.evidence_hint_en = (evidence_hint_en or "").strip()[:120]
    wanted = _parse_checklist(checklist)
    kept = {item.text_zh: item for item in stage.items}
    items = []
    for position, (zh, en) in enumerate(wanted):
        item = kept.pop(zh, None) or ChecklistItem(text_zh=zh)
        item.position, item.text_en = position, en
        items.append(item)
    stage.items = items
    db.session.flush()
    record_change(actor, "shops.stage_saved", stage, before=before, after=_stage_facts(stage))
    db.session.commit()
    return stage


def _stage_facts(stage: Stage) -> dict:
    return {"name_zh": stage.name_zh, "name_en": stage.name_en, "staff_id": stage.staff_id,
            "target_days": stage.target_days, "evidence_required": stage.evidence_required,
            "position": stage.position, "items": [item.text_zh for item in stage.items]}


def move_stage(actor: User, stage: Stage, direction: int) -> None:
    """Swap a stage with its neighbour (direction -1 earlier, +1 later)."""
    other = _neighbour(stage, direction)
    if other is None:
        return
    stage.position, other.position = other.position, stage.position
    record_change(actor, "shops.stage_moved", stage, after={"position": stage.position})
    db.session.commit()


def delete_stage(actor: User, stage: Stage) -> None:
    if stage.key is not None:
        raise DomainError(_l("The default stages cannot be removed; rename them instead."))
    in_use = db.session.scalar(select(func.count(Shop.id)).where(Shop.stage_id == stage.id))
    if in_use:
        raise DomainError(_l("Move the shops in this stage elsewhere first."))
    record_change(actor, "shops.stage_deleted", stage, before=_stage_facts(stage))
    db.session.delete(stage)
    db.session.commit()


# --- Applying ------------------------------------------------------------------

def _require(condition, field: str, message, errors: list) -> None:
    if not condition:
        errors.append((field, message))


def _largest(field: str) -> int:
    return MAX_FEN if "fen" in field else MAX_COUNT


def apply(user: User, *, name: str, category: str, location: str, has_physical_shop: bool,
          platforms: list[str], products: str, help_wanted: list[str],
          baseline_pieces_per_day: int | None = None, baseline_revenue_fen_per_day: int | None = None) -> Shop:
    """A person applies to join with a shop. Someone who is not yet a shop
    owner becomes one (the role is granted here, with its history)."""
    name, location, products = (name or "").strip(), (location or "").strip(), (products or "").strip()
    platforms, help_wanted = list(dict.fromkeys(platforms or [])), list(dict.fromkeys(help_wanted or []))
    errors: list = []
    _require(name, "name", _l("Tell us the shop's name."), errors)
    _require(len(name) <= 120, "name", _l("Keep the name under 120 characters."), errors)
    _require(category in CATEGORIES, "category", _l("Choose a category from the list."), errors)
    _require(location, "location", _l("Tell us where the shop is."), errors)
    _require(platforms and all(p in PLATFORMS for p in platforms), "platforms",
             _l("Choose at least one platform to sell on."), errors)
    _require(products, "products", _l("Tell us what the shop sells."), errors)
    _require(all(h in HELP_KINDS for h in help_wanted), "help_wanted", _l("Choose help from the list."), errors)
    for field, value in (("baseline_pieces_per_day", baseline_pieces_per_day),
                         ("baseline_revenue_fen_per_day", baseline_revenue_fen_per_day)):
        _require(value is None or 0 <= value <= _largest(field), field, _l("Use a number of zero or more."),
                 errors)
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    if db.session.scalar(select(Shop.id).where(Shop.owner_id == user.id,
                                               func.lower(Shop.name) == name.lower()).limit(1)):
        # The same form sent twice (a second tap, the back button): one shop.
        raise Conflict(_l("You have already applied with %(name)s: it is under “My shops”.", name=name),
                       field="name")
    first = stages_for(user.site_id)[0]
    shop = Shop(site_id=user.site_id, owner_id=user.id, name=name, category=category, location=location[:200],
                has_physical_shop=bool(has_physical_shop), platforms=platforms, products=products,
                help_wanted=help_wanted, baseline_pieces_per_day=baseline_pieces_per_day,
                baseline_revenue_fen_per_day=baseline_revenue_fen_per_day,
                stage_id=first.id, stage_entered_at=utcnow())
    db.session.add(shop)
    if not user.has_role(SHOP_OWNER):
        before = sorted(user.roles)
        user.role_grants.append(UserRole(role=SHOP_OWNER, granted_by_id=user.id))
        record_change(user, "role.granted", user, before={"roles": before}, after={"roles": sorted(user.roles)})
    db.session.flush()
    db.session.add(ShopStageEvent(shop_id=shop.id, to_stage_id=first.id, kind="applied", actor_id=user.id))
    record_change(user, "shops.applied", shop, after={"name": name, "stage": first.key or first.name_en})
    for person in _staff_to_tell(first, shop.site_id):
        notify(person, "shops.applied", {"shop": name, "owner": user.display_name},
               url=f"/shops/{shop.id}", obj=shop)
    db.session.commit()
    return shop


def _staff_to_tell(stage: Stage | None, site_id: int) -> list[User]:
    if stage is not None and stage.staff is not None and stage.staff.active:
        return [stage.staff]
    from incubator.accounts.service import people_with_role

    return people_with_role(STAFF, site_id)


def staff_contact(shop: Shop) -> User | None:
    """Who the owner talks to: the current stage's staff member, else the
    base's first staff member."""
    people = _staff_to_tell(shop.stage, shop.site_id)
    return people[0] if people else None


def shops_of(user: User) -> list[Shop]:
    return list(db.session.scalars(select(Shop).where(Shop.owner_id == user.id).order_by(Shop.created_at)))


# --- Moving through the stages ------------------------------------------------------

def missing_for_stage(shop: Shop) -> list:
    """What still stops the shop from leaving its stage, in words."""
    stage = shop.stage
    if stage is None:
        return []
    missing = []
    ticked = shop.ticked_item_ids()
    open_items = [item for item in stage.items if item.id not in ticked]
    if open_items:
        missing.append(_l("%(n)s checklist item(s) still open", n=len(open_items)))
    if stage.evidence_required and not has_evidence(shop, stage):
        missing.append(_l("Evidence needed: %(what)s", what=stage.evidence_hint or _l("a file or a link")))
    return missing


def has_evidence(shop: Shop, stage: Stage) -> bool:
    """Evidence given at this stage, or early: a file or link given at a stage
    that asks for none counts for the next stage that asks (a licence photo
    sent with the application counts for "verified")."""
    stages = stages_for(stage.site_id)
    for evidence in evidence_of(shop):
        given_at = next((s for s in stages if s.id == evidence.stage_id), None)
        if given_at is None:
            continue
        meant_for = next((s for s in stages if s.position >= given_at.position and s.evidence_required), None)
        if evidence.stage_id == stage.id or meant_for is not None and meant_for.id == stage.id:
            return True
    return False


def has_sale(shop: Shop) -> bool:
    return bool(db.session.scalar(select(func.count(SalesRecord.id)).where(
        SalesRecord.shop_id == shop.id, (SalesRecord.orders > 0) | (SalesRecord.revenue_fen > 0))))


def _ensure_staff(actor: User, shop: Shop) -> None:
    if not actor.has_any_role(STAFF_ROLES) or not (actor.has_role("admin") or actor.site_id == shop.site_id):
        raise NotAllowed(_l("Only the base's staff can move a shop."))


def advance(actor: User, shop: Shop, note: str = "") -> Stage:
    """Move a shop to the next stage. Its checklist must be done and its
    evidence given; "first sale" is reached only by recording a sale."""
    _ensure_staff(actor, shop)
    target = next_stage(shop)
    if target is None:
        raise DomainError(_l("This shop has finished the last stage."))
    missing = missing_for_stage(shop)
    if missing:
        raise DomainError(_l("Not yet: %(what)s.", what="; ".join(str(m) for m in missing)))
    if target.key == FIRST_SALE and not has_sale(shop):
        raise DomainError(_l("Record the first sale in the sales log: the shop then moves on by itself."))
    _move(actor, shop, target, "advanced", note)
    db.session.commit()
    return target


def send_back(actor: User, shop: Shop, note: str) -> Stage:
    """Move a shop one stage back; the note tells the owner why."""
    _ensure_staff(actor, shop)
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Say why the shop goes back, so the owner knows what to do."), field="note")
    target = previous_stage(shop)
    if target is None:
        raise DomainError(_l("This shop is at the first stage already."))
    _move(actor, shop, target, "sent_back", note)
    db.session.commit()
    return target


def _move(actor: User | None, shop: Shop, target: Stage, kind: str, note: str = "") -> bool:
    """Move the shop from the stage it is seen in. The UPDATE names that stage,
    so of two people (or two sales) moving the same shop at once only the first
    moves it: the other sees a Conflict, or for a first sale, nothing to do."""
    source = shop.stage
    moved = db.session.execute(
        update(Shop).where(Shop.id == shop.id,
                           Shop.stage_id == source.id if source else Shop.stage_id.is_(None))
        .values(stage_id=target.id, stage_entered_at=utcnow())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        if kind == "first_sale":
            return False
        db.session.rollback()
        raise Conflict(_l("Someone else moved this shop just now. Reload the page to see where it is."))
    db.session.add(ShopStageEvent(shop_id=shop.id, from_stage_id=source.id if source else None,
                                  to_stage_id=target.id, kind=kind, note=(note or "").strip(),
                                  actor_id=actor.id if actor else None))
    record_change(actor, f"shops.{kind}", shop,
                  before={"stage": source.name_en if source else None},
                  after={"stage": target.name_en, "note": (note or "").strip()})
    db.session.refresh(shop, ["stage_id", "stage_entered_at"])
    shop.stage = target
    params = {"shop": shop.name, "stage_zh": target.name_zh, "stage_en": target.name_en,
              "note": (note or "").strip()}
    notify(shop.owner, "shops.sent_back" if kind == "sent_back" else "shops.stage_changed", params,
           url=f"/shops/{shop.id}", obj=shop)
    return True


def set_tick(actor: User, shop: Shop, item: ChecklistItem, done: bool) -> None:
    """Tick (or untick) one checklist item of the shop's current stage."""
    _ensure_staff(actor, shop)
    if item.stage_id != shop.stage_id:
        raise DomainError(_l("This item belongs to another stage."))
    tick = next((t for t in shop.ticks if t.item_id == item.id), None)
    if done and tick is None:
        shop.ticks.append(ChecklistTick(item_id=item.id, done_by_id=actor.id))
    elif not done and tick is not None:
        shop.ticks.remove(tick)
    else:
        return
    record_change(actor, "shops.checklist_ticked" if done else "shops.checklist_unticked", shop,
                  after={"item": item.text_zh})
    db.session.commit()


# --- Evidence ---------------------------------------------------------------------

def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "shops"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_evidence_bytes() -> int:
    return int(current_app.config.get("SHOP_EVIDENCE_MAX_BYTES", DEFAULT_MAX_EVIDENCE_BYTES))


def _clean_image(data: bytes, mime: str) -> tuple[bytes, str, str]:
    """Re-encode an image: drops EXIF (GPS included) and anything hidden after
    the picture; keeps the orientation the phone meant."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise DomainError(_l("This picture is too large. Please send a smaller one."), field="file")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if mime == "image/png" or image.mode in ("RGBA", "LA", "P"):
                image.save(out, format="PNG", optimize=True)
                return out.getvalue(), "image/png", "png"
            image.convert("RGB").save(out, format="JPEG", quality=85)
            return out.getvalue(), "image/jpeg", "jpg"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise DomainError(_l("This picture could not be read. Please take it again."), field="file") from error


def add_evidence_file(actor: User, shop: Shop, stream, original_name: str = "") -> Evidence:
    """Store an uploaded licence photo or scan for the shop's current stage.
    The type is read from the content, never from the name."""
    limit = max_evidence_bytes()
    data = stream.read(limit + 1)
    if not data:
        raise DomainError(_l("Choose a file to upload."), field="file")
    if len(data) > limit:
        raise DomainError(_l("The file is too large: up to %(mb)s MB.", mb=max(1, limit // (1024 * 1024))),
                          field="file")
    kind = filetype.guess(data)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise DomainError(_l("Upload a photo (JPEG, PNG, WebP) or a PDF."), field="file")
    if mime in IMAGE_TYPES:
        data, mime, extension = _clean_image(data, mime)
    else:
        extension = "pdf"
    stored = f"{secrets.token_hex(16)}.{extension}"
    path = upload_folder() / stored
    path.write_bytes(data)
    evidence = Evidence(shop_id=shop.id, stage_id=shop.stage_id, kind="file", stored_name=stored,
                        original_name=os.path.basename(original_name or "")[:200], content_type=mime,
                        size=len(data), uploaded_by_id=actor.id)
    try:
        db.session.add(evidence)
        db.session.flush()
        record_change(actor, "shops.evidence_added", shop, after={"evidence": evidence.id, "kind": "file"})
        db.session.commit()
    except Exception:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    return evidence


def add_evidence_link(actor: User, shop: Shop, url: str) -> Evidence:
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")) or len(url) > 500 or " " in url:
        raise DomainError(_l("Paste the store's full address, starting with https://."), field="url")
    evidence = Evidence(shop_id=shop.id, stage_id=shop.stage_id, kind="link", url=url, uploaded_by_id=actor.id)
    db.session.add(evidence)
    db.session.flush()
    record_change(actor, "shops.evidence_added", shop, after={"evidence": evidence.id, "kind": "link"})
    db.session.commit()
    return evidence


def evidence_path(evidence: Evidence) -> Path:
    return upload_folder() / evidence.stored_name


def evidence_of(shop: Shop) -> list[Evidence]:
    return list(db.session.scalars(select(Evidence).where(Evidence.shop_id == shop.id)
                                   .order_by(Evidence.uploaded_at.desc())))


# --- Livestream and sales log ------------------------------------------------------

def _same_sales_logged(shop: Shop, occurred_on: date, platform: str, minutes: int, viewers: int, orders: int,
                       revenue_fen: int) -> bool:
    return db.session.scalar(select(SalesRecord.id).where(
        SalesRecord.shop_id == shop.id, SalesRecord.livestream_id.is_(None),
        SalesRecord.occurred_on == occurred_on, SalesRecord.platform == platform,
        SalesRecord.minutes == minutes, SalesRecord.viewers == viewers, SalesRecord.orders == orders,
        SalesRecord.revenue_fen == revenue_fen).limit(1)) is not None


def record_sales(shop: Shop, *, occurred_on: date, minutes: int, host: str, platform: str, viewers: int,
                 orders: int, revenue_fen: int, products: str, recorded_by: User | None,
                 livestream_id: int | None = None, pieces: int | None = None, commit: bool = True) -> SalesRecord:
    """Log one livestream's results for a shop. The shop's first sale moves
    it to the "first sale" stage by itself (from any earlier stage)."""
    errors: list = []
    today = reader_today()
    _require(isinstance(occurred_on, date) and EARLIEST_DAY <= occurred_on <= today + timedelta(days=1),
             "occurred_on", _l("Use the date of a livestream that has happened."), errors)
    _require(0 <= (minutes or 0) <= 24 * 60, "minutes", _l("Use a length from 0 to 1440 minutes."), errors)
    _require(platform in SALES_PLATFORMS, "platform", _l("Choose a platform from the list."), errors)
    for field, value in (("viewers", viewers), ("orders", orders), ("revenue_fen", revenue_fen),
                         ("pieces", pieces)):
        _require(value is None or 0 <= value <= _largest(field), field, _l("Use a number of zero or more."),
                 errors)
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    if livestream_id is None and _same_sales_logged(shop, occurred_on, platform, minutes or 0, viewers or 0,
                                                    orders or 0, revenue_fen or 0):
        # The same figures typed for the same day twice is the form sent
        # twice, and would double the shop's uplift. (A base livestream's
        # results replace their own line: livestreams.write_shop_logs.)
        raise Conflict(_l("These results are already in the log for that day."), field="occurred_on")
    record = SalesRecord(shop_id=shop.id, occurred_on=occurred_on, minutes=minutes or 0,
                         host=(host or "").strip()[:80], platform=platform, viewers=viewers or 0,
                         orders=orders or 0, pieces=pieces, revenue_fen=revenue_fen or 0,
                         products=(products or "").strip(), recorded_by_id=recorded_by.id if recorded_by else None,
                         livestream_id=livestream_id)
    first_sale = (record.orders > 0 or record.revenue_fen > 0) and not has_sale(shop)
    db.session.add(record)
    db.session.flush()
    record_change(recorded_by, "shops.sales_recorded", record, site_id=shop.site_id,
                  after={"shop": shop.id, "orders": record.orders, "revenue_fen": record.revenue_fen})
    if first_sale:
        target = db.session.scalar(select(Stage).where(Stage.site_id == shop.site_id, Stage.key == FIRST_SALE))
        if target is not None and (shop.stage is None or shop.stage.position < target.position):
            _move(recorded_by, shop, target, "first_sale")
    if commit:
        db.session.commit()
    return record


def sales_of(shop: Shop, limit: int | None = None) -> list[SalesRecord]:
    query = select(SalesRecord).where(SalesRecord.shop_id == shop.id).order_by(
        SalesRecord.occurred_on.desc(), SalesRecord.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Uplift:
    """Livestream sales a day over the recent records, beside the baseline."""

    livestreams: int
    days: int
    first_day: date | None
    last_day: date | None
    pieces_per_day: int
    revenue_fen_per_day: int
    baseline_pieces: int | None
    baseline_revenue_fen: int | None

    @property
    def has_records(self) -> bool:
        return self.livestreams > 0

    @property
    def pieces_percent(self) -> int | None:
        return _percent(self.pieces_per_day, self.baseline_pieces)

    @property
    def revenue_percent(self) -> int | None:
        return _percent(self.revenue_fen_per_day, self.baseline_revenue_fen)


def _percent(extra: int, base: int | None) -> int | None:
    return round(extra * 100 / base) if base else None


def _round_div(total: int, days: int) -> int:
    return (2 * total + days) // (2 * days) if days else 0


def uplift(shop: Shop, today: date | None = None, window_days: int = UPLIFT_WINDOW_DAYS) -> Uplift:
    """Pieces and revenue the livestreams add a day, averaged over the days
    from the first to the last record of the recent window (28 days). The
    records are what the livestreams sold on top of the shop's ordinary day
    (the baseline), so they are the uplift."""
    today = today or reader_today()
    since = today - timedelta(days=window_days - 1)
    records = list(db.session.scalars(select(SalesRecord).where(
        SalesRecord.shop_id == shop.id, SalesRecord.occurred_on >= since, SalesRecord.occurred_on <= today)))
    if not records:
        return Uplift(0, 0, None, None, 0, 0, shop.baseline_pieces_per_day, shop.baseline_revenue_fen_per_day)
    first = min(r.occurred_on for r in records)
    last = max(r.occurred_on for r in records)
    days = (last - first).days + 1
    return Uplift(
        livestreams=len(records), days=days, first_day=first, last_day=last,
        pieces_per_day=_round_div(sum(r.pieces_sold for r in records), days),
        revenue_fen_per_day=_round_div(sum(r.revenue_fen for r in records), days),
        baseline_pieces=shop.baseline_pieces_per_day, baseline_revenue_fen=shop.baseline_revenue_fen_per_day,
    )


# --- Board and stalled shops -----------------------------------------------------

def days_in_stage(shop: Shop, now: datetime | None = None) -> int:
    if shop.stage_entered_at is None:
        return 0
    return max(0, ((now or utcnow()) - shop.stage_entered_at).days)


def is_stalled(shop: Shop, now: datetime | None = None) -> bool:
    stage = shop.stage
    return bool(stage and stage.target_days and days_in_stage(shop, now) > stage.target_days)


def board_shops(site_id: int, *, category: str | None = None, staff_id: int | None = None) -> list[Shop]:
    query = select(Shop).join(Stage, Shop.stage_id == Stage.id).where(Shop.site_id == site_id)
    if category in CATEGORIES:
        query = query.where(Shop.category == category)
    if staff_id:
        query = query.where(Stage.staff_id == staff_id)
    return list(db.session.scalars(query.order_by(Stage.position, Shop.stage_entered_at, Shop.id)))


def board(site_id: int, *, category: str | None = None, staff_id: int | None = None,
          now: datetime | None = None) -> list[dict]:
    """A column per stage: its shops, with days in stage and whether stalled."""
    now = now or utcnow()
    columns = {stage.id: {"stage": stage, "cards": []} for stage in stages_for(site_id)}
    for shop in board_shops(site_id, category=category, staff_id=staff_id):
        if shop.stage_id in columns:
            columns[shop.stage_id]["cards"].append(
                {"shop": shop, "days": days_in_stage(shop, now), "stalled": is_stalled(shop, now)})
    return list(columns.values())


def stalled_shops(site_id: int | None = None, now: datetime | None = None) -> list[Shop]:
    now = now or utcnow()
    query = select(Shop).join(Stage, Shop.stage_id == Stage.id).where(Stage.target_days.is_not(None))
    if site_id is not None:
        query = query.where(Shop.site_id == site_id)
    return [shop for shop in db.session.scalars(query.order_by(Shop.id)) if is_stalled(shop, now)]


def notify_stalled(now: datetime | None = None) -> int:
    """Tell the assigned staff member (or the base's staff) about each shop
    past its stage's target days: once per shop and visit to a stage."""
    now = now or utcnow()
    sent = 0
    for shop in stalled_shops(now=now):
        stage = shop.stage
        key = f"shops.stalled:{shop.id}:{stage.id}:{shop.stage_entered_at:%Y%m%d%H%M%S}"
        for person in _staff_to_tell(stage, shop.site_id):
            if notify(person, "shops.stalled",
                      {"shop": shop.name, "stage_zh": stage.name_zh, "stage_en": stage.name_en,
                       "days": days_in_stage(shop, now), "target": stage.target_days},
                      url=f"/shops/{shop.id}", obj=shop, dedupe_key=key):
                sent += 1
    db.session.commit()
    return sent


def staff_of_site(site_id: int) -> list[User]:
    from incubator.accounts.service import people_with_role

    return people_with_role(STAFF, site_id)


def history_of(shop: Shop) -> list[ShopStageEvent]:
    return list(db.session.scalars(select(ShopStageEvent).where(ShopStageEvent.shop_id == shop.id)
                                   .order_by(ShopStageEvent.at.desc(), ShopStageEvent.id.desc())))


# --- Support ledger -------------------------------------------------------------

def add_support(actor: User, site_id: int, *, kind: str, what: str, amount_fen: int, given_on: date,
                reason: str = "", shop: Shop | None = None, person: User | None = None) -> SupportRecord:
    errors: list = []
    what = (what or "").strip()
    _require(kind in SUPPORT_KINDS, "kind", _l("Choose what kind of support it was."), errors)
    _require(what, "what", _l("Say what was given."), errors)
    _require(amount_fen is not None and 0 <= amount_fen <= MAX_FEN, "amount", _l("Use an amount of zero or more."),
             errors)
    _require(isinstance(given_on, date) and given_on >= EARLIEST_DAY, "given_on", _l("Give the date."), errors)
    _require(shop is not None or person is not None, "shop_id", _l("Choose a shop or a person."), errors)
    _require(shop is None or shop.site_id == site_id, "shop_id", _l("Choose a shop of this base."), errors)
    _require(person is None or person.site_id == site_id, "person", _l("Choose a person of this base."), errors)
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    record = SupportRecord(site_id=site_id, kind=kind, what=what[:200], amount_fen=amount_fen, given_on=given_on,
                           reason=(reason or "").strip(), shop_id=shop.id if shop else None,
                           user_id=person.id if person else None, recorded_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    record_change(actor, "shops.support_added", record,
                  after={"kind": kind, "amount_fen": amount_fen, "shop": record.shop_id, "person": record.user_id})
    db.session.commit()
    return record


def support_records(site_id: int, since: date | None = None, until: date | None = None,
                    shop: Shop | None = None) -> list[SupportRecord]:
    query = select(SupportRecord).where(SupportRecord.site_id == site_id)
    if since:
        query = query.where(SupportRecord.given_on >= since)
    if until:
        query = query.where(SupportRecord.given_on <= until)
    if shop is not None:
        query = query.where(SupportRecord.shop_id == shop.id)
    return list(db.session.scalars(query.order_by(SupportRecord.given_on.desc(), SupportRecord.id.desc())))


def support_totals(records: list[SupportRecord]) -> dict[str, int]:
    totals = {kind: 0 for kind in SUPPORT_KINDS}
    for record in records:
        totals[record.kind] += record.amount_fen
    return totals
