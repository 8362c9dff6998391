"""What the history page calls this area's changes and records."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "training.session_scheduled": _l("Session scheduled"),
    "training.session_cancelled": _l("Session cancelled"),
    "training.mark": _l("Attendance marked"),
    "training.walkin_added": _l("Walk-in added to a roll call"),
    "training.walkin_linked": _l("Walk-in linked to her account"),
    "training.skill_added": _l("Skill added to a programme"),
    "training.skill_ticked": _l("Skill ticked"),
    "training.skill_unticked": _l("Skill unticked"),
    "training.certificate_issued": _l("Certificate issued"),
    "training_sessions": _l("Session"),
    "attendances": _l("Attendance"),
    "skills": _l("Skill"),
    "skill_ticks": _l("Skill tick"),
    "certificates": _l("Certificate"),
}
