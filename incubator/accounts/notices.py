"""Notification kinds of accounts. Texts render in the reader's language."""

from flask_babel import gettext as _

from incubator.notify.messages import message


def _with_answer(text: str, p) -> str:
    answer = (p.get("answer") or "").strip()
    return f"{text} {_('The staff answered: %(answer)s', answer=answer)}" if answer else text


@message("accounts.correction_done")
def _correction_done(p):
    return _with_answer(_("Your request to correct your data is done."), p)


@message("accounts.correction_refused")
def _correction_refused(p):
    return _with_answer(_("Your request to correct your data was refused."), p)


@message("accounts.deletion_refused")
def _deletion_refused(p):
    return _with_answer(_("Your request to delete your data was refused."), p)
