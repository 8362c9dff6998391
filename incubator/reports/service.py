"""Reports: figures for a period, trends, person records, staff notes,
the audit search and CSV exports. Plain functions, no request needed."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from incubator import csvfile
from incubator.accounts.models import User
from incubator.audit import AuditEntry, record_change
from incubator.auth import STAFF_ROLES
from incubator.errors import DomainError
from incubator.extensions import db
from incubator.reports import counts, sources, timeline
from incubator.reports import exports as export_sources
from incubator.reports.charts import build_chart
from incubator.reports.models import PersonNote
from incubator.reports.scope import Scope, Table

NOTE_MAX_LENGTH = 2000
VIEWED = "person.viewed"


# --- Figures ----------------------------------------------------------------------

@dataclass
class FigureView:
    source: sources.FigureSource
    result: sources.Result | None

    @property
    def recorded(self) -> bool:
        return self.result is not None

    @property
    def key(self) -> str:
        return self.source.key


def figures(scope: Scope) -> list[FigureView]:
    """Every figure's value, breakdown and monthly values, counted in the
    database without loading the rows (the dashboard, the impact report)."""
    counted = counts.figures(scope)
    return [FigureView(source, counted[source.key]) for source in sources.FIGURES]


def figure(scope: Scope, key: str) -> FigureView | None:
    """One figure with the rows behind it (its drill-down page and CSV)."""
    source = sources.FIGURES_BY_KEY.get(key)
    return FigureView(source, source.compute(scope)) if source else None


def month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def monthly(scope: Scope, table: Table, date_key: str, sum_key: str | None = None) -> list[tuple[str, int]]:
    """Rows per month of the period (or a value summed per month)."""
    totals: Counter = Counter()
    for row in table.rows:
        day = row.get(date_key)
        if isinstance(day, datetime):
            day = day.date()
        if isinstance(day, date):
            totals[(day.year, day.month)] += row.get(sum_key, 0) if sum_key else 1
    return [(month_label(y, m), totals[(y, m)]) for y, m in scope.months()]


def trends(scope: Scope, views: list[FigureView] | None = None) -> list:
    """One chart per figure that has a date to draw by, for recorded figures."""
    from flask_babel import gettext as _

    charts = []
    for view in views or figures(scope):
        source = view.source
        if not source.trend_date or view.result is None:
            continue
        if view.result.months is not None:
            points = [(month_label(y, m), value)
                      for (y, m), value in zip(scope.months(), view.result.months, strict=True)]
        else:
            points = monthly(scope, view.result.table, source.trend_date, source.trend_sum)
        if source.unit == "yuan":
            shown = [(label, value, yuan_text(value)) for label, value in points]
            kind, ticks = "line", yuan_text
        else:
            shown = [(label, value, str(value)) for label, value in points]
            kind, ticks = "bar", str
        title = _("%(figure)s by month", figure=source.label)
        description = _("%(figure)s in each month from %(start)s to %(end)s; the table below gives the numbers.",
                        figure=source.label, start=scope.start.isoformat(), end=scope.end.isoformat())
        charts.append(build_chart(source.key, title, description, shown, kind=kind, tick_format=ticks))
    return charts


def yuan_text(fen: int) -> str:
    return format_decimal(fen / 100, format="#,##0")


# --- Incubated ----------------------------------------------------------------------

def incubated_people(scope: Scope) -> sources.Result:
    return sources.incubated(scope)


def incubated_shops(scope: Scope) -> sources.Result | None:
    from incubator.reports.settings import rule_for

    rule = rule_for(scope.site_id)
    if not rule.by_shop_stage:
        return sources.Result(0, Table([]))
    return sources.shops_reached_stage(scope, rule.shop_stage)


# --- Person records -----------------------------------------------------------------

def person_record(viewer: User, person: User) -> timeline.Record:
    """Her journey: each section's count and latest events. Staff (of the
    person's base: the view checks it) also see staff notes, and their look
    is written to the history; the person herself sees hers without notes."""
    is_staff_view = _staff_look(viewer, person)
    if is_staff_view:
        _record_look(viewer, person)
    return timeline.build_record(person, include_staff_only=is_staff_view)


def person_section(viewer: User, person: User, key: str, page: int, per_page: int) -> timeline.SectionEvents | None:
    """One page of one section of her journey, newest first, under the
    record's rules: notes for staff only, and a staff look is written to the
    history. None for a section the viewer cannot see or that is not recorded."""
    is_staff_view = _staff_look(viewer, person)
    source = timeline.section_source(key, include_staff_only=is_staff_view)
    if source is None:
        return None
    if is_staff_view:
        _record_look(viewer, person)
    return timeline.build_section(person, source, timeline.Window((page - 1) * per_page, per_page))


def _staff_look(viewer: User, person: User) -> bool:
    return viewer.id != person.id and viewer.has_any_role(STAFF_ROLES)


def _record_look(viewer: User, person: User) -> None:
    record_change(viewer, VIEWED, person, site_id=person.site_id)
    _commit_keeping_loaded()


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the request has loaded. The only change
    is a new history entry, so the viewer and the person need no reloading
    (a commit normally expires them: four more statements, with their roles)."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


def add_note(actor: User, person: User, body: str) -> PersonNote:
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise DomainError(_l("Write the note first."), field="body")
    if len(body) > NOTE_MAX_LENGTH:
        raise DomainError(_l("Keep the note under %(n)s characters.", n=NOTE_MAX_LENGTH), field="body")
    note = PersonNote(site_id=person.site_id, person_id=person.id, author_id=actor.id, body=body)
    db.session.add(note)
    db.session.flush()
    record_change(actor, "person.note_added", note, after={"person_id": person.id})
    db.session.commit()
    return note


def people_query(site_id: int | None, text: str = ""):
    from incubator.accounts.service import search_users_query

    return search_users_query(clean_text(text, 100), None, site_id)


# --- History (audit log) ---------------------------------------------------------------

def audit_query(*, site_id: int | None, who: str = "", action: str = "", object_type: str = "",
                object_id: int | None = None, start_at: datetime | None = None, end_at: datetime | None = None):
    """A select() of history entries, newest first (the actor joined for searching)."""
    actor = aliased(User)
    query = (select(AuditEntry).outerjoin(actor, AuditEntry.actor_id == actor.id)
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    if site_id is not None:
        query = query.where(AuditEntry.site_id == site_id)
    who = clean_text(who, 100)
    if who:
        pattern = f"%{who.lower()}%"
        query = query.where(or_(actor.display_name.ilike(pattern), actor.phone.like(pattern)))
    action, object_type = clean_text(action, 80), clean_text(object_type, 40)
    if action:
        query = query.where(AuditEntry.action.like(f"{action}%"))
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if start_at:
        query = query.where(AuditEntry.at >= start_at)
    if end_at:
        query = query.where(AuditEntry.at < end_at)
    return query


def actors_of(entries) -> dict[int, User]:
    ids = {e.actor_id for e in entries if e.actor_id}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids or {-1})))}


def audit_actions(site_id: int | None) -> list[str]:
    query = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    if site_id is not None:
        query = query.where(AuditEntry.site_id == site_id)
    return list(db.session.scalars(query))


def audit_object_types(site_id: int | None) -> list[str]:
    query = select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)
    if site_id is not None:
        query = query.where(AuditEntry.site_id == site_id)
    return list(db.session.scalars(query))


# --- CSV ------------------------------------------------------------------------------

def cell(value, kind: str = "text") -> str:
    """One CSV cell: money is yuan with two decimals; the rest as every
    export writes it (incubator/csvfile.py: formulas made inert)."""
    if kind == "yuan" and isinstance(value, int):
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"
    return csvfile.safe(value)


def csv_lines(table: Table):
    """The table as CSV, streamed (the header translated now, in the request)."""
    return csvfile.lines([str(c.label) for c in table.columns],
                         ([cell(row.get(c.key), c.kind) for c in table.columns] for row in table.rows))


def export_table(scope: Scope, name: str) -> Table | None:
    source = export_sources.EXPORTS_BY_NAME.get(name)
    return source.build(scope) if source else None


# --- Scope from what a person chose ------------------------------------------------------

MAX_PERIOD_DAYS = 366 * 5
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
LARGEST_ID = 2**31 - 1


def clean_text(value: str | None, limit: int = 200) -> str:
    """What a person typed into a search box, safe for any database: no NUL
    characters (PostgreSQL refuses them), trimmed, and not too long."""
    return (value or "").replace("\x00", "").strip()[:limit]


def parse_id(value) -> int | None:
    """A record number from a form: None when empty, -1 when it cannot be one."""
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return -1
    return number if 0 < number <= LARGEST_ID else -1


def build_scope(user: User, *, start: date | None, end: date | None, programme_id: int | None = None,
                cohort_id: int | None = None, group: str | None = None, site_id: int | None = None,
                today: date | None = None) -> Scope:
    """The scope a staff member asked for. Staff always look at their own
    base; admins may look at one base or all. Default period: this year."""
    from incubator.auth import ADMIN
    from incubator.enrolment.models import Cohort, Programme
    from incubator.reports.scope import this_year
    from incubator.sites.models import Site
    from incubator.timeutil import DEFAULT_TIMEZONE, local_today

    if user.has_role(ADMIN):
        site = db.session.get(Site, site_id) if site_id else None
        if site_id and site is None:
            raise DomainError(_l("Choose a base from the list."), field="site")
    else:
        site = user.site
    tz = site.timezone if site else DEFAULT_TIMEZONE
    today = today or local_today(tz)
    first, last = this_year(today)
    start, end = start or first, end or last
    for name, day in (("start", start), ("end", end)):
        if not EARLIEST <= day <= LATEST:
            raise DomainError(_l("Choose a date between %(first)s and %(last)s.", first=EARLIEST.isoformat(),
                                 last=LATEST.isoformat()), field=name)
    if end < start:
        raise DomainError(_l("The period must end on or after the day it starts."), field="end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError(_l("Choose a period of five years or less."), field="start")
    if group and group not in sources.GROUP_LABELS:
        raise DomainError(_l("Choose a group from the list."), field="group")
    site_id = site.id if site else None
    if programme_id:
        programme = db.session.get(Programme, programme_id)
        if programme is None or (site_id is not None and programme.site_id != site_id):
            raise DomainError(_l("Choose a programme from the list."), field="programme")
    if cohort_id:
        cohort = db.session.get(Cohort, cohort_id)
        if cohort is None or (site_id is not None and cohort.site_id != site_id):
            raise DomainError(_l("Choose a class from the list."), field="cohort")
    return Scope(site_id=site_id, start=start, end=end, tz=tz, programme_id=programme_id or None,
                 cohort_id=cohort_id or None, group=group or None, today=today)


def filter_choices(site_id: int | None) -> dict:
    """Programmes, classes and groups to filter by."""
    from incubator.enrolment.models import Cohort, Programme

    # Ids and names only: a base of a district has hundreds of classes.
    programmes = select(Programme.id, Programme.name).order_by(Programme.name)
    cohorts = select(Cohort.id, Cohort.name).order_by(Cohort.starts_on.desc(), Cohort.name)
    if site_id is not None:
        programmes = programmes.where(Programme.site_id == site_id)
        cohorts = cohorts.where(Cohort.site_id == site_id)
    return {
        "programmes": [tuple(row) for row in db.session.execute(programmes)],
        "cohorts": [tuple(row) for row in db.session.execute(cohorts)],
        "groups": [(key, str(label)) for key, label in sources.GROUP_LABELS.items()],
    }
