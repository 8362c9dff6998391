"""The weekly staff digest (每周汇总): one notification (and e-mail, through
the outbox) per staff member, Monday morning, with a line per section.

Areas add sections of their own to `digest_sections`:

    from incubator.notify.digest import DigestSection, digest_sections

    digest_sections.append(DigestSection(
        "shops_stalled",
        label=lambda n: ngettext("%(num)d shop has not moved for two weeks",
                                 "%(num)d shops have not moved for two weeks", n),
        count=lambda site_id, week_start, now: ...))

`count(site_id, week_start, now)` gets naive UTC datetimes and returns a
number; `label(n)` runs when the digest is shown, in the reader's language.
Sections with a count of 0 are left out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.notify.messages import message
from incubator.timeutil import combine_local, to_local, utcnow

STALLED_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class DigestSection:
    key: str
    label: Callable[[int], str]
    count: Callable[[int, datetime, datetime], int]


def _new_applications(site_id: int, week_start: datetime, now: datetime) -> int:
    from incubator.enrolment.models import Application

    return db.session.scalar(select(func.count(Application.id)).where(
        Application.site_id == site_id, Application.submitted_at >= now - timedelta(days=7),
        Application.submitted_at <= now)) or 0


def _sessions_this_week(site_id: int, week_start: datetime, now: datetime) -> int:
    from incubator.training.models import TrainingSession

    return db.session.scalar(select(func.count(TrainingSession.id)).where(
        TrainingSession.site_id == site_id, TrainingSession.starts_at >= week_start,
        TrainingSession.starts_at < week_start + timedelta(days=7))) or 0


def _stalled_applications(site_id: int, week_start: datetime, now: datetime) -> int:
    from incubator.enrolment.models import SUBMITTED, Application

    return db.session.scalar(select(func.count(Application.id)).where(
        Application.site_id == site_id, Application.status == SUBMITTED,
        Application.submitted_at < now - STALLED_AFTER)) or 0


digest_sections: list[DigestSection] = [
    DigestSection("new_applications",
                  lambda n: ngettext("%(num)d new application in the last seven days",
                                     "%(num)d new applications in the last seven days", n),
                  _new_applications),
    DigestSection("sessions_this_week",
                  lambda n: ngettext("%(num)d training session this week",
                                     "%(num)d training sessions this week", n),
                  _sessions_this_week),
    DigestSection("stalled_applications",
                  lambda n: ngettext("%(num)d application has waited more than three days for a decision",
                                     "%(num)d applications have waited more than three days for a decision", n),
                  _stalled_applications),
]


def week_start_for(now: datetime, tz_name: str) -> tuple[date, datetime]:
    """Monday of the local week containing `now` (naive UTC): the date and its 00:00 in UTC."""
    local_day = to_local(now, tz_name).date()
    monday = local_day - timedelta(days=local_day.weekday())
    return monday, combine_local(monday, datetime.min.time(), tz_name)


def digest_params(site, now: datetime) -> dict:
    tz_name = getattr(site, "timezone", None) or current_app.config.get("BABEL_DEFAULT_TIMEZONE")
    monday, week_start = week_start_for(now, tz_name)
    sections = []
    for section in digest_sections:
        count = int(section.count(site.id, week_start, now) or 0)
        if count:
            sections.append({"key": section.key, "count": count})
    return {"week": monday.isoformat(), "site": site.name, "sections": sections}


def send_weekly_digests(now: datetime | None = None) -> int:
    """Notify every active staff member (and admin) of each base; once per week
    and person (dedupe_key), however often the job runs. Returns how many were sent."""
    from incubator.accounts.service import people_with_role
    from incubator.auth import ADMIN, STAFF
    from incubator.notify.service import notify
    from incubator.sites.models import Site

    now = now or utcnow()
    sent = 0
    for site in db.session.scalars(select(Site).order_by(Site.id)):
        params = digest_params(site, now)
        people = {u.id: u for role in (STAFF, ADMIN) for u in people_with_role(role, site.id)}
        for person in people.values():
            if notify(person, "notify.digest", params, url="/home",
                      dedupe_key=f"digest:{site.id}:{params['week']}"):
                sent += 1
        db.session.commit()
    return sent


@message("notify.digest")
def _digest_text(p):
    labels = {section.key: section.label for section in digest_sections}
    week = format_date(date.fromisoformat(p["week"]), "long")
    lines = [labels[s["key"]](s["count"]) if s["key"] in labels else f"{s['key']}: {s['count']}"
             for s in p.get("sections", [])]
    if not lines:
        return _("Weekly summary for the week of %(week)s: nothing new, nothing waiting.", week=week)
    return _("Weekly summary for the week of %(week)s: %(lines)s.", week=week, lines="; ".join(lines))
