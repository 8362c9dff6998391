"""Who occupies a room (a studio Resource) when: the one place that answers
"is this room free from start to end?".

Training sessions occupy their room. The booking area's bookings are to be
added here too (the lead wires them in at merge), so that a session never
overlaps a booking and a booking never overlaps a session: both sides call
find_conflicts().
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from incubator.extensions import db
from incubator.training.models import TrainingSession


@dataclass(frozen=True)
class RoomClash:
    """Something already in the room: kind is "session" (later also "booking")."""

    kind: str
    object_id: int
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    title: str


def find_conflicts(room_id: int, start: datetime, end: datetime,
                   exclude_session_id: int | None = None) -> list[RoomClash]:
    """Everything in room `room_id` overlapping [start, end) (naive UTC).
    Touching ends (one at 11:30, the next from 11:30) do not clash."""
    query = select(TrainingSession).where(
        TrainingSession.room_id == room_id,
        TrainingSession.starts_at < end,
        TrainingSession.ends_at > start,
    )
    if exclude_session_id is not None:
        query = query.where(TrainingSession.id != exclude_session_id)
    clashes = [RoomClash("session", s.id, s.starts_at, s.ends_at, s.topic)
               for s in db.session.scalars(query.order_by(TrainingSession.starts_at))]
    # Bookings of the booking area join here at merge.
    return clashes
