"""What the history page calls this area's changes and records."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "application.submitted": _l("Application sent"),
    "application.accepted": _l("Application: place offered"),
    "application.waitlisted": _l("Application: put on the waiting list"),
    "application.rejected": _l("Application: not accepted"),
    "application.confirmed": _l("Application: place confirmed"),
    "application.withdrawn": _l("Application withdrawn"),
    "application.lapsed": _l("Application: offer lapsed"),
    "application.dropped_out": _l("Application: left the class"),
    "application.note_added": _l("Note on an application"),
    "cohort.saved": _l("Class saved"),
    "cohort.deleted": _l("Class deleted"),
    "programme.saved": _l("Programme saved"),
    "programme.deleted": _l("Programme deleted"),
    "programme.question_saved": _l("Application question saved"),
    "programme.question_deleted": _l("Application question deleted"),
    "programme.question_retired": _l("Application question no longer asked"),
    "programmes": _l("Programme"),
    "programme_questions": _l("Application question"),
    "cohorts": _l("Class"),
    "applications": _l("Application"),
    "application_notes": _l("Application note"),
}
