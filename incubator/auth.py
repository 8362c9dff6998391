"""Who may do what: roles, role_required, and object-level checks.

Views guard themselves with @role_required; services and views check that an
object belongs to the current person's site with ensure_same_site(). Data of
another site answers 404, so its existence is not given away.
"""

from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

TRAINEE = "trainee"
SHOP_OWNER = "shop_owner"
MENTOR = "mentor"
STAFF = "staff"
ADMIN = "admin"

# Most to least powerful: a person with several roles lands on the first.
ROLES = (ADMIN, STAFF, MENTOR, SHOP_OWNER, TRAINEE)

ROLE_LABELS = {
    TRAINEE: _l("Trainee"),
    SHOP_OWNER: _l("Shop owner"),
    MENTOR: _l("Mentor"),
    STAFF: _l("Staff"),
    ADMIN: _l("Admin"),
}

STAFF_ROLES = frozenset({STAFF, ADMIN})


def role_required(*roles: str):
    """Allow a view to people holding any of `roles` (403 for the rest,
    the login page for those not signed in)."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_any_role(allowed):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(STAFF, ADMIN)
admin_required = role_required(ADMIN)


def can_see_site(user, site_id: int | None) -> bool:
    """Admins see every site; everyone else only their own."""
    if user.has_role(ADMIN):
        return True
    return site_id is not None and site_id == user.site_id


def ensure_same_site(obj, user=None):
    """404 unless obj belongs to a site the person may see; returns obj."""
    user = user or current_user
    if obj is None or not can_see_site(user, getattr(obj, "site_id", None)):
        abort(404)
    return obj


def ensure_owner_or_staff(obj, owner_id: int | None, user=None):
    """404 unless the person owns obj, or is staff of its site."""
    user = user or current_user
    if obj is None:
        abort(404)
    if owner_id == user.id:
        return obj
    if user.has_any_role(STAFF_ROLES) and can_see_site(user, getattr(obj, "site_id", None)):
        return obj
    abort(404)
