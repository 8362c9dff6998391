"""What the reports area holds about a person: staff notes on her record.

The notes are the staff's working notes and are not part of her own record
or her download; when her data is deleted they are deleted with it (they are
free text about her, so anonymising cannot make them safe to keep)."""

from sqlalchemy import delete

from incubator.extensions import db
from incubator.reports.models import PersonNote


def export(user) -> dict[str, list[dict]]:
    return {}


def anonymise(user) -> None:
    db.session.execute(delete(PersonNote).where(PersonNote.person_id == user.id))
