"""Every route × every role: the expected answer, never someone else's data.

The table ACCESS says who may use each endpoint; a route added without an
entry fails test_every_route_has_an_access_entry. The walk visits every route
with the ids of objects that belong to other people of the main base, as
anonymous, each role, an admin, and staff of another base, and checks:
- people the table does not allow get 403 or 404 (anonymous: the login page);
- allowed people never get a server error;
- staff of another base get 404 for this base's objects and never see its
  people on the pages they may open.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from incubator.accounts.models import DataRequest
from incubator.demo import seed_demo
from incubator.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import make_site, make_user

ROLES_WALKED = ("anonymous", "trainee", "shop_owner", "mentor", "staff", "admin", "other_site_staff")
STAFF = frozenset({"staff", "admin"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str] | str  # "public", "signed_in" or roles
    # The object in the URL belongs to the main base: staff of another base get 404.
    site_scoped: bool = False
    # The URL names someone else's object: a signed-in person who is not staff gets 404 / 403.
    owner_only: bool = False
    # The page shows a person on purpose to whoever has the link (a certificate
    # checked by its code): the "never another base's people" check does not apply.
    public_record: bool = False

    def allows(self, role: str) -> bool:
        if self.allowed == "public":
            return True
        if role == "anonymous":
            return False
        if self.allowed == "signed_in":
            return not self.owner_only or role in ("staff", "admin")
        effective = "staff" if role == "other_site_staff" else role
        return effective in self.allowed


PUBLIC = Rule("public")
SIGNED_IN = Rule("signed_in")
OWN = Rule("signed_in", owner_only=True)
STAFF_ONLY = Rule(STAFF)
STAFF_SCOPED = Rule(STAFF, site_scoped=True)
ADMIN_ONLY = Rule(ADMIN)

ACCESS: dict[str, Rule] = {
    "static": PUBLIC,
    "pages.index": PUBLIC,
    "pages.home": SIGNED_IN,
    "pages.role_home": SIGNED_IN,
    "pages.set_language": PUBLIC,
    "pages.privacy": PUBLIC,
    "pages.healthz": PUBLIC,
    "accounts.login": PUBLIC,
    "accounts.login_code": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts.signup": PUBLIC,
    "accounts.profile": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "accounts.my_privacy": SIGNED_IN,
    "accounts.set_consent": SIGNED_IN,
    "accounts.my_data": SIGNED_IN,
    "accounts.ask_for_change": SIGNED_IN,
    "accounts.two_step": STAFF_ONLY,
    "accounts.users": ADMIN_ONLY,
    "accounts.toggle_role": ADMIN_ONLY,
    "accounts.account_access": ADMIN_ONLY,
    "accounts.data_requests": STAFF_ONLY,
    "accounts.handle_data_request": STAFF_SCOPED,
    "notify.bell": PUBLIC,  # answers 286 (stop polling) when signed out
    "notify.index": SIGNED_IN,
    "notify.open_notification": OWN,
    "notify.mark_read": OWN,
    "notify.mark_all_read": SIGNED_IN,
    "notify.preferences": SIGNED_IN,
    "enrolment.programmes": PUBLIC,
    "enrolment.apply": PUBLIC,
    "enrolment.apply_signup": PUBLIC,
    "enrolment.my_applications": SIGNED_IN,
    "enrolment.confirm": OWN,
    "enrolment.withdraw": OWN,
    "enrolment.manage": STAFF_ONLY,
    "enrolment.edit_programme": STAFF_SCOPED,
    "enrolment.programme": STAFF_SCOPED,
    "enrolment.delete_programme": STAFF_SCOPED,
    "enrolment.save_question": STAFF_SCOPED,
    "enrolment.delete_question": STAFF_SCOPED,
    "enrolment.edit_cohort": STAFF_SCOPED,
    "enrolment.delete_cohort": STAFF_SCOPED,
    "enrolment.export_csv": STAFF_SCOPED,
    "enrolment.queue": STAFF_ONLY,
    "enrolment.decide": STAFF_SCOPED,
    "enrolment.accept_many": STAFF_SCOPED,
    "enrolment.applicant": STAFF_SCOPED,
    "enrolment.add_note": STAFF_SCOPED,
    "mentoring.index": Rule(frozenset({"staff", "admin", "mentor", "trainee", "shop_owner"})),
    "mentoring.overview": STAFF_ONLY,
    "mentoring.loads_list": STAFF_ONLY,
    "mentoring.unmatched_list": STAFF_ONLY,
    "mentoring.waiting_list": STAFF_ONLY,
    "mentoring.find_mentee": STAFF_ONLY,
    "mentoring.skills": STAFF_ONLY,
    "mentoring.default_skills": STAFF_ONLY,
    "mentoring.remove_skill": STAFF_SCOPED,
    "mentoring.settings": STAFF_ONLY,
    "mentoring.my_profile": Rule(frozenset({"mentor"})),
    "mentoring.mentor_profile": STAFF_SCOPED,
    "mentoring.add_mentee": STAFF_ONLY,
    "mentoring.start_need": Rule(frozenset({"trainee", "shop_owner"})),
    "mentoring.need": Rule("signed_in", site_scoped=True, owner_only=True),
    "mentoring.ask": Rule("signed_in", site_scoped=True, owner_only=True),
    "mentoring.accept": Rule(frozenset({"mentor"})),
    "mentoring.decline": Rule(frozenset({"mentor"})),
    "mentoring.withdraw": Rule("signed_in", site_scoped=True, owner_only=True),
    "mentoring.mine": Rule(frozenset({"mentor", "trainee", "shop_owner"})),
    "mentoring.mentorship": Rule("signed_in", site_scoped=True, owner_only=True),
    "mentoring.add_meeting": Rule("signed_in", site_scoped=True, owner_only=True),
    "mentoring.end": Rule("signed_in", site_scoped=True, owner_only=True),
    "mentoring.feedback": Rule("signed_in", site_scoped=True, owner_only=True),
    "mentoring.match": STAFF_ONLY,
    "mentoring.match_preview": STAFF_ONLY,
    "mentoring.match_confirm": STAFF_ONLY,
    "booking.calendar": SIGNED_IN,
    "booking.free": SIGNED_IN,
    "booking.week": Rule("signed_in", site_scoped=True),
    "booking.new": SIGNED_IN,
    "booking.mine": SIGNED_IN,
    "booking.series": SIGNED_IN,  # only the bookings she holds or made; others answer 404
    "booking.checkin_code": SIGNED_IN,
    "booking.feed": PUBLIC,  # a secret address; an unknown one answers 404
    "booking.feed_renew": SIGNED_IN,
    "booking.detail": Rule("signed_in", site_scoped=True, owner_only=True),
    "booking.cancel": Rule("signed_in", site_scoped=True, owner_only=True),
    "booking.checkin": Rule("signed_in", site_scoped=True, owner_only=True),
    "booking.move": Rule("signed_in", site_scoped=True, owner_only=True),
    "booking.approve": STAFF_SCOPED,
    "booking.decline": STAFF_SCOPED,
    "booking.handover": STAFF_SCOPED,
    "booking.take_back": STAFF_SCOPED,
    "booking.staff_bookings": STAFF_ONLY,
    "booking.staff_export": STAFF_ONLY,
    "booking.staff_queue": STAFF_ONLY,
    "booking.staff_report": STAFF_ONLY,
    "booking.staff_resources": STAFF_ONLY,
    "booking.resource_new": STAFF_ONLY,
    "booking.resource_edit": STAFF_SCOPED,
    "booking.door": STAFF_SCOPED,
    "booking.kit_new": STAFF_ONLY,
    "booking.kit_edit": STAFF_SCOPED,
    "booking.closures": STAFF_ONLY,
    "booking.closure_delete": STAFF_SCOPED,
    "sites.index": ADMIN_ONLY,
    "sites.edit": ADMIN_ONLY,
    "training.index": STAFF_ONLY,
    "training.cohort": STAFF_SCOPED,
    "training.new_session": STAFF_SCOPED,
    "training.recurring": STAFF_SCOPED,
    "training.cancel_session": STAFF_SCOPED,
    "training.roll": STAFF_SCOPED,  # and the session's own trainer
    "training.mark": STAFF_SCOPED,
    "training.all_present": STAFF_SCOPED,
    "training.add_walkin": STAFF_SCOPED,
    "training.code": STAFF_SCOPED,
    "training.link_walkin": STAFF_SCOPED,
    "training.grid": STAFF_SCOPED,
    "training.grid_csv": STAFF_SCOPED,
    "training.programme_skills": STAFF_SCOPED,
    "training.cohort_skills": STAFF_SCOPED,
    "training.toggle_skill": STAFF_SCOPED,
    "training.trainee_progress": STAFF_SCOPED,
    "training.mine": SIGNED_IN,
    "training.checkin": SIGNED_IN,
    "training.apology": OWN,
    "training.my_progress": OWN,
    "training.certificate": OWN,
    "training.verify": Rule("public", public_record=True),
    "shops.mine": SIGNED_IN,
    "shops.apply": SIGNED_IN,
    "shops.show": OWN,
    "shops.evidence_file": OWN,
    "shops.add_evidence": OWN,
    "shops.add_evidence_link": OWN,
    "shops.new_sales": OWN,
    "shops.board": STAFF_ONLY,
    "shops.advance": STAFF_ONLY,
    "shops.send_back": STAFF_ONLY,
    "shops.tick": STAFF_ONLY,
    "shops.stages": STAFF_ONLY,
    "shops.new_stage": STAFF_ONLY,
    "shops.edit_stage": STAFF_SCOPED,
    "shops.move_stage": STAFF_ONLY,
    "shops.delete_stage": STAFF_ONLY,
    "shops.support": STAFF_ONLY,
    "livestreams.index": PUBLIC,
    "livestreams.show": PUBLIC,
    "livestreams.ask": PUBLIC,
    "livestreams.desk": SIGNED_IN,
    "livestreams.new": STAFF_ONLY,
    "livestreams.edit": STAFF_SCOPED,
    "livestreams.cancel": STAFF_SCOPED,
    "livestreams.run": STAFF_SCOPED,  # and the livestream's hosts
    "livestreams.answered": STAFF_SCOPED,
    "livestreams.answer": STAFF_SCOPED,
    "livestreams.moderation": STAFF_ONLY,
    "livestreams.moderate": STAFF_SCOPED,
    "livestreams.results": STAFF_SCOPED,  # and the livestream's hosts
    "reports.dashboard": STAFF_ONLY,
    "reports.drilldown": STAFF_ONLY,
    "reports.incubated": STAFF_ONLY,
    "reports.settings": STAFF_ONLY,
    "reports.impact": STAFF_ONLY,
    "reports.exports": STAFF_ONLY,
    "reports.export_csv": STAFF_ONLY,
    "reports.people": STAFF_ONLY,
    "reports.person": STAFF_SCOPED,
    "reports.person_section": STAFF_SCOPED,
    "reports.add_note": STAFF_SCOPED,
    "reports.audit": STAFF_ONLY,
    "reports.my_record": SIGNED_IN,
    "reports.my_record_section": SIGNED_IN,
}


def _first_id(model_path: str, ctx) -> int:
    """The first row of a model on the main base (its demo data)."""
    from werkzeug.utils import import_string

    model = import_string(model_path)
    query = select(model.id).order_by(model.id).limit(1)
    if hasattr(model, "site_id"):
        query = query.where(model.site_id == ctx.site.id)
    found = db.session.scalar(query)
    assert found is not None, f"the demo data has no {model.__name__}"
    return found


def _main_site_person(ctx):
    return ctx.people["trainee"]


# URL parameter -> how to find a value that belongs to someone else on the main base.
PARAMS = {
    "filename": lambda ctx: "css/app.css",
    "user_id": lambda ctx: _main_site_person(ctx).id,
    "role": lambda ctx: "trainee",
    "purpose": lambda ctx: "share_with_mentors",
    "fmt": lambda ctx: "json",
    "site_id": lambda ctx: ctx.site.id,
    "request_id": lambda ctx: ctx.made["access"]["data_request"].id,
    "application_id": lambda ctx: ctx.made["enrolment"]["applications"][("trainee", "mothers_current")].id,
    "question_id": lambda ctx: _first_id("incubator.enrolment.models:ProgrammeQuestion", ctx),
    "action": lambda ctx: "accept",
    "shop_id": lambda ctx: ctx.made["shops"]["nang"].id,
    "evidence_id": lambda ctx: ctx.made["shops"]["licence"].id,
    "item_id": lambda ctx: ctx.made["shops"]["stages"]["applied"].items[0].id,
    "stage_id": lambda ctx: ctx.made["shops"]["stages"]["positioning"].id,
    "notification_id": lambda ctx: _first_id("incubator.notify.models:Notification", ctx),
    "cohort_id": lambda ctx: ctx.made["training"]["running_cohort"].id,
    "programme_id": lambda ctx: ctx.made["training"]["running_cohort"].programme_id,
    "session_id": lambda ctx: ctx.made["training"]["sessions"][-1].id,
    "key": lambda ctx: f"u{_main_site_person(ctx).id}",
    "attendance_id": lambda ctx: ctx.made["training"]["walkin"].id,
    "skill_id": lambda ctx: ctx.made["training"]["skills"][0].id,
    "code": lambda ctx: ctx.made["training"]["certificate"].code,
    # (blueprint, parameter): where one name means different things in two areas.
    ("mentoring", "skill_id"): lambda ctx: _first_id("incubator.mentoring.models:MentoringSkill", ctx),
    "need_id": lambda ctx: _first_id("incubator.mentoring.models:MenteeNeed", ctx),
    "profile_id": lambda ctx: _first_id("incubator.mentoring.models:MentorProfile", ctx),
    "proposal_id": lambda ctx: _first_id("incubator.mentoring.models:MatchProposal", ctx),
    "mentorship_id": lambda ctx: _first_id("incubator.mentoring.models:Mentorship", ctx),
    "booking_id": lambda ctx: _first_id("incubator.booking.models:Booking", ctx),
    "resource_id": lambda ctx: _first_id("incubator.booking.models:Resource", ctx),
    "kit_id": lambda ctx: _first_id("incubator.booking.models:Kit", ctx),
    "blackout_id": lambda ctx: _first_id("incubator.booking.models:Blackout", ctx),
    "token": lambda ctx: "not-a-calendar-token",
    "series_key": lambda ctx: "not-a-series",
    "livestream_id": lambda ctx: ctx.made["livestreams"]["policy_next"].id,
    "resident_question_id": lambda ctx: ctx.made["livestreams"]["pending_question"].id,
    "name": lambda ctx: "people",
    "person_id": lambda ctx: _main_site_person(ctx).id,
    "section": lambda ctx: "bookings",
}


def test_every_route_has_an_access_entry(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(ACCESS))
    assert not missing, "routes without an entry in tests/test_access.py ACCESS: " + ", ".join(missing)


def _visitors(app, ctx):
    other_site = make_site("另一个街道的基地")
    people = {
        "trainee": make_user("trainee", name="路人学员"),
        "shop_owner": make_user("shop_owner", name="路人店主"),
        "mentor": make_user("mentor", name="路人导师"),
        "staff": make_user("staff", name="本基地员工"),
        "admin": make_user("admin", "staff", name="管理员乙"),
        "other_site_staff": make_user("staff", site=other_site, name="外基地员工"),
    }
    clients = {"anonymous": app.test_client()}
    for role, user in people.items():
        clients[role] = app.test_client()
        login(clients[role], user)
    return clients


def _url(app, rule, ctx) -> str | None:
    values = {}
    for name in rule.arguments:
        source = PARAMS.get((rule.endpoint.split(".")[0], name)) or PARAMS.get(name)
        if source is None:
            pytest.fail(f"no PARAMS entry for <{name}> in {rule.rule}")
        values[name] = source(ctx)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


FORBIDDEN_ANSWERS = {401, 403, 404, 405}


def test_every_route_for_every_role(app):
    ctx = seed_demo()
    person = _main_site_person(ctx)
    ctx.made["access"] = {"data_request": DataRequest(user_id=person.id, site_id=ctx.site.id, kind="deletion")}
    db.session.add(ctx.made["access"]["data_request"])
    db.session.commit()
    secret_name = person.display_name  # must never reach staff of another base
    clients = _visitors(app, ctx)
    tokens = {role: csrf_token(client) for role, client in clients.items()}
    problems, checked = [], 0

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        policy = ACCESS[rule.endpoint]
        url = _url(app, rule, ctx)
        methods = sorted(m for m in rule.methods if m in ("GET", "POST"))
        for role in ROLES_WALKED:
            client = clients[role]
            for method in methods:
                if method == "POST" and policy.allows(role):
                    continue  # allowed actions are tested in each area; the walk checks refusals
                if rule.endpoint in ("accounts.logout", "pages.set_language") and method == "POST":
                    continue
                response = client.open(url, method=method, data={"csrf_token": tokens[role]})
                checked += 1
                status = response.status_code
                where = f"{method} {url} as {role}"
                if status >= 500:
                    problems.append(f"{where}: {status}")
                elif not policy.allows(role):
                    if role == "anonymous":
                        to_login = status in (302, 303) and "/login" in (response.location or "")
                        if not (status in FORBIDDEN_ANSWERS or to_login):
                            problems.append(f"{where}: {status}, expected the login page, 403 or 404")
                    elif status not in FORBIDDEN_ANSWERS:
                        problems.append(f"{where}: {status}, expected 403 or 404")
                elif role == "other_site_staff" and method == "GET":
                    if policy.site_scoped and rule.arguments and status != 404:
                        problems.append(f"{where}: {status}, expected 404 for another base's object")
                    elif not policy.public_record and secret_name in response.get_data(as_text=True):
                        problems.append(f"{where}: shows {secret_name}, a person of another base")
    assert not problems, f"{len(problems)} of {checked} answers were wrong:\n" + "\n".join(problems)
    assert checked > 50
    print(f"access walk: {checked} requests, {len(ROLES_WALKED)} roles, {len(ACCESS)} endpoints")
