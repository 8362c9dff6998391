"""Two-step login for staff and admins: a time-based code (TOTP, RFC 6238)
from an authenticator app, as a second factor after the password."""

import io

import pyotp
import segno
from flask_babel import lazy_gettext as _l

from incubator.accounts.models import User
from incubator.audit import record_change
from incubator.auth import STAFF_ROLES
from incubator.errors import DomainError, NotAllowed
from incubator.extensions import db

ISSUER = "Incubator"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.login_name, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The setup QR code as inline SVG (no script, no external request)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True,
                                    title="QR", dark="#1f2a2e")
    return out.getvalue().decode()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step the code belongs to (now, or one step either side for
    clock drift), or None."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    from time import time

    now_step = int(time()) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if totp.at(step * totp.interval) == code:
            return step
    return None


def enable(user: User, secret: str, code: str) -> None:
    if not user.has_any_role(STAFF_ROLES):
        raise NotAllowed(_l("Two-step login is for staff and admins."))
    step = _matching_step(secret, code)
    if step is None:
        raise DomainError(_l("That code is not right. Type the 6 digits your app shows now."), field="code")
    user.totp_secret, user.totp_last_step = secret, step
    record_change(user, "account.two_step_enabled", user)
    db.session.commit()


def disable(user: User, code: str) -> None:
    if not verify(user, code):
        raise DomainError(_l("That code is not right. Type the 6 digits your app shows now."), field="code")
    user.totp_secret, user.totp_last_step = None, None
    record_change(user, "account.two_step_disabled", user)
    db.session.commit()


def verify(user: User, code: str) -> bool:
    """True once per code: a step already used is refused (no replay)."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.session.commit()
    return True
