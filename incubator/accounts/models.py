from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.auth import ROLES
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.timeutil import utcnow

ROLE_CHECK = "role IN ({})".format(", ".join(f"'{r}'" for r in ROLES))


class User(UserMixin, db.Model):
    """A person with an account (用户). Phone is the usual login; e-mail is optional."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="phone_or_email"),
        # Staff find a base's people by the first digits of a mobile (the
        # mentoring overview's "add a mentee"): the unique phone index alone
        # would walk every number of the district that starts so.
        Index("ix_users_site_id_phone", "site_id", "phone"),
        # And by a part of a name ("芳"), which no index can look up: this one
        # lets the search read the base's names from the index alone instead
        # of every row of its people (9,000 on a district base: 4 ms to 1).
        Index("ix_users_site_id_display_name", "site_id", "display_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    # None: follow the browser's language.
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Second factor (staff and admins may turn it on): a TOTP secret, and the
    # last time step used, so that a code cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]

    site: Mapped[Site] = relationship()
    role_grants: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        foreign_keys="UserRole.user_id",
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def roles(self) -> set[str]:
        return {grant.role for grant in self.role_grants}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_any_role(self, roles) -> bool:
        return bool(self.roles & set(roles))

    @property
    def primary_role(self) -> str | None:
        mine = self.roles
        return next((role for role in ROLES if role in mine), None)

    @property
    def has_two_step(self) -> bool:
        return self.totp_secret is not None

    @property
    def login_name(self) -> str:
        return self.phone or self.email or ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.display_name}>"


class UserRole(db.Model):
    """One role a person holds; a person may hold several over time."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(ROLE_CHECK, name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])


class UserSession(db.Model):
    """A signed-in device. The cookie carries only the token; ending the row
    (logout, password change, account disabled, an admin's "sign out
    everywhere", a timeout) signs that device out at its next request."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class ConsentRecord(db.Model):
    """What a person agreed to (or withdrew), which notice version, and when (PIPL)."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    notice_version: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataRequest(db.Model):
    """A person asking to correct or delete her data; staff act on it."""

    __tablename__ = "data_requests"
    __table_args__ = (
        CheckConstraint("kind IN ('correction', 'deletion')", name="known_kind"),
        CheckConstraint("status IN ('open', 'done', 'refused')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    response: Mapped[str] = mapped_column(String(2000), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
