"""Enrolment pages: the public programmes page, applying, "My applications",
and the staff's programmes, classes, review queue and applicant page."""


from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from incubator import csvfile
from incubator.accounts import service as accounts
from incubator.accounts.views import begin_session
from incubator.auth import ensure_same_site, staff_required
from incubator.enrolment import labels as words
from incubator.enrolment import service
from incubator.enrolment.forms import (
    ApplySignUpForm,
    CohortForm,
    NoteForm,
    ProgrammeForm,
    QuestionForm,
    QueueFilterForm,
    application_form_class,
    required_fields,
)
from incubator.enrolment.models import (
    APPLICATION_STATUSES,
    AVAILABILITY,
    GROUPS,
    Application,
    Cohort,
    Programme,
    ProgrammeQuestion,
)
from incubator.errors import DomainError
from incubator.extensions import db
from incubator.sites import service as sites
from incubator.timeutil import clock_text
from incubator.web import (
    apply_errors,
    page_of,
    paginate,
    redirect_to,
    render,
    render_form,
    render_form_error,
    safe_next,
    wants_fragment,
)

bp = Blueprint("enrolment", __name__)

QUEUE_PER_PAGE = 25
PROGRAMMES_PER_PAGE = 12


@bp.app_context_processor
def _labels():
    return {"enrol": words.labels()}


def _site_scope() -> int | None:
    """Staff see their own site; admins every site."""
    return None if current_user.has_role("admin") else current_user.site_id


# --- Public ----------------------------------------------------------------

@bp.route("/programmes")
def programmes():
    group = request.args.get("group", "")
    if group not in GROUPS:
        group = ""
    # A signed-in person sees her own base's classes; a visitor every base's,
    # or the one she picks (a district has hundreds of open classes).
    bases = [] if current_user.is_authenticated else sites.all_sites()
    base_id = current_user.site_id if current_user.is_authenticated else _chosen_base(bases)
    page = page_of(service.open_cohorts(site_id=base_id, group=group or None), PROGRAMMES_PER_PAGE)
    mine = {}
    if current_user.is_authenticated:
        mine = {a.cohort_id: a for a in service.applications_of(current_user.id)}
    return render("enrolment/programmes.html", "enrolment/_open_cohorts.html",
                  page=page, cohorts=page.items, seats=service.seats_left_for(page.items), group=group,
                  groups=GROUPS, mine=mine, bases=bases, base_id=base_id)


def _chosen_base(bases) -> int | None:
    """The ?base= a visitor picked, when it is one of the bases; else all."""
    chosen = request.args.get("base", "")
    return next((b.id for b in bases if str(b.id) == chosen), None)


def _open_cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not cohort.programme.active:
        abort(404)
    return cohort


def _answers_from(form, programme) -> dict:
    names = ["availability", "village", "wants_to_do", "children_ages", "needs_childcare", "graduation_year"]
    names += [q.key for q in programme.asked_questions]
    return {name: getattr(form, name).data for name in names if hasattr(form, name)}


def _apply_page(cohort, form=None, signup_form=None, status=200):
    programme = cohort.programme
    if form is not None:
        for name in required_fields(programme):
            getattr(form, name).flags.required = True
    page = render_form_error if status == 422 else render
    return page("enrolment/apply.html", "enrolment/_apply_form.html", cohort=cohort, programme=programme,
                form=form, signup_form=signup_form, seats_left=service.seats_left(cohort),
                is_open=service.applications_open(cohort))


@bp.route("/classes/<int:cohort_id>/apply", methods=["GET", "POST"])
def apply(cohort_id: int):
    cohort = _open_cohort_or_404(cohort_id)
    programme = cohort.programme
    if not current_user.is_authenticated:
        if request.method == "POST":
            abort(403)
        return _apply_page(cohort, signup_form=ApplySignUpForm())
    existing = service.blocking_application(current_user.id, cohort.id)
    form = application_form_class(programme, cohort)()
    if request.method == "GET" and existing is None:
        return _apply_page(cohort, form)
    if existing is not None:
        form.form_errors.append(_("You have already applied to this class. See “My applications”."))
        return _apply_page(cohort, form, status=422 if request.method == "POST" else 200)
    if form.validate_on_submit():
        try:
            service.apply(current_user, cohort, group=form.group.data or "", answers=_answers_from(form, programme))
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("Your application is in. We will tell you when it is decided."), "success")
            return redirect_to(url_for("enrolment.my_applications"))
    return _apply_page(cohort, form, status=422)


@bp.route("/classes/<int:cohort_id>/apply/account", methods=["POST"])
def apply_signup(cohort_id: int):
    """Sign up inside the apply flow, then straight back to the form."""
    cohort = _open_cohort_or_404(cohort_id)
    if current_user.is_authenticated:
        return redirect_to(url_for("enrolment.apply", cohort_id=cohort.id))
    form = ApplySignUpForm()
    if form.validate_on_submit():
        try:
            user = accounts.sign_up(site=_site_of(cohort), login_name=form.login_name.data, password=form.password.data,
                                    display_name=form.display_name.data, consent=form.consent.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            begin_session(user)  # the accounts area's sign-in: server-side session + cookie
            flash(_("Welcome, %(name)s! Now the application itself.", name=user.display_name), "success")
            return redirect_to(url_for("enrolment.apply", cohort_id=cohort.id))
    return _apply_page(cohort, signup_form=form, status=422)


def _site_of(cohort):
    from incubator.sites.models import Site

    return db.session.get(Site, cohort.site_id)


# --- Her applications ----------------------------------------------------------

def home_context(user) -> dict:
    return {"applications": service.applications_of(user.id, limit=5)}


@bp.route("/my/applications")
def my_applications():
    if not current_user.is_authenticated:
        return redirect_to(url_for("accounts.login", next=request.path))
    return render("enrolment/mine.html", "enrolment/_mine.html",
                  applications=service.applications_of(current_user.id))


def _own_application(application_id: int) -> Application:
    if not current_user.is_authenticated:
        abort(401)
    application = db.session.get(Application, application_id)
    if application is None or application.user_id != current_user.id:
        abort(404)
    return application


def _after_own_action(application):
    if wants_fragment():
        return render_template("enrolment/_my_application.html", application=application)
    return redirect_to(safe_next(url_for("enrolment.my_applications")))


@bp.route("/my/applications/<int:application_id>/confirm", methods=["POST"])
def confirm(application_id: int):
    application = _own_application(application_id)
    try:
        application = service.confirm(current_user, application)
        flash(_("You are enrolled in %(cohort)s.", cohort=application.cohort.name), "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        application = db.session.get(Application, application_id)
    return _after_own_action(application)


@bp.route("/my/applications/<int:application_id>/withdraw", methods=["POST"])
def withdraw(application_id: int):
    application = _own_application(application_id)
    try:
        application = service.withdraw(current_user, application)
        flash(_("You have withdrawn from %(cohort)s.", cohort=application.cohort.name), "info")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        application = db.session.get(Application, application_id)
    return _after_own_action(application)


# --- Staff: programmes and classes -----------------------------------------------

def staff_home_context(user) -> dict:
    site_id = None if user.has_role("admin") else user.site_id
    waiting = db.session.scalar(
        select(db.func.count(Application.id)).where(Application.status == "submitted",
                                                    *([Application.site_id == site_id] if site_id else [])))
    return {"waiting": waiting or 0}


@bp.route("/staff/programmes")
@staff_required
def manage():
    statement = select(Programme).order_by(Programme.active.desc(), Programme.name)
    site_id = _site_scope()
    if site_id is not None:
        statement = statement.where(Programme.site_id == site_id)
    programmes_ = list(db.session.scalars(statement))
    cohort_ids = [c.id for p in programmes_ for c in p.cohorts]
    return render("enrolment/manage.html", programmes=programmes_,
                  seats=service.seats_left_by_cohort(cohort_ids))


def _programme(programme_id: int) -> Programme:
    return ensure_same_site(db.session.get(Programme, programme_id))


@bp.route("/staff/programmes/new", methods=["GET", "POST"])
@bp.route("/staff/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_programme(programme_id: int | None = None):
    programme = _programme(programme_id) if programme_id else None
    form = ProgrammeForm(obj=programme)
    if form.validate_on_submit():
        try:
            programme = service.save_programme(
                current_user, programme, site_id=programme.site_id if programme else current_user.site_id,
                name=form.name.data, description=form.description.data, audiences=form.audiences.data,
                languages=form.languages.data, active=form.active.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("The programme is saved."), "success")
            return redirect_to(url_for("enrolment.programme", programme_id=programme.id))
    return render_form(form, "enrolment/programme_form.html", form=form, programme=programme)


@bp.route("/staff/programmes/<int:programme_id>")
@staff_required
def programme(programme_id: int):
    programme_ = _programme(programme_id)
    return render("enrolment/programme.html", programme=programme_, question_form=QuestionForm(),
                  seats=service.seats_left_by_cohort(c.id for c in programme_.cohorts))


@bp.route("/staff/programmes/<int:programme_id>/delete", methods=["POST"])
@staff_required
def delete_programme(programme_id: int):
    programme_ = _programme(programme_id)
    try:
        service.delete_programme(current_user, programme_)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect_to(url_for("enrolment.programme", programme_id=programme_id))
    flash(_("The programme is deleted."), "success")
    return redirect_to(url_for("enrolment.manage"))


@bp.route("/staff/programmes/<int:programme_id>/questions", methods=["POST"])
@bp.route("/staff/programmes/<int:programme_id>/questions/<int:question_id>", methods=["POST"])
@staff_required
def save_question(programme_id: int, question_id: int | None = None):
    programme_ = _programme(programme_id)
    question = None
    if question_id:
        question = db.session.get(ProgrammeQuestion, question_id)
        if question is None or question.programme_id != programme_.id:
            abort(404)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            service.save_question(current_user, programme_, question, kind=form.kind.data, label=form.label.data,
                                  choices=form.choices.data or "", required=form.required.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("The question is saved."), "success")
            if wants_fragment():
                return render_template("enrolment/_questions.html", programme=programme_,
                                       question_form=QuestionForm(formdata=None))
            return redirect_to(url_for("enrolment.programme", programme_id=programme_.id))
    if wants_fragment():
        return Response(render_template("enrolment/_questions.html", programme=programme_, question_form=form),
                        status=422)
    return render_form_error("enrolment/programme.html", programme=programme_, question_form=form,
                             seats=service.seats_left_by_cohort(c.id for c in programme_.cohorts))


@bp.route("/staff/programmes/<int:programme_id>/questions/<int:question_id>/delete", methods=["POST"])
@staff_required
def delete_question(programme_id: int, question_id: int):
    programme_ = _programme(programme_id)
    question = db.session.get(ProgrammeQuestion, question_id)
    if question is None or question.programme_id != programme_.id:
        abort(404)
    if service.delete_question(current_user, question):
        flash(_("The question is removed."), "success")
    else:
        flash(_("The question is not asked any more; the answers already given are kept."), "success")
    if wants_fragment():
        return render_template("enrolment/_questions.html", programme=programme_, question_form=QuestionForm())
    return redirect_to(url_for("enrolment.programme", programme_id=programme_.id))


def _cohort(cohort_id: int) -> Cohort:
    return ensure_same_site(db.session.get(Cohort, cohort_id))


@bp.route("/staff/programmes/<int:programme_id>/classes/new", methods=["GET", "POST"])
@bp.route("/staff/classes/<int:cohort_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_cohort(programme_id: int | None = None, cohort_id: int | None = None):
    cohort = _cohort(cohort_id) if cohort_id else None
    programme_ = cohort.programme if cohort else _programme(programme_id)
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        try:
            cohort = service.save_cohort(
                current_user, programme_, cohort, name=form.name.data, starts_on=form.starts_on.data,
                ends_on=form.ends_on.data, capacity=form.capacity.data,
                applications_open_on=form.applications_open_on.data,
                applications_close_on=form.applications_close_on.data, childcare=form.childcare.data,
                schedule_summary=form.schedule_summary.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            service.promote_waitlist(cohort)
            flash(_("The class is saved."), "success")
            return redirect_to(url_for("enrolment.programme", programme_id=programme_.id))
    return render_form(form, "enrolment/cohort_form.html", form=form, cohort=cohort, programme=programme_)


@bp.route("/staff/classes/<int:cohort_id>/delete", methods=["POST"])
@staff_required
def delete_cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    programme_id = cohort.programme_id
    try:
        service.delete_cohort(current_user, cohort)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("The class is deleted."), "success")
    return redirect_to(url_for("enrolment.programme", programme_id=programme_id))


@bp.route("/staff/classes/<int:cohort_id>/applications.csv")
@staff_required
def export_csv(cohort_id: int):
    cohort = _cohort(cohort_id)
    questions = cohort.programme.questions
    header = [_("Name"), _("Mobile"), _("Group"), _("Status"), _("Submitted"), _("Availability"),
              _("Children's ages"), _("Needs the childcare corner"), _("Graduation year"),
              _("Village or neighbourhood"), _("Wants to sell or do")] + [q.label for q in questions]
    submitted = clock_text(sites.timezone_of(cohort.site_id))
    rows = []
    for a in service.cohort_applications(cohort.id):
        answers = a.answers or {}
        rows.append([
            a.user.display_name, a.user.phone or a.user.email or "", str(words.GROUP_LABELS.get(a.applicant_group)),
            str(words.STATUS_LABELS.get(a.status, a.status)), submitted(a.submitted_at),
            "; ".join(str(words.AVAILABILITY_LABELS[s]) for s in answers.get("availability", [])
                      if s in AVAILABILITY),
            ", ".join(str(x) for x in answers.get("children_ages", [])),
            _("Yes") if answers.get("needs_childcare") else _("No"),
            answers.get("graduation_year", ""), answers.get("village", ""), answers.get("wants_to_do", ""),
        ] + [_answer_text(q, answers.get(q.key)) for q in questions])
    return csvfile.download(csvfile.text(header, rows), f"cohort-{cohort.id}-applications.csv")


def _answer_text(question, value) -> str:
    if value is None:
        return ""
    if question.kind == "yesno":
        return _("Yes") if value else _("No")
    return str(value)


# --- Staff: review ------------------------------------------------------------

def _chosen_cohort(form) -> int | None:
    """The class filter's id, or None for anything that is not one."""
    text = form.cohort.data or ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _queue_form() -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    cohorts = service.review_cohorts(_site_scope(), _chosen_cohort(form))
    form.cohort.choices = [("", _("Every class"))] + [(str(c.id), f"{c.programme.name} · {c.name}")
                                                      for c in cohorts]
    return form


def _queue_filters(form) -> dict:
    return {"cohort_id": _chosen_cohort(form),
            "status": form.status.data if form.status.data in APPLICATION_STATUSES else None,
            "group": form.group.data if form.group.data in GROUPS else None,
            "text": form.q.data or "", "oldest_first": form.sort.data == "old"}


def _seat_cohorts(applications, cohort_id=None) -> list[Cohort]:
    ids = {a.cohort_id for a in applications}
    if cohort_id:
        ids.add(cohort_id)
    return list(db.session.scalars(select(Cohort).where(Cohort.id.in_(ids)).order_by(Cohort.starts_on)
                                   .options(selectinload(Cohort.programme))))


@bp.route("/staff/applications")
@staff_required
def queue():
    form = _queue_form()
    form.validate()
    filters = _queue_filters(form)
    page = paginate(service.review_query(site_id=_site_scope(), **filters), per_page=QUEUE_PER_PAGE)
    seat_cohorts = _seat_cohorts(page.items, filters["cohort_id"])
    return render("enrolment/queue.html", "enrolment/_queue_results.html", form=form, page=page,
                  seat_cohorts=seat_cohorts, seats=service.seats_left_for(seat_cohorts),
                  bulk_cohort=filters["cohort_id"])


def _staff_application(application_id: int) -> Application:
    return ensure_same_site(db.session.get(Application, application_id))


ACTIONS = {
    "accept": (service.accept, _l("%(name)s has been offered a place.")),
    "waitlist": (service.waitlist, _l("%(name)s is on the waiting list.")),
    "reject": (service.reject, _l("%(name)s is not accepted.")),
    "dropout": (service.mark_dropout, _l("%(name)s is marked as dropped out.")),
}


# One form per row, whose buttons name the move (move=accept): a row's three
# buttons share one action address and one CSRF token (issue 11: the queue's
# rows were mostly three copies of each). /<action> stays for links and tests.
@bp.route("/staff/applications/<int:application_id>/decision", methods=["POST"], defaults={"action": None})
@bp.route("/staff/applications/<int:application_id>/<action>", methods=["POST"])
@staff_required
def decide(application_id: int, action: str | None):
    application = _staff_application(application_id)
    action = action or request.form.get("move", "")
    if action not in ACTIONS:
        abort(404)
    func, done = ACTIONS[action]
    status = 200
    try:
        application = func(current_user, application)
        flash(str(done) % {"name": application.user.display_name}, "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        status = 409
        application = db.session.get(Application, application_id)
    if wants_fragment():
        # The row swaps itself; the seats count comes along out of band.
        html = render_template("enrolment/_decided.html", application=application,
                               seats={application.cohort_id: service.seats_left(application.cohort)},
                               cohort=application.cohort, in_page=request.form.get("from") == "page")
        # A refused action still swaps (200): the row shows the real status and the toast says why.
        return Response(html, status=200 if status == 409 else status)
    return redirect_to(safe_next(url_for("enrolment.queue")))


@bp.route("/staff/classes/<int:cohort_id>/accept", methods=["POST"])
@staff_required
def accept_many(cohort_id: int):
    cohort = _cohort(cohort_id)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    chosen = list(db.session.scalars(select(Application).where(Application.id.in_(ids),
                                                               Application.cohort_id == cohort.id))) if ids else []
    try:
        accepted = service.accept_many(current_user, cohort, chosen)
        flash(ngettext("%(num)s application accepted.", "%(num)s applications accepted.", len(accepted)), "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    return redirect_to(safe_next(url_for("enrolment.queue", cohort=cohort.id)))


@bp.route("/staff/applications/<int:application_id>")
@staff_required
def applicant(application_id: int):
    application = _staff_application(application_id)
    return _applicant_page(application, NoteForm())


def _applicant_page(application, note_form, status=200):
    return render("enrolment/applicant.html", status=status, application=application, note_form=note_form,
                  others=service.other_applications(application),
                  certificates=service.certificates_of(application.user_id),
                  seats={application.cohort_id: service.seats_left(application.cohort)})


@bp.route("/staff/applications/<int:application_id>/notes", methods=["POST"])
@staff_required
def add_note(application_id: int):
    application = _staff_application(application_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            service.add_note(current_user, application, form.body.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("The note is saved."), "success")
            return redirect_to(url_for("enrolment.applicant", application_id=application.id))
    return _applicant_page(application, form, status=422)

