"""Pages that belong to no single area: the public front page, each role's
home, the language switch and the personal information notice."""

from flask import Blueprint, abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from incubator.accounts import service as accounts
from incubator.areas import resolve
from incubator.auth import ROLE_LABELS
from incubator.i18n import LANGUAGE_COOKIE, SUPPORTED
from incubator.web import render, safe_next

bp = Blueprint("pages", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.route("/")
def index():
    return render("pages/index.html")


@bp.route("/home")
@login_required
def home():
    role = current_user.primary_role
    if role is None:
        return render("pages/home.html", role=None, panels=[])
    return role_home(role)


@bp.route("/home/<role>")
@login_required
def role_home(role: str):
    if not current_user.has_role(role):
        abort(403)
    return render("pages/home.html", role=role, role_label=ROLE_LABELS[role],
                  panels=home_panels_for(current_user, role))


def home_panels_for(user, role: str) -> list[dict]:
    """The areas' panels for this role's home, each with its context."""
    panels = []
    for area in current_app.extensions["incubator_areas"]:
        for panel in area.home_panels:
            if role in panel.roles:
                builder = resolve(panel.context)
                panels.append({"order": panel.order, "template": panel.template,
                               "context": builder(user) if builder else {}})
    return sorted(panels, key=lambda p: p["order"])


@bp.route("/language", methods=["POST"])
def set_language():
    chosen = request.form.get("locale")
    if chosen not in SUPPORTED:
        abort(400)
    if current_user.is_authenticated:
        accounts.set_locale(current_user, chosen)
    response = make_response(redirect(safe_next(url_for("pages.index")), code=303))
    response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@bp.route("/privacy")
def privacy():
    return render("pages/privacy.html", notice_version=accounts.PRIVACY_NOTICE_VERSION)


@bp.route("/healthz")
def healthz():
    """Liveness, and the bench's yardstick: the cheapest Flask response."""
    return current_app.response_class("ok", mimetype="text/plain")
