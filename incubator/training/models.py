"""Training sessions (课程) and certificates (结业证书)."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The booking calendars ask what holds a room between two times. Without
        # it the planner walked the start index over every past session.
        Index("ix_training_sessions_room_id_ends_at", "room_id", "ends_at"),
        # A base's sessions of a period (the reports' sessions held).
        Index("ix_training_sessions_site_id_starts_at", "site_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)  # UTC
    ends_at: Mapped[datetime]
    # The room is a studio of the booking area; the session occupies it.
    room_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    childcare: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_code: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped["Cohort"] = relationship()  # noqa: F821
    room: Mapped["Resource | None"] = relationship()  # noqa: F821
    trainer: Mapped["User | None"] = relationship()  # noqa: F821


class Certificate(db.Model):
    """Proof that a person completed a programme, checkable by its code."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "cohort_id"),
        # A base's certificates by date, with whose they are: the reports
        # count those of a period, and each person's first, from the index alone.
        Index("ix_certificates_site_id_issued_at", "site_id", "issued_at", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821
    programme: Mapped["Programme"] = relationship()  # noqa: F821
    cohort: Mapped["Cohort"] = relationship()  # noqa: F821
    site: Mapped["Site"] = relationship()  # noqa: F821


# Marks of the roll call. Present and late count as attended.
PRESENT = "present"
LATE = "late"
ABSENT = "absent"
EXCUSED = "excused"
MARKS = (PRESENT, LATE, ABSENT, EXCUSED)
ATTENDED = (PRESENT, LATE)


class Attendance(db.Model):
    """A person's mark for a session (考勤). Either an account (user_id) or a
    walk-in known only by name and phone until staff link her to an account."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        UniqueConstraint("session_id", "walkin_phone"),
        CheckConstraint("mark IN ('present', 'late', 'absent', 'excused')", name="known_mark"),
        CheckConstraint("user_id IS NOT NULL OR walkin_name IS NOT NULL", name="person_or_walkin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    walkin_name: Mapped[str | None] = mapped_column(String(80))
    walkin_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    mark: Mapped[str] = mapped_column(String(10))
    # An apology sent before the session (mark "excused").
    reason: Mapped[str] = mapped_column(String(300), default="")
    checked_in_at: Mapped[datetime | None]
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[TrainingSession] = relationship()
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821

    @property
    def name(self) -> str:
        return self.user.display_name if self.user else (self.walkin_name or "")

    @property
    def is_walkin(self) -> bool:
        return self.user_id is None


class Skill(db.Model):
    """A checklist item of a programme (技能); required ones count for completion."""

    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SkillTick(db.Model):
    """A skill ticked for a trainee in a cohort."""

    __tablename__ = "skill_ticks"
    __table_args__ = (UniqueConstraint("skill_id", "user_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    ticked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ticked_at: Mapped[datetime] = mapped_column(default=utcnow)
