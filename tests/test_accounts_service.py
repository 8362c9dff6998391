from datetime import timedelta

import pytest

from incubator.accounts import service
from incubator.accounts.models import ConsentRecord, User
from incubator.accounts.sessions import active_session, end_session, signed_in_user, start_session
from incubator.audit import AuditEntry
from incubator.errors import Conflict, DomainError
from incubator.extensions import db
from tests.factories import DEFAULT_PASSWORD, default_test_site, make_user
from tests.support.bench_pages import StatementRecorder


@pytest.mark.parametrize("typed, expected", [
    ("13912345678", "13912345678"),
    ("139 1234 5678", "13912345678"),
    ("+86 139-1234-5678", "13912345678"),
    ("0086 13912345678", "13912345678"),
    ("1391234567", None),       # ten digits
    ("23912345678", None),      # not a mobile prefix
    ("12012345678", None),      # 12x is not assigned to mobiles
    ("一三九", None),
])
def test_mainland_mobile_numbers_are_recognised_as_people_type_them(typed, expected):
    assert service.normalise_phone(typed) == expected


def test_sign_up_with_phone_records_consent_and_trainee_role():
    user = service.sign_up(site=default_test_site(), login_name="139 0000 1111", password="longenough",
                           display_name=" 张格琴 ", consent=True)
    assert user.phone == "13900001111"
    assert user.display_name == "张格琴"
    assert user.roles == {"trainee"}
    consent = db.session.scalar(db.select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    assert consent.granted and consent.notice_version == service.PRIVACY_NOTICE_VERSION
    assert consent.recorded_at is not None


def test_sign_up_with_email_is_case_insensitive_for_login():
    service.sign_up(site=default_test_site(), login_name="Lin.Haoran@Example.org", password="longenough",
                    display_name="Lin", consent=True)
    assert service.authenticate("lin.haoran@example.org", "longenough") is not None


@pytest.mark.parametrize("fields, field", [
    ({"login_name": "12345"}, "login_name"),
    ({"password": "short"}, "password"),
    ({"display_name": "   "}, "display_name"),
    ({"consent": False}, "consent"),
])
def test_sign_up_refuses_bad_input_and_writes_nothing(fields, field):
    values = {"login_name": "13900002222", "password": "longenough", "display_name": "王芳", "consent": True}
    values.update(fields)
    with pytest.raises(DomainError) as raised:
        service.sign_up(site=default_test_site(), **values)
    assert raised.value.errors[0][0] == field
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_second_account_with_the_same_number_is_refused():
    make_user(phone="13900003333")
    with pytest.raises(Conflict):
        service.sign_up(site=default_test_site(), login_name="13900003333", password="longenough",
                        display_name="x", consent=True)


def test_authenticate_checks_password_and_active_flag():
    user = make_user(phone="13900004444")
    assert service.authenticate("13900004444", DEFAULT_PASSWORD) == user
    assert service.authenticate("13900004444", "wrong password") is None
    assert service.authenticate("13900009999", DEFAULT_PASSWORD) is None
    user.active = False
    db.session.commit()
    assert service.authenticate("13900004444", DEFAULT_PASSWORD) is None


def test_changing_password_ends_other_sessions_but_this_one():
    user = make_user()
    here, elsewhere = start_session(user), start_session(user)
    with pytest.raises(DomainError):
        service.change_password(user, "not it", "new password 1")
    service.change_password(user, DEFAULT_PASSWORD, "new password 1", keep_session=here.token)
    assert active_session(user.id, here.token) is not None
    assert active_session(user.id, elsewhere.token) is None
    assert service.authenticate(user.phone, "new password 1") == user


@pytest.mark.parametrize("password", ["12345678", "Password1", "woaini1314", "1q2w3e4r"])
def test_common_passwords_are_refused(password):
    with pytest.raises(DomainError, match="太常见"):
        service.check_password_rules(password)


def test_disabling_an_account_signs_it_out_everywhere():
    admin, person = make_user("admin"), make_user()
    token = start_session(person).token
    service.set_active(admin, person, False)
    assert active_session(person.id, token) is None
    assert service.authenticate(person.phone, DEFAULT_PASSWORD) is None
    with pytest.raises(DomainError):
        service.set_active(admin, admin, False)


def test_idle_and_absolute_timeouts_end_a_session(app):
    user = make_user()
    idle, fresh = start_session(user), start_session(user)
    idle.last_seen_at -= app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1)
    old = start_session(user)
    old.created_at -= app.config["SESSION_ABSOLUTE_TIMEOUT"] + timedelta(minutes=1)
    db.session.commit()
    assert active_session(user.id, idle.token) is None
    assert active_session(user.id, old.token) is None
    assert active_session(user.id, fresh.token) is not None


def test_a_remembered_session_outlives_the_ordinary_idle_limit(app):
    user = make_user()
    remembered = start_session(user, remember=True)
    remembered.last_seen_at -= app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1)
    db.session.commit()
    assert active_session(user.id, remembered.token) is not None


def test_granting_and_removing_roles_is_recorded_in_history():
    admin = make_user("admin")
    person = make_user("trainee")
    service.grant_role(admin, person, "staff")
    assert person.roles == {"trainee", "staff"}
    service.remove_role(admin, person, "trainee")
    assert person.roles == {"staff"}
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["role.granted", "role.removed"]


def test_an_admin_cannot_remove_their_own_admin_role():
    admin = make_user("admin")
    with pytest.raises(DomainError):
        service.remove_role(admin, admin, "admin")
    assert admin.has_role("admin")


def test_primary_role_is_the_most_powerful_held():
    assert make_user("trainee", "mentor").primary_role == "mentor"
    assert make_user("shop_owner", "staff").primary_role == "staff"


def test_background_polling_does_not_keep_a_session_alive(app):
    user = make_user()
    record = start_session(user)
    record.last_seen_at -= timedelta(minutes=5)
    db.session.commit()
    seen = record.last_seen_at
    assert active_session(user.id, record.token, touch=False) is not None
    db.session.refresh(record)
    assert record.last_seen_at == seen
    assert active_session(user.id, record.token) is not None
    db.session.refresh(record)
    assert record.last_seen_at > seen


def test_signed_in_user_is_the_person_of_a_live_session_only(app):
    user, other = make_user("trainee", "mentor"), make_user()
    live, ended, idle = start_session(user), start_session(user), start_session(user)
    end_session(ended.token)
    idle.last_seen_at -= app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1)
    db.session.commit()
    assert signed_in_user(user.id, live.token) == user
    assert signed_in_user(other.id, live.token) is None  # someone else's token
    assert signed_in_user(user.id, ended.token) is None
    assert signed_in_user(user.id, idle.token) is None
    assert active_session(user.id, idle.token, touch=False) is None  # and the idle row is ended
    assert signed_in_user(user.id, None) is None
    user.active = False
    db.session.commit()
    assert signed_in_user(user.id, live.token) is None


def test_a_signed_in_request_reads_person_roles_and_session_in_one_statement(app):
    """Every signed-in page pays this, so it is one SELECT; when last_seen_at
    is due, one UPDATE more, and the person and roles stay loaded."""
    user = make_user("trainee", "mentor")
    record = start_session(user)
    user_id, token = user.id, record.token
    record.last_seen_at -= timedelta(minutes=5)
    db.session.commit()
    for touch_due in (True, False):
        db.session.remove()  # a new request: nothing loaded yet
        with StatementRecorder(db.engine) as recorder:
            person = signed_in_user(user_id, token)
            assert person.roles == {"trainee", "mentor"} and person.display_name
        kinds = [" ".join(statement.split()[:1]).upper() for statement, _ in recorder.statements]
        assert kinds == (["SELECT", "UPDATE"] if touch_due else ["SELECT"])
