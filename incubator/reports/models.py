"""What the reports area owns: staff notes on a person (备注), the
definition of "incubated" per base, and the daily figures the dashboard
sums (kept by reports/daily.py)."""

import secrets
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow

DEFAULT_INCUBATED_STAGE = "incubated"


class PersonNote(db.Model):
    """A note staff keep on a person's record. Never shown to the person."""

    __tablename__ = "person_notes"
    __table_args__ = (CheckConstraint("length(body) > 0", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821


class IncubationRule(db.Model):
    """What "incubated" means at one base. A base without a row uses the
    default: completed a programme, or a shop reached the "incubated" stage."""

    __tablename__ = "incubation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    by_completion: Mapped[bool] = mapped_column(Boolean, default=True)
    by_shop_stage: Mapped[bool] = mapped_column(Boolean, default=True)
    shop_stage: Mapped[str] = mapped_column(String(40), default=DEFAULT_INCUBATED_STAGE)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReportDay(db.Model):
    """One base's figures for one of its local days: what the dashboard sums
    (reports/daily.py keeps them; a year is 365 rows). Each column is the
    count (or the minutes) of the rows of its area that fall on that day."""

    __tablename__ = "report_days"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    applications: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # submitted
    certificates: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # issued
    sessions: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # starting
    incubated: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # first incubated
    studio_minutes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # studios booked
    bookings_due: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # booked or no-show
    no_shows: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    places_ended: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # classes ending
    places_completed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ReportIncubation(db.Model):
    """When each person first became incubated at a base, under its rule:
    her first certificate there or her shop reaching the rule's stage. The
    day rows count these (ReportDay.incubated)."""

    __tablename__ = "report_incubations"
    __table_args__ = (Index("ix_report_incubations_site_id_at", "site_id", "at"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column()  # UTC


def new_stamp() -> int:
    return secrets.randbits(62)


class ReportSite(db.Model):
    """A base whose day rows are complete (built from its records once, then
    kept by every write). The dashboard counts the records themselves for a
    base without one.

    enrolment_stamp changes (to a random number, never back to an old one)
    in every transaction that changes the base's applications or classes:
    what the dashboard counts of them that no sum of days gives (people
    counted once each, the classes) is remembered under it."""

    __tablename__ = "report_sites"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolment_stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp)
