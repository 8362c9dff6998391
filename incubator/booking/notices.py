"""Notification kinds of the booking area, shown in the reader's language."""

from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from incubator.notify.messages import message


def _at(value: str) -> str:
    return format_datetime(datetime.fromisoformat(value), "short")


@message("booking.closed")
def _closed(p):
    return _("Your booking of %(resource)s at %(start)s is cancelled: the base closes it (%(reason)s). "
             "Please book another time.", resource=p["resource"], start=_at(p["start"]), reason=p["reason"])


@message("booking.cancelled_by_staff")
def _cancelled(p):
    return _("Staff cancelled your booking of %(resource)s at %(start)s. %(reason)s", resource=p["resource"],
             start=_at(p["start"]), reason=p.get("reason", ""))


@message("booking.awaiting_approval")
def _awaiting(p):
    return _("%(person)s asks to book %(resource)s at %(start)s. Please approve or decline.",
             person=p["person"], resource=p["resource"], start=_at(p["start"]))


@message("booking.approved")
def _approved(p):
    return _("Your booking of %(resource)s at %(start)s is approved.", resource=p["resource"],
             start=_at(p["start"]))


@message("booking.declined")
def _declined(p):
    return _("Your booking of %(resource)s at %(start)s was declined: %(reason)s", resource=p["resource"],
             start=_at(p["start"]), reason=p["reason"])


@message("booking.no_show")
def _no_show(p):
    return _("Nobody checked in for your booking of %(resource)s at %(start)s, so it was released.",
             resource=p["resource"], start=_at(p["start"]))


@message("booking.paused")
def _paused(p):
    return _("After %(count)s missed bookings, you cannot book until %(until)s.", count=p["count"],
             until=_at(p["until"]))


@message("booking.reminder")
def _reminder(p):
    if p.get("which") == "1h":
        return _("In one hour: %(resource)s at %(start)s. Remember to check in.", resource=p["resource"],
                 start=_at(p["start"]))
    # Not "tomorrow": the day-ahead reminder goes out 1 to 24 hours before,
    # often for later the same day, and is read later still; the time says when.
    return _("Booking reminder: %(resource)s at %(start)s.", resource=p["resource"], start=_at(p["start"]))


@message("booking.overdue")
def _overdue(p):
    return _("%(resource)s lent to %(person)s is not back (due %(end)s).", resource=p["resource"],
             person=p["person"], end=_at(p["end"]))
