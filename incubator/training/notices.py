"""Notification kinds of the training area (text rendered in the reader's language)."""

from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from incubator.notify.messages import message


def _when(p) -> str:
    return format_datetime(datetime.fromisoformat(p["starts_at"]), "short")


@message("training.reminder_24h")
def _reminder_24h(p):
    # Not "tomorrow": it goes out up to 24 hours ahead, often for later the
    # same day, and is read later still; the date and time say when.
    if p.get("room"):
        return _("Class reminder: %(topic)s at %(when)s in %(room)s.", topic=p["topic"], when=_when(p),
                 room=p["room"])
    return _("Class reminder: %(topic)s at %(when)s.", topic=p["topic"], when=_when(p))


@message("training.reminder_1h")
def _reminder_1h(p):
    if p.get("room"):
        return _("In one hour: %(topic)s at %(when)s in %(room)s.", topic=p["topic"], when=_when(p),
                 room=p["room"])
    return _("In one hour: %(topic)s at %(when)s.", topic=p["topic"], when=_when(p))


@message("training.behind")
def _behind(p):
    return _("Your attendance in %(cohort)s is %(percent)s%%; %(required)s%% is needed to complete. "
             "Talk to the staff if something keeps you away.", **p)


@message("training.behind_staff")
def _behind_staff(p):
    return _("%(name)s has fallen behind in %(cohort)s: attendance %(percent)s%% (needs %(required)s%%).", **p)


@message("training.certificate")
def _certificate(p):
    return _("Congratulations! You completed %(programme)s. Your certificate code is %(code)s.", **p)


@message("training.cancelled")
def _cancelled(p):
    return _("Cancelled: %(topic)s at %(when)s will not take place.", topic=p["topic"], when=_when(p))
