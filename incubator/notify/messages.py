"""The registry of notification kinds.

Each area declares its kinds where its rules live:

    from incubator.notify.messages import message

    @message("enrolment.accepted")
    def _accepted(p):
        return _("You have a place in %(cohort)s. Please confirm by %(deadline)s.", **p)

The function runs when the notification is shown (or e-mailed), inside the
reader's locale, so the text is always in her language. Parameters must be
plain JSON values: names, dates as ISO strings, numbers.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MessageKind:
    kind: str
    render: Callable[[dict], str]


KINDS: dict[str, MessageKind] = {}


def message(kind: str):
    def register(render: Callable[[dict], str]):
        KINDS[kind] = MessageKind(kind, render)
        return render

    return register


def render_text(kind: str, params: dict) -> str:
    registered = KINDS.get(kind)
    if registered is None:
        return kind
    try:
        return str(registered.render(params or {}))
    except (KeyError, ValueError, TypeError):
        # A message must never break a page; show its kind instead.
        return kind
