"""What other areas ask of training: has this person completed a programme?
(The booking area's training gate uses this.)"""

from sqlalchemy import select

from incubator.extensions import db
from incubator.training.models import Certificate


def completed_programme_ids(user_id: int) -> set[int]:
    return set(db.session.scalars(select(Certificate.programme_id).where(Certificate.user_id == user_id)))


def has_completed(user_id: int, programme_id: int) -> bool:
    return programme_id in completed_programme_ids(user_id)
