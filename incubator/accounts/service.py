"""Accounts: sign-up, login, profile, passwords, roles and consent."""

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from incubator.accounts.models import ConsentRecord, User, UserRole
from incubator.accounts.passwords import (
    DUMMY_HASH,
    hash_password,
    is_common_password,
    needs_rehash,
    verify_password,
)
from incubator.accounts.privacy import NOTICE_VERSION as PRIVACY_NOTICE_VERSION
from incubator.accounts.privacy import PERSONAL_INFO as PURPOSE_PERSONAL_INFO
from incubator.accounts.sessions import end_all_sessions
from incubator.audit import record_change
from incubator.auth import ROLES
from incubator.errors import Conflict, DomainError
from incubator.extensions import db
from incubator.sites.service import default_site
from incubator.timeutil import utcnow

MIN_PASSWORD_LENGTH = 8

_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-()]")


def normalise_phone(raw: str) -> str | None:
    """An 11-digit mainland mobile number, or None when it is not one.
    Accepts spaces, dashes and a +86 / 0086 prefix as people type them."""
    digits = _PHONE_NOISE.sub("", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits if _MAINLAND_MOBILE.match(digits) else None


def normalise_email(raw: str) -> str | None:
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def parse_login_name(raw: str) -> tuple[str | None, str | None]:
    """(phone, email) from what a person typed as their login name."""
    raw = (raw or "").strip()
    if "@" in raw:
        return None, normalise_email(raw)
    return normalise_phone(raw), None


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), field=field)
    if is_common_password(password):
        raise DomainError(_l("This password is too common and easy to guess. Choose another."), field=field)


def find_by_login(login_name: str) -> User | None:
    phone, email = parse_login_name(login_name)
    if phone:
        return db.session.scalar(select(User).where(User.phone == phone))
    if email:
        return db.session.scalar(select(User).where(User.email == email))
    return None


def sign_up(*, site=None, login_name: str, password: str, display_name: str, consent: bool,
            locale: str | None = None, roles=("trainee",)) -> User:
    """Create an account. Consent to the privacy notice is required and recorded."""
    phone, email = parse_login_name(login_name)
    if not phone and not email:
        raise DomainError(
            _l("Enter an 11-digit mobile number or an e-mail address."), field="login_name")
    check_password_rules(password)
    if not (display_name or "").strip():
        raise DomainError(_l("Tell us what to call you."), field="display_name")
    if not consent:
        raise DomainError(_l("Please read and agree to the personal information notice."), field="consent")
    taken = Conflict(_l("An account with this number or address already exists. Log in instead."),
                     field="login_name")
    if find_by_login(phone or email):
        raise taken

    if site is None:
        site = default_site()
    user = User(site=site, phone=phone, email=email, password_hash=hash_password(password),
                display_name=display_name.strip(), locale=locale)
    user.role_grants = [UserRole(role=role) for role in roles]
    db.session.add(user)
    try:
        # Two sign-ups with one number at the same moment both pass the check
        # above; the unique constraint decides, and the second reads why.
        db.session.flush()
        db.session.add(ConsentRecord(user_id=user.id, purpose=PURPOSE_PERSONAL_INFO,
                                     notice_version=PRIVACY_NOTICE_VERSION, granted=True))
        record_change(user, "account.created", user, after={"roles": sorted(roles)})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise taken from None
    return user


def authenticate(login_name: str, password: str) -> User | None:
    """The active account for these credentials, or None. Upgrades an old hash."""
    user = find_by_login(login_name)
    if user is None:
        verify_password(DUMMY_HASH, password or "")
        return None
    if not verify_password(user.password_hash, password or "") or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str, keep_session: str | None = None) -> None:
    if not verify_password(user.password_hash, current or ""):
        raise DomainError(_l("Your current password is not right."), field="current_password")
    check_password_rules(new, field="new_password")
    user.password_hash = hash_password(new)
    # Every other signed-in device has to log in again.
    end_all_sessions(user, keep_token=keep_session)
    record_change(user, "account.password_changed", user)
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    """Disable or re-enable an account; disabling signs it out everywhere."""
    if user.id == actor.id and not active:
        raise DomainError(_l("You cannot disable your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_sessions(user)
    record_change(actor, "account.enabled" if active else "account.disabled", user,
                  before={"active": not active}, after={"active": active})
    db.session.commit()


def sign_out_everywhere(actor: User, user: User) -> int:
    ended = end_all_sessions(user)
    record_change(actor, "account.sessions_ended", user, after={"sessions": ended})
    db.session.commit()
    return ended


def update_profile(user: User, *, display_name: str, login_name_email: str | None,
                   locale: str | None) -> None:
    if not (display_name or "").strip():
        raise DomainError(_l("Tell us what to call you."), field="display_name")
    email = None
    if login_name_email and login_name_email.strip():
        email = normalise_email(login_name_email)
        if email is None:
            raise DomainError(_l("This e-mail address does not look right."), field="email")
        other = db.session.scalar(select(User).where(User.email == email, User.id != user.id))
        if other:
            raise Conflict(_l("Another account uses this e-mail address."), field="email")
    if email is None and user.phone is None:
        raise DomainError(_l("Keep an e-mail address: it is how you log in."), field="email")
    user.display_name = display_name.strip()
    user.email = email
    user.locale = locale or None
    db.session.commit()


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale
    db.session.commit()


def grant_role(actor: User, user: User, role: str) -> None:
    if role not in ROLES:
        raise DomainError(_l("Unknown role."))
    if user.has_role(role):
        return
    before = sorted(user.roles)
    user.role_grants.append(UserRole(role=role, granted_by_id=actor.id))
    record_change(actor, "role.granted", user, before={"roles": before}, after={"roles": sorted(user.roles)})
    db.session.commit()


def remove_role(actor: User, user: User, role: str) -> None:
    grant = next((g for g in user.role_grants if g.role == role), None)
    if grant is None:
        return
    if role == "admin" and user.id == actor.id:
        raise DomainError(_l("You cannot remove your own admin role."))
    before = sorted(user.roles)
    user.role_grants.remove(grant)
    record_change(actor, "role.removed", user, before={"roles": before}, after={"roles": sorted(user.roles)})
    db.session.commit()


def search_users_query(text: str = "", role: str | None = None, site_id: int | None = None):
    """A select() of people matching a name, phone or e-mail fragment."""
    query = select(User).order_by(User.display_name, User.id)
    text = (text or "").strip()
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(or_(func.lower(User.display_name).like(pattern),
                                User.phone.like(pattern), User.email.like(pattern)))
    if role:
        query = query.where(User.role_grants.any(UserRole.role == role))
    if site_id:
        query = query.where(User.site_id == site_id)
    return query


def people_with_role(role: str, site_id: int | None = None) -> list[User]:
    """Active people holding `role`, of one site when given (e.g. to tell staff)."""
    query = select(User).where(User.active.is_(True), User.role_grants.any(UserRole.role == role))
    if site_id is not None:
        query = query.where(User.site_id == site_id)
    return list(db.session.scalars(query.order_by(User.id)))
