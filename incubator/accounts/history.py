"""What the history page calls this area's changes and records."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "account.created": _l("Account created"),
    "account.disabled": _l("Account switched off"),
    "account.enabled": _l("Account switched on again"),
    "account.password_changed": _l("Password changed"),
    "account.retention_anonymised": _l("Account anonymised after years without use"),
    "account.sessions_ended": _l("Signed out everywhere"),
    "account.two_step_disabled": _l("Two-step sign-in turned off"),
    "account.two_step_enabled": _l("Two-step sign-in turned on"),
    "role.granted": _l("Role given"),
    "role.removed": _l("Role taken away"),
    "consent.granted": _l("Privacy notice agreed to"),
    "consent.withdrawn": _l("Consent withdrawn"),
    "data_request.correction": _l("Asked for a correction of her data"),
    "data_request.deletion": _l("Asked for her account to be deleted"),
    "data_request.done": _l("Data request carried out"),
    "data_request.refused": _l("Data request refused"),
    "users": _l("Person"),
    "user_roles": _l("Role"),
    "consent_records": _l("Consent"),
    "data_requests": _l("Data request"),
}
