"""Shops (店铺) onboarding at the base: the shop, the stages (阶段) of the
pipeline with their checklists, the history of moves, evidence, the
livestream and sales log (直播成果) and the support ledger (扶持记录)."""

from datetime import date, datetime

from flask_babel import get_locale
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow

CATEGORIES = ("food", "agricultural", "jewellery", "clothing", "crafts", "other")
PLATFORMS = ("douyin", "kuaishou", "wechat_channels", "taobao_live", "tiktok")
HELP_KINDS = ("training", "equipment", "funding", "mentor")
SUPPORT_KINDS = ("training", "equipment", "funding")
EVIDENCE_KINDS = ("file", "link")
# How a shop came to a stage.
MOVE_KINDS = ("applied", "advanced", "sent_back", "first_sale")

# Stages the code knows by key: the first sale moves a shop by itself.
FIRST_SALE = "first_sale"
INCUBATED = "incubated"


def _in_list(column: str, values) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


def _is_chinese() -> bool:
    return str(get_locale() or "zh").startswith("zh")


class Stage(db.Model):
    """A step of a site's onboarding pipeline. Names and checklist items are
    stored in both languages, so staff can add stages without a translator."""

    __tablename__ = "shop_stages"
    __table_args__ = (
        UniqueConstraint("site_id", "key"),
        CheckConstraint("target_days IS NULL OR target_days >= 1", name="target_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # Set for the default stages; a stage staff add has none.
    key: Mapped[str | None] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_days: Mapped[int | None] = mapped_column(Integer)
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # What to upload, in both languages ("营业执照照片" / "Business licence photo").
    evidence_hint_zh: Mapped[str] = mapped_column(String(120), default="")
    evidence_hint_en: Mapped[str] = mapped_column(String(120), default="")

    staff: Mapped["User | None"] = relationship()  # noqa: F821
    items: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="stage", order_by="ChecklistItem.position", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return self.name_zh if _is_chinese() else self.name_en

    @property
    def evidence_hint(self) -> str:
        return (self.evidence_hint_zh if _is_chinese() else self.evidence_hint_en) or ""

    def __repr__(self) -> str:
        return f"<Stage {self.position} {self.name_en}>"


class ChecklistItem(db.Model):
    __tablename__ = "shop_checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("shop_stages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text_zh: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(String(200))

    stage: Mapped[Stage] = relationship(back_populates="items")

    @property
    def text(self) -> str:
        return self.text_zh if _is_chinese() else self.text_en


class Shop(db.Model):
    __tablename__ = "shops"
    __table_args__ = (
        CheckConstraint(_in_list("category", CATEGORIES), name="known_category"),
        CheckConstraint("baseline_pieces_per_day IS NULL OR baseline_pieces_per_day >= 0",
                        name="baseline_pieces_not_negative"),
        CheckConstraint("baseline_revenue_fen_per_day IS NULL OR baseline_revenue_fen_per_day >= 0",
                        name="baseline_revenue_not_negative"),
        # The dashboard's shops that joined in a period, and all joined by its end per stage, from the index.
        Index("ix_shops_site_id_created_at", "site_id", "created_at", "stage_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(30), default="other")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    has_physical_shop: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    platforms: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    products: Mapped[str] = mapped_column(Text, default="", server_default="")
    help_wanted: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # What the shop sold on an ordinary day before the base helped (optional).
    baseline_pieces_per_day: Mapped[int | None] = mapped_column(Integer)
    baseline_revenue_fen_per_day: Mapped[int | None] = mapped_column(Integer)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("shop_stages.id", ondelete="SET NULL"), index=True)
    stage_entered_at: Mapped[datetime | None]

    owner: Mapped["User"] = relationship()  # noqa: F821
    stage: Mapped[Stage | None] = relationship()
    ticks: Mapped[list["ChecklistTick"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def ticked_item_ids(self) -> set[int]:
        return {tick.item_id for tick in self.ticks}


class ChecklistTick(db.Model):
    """A checklist item done for a shop."""

    __tablename__ = "shop_checklist_ticks"
    __table_args__ = (UniqueConstraint("shop_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("shop_checklist_items.id", ondelete="CASCADE"), index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShopStageEvent(db.Model):
    """One move of a shop between stages: the history on the shop's page."""

    __tablename__ = "shop_stage_events"
    __table_args__ = (CheckConstraint(_in_list("kind", MOVE_KINDS), name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("shop_stages.id", ondelete="SET NULL"))
    to_stage_id: Mapped[int | None] = mapped_column(ForeignKey("shop_stages.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage | None] = relationship(foreign_keys=[to_stage_id])
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class Evidence(db.Model):
    """A file (licence photo) or a link (the store's address) for a stage.
    Files live under UPLOAD_FOLDER with a random name, never under static/."""

    __tablename__ = "shop_evidence"
    __table_args__ = (
        CheckConstraint(_in_list("kind", EVIDENCE_KINDS), name="known_kind"),
        CheckConstraint("(kind = 'file' AND stored_name IS NOT NULL) OR (kind = 'link' AND url IS NOT NULL)",
                        name="file_or_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("shop_stages.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str | None] = mapped_column(String(500))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    stage: Mapped[Stage | None] = relationship()
    uploaded_by: Mapped["User | None"] = relationship()  # noqa: F821


class SalesRecord(db.Model):
    """One livestream's result (直播成果) for a shop."""

    __tablename__ = "shop_sales_records"
    __table_args__ = (
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        CheckConstraint("viewers >= 0", name="viewers_not_negative"),
        CheckConstraint("orders >= 0", name="orders_not_negative"),
        CheckConstraint("pieces IS NULL OR pieces >= 0", name="pieces_not_negative"),
        CheckConstraint("revenue_fen >= 0", name="revenue_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    host: Mapped[str] = mapped_column(String(80), default="")
    platform: Mapped[str] = mapped_column(String(30), default="")
    viewers: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    # Pieces sold; when not given the orders count stands for it.
    pieces: Mapped[int | None] = mapped_column(Integer)
    revenue_fen: Mapped[int] = mapped_column(Integer, default=0)
    products: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A public sales livestream of the base (livestreams area); a plain number, no FK yet.
    livestream_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def pieces_sold(self) -> int:
        return self.pieces if self.pieces is not None else self.orders


class SupportRecord(db.Model):
    """Support given (扶持记录) to a shop or a person: a training place, an
    equipment loan or funding, with its value in fen, for the reports."""

    __tablename__ = "shop_support_records"
    __table_args__ = (
        CheckConstraint(_in_list("kind", SUPPORT_KINDS), name="known_kind"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("shop_id IS NOT NULL OR user_id IS NOT NULL", name="shop_or_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    given_on: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shop: Mapped[Shop | None] = relationship()
    person: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
