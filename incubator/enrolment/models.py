"""Programmes (培训项目), cohorts (培训班) and applications (报名)."""

from datetime import date, datetime

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
)
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
# Statuses that end an application: nothing more happens to it.
FINAL_STATUSES = (REJECTED, WITHDRAWN, LAPSED, DROPPED_OUT)

# The group a person says she belongs to, stored on her application so that
# reports can count people by group. Each maps to the audience it belongs in.
GROUPS = ("mother", "graduate", "villager", "shop_staff", "other")
GROUP_AUDIENCE = {"mother": "mothers", "graduate": "graduates", "villager": "villagers",
                  "shop_staff": "shop_staff", "other": "anyone"}

# Kinds of a programme's own application questions.
QUESTION_KINDS = ("short", "long", "choice", "yesno")

# Standard availability slots every application asks about.
AVAILABILITY = ("weekday_mornings", "weekday_afternoons", "weekday_evenings", "weekends")


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
    # Every question, retired ones too: the applicant page and the CSV show
    # the answers given to them. The form asks asked_questions.
    questions: Mapped[list["ProgrammeQuestion"]] = relationship(
        back_populates="programme", order_by="ProgrammeQuestion.position, ProgrammeQuestion.id",
        cascade="all, delete-orphan")

    @property
    def asked_questions(self) -> list["ProgrammeQuestion"]:
        """The questions the application form asks now (not the retired ones)."""
        return [q for q in self.questions if q.retired_at is None]


class ProgrammeQuestion(db.Model):
    """One of a programme's own application questions."""

    __tablename__ = "programme_questions"
    __table_args__ = (
        CheckConstraint("kind IN ({})".format(", ".join(f"'{k}'" for k in QUESTION_KINDS)), name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    # For "choice": the options, one string each.
    choices: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when staff remove a question someone has already answered: it is
    # not asked any more, and is kept so that her answer still shows.
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    programme: Mapped[Programme] = relationship(back_populates="questions")

    @property
    def key(self) -> str:
        """The key of this question's answer in Application.answers."""
        return f"q{self.id}"


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
        CheckConstraint("applicant_group IN ({})".format(", ".join(f"'{g}'" for g in GROUPS)),
                        name="known_group"),
        # The reports count a base's applications of a period, and its
        # places (by status) with their class, person and group from the
        # index alone; at district scale a base has tens of thousands.
        Index("ix_applications_site_id_submitted_at", "site_id", "submitted_at", "user_id"),
        Index("ix_applications_site_id_status", "site_id", "status", "cohort_id", "user_id", "applicant_group"),
        # The review queue: a base's applications of one status, newest (or
        # oldest) first, a page at a time, without sorting them all.
        Index("ix_applications_site_status_submitted", "site_id", "status", "submitted_at"),
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
    # One of GROUPS: who she says she is (mother, graduate, villager...).
    applicant_group: Mapped[str] = mapped_column(String(20), default="other", server_default="other",
                                                 index=True)

    cohort: Mapped[Cohort] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821
    events: Mapped[list["ApplicationEvent"]] = relationship(
        back_populates="application", order_by="ApplicationEvent.at, ApplicationEvent.id",
        cascade="all, delete-orphan")
    notes: Mapped[list["ApplicationNote"]] = relationship(
        back_populates="application", order_by="ApplicationNote.at, ApplicationNote.id",
        cascade="all, delete-orphan")


class ApplicationEvent(db.Model):
    """One change of an application's status: from what, to what, by whom, when."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # None when the system did it (a lapsed offer, an automatic offer).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(255), default="")

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class ApplicationNote(db.Model):
    """A staff note on an application (the applicant never sees these)."""

    __tablename__ = "application_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="notes")
    author: Mapped["User | None"] = relationship()  # noqa: F821
