"""Bookable resources: studios (直播间) and equipment (设备), their opening hours,
kits, closures (停用时段) and bookings (预约).

Never double-booked, in the database: on PostgreSQL an exclusion constraint
(btree_gist) forbids two active bookings of the same unit of a resource whose
times overlap. A pool (five ring lights) gives every booking a unit number
1..quantity, so the same constraint covers pools. On SQLite the service takes
the write lock before it checks (see service._lock_resources).
"""

from datetime import date, datetime, time

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow

STUDIO = "studio"
EQUIPMENT = "equipment"
RESOURCE_KINDS = (STUDIO, EQUIPMENT)

AVAILABLE = "available"
MAINTENANCE = "maintenance"
RESOURCE_STATUSES = (AVAILABLE, MAINTENANCE)

# Booking statuses. PENDING waits for staff approval; both PENDING and
# CONFIRMED hold the time (ACTIVE). NO_SHOW: released because nobody checked in.
PENDING = "pending"
CONFIRMED = "confirmed"
DECLINED = "declined"
CANCELLED = "cancelled"
NO_SHOW = "no_show"
BOOKING_STATUSES = (PENDING, CONFIRMED, DECLINED, CANCELLED, NO_SHOW)
ACTIVE = (PENDING, CONFIRMED)


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Resource(db.Model):
    __tablename__ = "resources"
    __table_args__ = (
        CheckConstraint("kind IN ('studio', 'equipment')", name="known_kind"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(f"status IN ({_in(RESOURCE_STATUSES)})", name="known_status"),
        CheckConstraint("slot_minutes > 0 AND min_minutes > 0 AND max_minutes >= min_minutes",
                        name="lengths_sane"),
        CheckConstraint("min_notice_minutes >= 0 AND max_advance_days >= 0 AND buffer_minutes >= 0 "
                        "AND cancel_cutoff_minutes >= 0", name="limits_not_negative"),
        CheckConstraint("weekly_quota_hours IS NULL OR weekly_quota_hours > 0", name="quota_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default=STUDIO)
    description: Mapped[str] = mapped_column(Text, default="")
    # Identical items form a pool: five ring lights are one resource of quantity 5.
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    status: Mapped[str] = mapped_column(String(20), default=AVAILABLE, server_default=AVAILABLE)
    maintenance_reason: Mapped[str] = mapped_column(String(255), default="", server_default="")
    maintenance_from: Mapped[date | None] = mapped_column(Date)
    maintenance_until: Mapped[date | None] = mapped_column(Date)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    min_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    max_minutes: Mapped[int] = mapped_column(Integer, default=240, server_default="240")
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    max_advance_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancel_cutoff_minutes: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    # Roles that may book; an empty list means every signed-in person.
    allowed_roles: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # The training gate: a completed programme (a certificate) is required.
    required_programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"))
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    weekly_quota_hours: Mapped[int | None] = mapped_column(Integer)
    # Shown on a card at the studio door; typing it checks a booking in.
    checkin_code: Mapped[str | None] = mapped_column(String(12), unique=True)

    hours: Mapped[list["OpeningHours"]] = relationship(
        back_populates="resource", cascade="all, delete-orphan", order_by="OpeningHours.weekday",
        lazy="selectin")
    required_programme: Mapped["Programme | None"] = relationship()  # noqa: F821
    # Loaded with the resource where its time zone is needed (service.load_resource).
    site: Mapped["Site"] = relationship()  # noqa: F821

    @property
    def is_studio(self) -> bool:
        return self.kind == STUDIO


class OpeningHours(db.Model):
    """When a resource may be booked on one weekday (0 = Monday), in the site's zone."""

    __tablename__ = "resource_hours"
    __table_args__ = (
        UniqueConstraint("resource_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("closes > opens", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    resource: Mapped[Resource] = relationship(back_populates="hours")


class Kit(db.Model):
    """A studio and equipment booked together in one step, all or nothing."""

    __tablename__ = "booking_kits"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list["KitItem"]] = relationship(back_populates="kit", cascade="all, delete-orphan",
                                                  lazy="selectin")


class KitItem(db.Model):
    __tablename__ = "booking_kit_items"
    __table_args__ = (
        UniqueConstraint("kit_id", "resource_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("booking_kits.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)

    kit: Mapped[Kit] = relationship(back_populates="items")
    resource: Mapped[Resource] = relationship(lazy="joined")


class Blackout(db.Model):
    """A closure: a resource (or, with resource_id empty, every resource of the
    site) cannot be booked in this time."""

    __tablename__ = "booking_blackouts"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # UTC
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource: Mapped[Resource | None] = relationship()


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("unit >= 1", name="unit_positive"),
        CheckConstraint(f"status IN ({_in(BOOKING_STATUSES)})", name="known_status"),
        # What holds a resource on a day or a week (the calendars, a new
        # booking's clash check) is an active booking that "starts before the
        # end and ends after the start". By resource alone that read every
        # booking a studio ever had (two years at district scale); by resource,
        # status and end it reads only those ending after the day begins. With
        # the end after the status, the planners prefer it to the index by
        # start below, which read the two years of the resource's past.
        Index("ix_bookings_resource_id_status_ends_at", "resource_id", "status", "ends_at"),
        # The reports count a base's bookings of a period by status (no-shows),
        # and sum the lengths of its studios' confirmed ones (utilisation),
        # from the index alone: a base's year is tens of thousands of bookings.
        Index("ix_bookings_site_id_status_starts_at", "site_id", "status", "starts_at"),
        Index("ix_bookings_resource_id_status_starts_at", "resource_id", "status", "starts_at", "ends_at"),
        # A person's bookings newest (or soonest) first, a page at a time: her
        # record and her home. By user alone PostgreSQL preferred walking the
        # start-time index of all million bookings backwards (270 ms).
        Index("ix_bookings_user_id_starts_at", "user_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), index=True)
    # Which item of a pool (1..quantity); 1 for a single studio.
    unit: Mapped[int] = mapped_column(Integer, default=1)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(index=True)  # UTC
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=CONFIRMED, index=True)
    purpose: Mapped[str] = mapped_column(String(255), default="")
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"), index=True)
    # Bookings made in one step (a kit) share a group; a weekly repeat shares a series.
    group_key: Mapped[str | None] = mapped_column(String(32), index=True)
    series_key: Mapped[str | None] = mapped_column(String(32), index=True)
    kit_id: Mapped[int | None] = mapped_column(ForeignKey("booking_kits.id", ondelete="SET NULL"))
    checked_in_at: Mapped[datetime | None]
    handed_over_at: Mapped[datetime | None]
    handover_note: Mapped[str] = mapped_column(String(255), default="")
    returned_at: Mapped[datetime | None]
    return_note: Mapped[str] = mapped_column(String(255), default="")
    overdue_flagged_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    status_reason: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource: Mapped[Resource] = relationship(lazy="joined")
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    shop: Mapped["Shop | None"] = relationship()  # noqa: F821
    kit: Mapped[Kit | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


_bookings = Booking.__table__
# The database itself refuses two active bookings of one unit whose times overlap.
_bookings.append_constraint(
    ExcludeConstraint(
        (_bookings.c.resource_id, "="),
        (_bookings.c.unit, "="),
        (func.tsrange(_bookings.c.starts_at, _bookings.c.ends_at), "&&"),
        name="bookings_no_overlap",
        using="gist",
        where=text(f"status IN ({_in(ACTIVE)})"),
    ).ddl_if(dialect="postgresql")
)
event.listen(_bookings, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"))


class BookingPause(db.Model):
    """Booking paused for a person after repeated no-shows, until a date."""

    __tablename__ = "booking_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    until: Mapped[datetime]
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedToken(db.Model):
    """The secret in a person's calendar (iCal) address; renewing it replaces it."""

    __tablename__ = "booking_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
