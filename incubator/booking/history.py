"""What the history page calls this area's changes and records."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "booking.booked": _l("Booked"),
    "booking.reserved": _l("Booked by staff"),
    "booking.approved": _l("Booking approved"),
    "booking.declined": _l("Booking declined"),
    "booking.cancelled": _l("Booking cancelled"),
    "booking.cancelled_by_closure": _l("Booking cancelled by a closure"),
    "booking.checked_in": _l("Checked in at the door"),
    "booking.moved": _l("Booking moved"),
    "booking.handed_over": _l("Equipment handed over"),
    "booking.returned": _l("Equipment returned"),
    "booking.released_no_show": _l("Released: nobody came"),
    "booking.paused": _l("Booking paused for no-shows"),
    "booking.pause_lifted": _l("Booking pause lifted"),
    "booking.closure_added": _l("Closure added"),
    "booking.closure_removed": _l("Closure removed"),
    "booking.resource_created": _l("Studio or equipment added"),
    "booking.resource_saved": _l("Studio or equipment saved"),
    "booking.kit_saved": _l("Kit saved"),
    "booking.door_code_renewed": _l("Door code renewed"),
    "booking.feed_renewed": _l("Calendar link renewed"),
    "bookings": _l("Booking"),
    "resources": _l("Studio or equipment"),
    "booking_kits": _l("Kit"),
    "booking_blackouts": _l("Closure"),
    "booking_pauses": _l("Booking pause"),
    "booking_feed_tokens": _l("Calendar link"),
}
