"""Context of the livestream panel on a person's home page."""

from incubator.auth import STAFF_ROLES
from incubator.livestreams import service


def home_context(user) -> dict:
    is_staff = user.has_any_role(STAFF_ROLES)
    return {
        "hosted": service.hosted_upcoming(user),
        "is_staff": is_staff,
        "pending": service.pending_count(None if user.has_role("admin") else user.site_id) if is_staff else 0,
    }
