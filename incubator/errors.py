"""Domain errors: what services raise when a rule says no.

A DomainError carries (field, message) pairs; a view puts them on its WTForms
form with web.apply_errors(), so a broken rule looks like any field error.
field None means the error is about the whole form.
"""


class DomainError(Exception):
    def __init__(self, message, field: str | None = None, errors=None):
        super().__init__(str(message))
        self.message = message
        self.errors: list[tuple[str | None, object]] = list(errors or [(field, message)])


class NotAllowed(DomainError):
    """The person may not do this (a rule, not a missing role)."""


class Conflict(DomainError):
    """Something already there stops it: a full cohort, a taken slot."""
