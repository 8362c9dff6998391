import json
import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from incubator.accounts import privacy, service, sessions, twostep
from incubator.accounts.forms import (
    CodeForm,
    DataRequestForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    SignUpForm,
    UserSearchForm,
)
from incubator.accounts.models import DataRequest, User
from incubator.auth import ADMIN, ROLE_LABELS, ROLES, STAFF, admin_required, ensure_same_site, role_required
from incubator.errors import DomainError
from incubator.extensions import db, limiter
from incubator.web import (
    apply_errors,
    paginate,
    redirect_to,
    render,
    render_form,
    render_form_error,
    safe_next,
    wants_fragment,
)

bp = Blueprint("accounts", __name__)


def _login_rate_key() -> str:
    """Throttle per account as well as per address: the login name typed."""
    phone, email = service.parse_login_name(request.form.get("login_name", ""))
    return "login:" + (phone or email or request.form.get("login_name", "")[:60].lower())


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_rate_key,
               error_message="too-many-logins")
@limiter.limit(lambda: "30 per 15 minutes", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = service.authenticate(form.login_name.data, form.password.data)
        if user and user.has_two_step:
            # Password right; the code comes next, before any session exists.
            session.clear()
            session["two_step"] = {"user_id": user.id, "at": int(time.time()), "remember": bool(form.remember.data),
                                   "next": safe_next(url_for("pages.home"))}
            return redirect_to(url_for("accounts.login_code"))
        if user:
            begin_session(user, remember=form.remember.data)
            return redirect_to(safe_next(url_for("pages.home")))
        form.form_errors.append(_("That mobile number or e-mail and password do not match."))
    return render_form(form, "accounts/login.html", form=form)


def begin_session(user: User, remember: bool = False) -> None:
    """Sign in on this device: a server-side session row, its token in the cookie."""
    record = sessions.start_session(user, remember=remember)
    session.clear()
    session["sid"] = record.token
    session.permanent = remember
    login_user(user)


TWO_STEP_WINDOW = 300  # seconds between the password and the code


def _pending_two_step() -> dict | None:
    pending = session.get("two_step")
    if not pending or time.time() - pending["at"] > TWO_STEP_WINDOW:
        return None
    return pending


def _code_rate_key() -> str:
    pending = session.get("two_step") or {}
    return f"two-step:{pending.get('user_id', request.remote_addr)}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("5 per 5 minutes", methods=["POST"], key_func=_code_rate_key)
def login_code():
    pending = _pending_two_step()
    if pending is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        user = db.session.get(User, pending["user_id"])
        if user and user.active and twostep.verify(user, form.code.data):
            session.pop("two_step", None)
            begin_session(user, remember=pending["remember"])
            return redirect_to(pending["next"])
        form.code.errors = [_("That code is not right. Type the 6 digits your app shows now.")]
    return render_form(form, "accounts/login_code.html", form=form)


@bp.route("/me/two-step", methods=["GET", "POST"])
@role_required(STAFF, ADMIN)
def two_step():
    form = CodeForm()
    if current_user.has_two_step:
        if form.validate_on_submit():
            try:
                twostep.disable(current_user, form.code.data)
            except DomainError as error:
                apply_errors(form, error)
            else:
                flash(_("Two-step login is off."), "success")
                return redirect_to(url_for("accounts.profile"))
        return _two_step_page(form, None)
    secret = session.get("new_totp") or twostep.new_secret()
    session["new_totp"] = secret
    if form.validate_on_submit():
        try:
            twostep.enable(current_user, secret, form.code.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            session.pop("new_totp", None)
            flash(_("Two-step login is on. You will be asked for a code when you log in."), "success")
            return redirect_to(url_for("accounts.profile"))
    return _two_step_page(form, secret)


def _two_step_page(form, secret):
    context = {"form": form, "secret": secret}
    if secret:
        uri = twostep.provisioning_uri(current_user, secret)
        context.update(qr=Markup(twostep.qr_svg(uri)))  # our own SVG, made by segno
    return render_form(form, "accounts/two_step.html", **context)


@bp.route("/logout", methods=["POST"])
def logout():
    sessions.end_session(session.get("sid"))
    logout_user()
    session.pop("sid", None)
    flash(_("You are logged out."), "info")
    return redirect_to(url_for("pages.index"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = SignUpForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = service.sign_up(
                login_name=form.login_name.data, password=form.password.data,
                display_name=form.display_name.data, consent=form.consent.data,
                locale=None)
        except DomainError as error:
            apply_errors(form, error)
        else:
            begin_session(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name), "success")
            return redirect_to(safe_next(url_for("pages.home")))
    return render_form(form, "accounts/signup.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        try:
            service.update_profile(current_user, display_name=form.display_name.data,
                                   login_name_email=form.email.data, locale=form.locale.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect_to(url_for("accounts.profile"))
    return render_form(form, "accounts/profile.html", form=form, password_form=PasswordForm())


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    password_form = PasswordForm()
    if password_form.validate_on_submit():
        try:
            service.change_password(current_user, password_form.current_password.data,
                                    password_form.new_password.data, keep_session=session.get("sid"))
        except DomainError as error:
            apply_errors(password_form, error)
        else:
            flash(_("Your password is changed. Other devices must log in again."), "success")
            return redirect_to(url_for("accounts.profile"))
    form = ProfileForm(obj=current_user)
    form.locale.data = current_user.locale or ""
    return render_form_error("accounts/profile.html", form=form, password_form=password_form)


# --- Admin: people and roles -------------------------------------------------

def _search_form() -> UserSearchForm:
    form = UserSearchForm(request.args)
    form.role.choices = [("", _("Any role"))] + [(r, ROLE_LABELS[r]) for r in ROLES]
    return form


@bp.route("/admin/users")
@admin_required
def users():
    form = _search_form()
    form.validate()
    role = form.role.data if form.role.data in ROLES else None
    page = paginate(service.search_users_query(form.q.data or "", role),
                    per_page=current_app.config["USERS_PER_PAGE"])
    return render("accounts/users.html", "accounts/_user_results.html",
                  form=form, page=page, roles=ROLES, role_labels=ROLE_LABELS)


@bp.route("/admin/users/<int:user_id>/roles/<role>", methods=["POST"])
@admin_required
def toggle_role(user_id: int, role: str):
    user = db.get_or_404(User, user_id)
    if role not in ROLES:
        abort(404)
    grant = request.form.get("grant") == "1"
    try:
        if grant:
            service.grant_role(current_user, user, role)
            flash(_("%(name)s is now %(role)s.", name=user.display_name, role=ROLE_LABELS[role]), "success")
        else:
            service.remove_role(current_user, user, role)
            flash(_("%(name)s is no longer %(role)s.", name=user.display_name, role=ROLE_LABELS[role]),
                  "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    if wants_fragment():
        # The row swaps itself: the admin sees the new roles without a reload.
        return render_template("accounts/_user_row.html", user=user, roles=ROLES, role_labels=ROLE_LABELS)
    return redirect(safe_next(url_for("accounts.users")), code=303)


@bp.route("/admin/users/<int:user_id>/access", methods=["POST"])
@admin_required
def account_access(user_id: int):
    """Disable or enable an account, or sign it out on every device."""
    user = db.get_or_404(User, user_id)
    action = request.form.get("action")
    try:
        if action == "sign_out":
            service.sign_out_everywhere(current_user, user)
            flash(_("%(name)s is signed out on every device.", name=user.display_name), "success")
        elif action in ("disable", "enable"):
            service.set_active(current_user, user, action == "enable")
            message = _("%(name)s can log in again.") if action == "enable" else _(
                "%(name)s is disabled and signed out everywhere.")
            flash(message % {"name": user.display_name}, "success")
        else:
            abort(400)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    if wants_fragment():
        return render_template("accounts/_user_row.html", user=user, roles=ROLES, role_labels=ROLE_LABELS)
    return redirect(safe_next(url_for("accounts.users")), code=303)


# --- Personal data (PIPL) ----------------------------------------------------------

@bp.route("/me/privacy")
@login_required
def my_privacy():
    return render("accounts/privacy.html", consents=privacy.consents(current_user),
                  purposes=privacy.OPTIONAL_PURPOSES, request_form=DataRequestForm(),
                  requests=privacy.my_requests(current_user))


@bp.route("/me/privacy/consent/<purpose>", methods=["POST"])
@login_required
def set_consent(purpose: str):
    if purpose not in privacy.OPTIONAL_PURPOSES:
        abort(404)
    privacy.set_consent(current_user, purpose, request.form.get("granted") == "1")
    flash(_("Your choice is saved."), "success")
    if wants_fragment():
        return render_template("accounts/_consents.html", consents=privacy.consents(current_user),
                               purposes=privacy.OPTIONAL_PURPOSES)
    return redirect(url_for("accounts.my_privacy"), code=303)


@bp.route("/me/data.<fmt>")
@login_required
def my_data(fmt: str):
    if fmt == "json":
        body = json.dumps(privacy.export(current_user), ensure_ascii=False, indent=2, default=str)
        mimetype = "application/json"
    elif fmt == "csv":
        body, mimetype = privacy.export_csv(current_user), "text/csv"
    else:
        abort(404)
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=my-data.{fmt}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/me/privacy/request", methods=["POST"])
@login_required
def ask_for_change():
    form = DataRequestForm()
    if form.validate_on_submit():
        try:
            privacy.ask(current_user, form.kind.data, form.details.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Your request is sent. The base's staff will answer it."), "success")
            return redirect_to(url_for("accounts.my_privacy"))
    return render_form_error("accounts/privacy.html", consents=privacy.consents(current_user),
                             purposes=privacy.OPTIONAL_PURPOSES, request_form=form,
                             requests=privacy.my_requests(current_user))


@bp.route("/staff/data-requests")
@role_required(STAFF, ADMIN)
def data_requests():
    site_id = None if current_user.has_role(ADMIN) else current_user.site_id
    return render("accounts/data_requests.html", requests=privacy.open_requests(site_id))


@bp.route("/staff/data-requests/<int:request_id>", methods=["POST"])
@role_required(STAFF, ADMIN)
def handle_data_request(request_id: int):
    data_request = ensure_same_site(db.get_or_404(DataRequest, request_id))
    try:
        privacy.handle(current_user, data_request, accept=request.form.get("decision") == "accept",
                       response=request.form.get("response", ""))
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("The request is handled."), "success")
    return redirect_to(url_for("accounts.data_requests"))
