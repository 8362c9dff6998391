"""Who occupies a room (a studio Resource) when: the one place that answers
"is this room free from start to end?".

Training sessions occupy their room, and so do the booking area's active
bookings of it: a session never overlaps a booking. (The booking area checks
sessions from its side in booking.service.busy_times.)
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from incubator.booking.models import ACTIVE as BOOKING_ACTIVE
from incubator.booking.models import Booking
from incubator.extensions import db
from incubator.training.models import TrainingSession


@dataclass(frozen=True)
class RoomClash:
    """Something already in the room: kind is "session" or "booking"."""

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
    # Sorted below, not by the database: asked to order by start, SQLite
    # walks the start-time index through every earlier session of the base.
    clashes = [RoomClash("session", s.id, s.starts_at, s.ends_at, s.topic) for s in db.session.scalars(query)]
    bookings = select(Booking).where(
        Booking.resource_id == room_id, Booking.status.in_(BOOKING_ACTIVE),
        Booking.starts_at < end, Booking.ends_at > start,
    )
    clashes += [RoomClash("booking", b.id, b.starts_at, b.ends_at, b.purpose or str(_l("a booking")))
                for b in db.session.scalars(bookings)]
    return sorted(clashes, key=lambda clash: clash.starts_at)
