"""Public livestreams (直播) of the base, residents' questions (群众提问) and the
results of sales livestreams per featured shop (直播成果)."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow

SALES = "sales"
POLICY = "policy"
SHOWCASE = "showcase"
KINDS = (SALES, POLICY, SHOWCASE)

PLATFORMS = ("douyin", "kuaishou", "wechat_channels", "taobao_live", "tiktok", "other")

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
QUESTION_STATUSES = (PENDING, APPROVED, REJECTED)

QUESTION_MAX_CHARS = 500
ANSWER_MAX_CHARS = 1000


def _in(column: str, values) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


livestream_hosts = Table(
    "livestream_hosts",
    db.metadata,
    Column("livestream_id", ForeignKey("livestreams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

livestream_shops = Table(
    "livestream_shops",
    db.metadata,
    Column("livestream_id", ForeignKey("livestreams.id", ondelete="CASCADE"), primary_key=True),
    Column("shop_id", ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Livestream(db.Model):
    __tablename__ = "livestreams"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="known_kind"),
        CheckConstraint(_in("platform", PLATFORMS), name="known_platform"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    # A guest without an account, e.g. an official of the street office.
    guest: Mapped[str] = mapped_column(String(120), default="")
    products: Mapped[str] = mapped_column(Text, default="")
    # A studio of the booking area (Resource of kind studio, same site).
    studio_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    platform: Mapped[str] = mapped_column(String(30))
    room: Mapped[str] = mapped_column(String(255), default="")  # room number or link
    # The booking area's hold on the studio, once livestreams reserve through it;
    # a plain number until the bookings table is on main (then a foreign key).
    booking_id: Mapped[int | None] = mapped_column(Integer, index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # UTC
    ends_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hosts: Mapped[list["User"]] = relationship(  # noqa: F821
        secondary=livestream_hosts, lazy="selectin", order_by="User.display_name")
    shops: Mapped[list["Shop"]] = relationship(  # noqa: F821
        secondary=livestream_shops, lazy="selectin", order_by="Shop.name")
    studio: Mapped["Resource | None"] = relationship()  # noqa: F821
    site: Mapped["Site"] = relationship()  # noqa: F821
    questions: Mapped[list["Question"]] = relationship(
        back_populates="livestream", cascade="all, delete-orphan", order_by="Question.created_at")
    results: Mapped[list["LivestreamResult"]] = relationship(
        back_populates="livestream", cascade="all, delete-orphan")

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def public_hosts(self) -> list:
        """Hosts named on public pages: active accounts only (a deleted
        person's account is anonymised and inactive)."""
        return [host for host in self.hosts if host.active]

    def is_host(self, user) -> bool:
        return any(host.id == getattr(user, "id", None) for host in self.hosts)

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.ends_at

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return not self.cancelled and self.starts_at <= now < self.ends_at

    def takes_questions(self, now: datetime | None = None) -> bool:
        """Residents may ask before or during a policy livestream."""
        return self.kind == POLICY and not self.cancelled and not self.has_ended(now)


class Question(db.Model):
    """A resident's question (群众提问). No account: name and phone are optional."""

    __tablename__ = "livestream_questions"
    __table_args__ = (
        CheckConstraint(_in("status", QUESTION_STATUSES), name="known_status"),
        CheckConstraint(f"length(text) BETWEEN 1 AND {QUESTION_MAX_CHARS}", name="text_length"),
        CheckConstraint(f"length(answer) <= {ANSWER_MAX_CHARS}", name="answer_length"),
        # Only an approved question can be answered.
        CheckConstraint("answered_at IS NULL OR status = 'approved'", name="answered_only_if_approved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    livestream_id: Mapped[int] = mapped_column(ForeignKey("livestreams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(Text, default="")

    livestream: Mapped[Livestream] = relationship(back_populates="questions")

    @property
    def site_id(self) -> int:
        return self.livestream.site_id


class LivestreamResult(db.Model):
    """One featured shop's result of a sales livestream (直播成果)."""

    __tablename__ = "livestream_results"
    __table_args__ = (
        UniqueConstraint("livestream_id", "shop_id"),
        CheckConstraint("viewers >= 0", name="viewers_not_negative"),
        CheckConstraint("orders >= 0", name="orders_not_negative"),
        CheckConstraint("revenue_fen >= 0", name="revenue_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    livestream_id: Mapped[int] = mapped_column(ForeignKey("livestreams.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    viewers: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    revenue_fen: Mapped[int] = mapped_column(Integer, default=0)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    livestream: Mapped[Livestream] = relationship(back_populates="results")
    shop: Mapped["Shop"] = relationship()  # noqa: F821
