"""Notification kinds of the mentoring area (text in the reader's language)."""

from flask_babel import gettext as _

from incubator.notify.messages import message


@message("mentoring.proposal")
def _proposal(p):
    return _("%(mentee)s would like you as a mentor. Please accept or decline.", **p)


@message("mentoring.accepted")
def _accepted(p):
    return _("%(mentor)s accepted: your mentorship starts today.", **p)


@message("mentoring.declined")
def _declined(p):
    return _("%(mentor)s cannot take you on now. Ask another suggested mentor.", **p)


@message("mentoring.lapsed")
def _lapsed(p):
    return _("%(mentor)s did not answer in time. Ask another suggested mentor.", **p)


@message("mentoring.checkin")
def _checkin(p):
    return _("No meeting with %(other)s logged for %(days)s days. Time for a check-in?", **p)


@message("mentoring.feedback")
def _feedback(p):
    return _("Your mentorship with %(other)s has ended. How did it go? Give your feedback.", **p)
