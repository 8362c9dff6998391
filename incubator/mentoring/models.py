"""Mentors (导师), mentees' needs, proposals and mentorships (师徒结对).

A mentee is a MenteeNeed: a trainee (user) or a shop (user = its owner, plus
shop_id). Proposals are offers a mentor accepts or declines; an accepted one
becomes a Mentorship. A mentor's capacity is checked when she accepts, with
her profile row locked (see service.accept_proposal).
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.extensions import db
from incubator.timeutil import utcnow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PERIODS = ("morning", "afternoon", "evening")
SLOTS = tuple(f"{day}_{period}" for day in WEEKDAYS for period in PERIODS)

PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
LAPSED = "lapsed"
WITHDRAWN = "withdrawn"  # the mentee found a mentor another way
PROPOSAL_STATUSES = (PENDING, ACCEPTED, DECLINED, LAPSED, WITHDRAWN)

FROM_MENTEE = "mentee"
FROM_STAFF = "staff"
PROPOSAL_SOURCES = (FROM_MENTEE, FROM_STAFF)

ACTIVE = "active"
COMPLETED = "completed"
ENDED_EARLY = "ended_early"
MENTORSHIP_STATUSES = (ACTIVE, COMPLETED, ENDED_EARLY)

MENTOR_SIDE = "mentor"
MENTEE_SIDE = "mentee"


def _in(column: str, values) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


mentor_profile_skills = Table(
    "mentor_profile_skills", db.metadata,
    Column("profile_id", ForeignKey("mentor_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("mentoring_skills.id", ondelete="CASCADE"), primary_key=True),
)

mentee_need_skills = Table(
    "mentee_need_skills", db.metadata,
    Column("need_id", ForeignKey("mentee_needs.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("mentoring_skills.id", ondelete="CASCADE"), primary_key=True),
)


class MentoringSkill(db.Model):
    """A skill a mentor offers and a mentee asks for; the list is the staff's.
    Skills seeded by the system carry a key, so their name is translated."""

    __tablename__ = "mentoring_skills"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    key: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def label(self) -> str:
        from incubator.mentoring.vocabulary import skill_label

        return skill_label(self)


class MentorProfile(db.Model):
    __tablename__ = "mentor_profiles"
    __table_args__ = (CheckConstraint("capacity >= 1 AND capacity <= 20", name="capacity_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    categories: Mapped[list] = mapped_column(JSON, default=list)  # shops.models.CATEGORIES codes
    languages: Mapped[list] = mapped_column(JSON, default=list)  # free words: 普通话, 南京话, 维吾尔语
    availability: Mapped[list] = mapped_column(JSON, default=list)  # SLOTS codes
    capacity: Mapped[int] = mapped_column(Integer, default=2)
    bio: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: paused
    # Bumped to take SQLite's write lock before counting places (see service).
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821
    skills: Mapped[list[MentoringSkill]] = relationship(secondary=mentor_profile_skills,
                                                        order_by=MentoringSkill.id)


class MenteeNeed(db.Model):
    """What a mentee (a trainee, or a shop through its owner) wants help with."""

    __tablename__ = "mentee_needs"
    __table_args__ = (
        # One need per person, and one per shop.
        Index("uq_mentee_needs_person", "user_id", unique=True,
              sqlite_where=text("shop_id IS NULL"), postgresql_where=text("shop_id IS NULL")),
        Index("uq_mentee_needs_shop", "shop_id", unique=True,
              sqlite_where=text("shop_id IS NOT NULL"), postgresql_where=text("shop_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    category: Mapped[str | None] = mapped_column(String(30))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    availability: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821
    shop: Mapped["Shop | None"] = relationship()  # noqa: F821
    skills: Mapped[list[MentoringSkill]] = relationship(secondary=mentee_need_skills,
                                                        order_by=MentoringSkill.id)

    @property
    def mentee_name(self) -> str:
        return mentee_name(self.user.display_name, self.shop.name if self.shop is not None else None)


def mentee_name(person: str, shop: str | None = None) -> str:
    """A mentee as people see her: her name, or her shop's with hers."""
    return person if shop is None else f"{shop}（{person}）"


class MatchProposal(db.Model):
    """A suggested pair waiting for the mentor's answer."""

    __tablename__ = "match_proposals"
    __table_args__ = (
        CheckConstraint(_in("status", PROPOSAL_STATUSES), name="known_status"),
        CheckConstraint(_in("source", PROPOSAL_SOURCES), name="known_source"),
        Index("uq_match_proposals_pending", "need_id", "profile_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("mentee_needs.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    need: Mapped[MenteeNeed] = relationship()
    profile: Mapped[MentorProfile] = relationship()


class Mentorship(db.Model):
    __tablename__ = "mentorships"
    __table_args__ = (
        CheckConstraint(_in("status", MENTORSHIP_STATUSES), name="known_status"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        # A mentee has at most one active mentor.
        Index("uq_mentorships_active_need", "need_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
        # A mentor's active mentees (her load), without reading her whole history.
        Index("ix_mentorships_profile_status", "profile_id", "status"),
        # The dashboard's active mentorships of a base, counted from the index alone.
        Index("ix_mentorships_site_id_starts_on", "site_id", "starts_on", "status", "ends_on", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("mentee_needs.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True)
    # Denormalised for "as mentor / as mentee" questions about a person.
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("match_proposals.id", ondelete="SET NULL"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE, index=True)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[MenteeNeed] = relationship()
    profile: Mapped[MentorProfile] = relationship()
    mentor: Mapped["User"] = relationship(foreign_keys=[mentor_id])  # noqa: F821
    mentee: Mapped["User"] = relationship(foreign_keys=[mentee_id])  # noqa: F821
    meetings: Mapped[list["Meeting"]] = relationship(
        back_populates="mentorship", order_by="(Meeting.met_on.desc(), Meeting.id.desc())",
        cascade="all, delete-orphan")
    feedback: Mapped[list["MentorshipFeedback"]] = relationship(
        back_populates="mentorship", cascade="all, delete-orphan", order_by="MentorshipFeedback.side")


class Meeting(db.Model):
    __tablename__ = "mentoring_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    met_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mentorship: Mapped[Mentorship] = relationship(back_populates="meetings")
    author: Mapped["User | None"] = relationship()  # noqa: F821


class MentorshipFeedback(db.Model):
    __tablename__ = "mentorship_feedback"
    __table_args__ = (
        UniqueConstraint("mentorship_id", "side"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        CheckConstraint(_in("side", (MENTOR_SIDE, MENTEE_SIDE)), name="known_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mentorship: Mapped[Mentorship] = relationship(back_populates="feedback")


class MatchingSettings(db.Model):
    """A site's weights for the match score, and how long a proposal waits."""

    __tablename__ = "matching_settings"
    __table_args__ = (
        CheckConstraint("weight_skill >= 0 AND weight_category >= 0 AND weight_language >= 0 "
                        "AND weight_availability >= 0 AND weight_capacity >= 0", name="weights_not_negative"),
        CheckConstraint("proposal_days >= 1", name="proposal_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), unique=True)
    weight_skill: Mapped[int] = mapped_column(Integer, default=30)  # per skill in common
    weight_category: Mapped[int] = mapped_column(Integer, default=20)
    weight_language: Mapped[int] = mapped_column(Integer, default=20)  # per language in common
    weight_availability: Mapped[int] = mapped_column(Integer, default=5)  # per shared time slot
    weight_capacity: Mapped[int] = mapped_column(Integer, default=10)  # times the share of places left
    proposal_days: Mapped[int] = mapped_column(Integer, default=5)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
