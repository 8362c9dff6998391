"""Programmes (培训项目), cohorts (培训班) and applications (报名)."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow

# Who a programme is for. "anyone" means no particular group.
AUDIENCES = ("mothers", "graduates", "villagers", "shop_staff", "anyone")

SUBMITTED = "submitted"
ACCEPTED = "accepted"      # offered a place, waiting for her to confirm
WAITLISTED = "waitlisted"
REJECTED = "rejected"
CONFIRMED = "confirmed"    # enrolled
WITHDRAWN = "withdrawn"
LAPSED = "lapsed"          # an offer not confirmed in time
DROPPED_OUT = "dropped_out"
APPLICATION_STATUSES = (SUBMITTED, ACCEPTED, WAITLISTED, REJECTED, CONFIRMED, WITHDRAWN, LAPSED, DROPPED_OUT)
# Statuses that hold a seat in the cohort.
SEAT_HOLDING = (ACCEPTED, CONFIRMED)


class Programme(db.Model):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # A list of AUDIENCES values.
    audiences: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[str] = mapped_column(String(120), default="")
    # Completion rule: at least this share of sessions attended, and every
    # required skill ticked (training area).
    min_attendance_percent: Mapped[int] = mapped_column(Integer, default=80)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohorts: Mapped[list["Cohort"]] = relationship(back_populates="programme", order_by="Cohort.starts_on")


class Cohort(db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)
    applications_open_on: Mapped[date | None] = mapped_column(Date)
    applications_close_on: Mapped[date | None] = mapped_column(Date)
    childcare: Mapped[bool] = mapped_column(Boolean, default=False)
    schedule_summary: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[Programme] = relationship(back_populates="cohorts")


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in APPLICATION_STATUSES)),
                        name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=SUBMITTED, index=True)
    # The programme's own questions and the standard ones, by key.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821
