from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from incubator.accounts import service, sessions
from incubator.accounts.forms import LoginForm, PasswordForm, ProfileForm, SignUpForm, UserSearchForm
from incubator.accounts.models import User
from incubator.auth import ROLE_LABELS, ROLES, admin_required
from incubator.errors import DomainError
from incubator.extensions import db, limiter
from incubator.sites.service import default_site
from incubator.web import (
    apply_errors,
    paginate,
    redirect_to,
    render,
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
        if user:
            begin_session(user, remember=form.remember.data)
            return redirect_to(safe_next(url_for("pages.home")))
        form.form_errors.append(_("That mobile number or e-mail and password do not match."))
    if form.is_submitted():
        return render_form_error("accounts/login.html", form=form)
    return render("accounts/login.html", form=form)


def begin_session(user: User, remember: bool = False) -> None:
    """Sign in on this device: a server-side session row, its token in the cookie."""
    record = sessions.start_session(user, remember=remember)
    session.clear()
    session["sid"] = record.token
    session.permanent = remember
    login_user(user)


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
                site=default_site(), login_name=form.login_name.data, password=form.password.data,
                display_name=form.display_name.data, consent=form.consent.data,
                locale=None)
        except DomainError as error:
            apply_errors(form, error)
        else:
            begin_session(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name), "success")
            return redirect_to(safe_next(url_for("pages.home")))
    if form.is_submitted():
        return render_form_error("accounts/signup.html", form=form)
    return render("accounts/signup.html", form=form)


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
    if form.is_submitted():
        return render_form_error("accounts/profile.html", form=form, password_form=PasswordForm())
    return render("accounts/profile.html", form=form, password_form=PasswordForm())


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
