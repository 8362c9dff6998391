"""Personal data rights (PIPL): consents that can be withdrawn as easily as
given, a download of everything held about a person, and correction or
deletion requests that staff act on. Deletion anonymises the person in every
area's tables, so she disappears while the base's totals stay right."""

import json
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
from incubator.sites.service import timezone_of
from incubator.timeutil import iso_clock, utcnow

NOTICE_VERSION = "2026-11"
PERSONAL_INFO = "personal_info"              # required to have an account
SHARE_WITH_MENTORS = "share_with_mentors"    # her details shown to mentors and shops
PUBLISH_STORIES = "publish_stories"          # her story or photos in the base's publicity
OPTIONAL_PURPOSES = {
    SHARE_WITH_MENTORS: _l("Share my training details with my mentor and with shops I work with"),
    PUBLISH_STORIES: _l("The base may publish my story or photos (for example in its annual report)"),
}
REQUEST_KINDS = ("correction", "deletion")

# Every column pointing at users is in one of two places, so that a new table
# about people cannot be forgotten (tests/test_accounts_privacy.py checks it):
# in the COVERS of the area whose privacy module puts her rows in her
# download (these just below for the account itself), or here, with why not.
COVERS = ("user_roles.user_id", "consent_records.user_id", "data_requests.user_id")
NOT_IN_DOWNLOAD = {
    # Staff acting on the base's behalf, on other people's records: the rows
    # are about those people. Her own records are found by her own column.
    "user_roles.granted_by_id": "who granted a role to someone",
    "data_requests.handled_by_id": "the staff member who handled someone's request",
    "application_events.actor_id": "who changed an application; her applications' history is in "
                                   "application_history, found by the application",
    "application_notes.author_id": "staff's notes on an application (deleted with hers)",
    "attendances.marked_by_id": "who took the roll call",
    "skill_ticks.ticked_by_id": "who ticked a skill",
    "booking_blackouts.created_by_id": "who closed a studio",
    "bookings.created_by_id": "who made a booking for someone; her bookings are found by bookings.user_id",
    "bookings.decided_by_id": "who approved or declined a booking",
    "shop_stages.staff_id": "the staff member in charge of a stage",
    "shop_checklist_ticks.done_by_id": "who ticked a shop's checklist item",
    "shop_evidence.uploaded_by_id": "who uploaded evidence; her shops' evidence is in shop_evidence, "
                                    "found by the shop",
    "shop_sales_records.recorded_by_id": "who logged a livestream; her shops' log is in shop_sales",
    "shop_stage_events.actor_id": "who moved a shop; her shops' moves are in shop_history",
    "shop_support_records.recorded_by_id": "who recorded support given",
    "match_proposals.created_by_id": "who proposed a mentor match",
    "livestreams.created_by_id": "who scheduled a livestream; the ones she hosts are in livestreams_hosted",
    "livestream_questions.moderated_by_id": "who moderated a resident's question",
    "livestream_questions.answered_by_id": "who answered a resident's question",
    "livestream_results.entered_by_id": "who entered a livestream's results",
    "incubation_rules.updated_by_id": "who changed a base's rule for incubated",
    "person_notes.author_id": "staff who wrote a note on someone's record",
    "audit_entries.actor_id": "the base's history of who changed what, kept as the record of its "
                              "decisions; it names people by number, their names live on the accounts",
    # About her, but not hers to download.
    "person_notes.person_id": "staff's working notes on her record, never shown to her (deleted with her data)",
    "report_incubations.person_id": "the date she first counted as incubated: a figure of the reports, "
                                    "kept so the figures stay true",
    "user_sessions.user_id": "her signed-in devices: secrets and times, all ended at deletion",
    "booking_feed_tokens.user_id": "the secret in her calendar address (deleted at deletion)",
}


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
    """Everything the platform holds about a person, section by section.
    Times are on her base's clock, with the offset, as she saw them."""
    when = iso_clock(timezone_of(user.site_id))
    data = {
        "account": [{"name": user.display_name, "phone": user.phone, "email": user.email,
                     "language": user.locale, "site": user.site.name, "roles": sorted(user.roles),
                     "created_at": when(user.created_at), "active": user.active}],
        "consents": [{"purpose": c.purpose, "granted": c.granted, "notice_version": c.notice_version,
                      "recorded_at": when(c.recorded_at)}
                     for c in db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                                                 .order_by(ConsentRecord.id))],
        "requests": [{"kind": r.kind, "details": r.details, "status": r.status, "answer": r.response,
                      "created_at": when(r.created_at), "handled_at": when(r.handled_at)}
                     for r in my_requests(user)],
    }
    for area in _areas():
        module = resolve(area.personal_data)
        if module is not None:
            data.update(module.export(user))
    return data


def export_csv(user: User) -> str:
    """The same data as one CSV (section, row, field, value). A list or a
    set of answers goes in one cell as JSON, which a spreadsheet shows as it is."""
    rows = ([section, number, field, value if not isinstance(value, list | dict)
             else json.dumps(value, ensure_ascii=False)]
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
    counts (people trained, bookings made) stay true. The caller commits.
    The areas go first, while the account still has her number: walk-in
    marks taken under it are hers too."""
    for area in _areas():
        module = resolve(area.personal_data)
        if module is not None:
            module.anonymise(user)
    # Her requests stay as the record that the base acted on them; what she
    # wrote in them (a correction says what her details should be) goes.
    for request in db.session.scalars(select(DataRequest).where(DataRequest.user_id == user.id)):
        request.details = ""
    user.display_name = f"已删除用户 #{user.id}"
    user.phone = None
    # The account needs a login name by constraint; this one can never log in.
    user.email = f"deleted-{user.id}@anonymised.invalid"
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.locale = None
    user.active = False
    end_all_sessions(user)


def handle(actor: User, request: DataRequest, accept: bool, response: str = "") -> None:
    if request.status != "open":
        raise DomainError(_l("This request has already been handled."))
    request.status = "done" if accept else "refused"
    request.response = (response or "").strip()[:2000]
    request.handled_at = utcnow()
    request.handled_by_id = actor.id
    if accept and request.kind == "deletion":
        # No message for an accepted deletion: she can no longer sign in to
        # read it, and an e-mail would keep her address in the outbox.
        anonymise(request.user)
    else:
        from incubator.notify.service import notify

        notify(request.user, f"accounts.{request.kind}_{request.status}", {"answer": request.response},
               url=_privacy_url(), obj=request)
    record_change(actor, f"data_request.{request.status}", request, after={"kind": request.kind})
    db.session.commit()


def _privacy_url() -> str:
    try:
        from flask import url_for
        return url_for("accounts.my_privacy")
    except RuntimeError:  # outside a request (a script, a job)
        return "/me/privacy"


def my_requests(user: User) -> list[DataRequest]:
    """Her requests, newest first, with their status and the staff's answer."""
    return list(db.session.scalars(select(DataRequest).where(DataRequest.user_id == user.id)
                                   .order_by(DataRequest.created_at.desc(), DataRequest.id.desc())))


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
