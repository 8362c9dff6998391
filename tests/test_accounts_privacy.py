import csv
import io
import json
from datetime import timedelta

from sqlalchemy import func, select

from incubator.accounts import privacy
from incubator.accounts.models import DataRequest, User
from incubator.extensions import db
from incubator.timeutil import utcnow
from tests.conftest import login, post
from tests.factories import DEFAULT_PASSWORD, make_site, make_user


def test_optional_consent_is_given_and_withdrawn_as_easily(client):
    user = make_user()
    login(client, user)
    response = post(client, "/me/privacy/consent/share_with_mentors", {"granted": "1"}, htmx=True)
    assert response.status_code == 200 and "撤回" in response.get_data(as_text=True)
    assert privacy.has_consent(user, privacy.SHARE_WITH_MENTORS)
    post(client, "/me/privacy/consent/share_with_mentors", {"granted": "0"})
    assert not privacy.has_consent(user, privacy.SHARE_WITH_MENTORS)
    assert not privacy.has_consent(user, privacy.PUBLISH_STORIES)


def test_a_person_downloads_her_data_as_json_and_csv(client):
    user = make_user(name="张格琴", email="zhang@example.org")
    login(client, user)
    data = json.loads(client.get("/me/data.json").get_data(as_text=True))
    assert data["account"][0]["name"] == "张格琴"
    assert data["consents"] == [] or isinstance(data["consents"], list)
    response = client.get("/me/data.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["account", "1", "name", "张格琴"] in rows


def test_a_correction_request_needs_details_and_writes_nothing_without(client):
    login(client, make_user())
    response = post(client, "/me/privacy/request", {"kind": "correction", "details": ""})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(DataRequest.id))) == 0


def test_accepting_a_deletion_anonymises_the_person_and_keeps_the_totals(app, client):
    staff = make_user("staff")
    person = make_user(name="赵敏", email="zhao@example.org")
    people_before = db.session.scalar(select(func.count(User.id)))
    device = app.test_client()
    login(device, person)
    post(device, "/me/privacy/request", {"kind": "deletion", "details": ""})
    request = db.session.scalar(select(DataRequest))
    login(client, staff)
    assert "赵敏" in client.get("/staff/data-requests").get_data(as_text=True)
    post(client, f"/staff/data-requests/{request.id}", {"decision": "accept"})
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.display_name != "赵敏" and person.phone is None and "zhao" not in person.email
    assert not person.active
    assert db.session.scalar(select(func.count(User.id))) == people_before
    assert device.get("/profile").status_code == 302
    assert post(device, "/login", {"login_name": "zhao@example.org", "password": DEFAULT_PASSWORD}).status_code == 422


def test_staff_of_another_site_cannot_handle_a_request(client):
    person = make_user()
    other_staff = make_user("staff", site=make_site("另一个基地"))
    request = privacy.ask(person, "deletion", "")
    login(client, other_staff)
    assert person.display_name not in client.get("/staff/data-requests").get_data(as_text=True)
    assert post(client, f"/staff/data-requests/{request.id}", {"decision": "accept"}).status_code == 404
    db.session.refresh(request)
    assert request.status == "open"


def test_retention_anonymises_long_unused_accounts_but_not_staff(app):
    stale = make_user("trainee", name="久未登录")
    stale.last_login_at = utcnow() - timedelta(days=app.config["RETENTION_DAYS"] + 1)
    staff = make_user("staff", name="老员工")
    staff.last_login_at = stale.last_login_at
    recent = make_user("trainee", name="最近登录")
    recent.last_login_at = utcnow()
    db.session.commit()
    assert privacy.anonymise_expired() == 1
    assert privacy.anonymise_expired() == 0  # idempotent
    db.session.expire_all()
    assert db.session.get(User, stale.id).display_name.startswith("已删除用户")
    assert db.session.get(User, staff.id).display_name == "老员工"
    assert db.session.get(User, recent.id).display_name == "最近登录"
