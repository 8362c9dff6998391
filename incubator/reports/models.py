"""What the reports area owns: staff notes on a person (备注) and the
definition of "incubated" per base."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
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
