"""The livestream lines of the weekly staff digest (notify area)."""

from datetime import datetime, timedelta

from flask_babel import ngettext
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.livestreams.models import PENDING, Livestream, Question
from incubator.notify.digest import DigestSection, digest_sections


def livestreams_this_week(site_id: int, week_start: datetime, now: datetime) -> int:
    return db.session.scalar(select(func.count(Livestream.id)).where(
        Livestream.site_id == site_id, Livestream.cancelled_at.is_(None), Livestream.starts_at >= week_start,
        Livestream.starts_at < week_start + timedelta(days=7))) or 0


def questions_waiting(site_id: int, week_start: datetime, now: datetime) -> int:
    return db.session.scalar(select(func.count(Question.id)).join(Livestream).where(
        Livestream.site_id == site_id, Question.status == PENDING)) or 0


SECTIONS = (
    DigestSection("livestreams_this_week",
                  lambda n: ngettext("%(num)d public livestream this week", "%(num)d public livestreams this week",
                                     n),
                  livestreams_this_week),
    DigestSection("livestream_questions_waiting",
                  lambda n: ngettext("%(num)d resident's question waits for approval",
                                     "%(num)d residents' questions wait for approval", n),
                  questions_waiting),
)


def register() -> None:
    """Add the sections once, however many apps a process creates."""
    known = {section.key for section in digest_sections}
    digest_sections.extend(section for section in SECTIONS if section.key not in known)
