"""What the history page calls this area's changes and records."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "person.viewed": _l("Person's record opened"),
    "person.note_added": _l("Note on a person"),
    "reports.incubation_rule_changed": _l("Incubation rule changed"),
    "person_notes": _l("Note"),
    "incubation_rules": _l("Incubation rule"),
}
