"""Notification kinds of enrolment. Texts render in the reader's language."""

from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from incubator.notify.messages import message


def _when(iso: str) -> str:
    try:
        return format_datetime(datetime.fromisoformat(iso), "short")
    except (TypeError, ValueError):
        return iso


@message("enrolment.received")
def _received(p):
    return _("We have your application for %(cohort)s (%(programme)s). We will tell you when it is decided.",
             cohort=p["cohort"], programme=p["programme"])


@message("enrolment.accepted")
def _accepted(p):
    return _("You have a place in %(cohort)s. Please confirm by %(deadline)s.",
             cohort=p["cohort"], deadline=_when(p["deadline"]))


@message("enrolment.offered")
def _offered(p):
    return _("A place has freed up in %(cohort)s and it is yours. Please confirm by %(deadline)s.",
             cohort=p["cohort"], deadline=_when(p["deadline"]))


@message("enrolment.waitlisted")
def _waitlisted(p):
    return _("You are on the waiting list for %(cohort)s. If a place frees up, it is offered to you.",
             cohort=p["cohort"])


@message("enrolment.rejected")
def _rejected(p):
    return _("Sorry, there is no place for you in %(cohort)s this time. Look for another class.",
             cohort=p["cohort"])


@message("enrolment.confirmed")
def _confirmed(p):
    return _("You are enrolled in %(cohort)s. See you on the first day.", cohort=p["cohort"])


@message("enrolment.withdrawn")
def _withdrawn(p):
    return _("You have withdrawn from %(cohort)s.", cohort=p["cohort"])


@message("enrolment.lapsed")
def _lapsed(p):
    return _("Your place in %(cohort)s was not confirmed in time and has gone to the next person.",
             cohort=p["cohort"])


@message("enrolment.dropped_out")
def _dropped_out(p):
    return _("You are marked as having left %(cohort)s. Talk to the staff if this is wrong.", cohort=p["cohort"])
