"""Small helpers for areas' reminder jobs ("your session starts in an hour").

A reminder job runs every few minutes, finds what starts within the lead
time, and notifies with a dedupe_key naming the object and the lead time.
Because the key is unique per person, a job that runs twice, late, or in two
scheduler processes never sends a reminder twice:

    from incubator.notify.reminders import due_window, reminder_key

    def remind_sessions(now=None):
        start, end = due_window(timedelta(hours=24), now)
        for session, person in ...where(TrainingSession.starts_at > start,
                                        TrainingSession.starts_at <= end):
            notify(person, "training.reminder_24h", {...}, url=...,
                   dedupe_key=reminder_key("session", session.id, "24h"))
        db.session.commit()

Anything that starts before the lead time is reached (booked 30 minutes
ahead) still gets its reminder at the next run: the window starts at now.
"""

from datetime import datetime, timedelta

from incubator.timeutil import utcnow


def due_window(lead: timedelta, now: datetime | None = None) -> tuple[datetime, datetime]:
    """(now, now + lead), naive UTC: things starting in it are due a reminder."""
    now = now or utcnow()
    return now, now + lead


def reminder_key(kind: str, object_id: int, lead_label: str) -> str:
    """The dedupe_key of one reminder: "booking:42:1h"."""
    return f"{kind}:{object_id}:{lead_label}"
