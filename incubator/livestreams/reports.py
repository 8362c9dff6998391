"""Figures of the livestream area for the staff dashboard (reports area).

Periods are half-open [start, end) in naive UTC, like everything stored.
site_id None means every base (for admins).
"""

from datetime import datetime

from sqlalchemy import func, select

from incubator.extensions import db
from incubator.livestreams.models import APPROVED, KINDS, Livestream, Question


def livestreams_held_by_kind(site_id: int | None, start: datetime, end: datetime,
                             now: datetime | None = None) -> dict[str, int]:
    """How many livestreams were held (started in the period, already started,
    not cancelled), per kind; every kind is present, zero included."""
    from incubator.timeutil import utcnow

    now = now or utcnow()
    statement = select(Livestream.kind, func.count(Livestream.id)).where(
        Livestream.starts_at >= start, Livestream.starts_at < end, Livestream.starts_at <= now,
        Livestream.cancelled_at.is_(None)).group_by(Livestream.kind)
    if site_id is not None:
        statement = statement.where(Livestream.site_id == site_id)
    counts = dict.fromkeys(KINDS, 0)
    counts.update({kind: n for kind, n in db.session.execute(statement)})
    return counts


def question_figures(site_id: int | None, start: datetime, end: datetime) -> dict[str, int]:
    """Residents' questions received in the period, and of those how many were
    approved and how many answered (live or in writing)."""
    statement = select(
        func.count(Question.id),
        func.count(Question.id).filter(Question.status == APPROVED),
        func.count(Question.id).filter(Question.answered_at.is_not(None)),
    ).join(Livestream).where(Question.created_at >= start, Question.created_at < end)
    if site_id is not None:
        statement = statement.where(Livestream.site_id == site_id)
    received, approved, answered = db.session.execute(statement).one()
    return {"received": received or 0, "approved": approved or 0, "answered": answered or 0}
