"""What booking holds about a person (Area.personal_data): her bookings of
studios and equipment, and any pause of her booking after no-shows.

Deletion keeps every booking: studio utilisation, bookings due and the
no-show rate are counted from them, and must not change because someone
left. Her words on them go, and so do her pauses and her calendar address."""

from sqlalchemy import delete, select

from incubator.booking.models import Booking, BookingPause, FeedToken
from incubator.extensions import db
from incubator.sites.service import timezone_of
from incubator.timeutil import iso_clock

COVERS = ("bookings.user_id", "booking_pauses.user_id")


def _bookings(user):
    return db.session.scalars(select(Booking).where(Booking.user_id == user.id)
                              .order_by(Booking.starts_at, Booking.id)).all()


def export(user) -> dict[str, list[dict]]:
    when = iso_clock(timezone_of(user.site_id))
    bookings = [{"resource": b.resource.name, "unit": b.unit, "starts_at": when(b.starts_at),
                 "ends_at": when(b.ends_at), "status": b.status, "purpose": b.purpose,
                 "shop": b.shop.name if b.shop else None, "checked_in_at": when(b.checked_in_at),
                 "handed_over_at": when(b.handed_over_at), "returned_at": when(b.returned_at),
                 "status_reason": b.status_reason, "created_at": when(b.created_at)}
                for b in _bookings(user)]
    pauses = [{"until": when(p.until), "no_shows": p.no_shows, "created_at": when(p.created_at)}
              for p in db.session.scalars(select(BookingPause).where(BookingPause.user_id == user.id)
                                          .order_by(BookingPause.created_at))]
    return {"bookings": bookings, "booking_pauses": pauses}


def anonymise(user) -> None:
    """Per column:
    - resource, unit, times, status, check-in, shop: kept; the reports count
      and sum them (and a held time must stay held for whoever else books).
    - purpose: blanked; her words about what she meant to do.
    - status_reason: blanked; a reason written to her about her booking.
    - handover and return notes: kept; they record the equipment's condition
      (a light returned broken), which the base needs whoever borrowed it.
    - pauses after no-shows: deleted; they are about her conduct and nothing
      counts them (the no-shows themselves stay on the bookings).
    - the calendar feed's secret: deleted, so her calendar address stops
      showing the bookings' times."""
    for booking in _bookings(user):
        booking.purpose = ""
        booking.status_reason = ""
    db.session.execute(delete(BookingPause).where(BookingPause.user_id == user.id))
    db.session.execute(delete(FeedToken).where(FeedToken.user_id == user.id))
