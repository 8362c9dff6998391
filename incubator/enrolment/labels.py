"""Words for enrolment's codes, in both languages, and the tone of each status."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Place offered"),
    "waitlisted": _l("On the waiting list"),
    "rejected": _l("Not accepted"),
    "confirmed": _l("Enrolled"),
    "withdrawn": _l("Withdrawn"),
    "lapsed": _l("Offer lapsed"),
    "dropped_out": _l("Dropped out"),
}
STATUS_TONES = {
    "submitted": "info", "accepted": "warn", "waitlisted": "info", "rejected": "bad",
    "confirmed": "ok", "withdrawn": "muted", "lapsed": "muted", "dropped_out": "bad",
}
AUDIENCE_LABELS = {
    "mothers": _l("Mothers with young children"),
    "graduates": _l("Graduates"),
    "villagers": _l("Villagers"),
    "shop_staff": _l("Shop staff"),
    "anyone": _l("Anyone"),
}
GROUP_LABELS = {
    "mother": _l("Mother with young children"),
    "graduate": _l("Graduate or student"),
    "villager": _l("Villager"),
    "shop_staff": _l("Shop staff"),
    "other": _l("Other"),
}
AVAILABILITY_LABELS = {
    "weekday_mornings": _l("Weekday mornings"),
    "weekday_afternoons": _l("Weekday afternoons"),
    "weekday_evenings": _l("Weekday evenings"),
    "weekends": _l("Weekends"),
}
QUESTION_KIND_LABELS = {
    "short": _l("Short text"),
    "long": _l("Long text"),
    "choice": _l("Single choice"),
    "yesno": _l("Yes or no"),
}


def labels() -> dict:
    """What templates get as `enrol`."""
    return {"status": STATUS_LABELS, "tone": STATUS_TONES, "audience": AUDIENCE_LABELS,
            "group": GROUP_LABELS, "availability": AVAILABILITY_LABELS, "kind": QUESTION_KIND_LABELS}
