"""Training sessions (课程) and certificates (结业证书)."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)  # UTC
    ends_at: Mapped[datetime]
    # The room is a studio of the booking area; the session occupies it.
    room_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    capacity: Mapped[int | None] = mapped_column(Integer)
    childcare: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_code: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped["Cohort"] = relationship()  # noqa: F821


class Certificate(db.Model):
    """Proof that a person completed a programme, checkable by its code."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
