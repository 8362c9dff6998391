"""Notification kinds of the notify area itself."""

from flask_babel import gettext as _

from incubator.notify import digest  # noqa: F401  (registers notify.digest)
from incubator.notify.messages import message


@message("notify.welcome")
def _welcome(p):
    return _("Welcome to %(site)s, %(name)s! Choose here which notifications also come by e-mail.", **p)


@message("notify.announcement")
def _announcement(p):
    return _("Message from the base's staff: %(text)s", **p)
