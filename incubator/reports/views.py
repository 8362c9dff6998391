from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import lazyload

from incubator import csvfile
from incubator.accounts.models import User
from incubator.audit import name_of
from incubator.auth import ADMIN, ensure_same_site, staff_required
from incubator.errors import DomainError
from incubator.extensions import db
from incubator.i18n import EN, ZH
from incubator.reports import exports as export_sources
from incubator.reports import service
from incubator.reports.forms import AuditSearchForm, FilterForm, NoteForm, PeopleSearchForm, RuleForm
from incubator.reports.settings import rule_for, save_rule, stage_choices, stage_name
from incubator.timeutil import to_utc
from incubator.web import Page, apply_errors, page_number, paginate, redirect_to, render, render_form, render_form_error

bp = Blueprint("reports", __name__)

PEOPLE_PER_PAGE = 25
ROWS_PER_PAGE = 50
AUDIT_PER_PAGE = 30


def _number(value) -> int | None:
    """An id from the filters; -1 when it cannot be one (build_scope says so)."""
    return service.parse_id(value)


def _filters():
    """The filter form, the scope it asks for, and whether it had errors
    (the page then shows the messages, the default period, and status 422)."""
    form = FilterForm(request.args)
    form.validate()
    is_admin = current_user.has_role(ADMIN)
    site_id = _number(form.site.data) if is_admin else current_user.site_id
    try:
        scope = service.build_scope(
            current_user, start=None if form.start.errors else form.start.data,
            end=None if form.end.errors else form.end.data,
            programme_id=_number(form.programme.data), cohort_id=_number(form.cohort.data),
            group=service.clean_text(form.group.data, 40) or None,
            site_id=_number(form.site.data) if is_admin else None)
    except DomainError as error:
        apply_errors(form, error)
        try:
            scope = service.build_scope(current_user, start=None, end=None,
                                        site_id=site_id if is_admin and (site_id or 0) > 0 else None)
        except DomainError:  # the base itself was not one of the list
            scope = service.build_scope(current_user, start=None, end=None)
    has_errors = bool(form.errors) or bool(form.form_errors)
    choices = service.filter_choices(scope.site_id)
    form.programme.choices = [("", _("All programmes"))] + [(str(i), n) for i, n in choices["programmes"]]
    form.cohort.choices = [("", _("All classes"))] + [(str(i), n) for i, n in choices["cohorts"]]
    form.group.choices = [("", _("All groups"))] + choices["groups"]
    if is_admin:
        from incubator.sites.service import all_sites

        form.site.choices = [("", _("All bases"))] + [(str(s.id), s.name) for s in all_sites()]
    if not has_errors:
        form.start.data, form.end.data = scope.start, scope.end
    return form, scope, has_errors


def _render(template, fragment, has_errors, /, **context):
    if has_errors:
        return render_form_error(template, fragment, **context)
    return render(template, fragment, **context)


# --- Dashboard and drill-downs ----------------------------------------------------------

@bp.route("/reports/")
@staff_required
def dashboard():
    form, scope, has_errors = _filters()
    views = service.figures(scope)
    return _render("reports/dashboard.html", "reports/_dashboard.html", has_errors, form=form, scope=scope,
                   figures=views, charts=service.trends(scope, views), is_admin=current_user.has_role(ADMIN))


@bp.route("/reports/figures/<key>")
@staff_required
def drilldown(key: str):
    form, scope, has_errors = _filters()
    view = service.figure(scope, key)
    if view is None:
        abort(404)
    if request.args.get("format") == "csv" and view.recorded and not has_errors:
        return _csv(view.result.table, f"{key}-{scope.start}-{scope.end}.csv")
    rows = view.result.table.rows if view.recorded else []
    page = _page(rows, ROWS_PER_PAGE)
    return _render("reports/drilldown.html", "reports/_drilldown.html", has_errors, form=form, scope=scope,
                   view=view, page=page, is_admin=current_user.has_role(ADMIN))


def _page(rows: list, per_page: int) -> Page:
    number = page_number()
    return Page(rows[(number - 1) * per_page:number * per_page], number, per_page, len(rows))


def _csv(table, filename: str) -> Response:
    return csvfile.download(service.csv_lines(table), filename)


# --- Incubated --------------------------------------------------------------------------

@bp.route("/reports/incubated")
@staff_required
def incubated():
    form, scope, has_errors = _filters()
    people = service.incubated_people(scope)
    shops = service.incubated_shops(scope)
    rule = rule_for(scope.site_id)
    return _render("reports/incubated.html", "reports/_incubated.html", has_errors, form=form, scope=scope,
                   people=people, shops=shops, rule=rule, stage_name=stage_name(scope.site_id, rule.shop_stage),
                   is_admin=current_user.has_role(ADMIN),
                   page=_page(people.table.rows, ROWS_PER_PAGE))


@bp.route("/reports/settings", methods=["GET", "POST"])
@staff_required
def settings():
    rule = rule_for(current_user.site_id)
    form = RuleForm(data=rule.__dict__) if request.method == "GET" else RuleForm()
    form.shop_stage.choices = stage_choices(current_user.site_id)
    if form.validate_on_submit():
        try:
            save_rule(current_user, current_user.site_id, by_completion=form.by_completion.data,
                      by_shop_stage=form.by_shop_stage.data, shop_stage=form.shop_stage.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("The definition of incubated is saved."), "success")
            return redirect_to(url_for("reports.incubated"))
    return render_form(form, "reports/settings.html", form=form)


# --- Impact report ----------------------------------------------------------------------

@bp.route("/reports/impact")
@staff_required
def impact():
    form, scope, has_errors = _filters()
    views = {v.key: v for v in service.figures(scope)}
    site = current_user.site if scope.site_id == current_user.site_id else None
    if scope.site_id and site is None:
        from incubator.sites.models import Site

        site = db.session.get(Site, scope.site_id)
    texts = {}
    for locale in (ZH, EN):
        with force_locale(locale):
            # Our own template, escaped as it was rendered: safe to place in the page.
            texts[locale] = Markup(render_template(  # noqa: S704 (our own escaped template)
                "reports/_impact_text.html", figures=views, scope=scope, site=site,
                lang="zh-CN" if locale == ZH else "en"))
    return _render("reports/impact.html", None, has_errors, form=form, scope=scope, texts=texts, site=site,
                   is_admin=current_user.has_role(ADMIN))


# --- Exports ------------------------------------------------------------------------------

@bp.route("/reports/exports")
@staff_required
def exports():
    form, scope, has_errors = _filters()
    available = [(e, e.build is not None and _recorded(e, scope)) for e in export_sources.EXPORTS]
    return _render("reports/exports.html", None, has_errors, form=form, scope=scope, exports=available,
                   is_admin=current_user.has_role(ADMIN))


def _recorded(export, scope) -> bool:
    """Whether the export's area is there (cheap: builders return None early)."""
    return export.build(scope.with_(start=scope.end, end=scope.end)) is not None


@bp.route("/reports/exports/<name>.csv")
@staff_required
def export_csv(name: str):
    form, scope, has_errors = _filters()
    if has_errors:
        return render_form_error("reports/exports.html", None, form=form, scope=scope,
                                 exports=[(e, True) for e in export_sources.EXPORTS],
                                 is_admin=current_user.has_role(ADMIN))
    table = service.export_table(scope, name)
    if table is None:
        abort(404)
    return _csv(table, f"{name}-{scope.start}-{scope.end}.csv")


# --- People and their records ---------------------------------------------------------------

@bp.route("/reports/people")
@staff_required
def people():
    form = PeopleSearchForm(request.args)
    form.validate()
    site_id = None if current_user.has_role(ADMIN) else current_user.site_id
    page = paginate(service.people_query(site_id, form.q.data or ""), PEOPLE_PER_PAGE)
    return render("reports/people.html", "reports/_people.html", form=form, page=page)


def _person(person_id: int) -> User:
    """The person whose record it is, on the viewer's base; her roles are
    read only if something asks for them (the record shows her journey)."""
    return ensure_same_site(db.session.get(User, person_id, options=[lazyload(User.role_grants)]))


@bp.route("/reports/people/<int:person_id>")
@staff_required
def person(person_id: int):
    person = _person(person_id)
    record = service.person_record(current_user, person)
    return render("reports/record.html", None, record=record, note_form=NoteForm(), own=False)


@bp.route("/reports/people/<int:person_id>/sections/<section>")
@staff_required
def person_section(person_id: int, section: str):
    return _section(_person(person_id), section, own=False)


def _section(person: User, key: str, own: bool):
    """All of one section of a record, a page at a time (the record shows its latest)."""
    number = page_number()
    found = service.person_section(current_user, person, key, number, ROWS_PER_PAGE)
    if found is None:
        abort(404)
    page = Page(found.events, number, ROWS_PER_PAGE, found.section.count)
    return render("reports/record_section.html", "reports/_record_section.html", found=found, page=page, own=own)


@bp.route("/reports/people/<int:person_id>/notes", methods=["POST"])
@staff_required
def add_note(person_id: int):
    person = _person(person_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            service.add_note(current_user, person, form.body.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("The note is saved."), "success")
            return redirect_to(url_for("reports.person", person_id=person.id) + "#notes")
    from incubator.reports.timeline import build_record

    record = build_record(person, include_staff_only=True)
    return render_form_error("reports/record.html", "reports/_note_form.html", record=record, note_form=form,
                             own=False)


@bp.route("/me/record")
@login_required
def my_record():
    record = service.person_record(current_user, current_user)
    return render("reports/record.html", None, record=record, note_form=None, own=True)


@bp.route("/me/record/sections/<section>")
@login_required
def my_record_section(section: str):
    return _section(current_user, section, own=True)


# --- History (audit log) ---------------------------------------------------------------------

@bp.route("/reports/audit")
@staff_required
def audit():
    form = AuditSearchForm(request.args)
    form.validate()
    site_id = None if current_user.has_role(ADMIN) else current_user.site_id
    form.action.choices = [("", _("Any action"))] + _named(service.audit_actions(site_id))
    form.object_type.choices = [("", _("Any kind"))] + _named(service.audit_object_types(site_id))
    tz = current_user.site.timezone
    object_id = _number(form.object_id.data)
    if object_id == -1:
        form.object_id.errors = list(form.object_id.errors) + [_("Enter a number.")]
    start = form.start.data if not form.start.errors else None
    end = form.end.data if not form.end.errors else None
    for field, day in ((form.start, start), (form.end, end)):
        if day and not service.EARLIEST <= day <= service.LATEST:
            field.errors = list(field.errors) + [_("Choose a date between %(first)s and %(last)s.",
                                                   first=service.EARLIEST.isoformat(),
                                                   last=service.LATEST.isoformat())]
    start = start if start and service.EARLIEST <= start <= service.LATEST else None
    end = end if end and service.EARLIEST <= end <= service.LATEST else None
    if start and end and end < start:
        form.end.errors = list(form.end.errors) + [_("The period must end on or after the day it starts.")]
        end = None
    from datetime import datetime, time, timedelta

    query = service.audit_query(
        site_id=site_id, who=form.who.data or "", action=form.action.data or "",
        object_type=form.object_type.data or "", object_id=object_id if object_id and object_id > 0 else None,
        start_at=to_utc(datetime.combine(start, time()), tz) if start else None,
        end_at=to_utc(datetime.combine(end + timedelta(days=1), time()), tz) if end else None)
    page = paginate(query, AUDIT_PER_PAGE)
    actors = service.actors_of(page.items)
    has_errors = any(f.errors for f in form)
    return _render("reports/audit.html", "reports/_audit_results.html", has_errors, form=form, page=page,
                   actors=actors, name_of=name_of)


def _named(codes: list[str]) -> list[tuple[str, str]]:
    """A filter's choices: each code under its name, in the order of the names."""
    return sorted(((code, name_of(code)) for code in codes), key=lambda choice: choice[1])
