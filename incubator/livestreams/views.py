"""Public livestream programme, residents' questions, and the staff and host desk."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.auth import ensure_same_site, staff_required
from incubator.errors import DomainError
from incubator.extensions import db, limiter
from incubator.livestreams import service
from incubator.livestreams.forms import AnswerForm, LivestreamForm, QuestionForm, ResultsForm
from incubator.livestreams.models import APPROVED, PLATFORMS, REJECTED, SALES, Livestream, Question
from incubator.sites.models import Site
from incubator.sites.service import has_several_sites
from incubator.timeutil import combine_local, to_local, utcnow
from incubator.web import (
    apply_errors,
    paginate,
    redirect_to,
    render,
    render_form,
    render_form_error,
    safe_next,
    wants_fragment,
)

bp = Blueprint("livestreams", __name__, url_prefix="/livestreams")

PAST_PER_PAGE = 10
DESK_PER_PAGE = 20
QUEUE_REFRESH_SECONDS = 15


def _question_limit() -> str:
    return current_app.config.get("QUESTION_RATE_LIMIT", "5 per 10 minutes")


def _livestream_or_404(livestream_id: int) -> Livestream:
    return db.get_or_404(Livestream, livestream_id)


def _runnable_or_404(livestream: Livestream) -> Livestream:
    """Staff of its base and its hosts run a livestream; for anyone else it is not there."""
    if not service.can_run(current_user, livestream):
        abort(404)
    return livestream


def _question_or_404(resident_question_id: int) -> Question:
    return db.get_or_404(Question, resident_question_id)


def _site_filter() -> int | None:
    """Staff see their own base; admins every base."""
    return None if current_user.has_role("admin") else current_user.site_id


# --- Residents (no login) ------------------------------------------------------

@bp.route("/")
def index():
    upcoming = list(db.session.scalars(service.upcoming_statement().limit(30)))
    past = paginate(service.past_statement(), PAST_PER_PAGE)
    # Asked once here: each card names its base only when there are several.
    return render("livestreams/index.html", "livestreams/_past.html", upcoming=upcoming, past=past,
                  labels=_labels(), now=utcnow(), several_sites=has_several_sites())


def _show_context(livestream: Livestream, form: QuestionForm | None = None, **extra) -> dict:
    can_run = current_user.is_authenticated and service.can_run(current_user, livestream)
    return dict(livestream=livestream, form=form or QuestionForm(formdata=None), now=utcnow(),
                questions=service.public_questions(livestream), can_run=can_run,
                is_staff=current_user.is_authenticated and service.is_site_staff(current_user,
                                                                                   livestream.site_id),
                labels=_labels(), **extra)


def _labels() -> dict:
    return {"kinds": service.KIND_LABELS, "platforms": service.PLATFORM_LABELS,
            "statuses": service.QUESTION_STATUS_LABELS}


@bp.route("/<int:livestream_id>")
def show(livestream_id: int):
    livestream = _livestream_or_404(livestream_id)
    # While it is live, the questions section refreshes itself with this fragment.
    return render("livestreams/show.html", "livestreams/_public_questions.html", **_show_context(livestream))


@bp.route("/<int:livestream_id>/questions", methods=["POST"])
@limiter.limit(_question_limit, methods=["POST"], error_message="too-many-questions")
def ask(livestream_id: int):
    livestream = _livestream_or_404(livestream_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            service.ask(livestream, text=form.text.data, name=form.name.data, phone=form.phone.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            if wants_fragment():
                return render("livestreams/show.html", "livestreams/_ask.html",
                              **_show_context(livestream, sent=True))
            flash(_("Thank you. Your question will appear here once staff have read it."), "success")
            return redirect_to(url_for("livestreams.show", livestream_id=livestream.id) + "#ask")
    return render_form_error("livestreams/show.html", "livestreams/_ask.html",
                             **_show_context(livestream, form=form))


@bp.errorhandler(429)
def too_many_questions(_error):
    """Friendly and in the resident's language, on the page she was on."""
    message = _("You have sent several questions in a short time. Please wait ten minutes, then send again.")
    livestream_id = (request.view_args or {}).get("livestream_id")
    livestream = db.session.get(Livestream, livestream_id) if livestream_id else None
    if wants_fragment():
        # htmx does not swap a 429: the message arrives as a toast.
        flash(message, "error")
    if livestream is None:
        # render()'s status is the HTTP status; the error page also needs it
        # in its context (as register_error_pages gives it).
        return render_template("errors/error.html", status=429, title=_("Too many attempts"),
                               message=message), 429
    if wants_fragment():
        return render("livestreams/show.html", "livestreams/_ask.html", status=429,
                      **_show_context(livestream, form=QuestionForm()))
    form = QuestionForm()
    form.form_errors.append(message)
    return render("livestreams/show.html", status=429, **_show_context(livestream, form=form))


# --- Staff and hosts: the desk -------------------------------------------------

@bp.route("/desk")
@login_required
def desk():
    page = paginate(service.desk_statement(current_user), DESK_PER_PAGE)
    is_staff = current_user.has_any_role(("staff", "admin"))
    pending = service.pending_count(_site_filter()) if is_staff else 0
    return render("livestreams/desk.html", page=page, is_staff=is_staff, pending=pending, now=utcnow(),
                  labels=_labels())


def _site_for(livestream: Livestream | None) -> Site:
    return db.session.get(Site, livestream.site_id if livestream else current_user.site_id)


def _fill_choices(form: LivestreamForm, site_id: int) -> None:
    form.kind.choices = [("", _("Choose…"))] + [(k, str(v)) for k, v in service.KIND_LABELS.items()]
    form.platform.choices = [("", _("Choose…"))] + [(p, str(service.PLATFORM_LABELS[p])) for p in PLATFORMS]
    form.studio_id.choices = [("", _("No studio (outside the base)"))] + [
        (str(r.id), r.name) for r in service.studios_of(site_id)]
    form.host_ids.choices = [(u.id, u.display_name) for u in service.people_of(site_id)]
    form.shop_ids.choices = [(s.id, s.name) for s in service.shops_of(site_id)]


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    return _edit(None)


@bp.route("/<int:livestream_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(livestream_id: int):
    return _edit(ensure_same_site(_livestream_or_404(livestream_id)))


def _edit(livestream: Livestream | None):
    """Schedule a livestream, or change one: the same form and rules."""
    site = _site_for(livestream)
    form = LivestreamForm(obj=livestream)
    _fill_choices(form, site.id)
    if request.method == "GET" and livestream is not None:
        local_start = to_local(livestream.starts_at, site.timezone)
        form.day.data, form.start.data = local_start.date(), local_start.time()
        form.end.data = to_local(livestream.ends_at, site.timezone).time()
        form.studio_id.data = str(livestream.studio_id or "")
        form.host_ids.data = [h.id for h in livestream.hosts]
        form.shop_ids.data = [s.id for s in livestream.shops]
    if form.validate_on_submit():
        starts_at = combine_local(form.day.data, form.start.data, site.timezone)
        # One day is asked for: an end at or before the start (22:00 to
        # 00:30) is after midnight. The service keeps the length sensible.
        end_day = form.day.data if form.end.data > form.start.data else form.day.data + timedelta(days=1)
        ends_at = combine_local(end_day, form.end.data, site.timezone)
        try:
            saved = service.schedule(
                current_user, site_id=site.id, livestream=livestream, title=form.title.data,
                kind=form.kind.data, platform=form.platform.data, starts_at=starts_at, ends_at=ends_at,
                host_ids=form.host_ids.data, shop_ids=form.shop_ids.data, guest=form.guest.data,
                products=form.products.data, room=form.room.data,
                studio_id=int(form.studio_id.data) if form.studio_id.data else None,
                description=form.description.data)
        except DomainError as error:
            # The form asks for a day and two times; the service speaks of start and end.
            renamed = {"starts_at": "start", "ends_at": "end"}
            apply_errors(form, DomainError(error.message, errors=[
                (renamed.get(name, name), message) for name, message in error.errors]))
        else:
            flash(_("The livestream is saved."), "success")
            return redirect_to(url_for("livestreams.show", livestream_id=saved.id))
    return render_form(form, "livestreams/edit.html", form=form, livestream=livestream)


@bp.route("/<int:livestream_id>/cancel", methods=["POST"])
@staff_required
def cancel(livestream_id: int):
    livestream = ensure_same_site(_livestream_or_404(livestream_id))
    try:
        service.cancel(current_user, livestream)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("The livestream is cancelled; residents see it as cancelled."), "success")
    return redirect_to(url_for("livestreams.show", livestream_id=livestream.id))


# --- During a policy livestream: the host's queue --------------------------------

def _queue_context(livestream: Livestream) -> dict:
    now = utcnow()
    return dict(livestream=livestream, queue=service.approved_queue(livestream), now=now,
                polling=not livestream.has_ended(now) and not livestream.cancelled,
                refresh=QUEUE_REFRESH_SECONDS, answer_form=AnswerForm(formdata=None),
                pending=len(service.pending_questions(None, livestream.id)),
                is_staff=service.is_site_staff(current_user, livestream.site_id), labels=_labels())


@bp.route("/<int:livestream_id>/run")
@login_required
def run(livestream_id: int):
    livestream = _runnable_or_404(_livestream_or_404(livestream_id))
    return render("livestreams/run.html", "livestreams/_queue.html", **_queue_context(livestream))


@bp.route("/questions/<int:resident_question_id>/answered", methods=["POST"])
@login_required
def answered(resident_question_id: int):
    question = _question_or_404(resident_question_id)
    livestream = _runnable_or_404(question.livestream)
    try:
        service.mark_answered(current_user, question, answered=request.form.get("answered", "1") == "1")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    if wants_fragment():
        return render("livestreams/run.html", "livestreams/_queue.html", **_queue_context(livestream))
    return redirect_to(url_for("livestreams.run", livestream_id=livestream.id))


@bp.route("/questions/<int:resident_question_id>/answer", methods=["POST"])
@login_required
def answer(resident_question_id: int):
    question = _question_or_404(resident_question_id)
    livestream = _runnable_or_404(question.livestream)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            service.save_answer(current_user, question, form.answer.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("The written answer is saved and shown on the public page."), "success")
            if wants_fragment():
                return render("livestreams/run.html", "livestreams/_queue.html", **_queue_context(livestream))
            return redirect_to(url_for("livestreams.run", livestream_id=livestream.id))
    context = _queue_context(livestream)
    context.update(answer_form=form, answer_for=question.id)
    return render_form_error("livestreams/run.html", "livestreams/_queue.html", **context)


# --- Staff: moderation ---------------------------------------------------------

@bp.route("/moderation")
@staff_required
def moderation():
    questions = service.pending_questions(_site_filter())
    return render("livestreams/moderation.html", questions=questions, labels=_labels())


@bp.route("/questions/<int:resident_question_id>/moderate", methods=["POST"])
@staff_required
def moderate(resident_question_id: int):
    question = _question_or_404(resident_question_id)
    ensure_same_site(question.livestream)
    decision = request.form.get("decision")
    if decision not in (APPROVED, REJECTED):
        abort(400)
    try:
        service.moderate(current_user, question, decision)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    if wants_fragment():
        return render("livestreams/moderation.html", "livestreams/_moderated.html", question=question,
                      labels=_labels())
    return redirect_to(safe_next(url_for("livestreams.moderation")))


# --- After a sales livestream: results -------------------------------------------

def _to_fen(yuan: Decimal | None) -> int:
    return int((Decimal(yuan or 0) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@bp.route("/<int:livestream_id>/results", methods=["GET", "POST"])
@login_required
def results(livestream_id: int):
    livestream = _runnable_or_404(_livestream_or_404(livestream_id))
    if livestream.kind != SALES:
        abort(404)
    shops = {shop.id: shop for shop in livestream.shops}
    if request.method == "POST":
        form = ResultsForm()
    else:
        existing = {r.shop_id: r for r in livestream.results}
        rows = [{"shop_id": shop.id,
                 "viewers": existing[shop.id].viewers if shop.id in existing else None,
                 "orders": existing[shop.id].orders if shop.id in existing else None,
                 "revenue": Decimal(existing[shop.id].revenue_fen) / 100 if shop.id in existing else None}
                for shop in livestream.shops]
        form = ResultsForm(data={"rows": rows})
    if form.validate_on_submit():
        try:
            entries = [service.ResultRow(shop_id=int(row.shop_id.data), viewers=row.viewers.data,
                                         orders=row.orders.data, revenue_fen=_to_fen(row.revenue.data))
                       for row in form.rows]
        except (TypeError, ValueError):
            abort(400)
        try:
            service.save_results(current_user, livestream, entries)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("The results are saved and added to the shops' outcome logs."), "success")
            return redirect_to(url_for("livestreams.show", livestream_id=livestream.id))
    context = dict(form=form, livestream=livestream, shops=shops, started=livestream.starts_at <= utcnow())
    return render_form(form, "livestreams/results.html", **context)
