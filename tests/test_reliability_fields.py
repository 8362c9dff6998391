"""Posted fields a role may not set are ignored.

A person who adds site_id, role, status, owner_id or user_id to a form (with
the browser's developer tools, or a script) changes nothing beyond the fields
the form offers her.
"""

from sqlalchemy import func, select

from incubator.accounts.models import ConsentRecord, User, UserRole
from incubator.enrolment.models import Application
from incubator.extensions import db
from tests.conftest import login, post
from tests.factories import default_test_site, make_site, make_user
from tests.factories_enrolment import make_cohort
from tests.test_enrolment_views import apply_data

FORGED = {
    "site_id": None,  # filled with another base's id
    "role": "admin", "roles": ["admin", "staff"], "status": "accepted", "active": "0",
    "owner_id": None, "user_id": None, "id": "1", "is_admin": "1", "password_hash": "x",
}


def forged(other_site, other_user) -> dict:
    return dict(FORGED, site_id=str(other_site.id), owner_id=str(other_user.id), user_id=str(other_user.id))


def test_sign_up_ignores_site_role_and_status(client):
    home = default_test_site()
    other_site, other_user = make_site("别的基地"), make_user("staff")
    data = {"display_name": "王小梅", "login_name": "13912345678", "password": "lieshita-2026-live",
            "consent": "y", **forged(other_site, other_user)}
    response = post(client, "/signup", data)
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.phone == "13912345678"))
    assert user.site_id == home.id and user.active
    assert sorted(user.roles) == ["trainee"]
    assert user.password_hash != "x"
    assert db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.user_id == user.id)) == 1
    # The other person's account is untouched.
    db.session.refresh(other_user)
    assert sorted(other_user.roles) == ["staff"] and other_user.active
    assert db.session.scalar(select(func.count()).select_from(ConsentRecord)
                             .where(ConsentRecord.user_id == other_user.id)) == 0


def test_profile_changes_only_name_email_and_language(client):
    me = make_user("trainee", name="张格琴")
    other_site, other_user = make_site("别的基地"), make_user("trainee", name="黄丽")
    before = (me.site_id, me.phone, me.password_hash, sorted(me.roles), me.active)
    login(client, me)
    response = post(client, "/profile", {"display_name": "张格琴（宝妈）", "email": "", "locale": "en",
                                         "phone": "13800000000", **forged(other_site, other_user)})
    assert response.status_code == 303
    db.session.expire_all()
    me = db.session.get(User, me.id)
    assert me.display_name == "张格琴（宝妈）" and me.locale == "en"
    assert (me.site_id, me.phone, me.password_hash, sorted(me.roles), me.active) == before
    other_user = db.session.get(User, other_user.id)
    assert other_user.display_name == "黄丽"


def test_apply_ignores_status_site_and_someone_elses_user_id(client):
    cohort = make_cohort(capacity=5)
    me = make_user("trainee")
    other_site, other_user = make_site("别的基地"), make_user("trainee")
    login(client, me)
    response = post(client, f"/classes/{cohort.id}/apply",
                    apply_data(**forged(other_site, other_user), cohort_id="999", submitted_at="2020-01-01"))
    assert response.status_code == 303
    applications = db.session.scalars(select(Application)).all()
    assert len(applications) == 1
    application = applications[0]
    assert application.user_id == me.id and application.site_id == cohort.site_id
    assert application.cohort_id == cohort.id and application.status == "submitted"
    assert application.submitted_at.year >= 2026
