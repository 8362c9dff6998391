"""Kinds of notification grouped into a few categories a person understands.

A person chooses per category whether its notifications also come by e-mail
(and by phone message); a kind belongs to the first category whose prefix it
starts with ("booking.reminder_1h" -> bookings), everything else to "general".
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Category:
    key: str
    label: object
    hint: object
    prefixes: tuple[str, ...]
    email_default: bool = False


GENERAL = "general"
DIGEST = "digest"

CATEGORIES = (
    Category("applications", _l("Applications"),
             _l("Your applications to classes: places offered, waiting lists, decisions."), ("enrolment.",)),
    Category("training", _l("Training"),
             _l("Sessions, reminders before a class, attendance and certificates."), ("training.",)),
    Category("bookings", _l("Studio and equipment bookings"),
             _l("Bookings confirmed, reminders before they start, changes."), ("booking.",)),
    Category("shop", _l("Shop"), _l("Your shop's onboarding steps and support."), ("shops.",)),
    Category("mentoring", _l("Mentoring"), _l("Mentor matches, meetings and check-ins."), ("mentoring.",)),
    Category("livestreams", _l("Livestreams"), _l("The base's public livestreams and residents' questions."),
             ("livestreams.",)),
    Category(DIGEST, _l("Weekly summary for staff"),
             _l("Every Monday morning: new applications, this week's sessions, items waiting."),
             ("notify.digest",), email_default=True),
    Category(GENERAL, _l("Other messages from the base"), _l("Everything else."), ()),
)
BY_KEY = {category.key: category for category in CATEGORIES}


def category_of(kind: str) -> str:
    for category in CATEGORIES:
        if any(kind.startswith(prefix) for prefix in category.prefixes):
            return category.key
    return GENERAL
