"""Booking pages: the day calendar, booking, own bookings, the calendar feed,
and the staff's lists, queue, report, resources, kits and closures. Thin:
parse, call the service, render."""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, current_app, flash, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from incubator import csvfile
from incubator.accounts.models import User, UserRole
from incubator.auth import SHOP_OWNER, STAFF_ROLES, TRAINEE, ensure_owner_or_staff, ensure_same_site, staff_required
from incubator.booking import service
from incubator.booking.forms import (
    FIRST_DAY,
    LAST_DAY,
    WEEKDAYS,
    BlackoutForm,
    BookingForm,
    CodeForm,
    FilterForm,
    FreeAtForm,
    MoveForm,
    NoteForm,
    ReasonForm,
    ResourceForm,
    kit_form,
)
from incubator.booking.models import (
    BOOKING_STATUSES,
    CONFIRMED,
    EQUIPMENT,
    NO_SHOW,
    PENDING,
    STUDIO,
    Blackout,
    Booking,
    Kit,
    Resource,
)
from incubator.errors import DomainError
from incubator.extensions import db
from incubator.sites.service import timezone_of
from incubator.timeutil import clock_text, to_local, to_utc, utcnow
from incubator.web import apply_errors, paginate, redirect_to, render, render_form, render_form_error

bp = Blueprint("booking", __name__, url_prefix="/booking")

LARGEST_ID = 2**31 - 1  # the largest id an integer column holds (PostgreSQL)

STATUS_LABELS = {
    PENDING: _l("Waiting for approval"),
    CONFIRMED: _l("Confirmed"),
    "declined": _l("Declined"),
    "cancelled": _l("Cancelled"),
    NO_SHOW: _l("No-show, released"),
}
STATUS_TONES = {PENDING: "warn", CONFIRMED: "ok", "declined": "bad", "cancelled": "muted", NO_SHOW: "bad"}
# The day calendar shows this many resources at a time, of one kind or both.
CALENDAR_PER_PAGE = 8
CALENDAR_KINDS = {STUDIO: _l("Studios"), EQUIPMENT: _l("Equipment")}
SLOT_LABELS = {
    "free": _l("Free"), "mine": _l("Your booking"), "busy": _l("Booked"), "session": _l("Training session"),
    "closure": _l("Closed"), "past": _l("Past"),
}


@bp.app_context_processor
def booking_labels():
    return {"booking_status_labels": STATUS_LABELS, "booking_status_tones": STATUS_TONES,
            "slot_labels": SLOT_LABELS, "timedelta_minutes": lambda minutes: timedelta(minutes=minutes)}


# --- helpers ---------------------------------------------------------------------------

def _tz() -> str:
    return timezone_of(current_user.site_id)


def _today() -> date:
    return to_local(utcnow(), _tz()).date()




def _arg_date(name: str, default: date | None = None) -> date | None:
    try:
        value = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default
    return value if FIRST_DAY <= value <= LAST_DAY else default


def _arg_time(name: str) -> time | None:
    try:
        return time.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _utc(day: date, at: time) -> datetime:
    return to_utc(datetime.combine(day, at), _tz())


def _end(day: date, start: time, end: time) -> datetime:
    """An end of 00:00 means midnight after the day."""
    if end == time(0, 0) and start != time(0, 0):
        return to_utc(datetime.combine(day + timedelta(days=1), end), _tz())
    return _utc(day, end)


def _own_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        abort(404)
    return ensure_owner_or_staff(booking, booking.user_id)


def _staff_site() -> int | None:
    """Staff work on their own base; admins on every base."""
    return None if current_user.has_role("admin") else current_user.site_id


def _is_staff() -> bool:
    return current_user.has_any_role(STAFF_ROLES)


# --- calendar --------------------------------------------------------------------------

@bp.route("/")
@login_required
def calendar():
    """The day, a few resources at a time: a district base has dozens of
    studios and kits, and all of them at once made a page too heavy for a
    phone (390 KB). The kind and page stay as the day changes."""
    day = _arg_date("day", _today())
    kind = request.args.get("kind") if request.args.get("kind") in CALENDAR_KINDS else None
    page = paginate(service.calendar_resources(current_user.site_id, kind), CALENDAR_PER_PAGE)
    rows = service.day_calendar(current_user.site_id, day, current_user, page.items)
    keep = {name: value for name, value in (("kind", kind), ("page", page.page)) if value and value != 1}
    return render("booking/calendar.html", "booking/_day.html", day=day, rows=rows, today=_today(),
                  prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1), page=page, kind=kind,
                  kinds=CALENDAR_KINDS, keep=keep, free_form=FreeAtForm(request.args, day=day))


@bp.route("/free")
@login_required
def free():
    form = FreeAtForm(request.args)
    # A day out of range or hours not offered: the form says so, the
    # search runs with the defaults.
    usable = FreeAtForm() if not form.validate() else form
    day = usable.day.data or _today()
    start = usable.start.data or time(19, 0)
    hours = usable.hours.data or 2
    starts_at = _utc(day, start)
    found = service.free_at(current_user.site_id, starts_at, starts_at + timedelta(hours=hours))
    end = (datetime.combine(day, start) + timedelta(hours=hours)).time()
    return render("booking/free.html", "booking/_free_results.html", form=form, found=found, day=day,
                  start=start, end=end)


@bp.route("/resources/<int:resource_id>/week")
@login_required
def week(resource_id: int):
    resource = ensure_same_site(_resource(resource_id))
    first = _arg_date("start", _today())
    columns = service.week_of(resource, first, current_user)
    return render("booking/week.html", "booking/_week.html", resource=resource, columns=columns, first=first,
                  length=service.booking_length(resource),
                  prev_week=first - timedelta(days=7), next_week=first + timedelta(days=7))


# --- booking ---------------------------------------------------------------------------

def _booking_form() -> BookingForm:
    """The form, with the people staff may book for (their list is checked when
    it is sent). What to book and the shop are listed by _offer, only when the
    form is shown: a booking sent is checked by _chosen and the service."""
    site_id = current_user.site_id
    form = BookingForm()
    if _is_staff():
        people = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
            User.site_id == site_id, User.active.is_(True), UserRole.role.in_((TRAINEE, SHOP_OWNER)))
            .order_by(User.display_name).distinct())
        form.owner_id.choices = [(0, _("Myself"))] + [(u.id, u.display_name) for u in people]
    else:
        # Only staff book for someone else: for anyone else the field is not on the
        # form at all, so a posted owner_id is ignored rather than refused unseen.
        del form.owner_id
    if request.method == "GET":
        if request.args.get("resource_id"):
            form.what.data = f"r:{request.args['resource_id']}"
        elif request.args.get("kit_id"):
            form.what.data = f"k:{request.args['kit_id']}"
        form.day.data = _arg_date("day", _today())
        form.start.data = _arg_time("start")
        form.end.data = _arg_time("end") or _end_after(form.start.data, request.args.get("minutes"))
    return form


def _end_after(start: time | None, minutes) -> time | None:
    """The end a tap on a free time of the calendar asks for: its start and
    the resource's booking length, sent as minutes (the calendar's buttons
    carry only the start, so each need not repeat a whole address)."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return None
    if start is None or not 0 < minutes < 24 * 60:
        return None
    return (datetime.combine(date.min, start) + timedelta(minutes=minutes)).time()


def _offer(form: BookingForm) -> BookingForm:
    """The studios, equipment, kits and shops the form lists (to show it)."""
    choices = []
    for kind, item_id, name, quantity in service.bookable(current_user.site_id):
        if kind == "r":
            choices.append((f"r:{item_id}", name + (f" ({quantity})" if quantity > 1 else "")))
        else:
            choices.append((f"k:{item_id}", _("Kit: %(name)s", name=name)))
    form.what.choices = choices
    from incubator.shops.models import Shop

    shops = select(Shop.id, Shop.name).where(Shop.site_id == current_user.site_id)
    if not _is_staff():
        shops = shops.where(Shop.owner_id == current_user.id)
    form.shop_id.choices = [(0, _("No shop"))] + [tuple(row) for row in db.session.execute(shops.order_by(Shop.name))]
    return form


def _valid_id(raw) -> int | None:
    try:
        item_id = int(raw)
    except (TypeError, ValueError):
        return None
    return item_id if 0 < item_id <= LARGEST_ID else None


def _resource(resource_id) -> Resource | None:
    """A resource with its opening hours and base, or None (also for an id no
    database column can hold)."""
    resource_id = _valid_id(resource_id)
    return service.load_resource(resource_id) if resource_id else None


def _chosen(form: BookingForm):
    """What the form asks to book: an active resource or kit of the person's base
    (the form's list offers only those), else (None, None)."""
    kind, _sep, raw = (form.what.data or "").partition(":")
    item_id = _valid_id(raw)
    if item_id is None:
        return None, None
    if kind == "r":
        resource = service.load_resource(item_id)
        ok = resource is not None and resource.site_id == current_user.site_id and resource.active
        return (resource if ok else None), None
    if kind == "k":
        kit = db.session.get(Kit, item_id)
        return None, (kit if kit and kit.site_id == current_user.site_id and kit.active else None)
    return None, None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _booking_form()
    result = None
    if form.validate_on_submit():
        resource, kit = _chosen(form)
        owner = current_user
        if _is_staff() and form.owner_id.data:
            owner = db.session.get(User, form.owner_id.data)
            if owner is None or owner.site_id != current_user.site_id:
                abort(404)
        starts_at = _utc(form.day.data, form.start.data)
        ends_at = _end(form.day.data, form.start.data, form.end.data)
        args = {"owner": owner, "purpose": form.purpose.data or "", "shop_id": form.shop_id.data or None}
        weeks = form.weeks.data or 1
        try:
            if resource is None and kit is None:
                raise DomainError(_l("Choose a studio, equipment or kit."), field="what")
            if weeks > 1:
                result = service.book_weekly(current_user, resource, starts_at, ends_at, weeks, kit=kit,
                                             units=form.units.data or 1, **args)
                if not result.booked:
                    raise DomainError(_l("None of the dates could be booked."), field=None)
            elif kit is not None:
                placed = service.book_kit(current_user, kit, starts_at, ends_at, **args)
            else:
                placed = service.book(current_user, resource, starts_at, ends_at, units=form.units.data or 1, **args)
        except DomainError as error:
            apply_errors(form, error)
        else:
            if result is not None:
                return _show_series(result)
            first = placed[0]
            if first.status == PENDING:
                flash(_("Your request is sent; staff will approve or decline it."), "success")
            else:
                flash(_("Booked: %(resource)s, %(when)s.", resource=first.resource.name,
                        when=format_datetime(first.starts_at, "short")), "success")
            return redirect_to(url_for("booking.detail", booking_id=first.id))
    if form.is_submitted():
        return render_form_error("booking/new.html", form=_offer(form), result=result)
    return render("booking/new.html", form=_offer(form), result=None)


def _show_series(result: service.SeriesResult):
    """Post, then redirect: a reload of the result must not book the weeks
    again. The dates that were not booked are not stored anywhere else, so
    they ride along in the session for the result page."""
    key = result.booked[0].series_key
    session["series_failed"] = {"key": key, "failed": [[day.isoformat(), reason] for day, reason in result.failed]}
    return redirect_to(url_for("booking.series", series_key=key))


@bp.route("/series/<series_key>")
@login_required
def series(series_key: str):
    booked = service.series_for(current_user, series_key)
    if not booked:
        abort(404)
    kept = session.get("series_failed") or {}
    failed = [(date.fromisoformat(day), reason) for day, reason in kept.get("failed", [])] \
        if kept.get("key") == series_key else []
    return render("booking/series_result.html", result=service.SeriesResult(booked, failed))


@bp.route("/mine")
@login_required
def mine():
    token = service.feed_token(current_user)
    return render("booking/mine.html", upcoming=service.upcoming_for(current_user),
                  past=service.past_for(current_user), paused_until=service.paused_until(current_user),
                  feed_url=url_for("booking.feed", token=token, _external=True), code_form=CodeForm())


@bp.route("/<int:booking_id>")
@login_required
def detail(booking_id: int):
    booking = _own_booking(booking_id)
    return render("booking/detail.html", booking=booking, group=service.group_of(booking),
                  reason_form=ReasonForm(), note_form=NoteForm(), now=utcnow(),
                  checkin_opens=booking.starts_at - timedelta(minutes=service.setting("BOOKING_CHECKIN_EARLY_MINUTES")))


def _act(booking: Booking, action, success: str):
    try:
        action()
    except DomainError as error:
        flash(str(error.message), "error")
        response = redirect_to(url_for("booking.detail", booking_id=booking.id))
        return response
    flash(success, "success")
    return redirect_to(request.form.get("next") if request.form.get("next", "").startswith("/booking")
                       else url_for("booking.detail", booking_id=booking.id))


@bp.route("/<int:booking_id>/cancel", methods=["POST"])
@login_required
def cancel(booking_id: int):
    booking = _own_booking(booking_id)
    form = ReasonForm()
    return _act(booking, lambda: service.cancel(current_user, booking, form.reason.data or ""),
                _("The booking is cancelled; the time is free for others."))


@bp.route("/<int:booking_id>/checkin", methods=["POST"])
@login_required
def checkin(booking_id: int):
    booking = _own_booking(booking_id)
    return _act(booking, lambda: service.check_in(current_user, booking), _("Checked in. Have a good livestream!"))


@bp.route("/<int:booking_id>/move", methods=["GET", "POST"])
@login_required
def move(booking_id: int):
    booking = _own_booking(booking_id)
    form = MoveForm()
    if request.method == "GET":
        local_start, local_end = to_local(booking.starts_at, _tz()), to_local(booking.ends_at, _tz())
        form.day.data, form.start.data, form.end.data = local_start.date(), local_start.time(), local_end.time()
    if form.validate_on_submit():
        try:
            service.move(current_user, booking, _utc(form.day.data, form.start.data),
                         _end(form.day.data, form.start.data, form.end.data))
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The booking is moved."), "success")
            return redirect_to(url_for("booking.detail", booking_id=booking.id))
    return render_form(form, "booking/move.html", form=form, booking=booking)


@bp.route("/checkin", methods=["GET", "POST"])
@login_required
def checkin_code():
    form = CodeForm()
    if form.validate_on_submit():
        try:
            booking = service.check_in_with_code(current_user, form.code.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Checked in. Have a good livestream!"), "success")
            return redirect_to(url_for("booking.detail", booking_id=booking.id))
    return render_form(form, "booking/checkin.html", form=form)


# --- the calendar feed --------------------------------------------------------------------

@bp.route("/feed/<token>.ics")
def feed(token: str):
    user = service.user_for_feed(token)
    if user is None:
        abort(404)
    body = service.feed_ics(user, host=request.host)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="incubator.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/feed/renew", methods=["POST"])
@login_required
def feed_renew():
    service.renew_feed_token(current_user)
    flash(_("Your calendar address is renewed; the old one no longer works. Add the new one to your phone."),
          "success")
    return redirect_to(url_for("booking.mine"))


# --- staff: bookings, queue, on the day -----------------------------------------------------

def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    site_id = _staff_site()
    resources = service.resources_of(site_id or current_user.site_id, include_inactive=True)
    form.resource_id.choices = [(0, _("All"))] + [(r.id, r.name) for r in resources]
    form.status.choices = [("", _("All"))] + [(s, STATUS_LABELS[s]) for s in BOOKING_STATUSES]
    return form


def _filters(form: FilterForm) -> dict:
    """The filters that passed their checks (the form shows the others' messages)."""
    def valid(field):
        return None if field.errors else field.data

    return {"resource_id": form.resource_id.data or None, "status": form.status.data or None,
            "day_from": valid(form.day_from), "day_to": valid(form.day_to), "person": form.person.data or ""}


def _filtered(form: FilterForm):
    form.validate()
    return service.bookings_query(_staff_site(), **_filters(form))


@bp.route("/staff/bookings")
@staff_required
def staff_bookings():
    form = _filter_form()
    page = paginate(_filtered(form), 30)
    return render("booking/staff_bookings.html", "booking/_staff_results.html", form=form, page=page,
                  overdue=service.overdue_items(_staff_site()))


@bp.route("/staff/bookings.csv")
@staff_required
def staff_export():
    """The filtered bookings as CSV, streamed: one query joining each booking's
    resource, person and shop, read 500 rows at a time (a server-side cursor on
    PostgreSQL), so a year of a district's bookings never sits in memory. The
    query runs in an app context of the generator's own, as the response is
    sent, after the request's context is gone."""
    form = _filter_form()
    form.validate()
    query = service.export_query(_staff_site(), **_filters(form))
    headers = [_("Booking"), _("Studio or equipment"), _("Item"), _("Person"), _("Mobile"), _("Starts"),
               _("Ends"), _("Status"), _("Purpose"), _("Shop"), _("Checked in"), _("Handed over"), _("Returned")]
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}
    local, safe = clock_text(_tz()), csvfile.safe
    app = current_app._get_current_object()

    def rows():
        with app.app_context():
            # Plain rows from the connection (through the ORM session each of
            # a year's hundred thousand rows went through its loading
            # machinery), unpacked rather than read by name; only the cells
            # people typed are checked for formulas.
            result = db.session.connection().execution_options(yield_per=500).execute(query)
            for (booking_id, resource, unit, person, phone, starts_at, ends_at, status, purpose, shop,
                 checked_in_at, handed_over_at, returned_at) in result:
                yield (booking_id, safe(resource), unit, safe(person), safe(phone), local(starts_at), local(ends_at),
                       labels[status], safe(purpose), safe(shop), local(checked_in_at), local(handed_over_at),
                       local(returned_at))

    return csvfile.download(csvfile.lines(headers, rows(), made_safe=True), f"bookings-{_today().isoformat()}.csv")


@bp.route("/staff/queue")
@staff_required
def staff_queue():
    return render("booking/queue.html", bookings=service.pending_queue(_staff_site()), form=ReasonForm())


def _staff_booking(booking_id: int) -> Booking:
    return ensure_same_site(db.session.get(Booking, booking_id))


@bp.route("/<int:booking_id>/approve", methods=["POST"])
@staff_required
def approve(booking_id: int):
    booking = _staff_booking(booking_id)
    return _act(booking, lambda: service.approve(current_user, booking), _("Approved; she has been told."))


@bp.route("/<int:booking_id>/decline", methods=["POST"])
@staff_required
def decline(booking_id: int):
    booking = _staff_booking(booking_id)
    form = ReasonForm()
    return _act(booking, lambda: service.decline(current_user, booking, form.reason.data or ""),
                _("Declined; she has been told why."))


@bp.route("/<int:booking_id>/handover", methods=["POST"])
@staff_required
def handover(booking_id: int):
    booking = _staff_booking(booking_id)
    form = NoteForm()
    return _act(booking, lambda: service.hand_over(current_user, booking, form.note.data or ""),
                _("Handed over."))


@bp.route("/<int:booking_id>/return", methods=["POST"])
@staff_required
def take_back(booking_id: int):
    booking = _staff_booking(booking_id)
    form = NoteForm()
    return _act(booking, lambda: service.take_back(current_user, booking, form.note.data or ""),
                _("Back at the base."))


@bp.route("/staff/report")
@staff_required
def staff_report():
    today = _today()
    monday = _arg_date("week", today - timedelta(days=today.weekday()))
    monday = monday - timedelta(days=monday.weekday())
    site_id = current_user.site_id
    start = to_utc(datetime.combine(monday, time()), _tz())
    return render("booking/report.html", "booking/_report.html", monday=monday,
                  rows=service.utilisation(site_id, monday),
                  rate=service.no_show_rate(site_id, start, start + timedelta(days=7)),
                  rate_30=service.no_show_rate(site_id, utcnow() - timedelta(days=30)),
                  prev_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7))


# --- staff: resources, kits, closures -----------------------------------------------------------

@bp.route("/staff/resources")
@staff_required
def staff_resources():
    site_id = current_user.site_id
    return render("booking/resources.html", resources=service.resources_of(site_id, include_inactive=True),
                  kits=service.kits_of(site_id, include_inactive=True))


def _programme_choices():
    from incubator.enrolment.models import Programme

    programmes = db.session.scalars(select(Programme).where(Programme.site_id == current_user.site_id)
                                    .order_by(Programme.name))
    return [(0, _("None"))] + [(p.id, p.name) for p in programmes]


@bp.route("/staff/resources/new", methods=["GET", "POST"])
@staff_required
def resource_new():
    return _resource_form(None)


@bp.route("/staff/resources/<int:resource_id>", methods=["GET", "POST"])
@staff_required
def resource_edit(resource_id: int):
    return _resource_form(ensure_same_site(db.session.get(Resource, resource_id)))


def _resource_form(resource: Resource | None):
    form = ResourceForm(obj=resource)
    form.required_programme_id.choices = _programme_choices()
    if request.method == "GET":
        if resource is not None:
            form.required_programme_id.data = resource.required_programme_id or 0
            hours = {h.weekday: h for h in resource.hours}
        else:
            hours = {d: None for d in range(7)}
        for day in range(7):
            row = hours.get(day)
            getattr(form, f"opens_{day}").data = row.opens if row else (
                service.DEFAULT_OPENS if resource is None else None)
            getattr(form, f"closes_{day}").data = row.closes if row else (
                service.DEFAULT_CLOSES if resource is None else None)
    if form.validate_on_submit():
        hours = {}
        for day in range(7):
            opens, closes = getattr(form, f"opens_{day}").data, getattr(form, f"closes_{day}").data
            hours[day] = (opens, closes) if opens and closes else None
        fields = {name: getattr(form, name).data for name in (
            "name", "kind", "description", "quantity", "active", "status", "maintenance_reason",
            "maintenance_from", "maintenance_until", "slot_minutes", "min_minutes", "max_minutes",
            "min_notice_minutes", "max_advance_days", "buffer_minutes", "cancel_cutoff_minutes",
            "allowed_roles", "required_programme_id", "approval_required", "weekly_quota_hours")}
        try:
            service.save_resource(current_user, resource, site_id=current_user.site_id, hours=hours, **fields)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect_to(url_for("booking.staff_resources"))
    context = {"form": form, "resource": resource, "weekdays": WEEKDAYS}
    return render_form(form, "booking/resource_edit.html", **context)


@bp.route("/staff/resources/<int:resource_id>/door", methods=["GET", "POST"])
@staff_required
def door(resource_id: int):
    resource = ensure_same_site(db.session.get(Resource, resource_id))
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf

        validate_csrf(request.form.get("csrf_token"))
        service.renew_door_code(current_user, resource)
        flash(_("A new door code is made; print the card again."), "success")
        return redirect_to(url_for("booking.door", resource_id=resource.id))
    if not resource.checkin_code:
        service.renew_door_code(current_user, resource)
    return render("booking/door.html", resource=resource)


@bp.route("/staff/kits/new", methods=["GET", "POST"])
@staff_required
def kit_new():
    return _kit_form(None)


@bp.route("/staff/kits/<int:kit_id>", methods=["GET", "POST"])
@staff_required
def kit_edit(kit_id: int):
    return _kit_form(ensure_same_site(db.session.get(Kit, kit_id)))


def _kit_form(kit: Kit | None):
    resources = service.resources_of(current_user.site_id)
    form = kit_form(resources, kit)
    if form.validate_on_submit():
        items = {resource.id: field.data or 0 for resource, field in form.resource_fields}
        try:
            service.save_kit(current_user, kit, site_id=current_user.site_id, name=form.name.data,
                             description=form.description.data or "", items=items, active=form.active.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect_to(url_for("booking.staff_resources"))
    return render_form(form, "booking/kit_edit.html", form=form, kit=kit)


@bp.route("/staff/closures", methods=["GET", "POST"])
@staff_required
def closures():
    site_id = current_user.site_id
    form = BlackoutForm()
    form.resource_id.choices = [(0, _("The whole base"))] + [(r.id, r.name) for r in service.resources_of(site_id)]
    if form.validate_on_submit():
        resource = None
        if form.resource_id.data:
            resource = ensure_same_site(db.session.get(Resource, form.resource_id.data))
        try:
            _blackout, hit = service.add_blackout(
                current_user, site_id=site_id, resource=resource,
                starts_at=_utc(form.start_day.data, form.start_time.data),
                ends_at=_utc(form.end_day.data, form.end_time.data), reason=form.reason.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The closure is saved. Bookings cancelled and their owners told: %(count)s.", count=len(hit)),
                  "success")
            return redirect_to(url_for("booking.closures"))
    upcoming = list(db.session.scalars(select(Blackout).where(
        Blackout.site_id == site_id, Blackout.ends_at > utcnow()).order_by(Blackout.starts_at)))
    return render_form(form, "booking/closures.html", form=form, closures=upcoming)


@bp.route("/staff/closures/<int:blackout_id>/delete", methods=["POST"])
@staff_required
def closure_delete(blackout_id: int):
    blackout = ensure_same_site(db.session.get(Blackout, blackout_id))
    service.remove_blackout(current_user, blackout)
    flash(_("The closure is removed."), "success")
    return redirect_to(url_for("booking.closures"))


# --- home panels --------------------------------------------------------------------------------

def home_context(user) -> dict:
    return {"upcoming": service.upcoming_for(user, limit=3), "paused_until": service.paused_until(user)}


def staff_home_context(user) -> dict:
    return {"pending": len(service.pending_queue(user.site_id)), "overdue": len(service.overdue_items(user.site_id))}
