"""Personal data rights (PIPL): consents that can be withdrawn as easily as
given, a download of everything held about a person, and correction or
deletion requests that staff act on. Deletion anonymises the person in every
area's tables, so she disappears while the base's totals stay right."""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from incubator import csvfile
from incubator.accounts.models import ConsentRecord, DataRequest, User
from incubator.accounts.passwords import hash_password
from incubator.accounts.sessions import end_all_sessions
from incubator.areas import resolve
from incubator.audit import record_change
from incubator.errors import DomainError
from incubator.extensions import db
from incubator.timeutil import utcnow

NOTICE_VERSION = "2026-11"
PERSONAL_INFO = "personal_info"              # required to have an account
SHARE_WITH_MENTORS = "share_with_mentors"    # her details shown to mentors and shops
PUBLISH_STORIES = "publish_stories"          # her story or photos in the base's publicity
OPTIONAL_PURPOSES = {
    SHARE_WITH_MENTORS: _l("Share my training details with my mentor and with shops I work with"),
    PUBLISH_STORIES: _l("The base may publish my story or photos (for example in its annual report)"),
}
REQUEST_KINDS = ("correction", "deletion")


def consents(user: User) -> dict[str, bool]:
    """The latest decision per purpose (optional ones default to no)."""
    rows = db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                              .order_by(ConsentRecord.recorded_at, ConsentRecord.id))
    decided = {PERSONAL_INFO: False, **{purpose: False for purpose in OPTIONAL_PURPOSES}}
    for row in rows:
        decided[row.purpose] = row.granted
    return decided


def has_consent(user: User, purpose: str) -> bool:
    return consents(user).get(purpose, False)


def set_consent(user: User, purpose: str, granted: bool) -> None:
    if purpose not in OPTIONAL_PURPOSES:
        raise DomainError(_l("Unknown consent."))
    if consents(user)[purpose] == granted:
        return
    db.session.add(ConsentRecord(user_id=user.id, purpose=purpose, notice_version=NOTICE_VERSION,
                                 granted=granted))
    record_change(user, "consent.granted" if granted else "consent.withdrawn", user, after={"purpose": purpose})
    db.session.commit()


def _areas():
    return current_app.extensions["incubator_areas"]


def export(user: User) -> dict[str, list[dict]]:
    """Everything the platform holds about a person, section by section."""
    data = {
        "account": [{"name": user.display_name, "phone": user.phone, "email": user.email,
                     "language": user.locale, "site": user.site.name, "roles": sorted(user.roles),
                     "created_at": user.created_at.isoformat(), "active": user.active}],
        "consents": [{"purpose": c.purpose, "granted": c.granted, "notice_version": c.notice_version,
                      "recorded_at": c.recorded_at.isoformat()}
                     for c in db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                                                 .order_by(ConsentRecord.id))],
        "requests": [{"kind": r.kind, "details": r.details, "status": r.status,
                      "created_at": r.created_at.isoformat()}
                     for r in db.session.scalars(select(DataRequest).where(DataRequest.user_id == user.id))],
    }
    for area in _areas():
        module = resolve(area.personal_data)
        if module is not None:
            data.update(module.export(user))
    return data


def export_csv(user: User) -> str:
    """The same data as one CSV (section, row, field, value)."""
    rows = ([section, number, field, value]
            for section, section_rows in export(user).items()
            for number, row in enumerate(section_rows, start=1)
            for field, value in row.items())
    return csvfile.text(["section", "row", "field", "value"], rows)


def ask(user: User, kind: str, details: str) -> DataRequest:
    if kind not in REQUEST_KINDS:
        raise DomainError(_l("Unknown request."))
    details = (details or "").strip()
    if kind == "correction" and not details:
        raise DomainError(_l("Tell us what is wrong and what it should say."), field="details")
    if len(details) > 2000:
        raise DomainError(_l("Please keep it under 2000 characters."), field="details")
    open_already = db.session.scalar(select(DataRequest).where(
        DataRequest.user_id == user.id, DataRequest.kind == kind, DataRequest.status == "open"))
    if open_already:
        raise DomainError(_l("You already have an open request of this kind; the staff will answer it."))
    request = DataRequest(user_id=user.id, site_id=user.site_id, kind=kind, details=details)
    db.session.add(request)
    record_change(user, f"data_request.{kind}", request, site_id=user.site_id)
    db.session.commit()
    return request


def anonymise(user: User) -> None:
    """Remove what identifies the person everywhere; keep the rows so that
    counts (people trained, bookings made) stay true. The caller commits."""
    user.display_name = f"已删除用户 #{user.id}"
    user.phone = None
    # The account needs a login name by constraint; this one can never log in.
    user.email = f"deleted-{user.id}@anonymised.invalid"
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.locale = None
    user.active = False
    end_all_sessions(user)
    for area in _areas():
        module = resolve(area.personal_data)
        if module is not None:
            module.anonymise(user)


def handle(actor: User, request: DataRequest, accept: bool, response: str = "") -> None:
    if request.status != "open":
        raise DomainError(_l("This request has already been handled."))
    request.status = "done" if accept else "refused"
    request.response = (response or "").strip()[:2000]
    request.handled_at = utcnow()
    request.handled_by_id = actor.id
    if accept and request.kind == "deletion":
        anonymise(request.user)
    record_change(actor, f"data_request.{request.status}", request, after={"kind": request.kind})
    db.session.commit()


def open_requests(site_id: int | None):
    query = select(DataRequest).where(DataRequest.status == "open").order_by(DataRequest.created_at)
    if site_id is not None:
        query = query.where(DataRequest.site_id == site_id)
    return list(db.session.scalars(query))


def anonymise_expired(now=None) -> int:
    """Retention: anonymise accounts unused for longer than the keeping period
    (RETENTION_DAYS). Staff and admins are kept. Returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    from incubator.accounts.models import UserRole

    stale = db.session.scalars(select(User).where(
        User.phone.is_not(None) | ~User.email.like("deleted-%@anonymised.invalid"),
        or_(User.last_login_at < cutoff, and_(User.last_login_at.is_(None), User.created_at < cutoff)),
        ~User.role_grants.any(UserRole.role.in_(("staff", "admin"))),
    )).all()
    for user in stale:
        anonymise(user)
        record_change(None, "account.retention_anonymised", user)
    db.session.commit()
    return len(stale)
