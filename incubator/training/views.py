"""Training pages: staff schedule sessions and run roll call; trainees check in,
send apologies and follow their progress; anyone can verify a certificate."""

import re
from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from incubator import csvfile
from incubator.accounts.models import User
from incubator.auth import ADMIN, STAFF_ROLES, can_see_site, ensure_same_site, staff_required
from incubator.enrolment.models import Cohort, Programme
from incubator.errors import DomainError
from incubator.extensions import db, limiter
from incubator.i18n import reader_today, reader_zone
from incubator.timeutil import local_today, to_local, utcnow
from incubator.training import service
from incubator.training.forms import (
    ApologyForm,
    CheckinForm,
    LinkForm,
    RecurringForm,
    SessionForm,
    SkillForm,
    VerifyForm,
    WalkinForm,
)
from incubator.training.models import MARKS, Attendance, Skill, TrainingSession
from incubator.web import apply_errors, redirect_to, render, render_form, wants_fragment

bp = Blueprint("training", __name__)

MARK_LABELS = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"), "excused": _l("Excused")}
MARK_SHORT = {"present": _l("In"), "late": _l("Late"), "absent": _l("Away"), "excused": _l("Excused")}
MARK_TONES = {"present": "ok", "late": "warn", "absent": "bad", "excused": "info", None: "muted"}


def _labels() -> dict:
    return {"mark_labels": MARK_LABELS, "mark_short": MARK_SHORT, "mark_tones": MARK_TONES, "mark_list": MARKS}


def _site_filter() -> int | None:
    return None if current_user.has_role(ADMIN) else current_user.site_id


def _cohort(cohort_id: int) -> Cohort:
    return ensure_same_site(db.session.get(Cohort, cohort_id))


def _is_staff_of(obj) -> bool:
    return current_user.has_any_role(STAFF_ROLES) and can_see_site(current_user, obj.site_id)


def _run_session(session_id: int) -> TrainingSession:
    """A session whose roll call the person may run: staff of its site, or its trainer."""
    session = service.session_with_class_and_room(session_id)
    if session is None:
        abort(404)
    if _is_staff_of(session) or session.trainer_id == current_user.id:
        return session
    if current_user.has_any_role(STAFF_ROLES):
        abort(404)  # another base's session: not given away
    abort(403)


# --- Home panels ------------------------------------------------------------------------

def home_trainee(user) -> dict:
    return {"next": service.next_session_for(user.id), "form": CheckinForm()}


def home_staff(user) -> dict:
    zone = reader_zone()  # found once, not once a session
    today = local_today(zone)
    sessions = [s for s in service.upcoming_sessions_of_site(None if user.has_role(ADMIN) else user.site_id,
                                                             limit=20)
                if to_local(s.starts_at, zone).date() == today]
    return {"sessions": sessions}


# --- Staff: sessions and cohorts -------------------------------------------------------------

@bp.route("/training/")
@staff_required
def index():
    site_id = _site_filter()
    return render("training/index.html", sessions=service.upcoming_sessions_of_site(site_id),
                  cohorts=service.cohorts_of_site(site_id), walkins=service.unlinked_walkins(site_id),
                  link_form=LinkForm())


@bp.route("/training/cohorts/<int:cohort_id>")
@staff_required
def cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    return render("training/cohort.html", cohort=cohort, sessions=service.sessions_of_cohort(cohort.id),
                  trainees=service.enrolled_trainees(cohort.id), now=utcnow())


def _fill_choices(form, cohort: Cohort) -> None:
    form.room_id.choices = [("", _("No room"))] + [(r.id, r.name) for r in service.studio_choices(cohort.site_id)]
    form.trainer_id.choices = [("", _("Not decided"))] + [
        (u.id, u.display_name) for u in service.trainer_choices(cohort.site_id)]


@bp.route("/training/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@staff_required
def new_session(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = SessionForm()
    _fill_choices(form, cohort)
    if request.method == "GET":
        form.childcare.data = cohort.childcare
    if form.validate_on_submit():
        try:
            service.schedule_session(
                current_user, cohort, topic=form.topic.data, day=form.day.data, start_time=form.start_time.data,
                end_time=form.end_time.data, room_id=form.room_id.data, trainer_id=form.trainer_id.data,
                capacity=form.capacity.data, childcare=form.childcare.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The session is scheduled."), "success")
            return redirect_to(url_for("training.cohort", cohort_id=cohort.id))
    return render_form(form, "training/session_form.html", cohort=cohort, form=form, recurring=False)


_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def _parse_dates(text: str) -> list[date]:
    """Dates typed one per line or with commas; raises DomainError on nonsense."""
    days = []
    for piece in re.split(r"[\s,，、;；]+", text or ""):
        if not piece:
            continue
        try:
            if not _DATE.fullmatch(piece):
                raise ValueError
            days.append(date.fromisoformat("-".join(f"{int(p):02d}" for p in piece.split("-"))))
        except ValueError:
            raise DomainError(_l("“%(text)s” is not a date; write it like 2026-12-31.", text=piece),
                              field="skip") from None
    return days


@bp.route("/training/cohorts/<int:cohort_id>/sessions/recurring", methods=["GET", "POST"])
@staff_required
def recurring(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = RecurringForm()
    _fill_choices(form, cohort)
    if request.method == "GET":
        form.childcare.data = cohort.childcare
        form.first_day.data = max(cohort.starts_on, reader_today())
    if form.validate_on_submit():
        try:
            result = service.schedule_recurring(
                current_user, cohort, topic=form.topic.data, first_day=form.first_day.data,
                weekdays=form.weekdays.data or [], start_time=form.start_time.data, end_time=form.end_time.data,
                weeks=form.weeks.data, until=form.until.data, skip=_parse_dates(form.skip.data),
                room_id=form.room_id.data, trainer_id=form.trainer_id.data, capacity=form.capacity.data,
                childcare=form.childcare.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            if result.clashes:
                # Not a redirect: the clashing dates stay in front of her.
                return render("training/recurring_result.html", cohort=cohort, result=result)
            flash(ngettext("%(num)s session is scheduled.", "%(num)s sessions are scheduled.", len(result.created)),
                  "success")
            return redirect_to(url_for("training.cohort", cohort_id=cohort.id))
    return render_form(form, "training/session_form.html", cohort=cohort, form=form, recurring=True)


@bp.route("/training/sessions/<int:session_id>/cancel", methods=["POST"])
@staff_required
def cancel_session(session_id: int):
    session = ensure_same_site(db.session.get(TrainingSession, session_id))
    cohort_id = session.cohort_id
    try:
        service.cancel_session(current_user, session)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The session is removed."), "success")
    return redirect_to(url_for("training.cohort", cohort_id=cohort_id))


# --- Roll call ----------------------------------------------------------------------

def _roll_page(session, walkin_form=None, status=200):
    rows = service.roll(session)
    return render("training/roll.html", "training/_roll.html", status=status, session=session,
                  rows=rows, counts=service.roll_counts(session, rows),
                  walkin_form=walkin_form or WalkinForm(), **_labels())


@bp.route("/training/sessions/<int:session_id>")
@login_required
def roll(session_id: int):
    return _roll_page(_run_session(session_id))


@bp.route("/training/sessions/<int:session_id>/marks/<key>", methods=["POST"])
@login_required
def mark(session_id: int, key: str):
    session = _run_session(session_id)
    status = 200
    try:
        row = service.set_mark(current_user, session, key, request.form.get("mark", ""))
    except DomainError as error:
        flash(str(error.message), "error")
        row = service.roll_row(session, key)
        if row is None:
            abort(404)
        status = 422
    if wants_fragment():
        # The row as it now stands (unchanged after an error, with the message as a toast).
        return render("training/_roll_row.html", "training/_roll_row.html", status=status, session=session,
                      row=row, counts=service.roll_counts(session), oob=True, **_labels())
    return redirect_to(url_for("training.roll", session_id=session.id) + f"#row-{key}")


@bp.route("/training/sessions/<int:session_id>/all-present", methods=["POST"])
@login_required
def all_present(session_id: int):
    session = _run_session(session_id)
    count = service.mark_all_present(current_user, session)
    flash(ngettext("%(num)s person marked present.", "%(num)s people marked present.", count), "success")
    if wants_fragment():
        return _roll_page(session)
    return redirect_to(url_for("training.roll", session_id=session.id))


@bp.route("/training/sessions/<int:session_id>/walkins", methods=["POST"])
@login_required
def add_walkin(session_id: int):
    session = _run_session(session_id)
    form = WalkinForm()
    if form.validate_on_submit():
        try:
            service.add_walkin(current_user, session, name=form.name.data, phone=form.phone.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("%(name)s is on the list as present.", name=form.name.data.strip()), "success")
            if wants_fragment():
                return _roll_page(session)
            return redirect_to(url_for("training.roll", session_id=session.id))
    return _roll_page(session, walkin_form=form, status=422)


@bp.route("/training/sessions/<int:session_id>/code")
@login_required
def code(session_id: int):
    session = _run_session(session_id)
    opens, closes = service.checkin_window(session)
    return render("training/code.html", session=session, opens=opens, closes=closes)


@bp.route("/training/walkins/<int:attendance_id>/link", methods=["POST"])
@staff_required
def link_walkin(attendance_id: int):
    attendance = ensure_same_site(db.session.get(Attendance, attendance_id))
    form = LinkForm()
    form.validate_on_submit()
    try:
        service.link_walkin(current_user, attendance, phone=form.phone.data or None)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The walk-in's mark now belongs to %(name)s.", name=attendance.user.display_name), "success")
    return redirect_to(url_for("training.index"))


# --- Grid and skills ----------------------------------------------------------------------

@bp.route("/training/cohorts/<int:cohort_id>/grid")
@staff_required
def grid(cohort_id: int):
    cohort = _cohort(cohort_id)
    return render("training/grid.html", grid=service.cohort_grid(cohort), cohort=cohort, **_labels())


@bp.route("/training/cohorts/<int:cohort_id>/grid.csv")
@staff_required
def grid_csv(cohort_id: int):
    cohort = _cohort(cohort_id)
    text = service.grid_csv(service.cohort_grid(cohort), {k: str(v) for k, v in MARK_LABELS.items()},
                            {"name": _("Name"), "phone": _("Mobile number"), "attended": _("Attended"),
                             "rate": _("Attendance rate")})
    return csvfile.download(text, f"attendance-cohort-{cohort.id}.csv")


@bp.route("/training/programmes/<int:programme_id>/skills", methods=["GET", "POST"])
@staff_required
def programme_skills(programme_id: int):
    programme = ensure_same_site(db.session.get(Programme, programme_id))
    form = SkillForm()
    if form.validate_on_submit():
        try:
            service.add_skill(current_user, programme, form.name.data, form.required.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The skill is added."), "success")
            return redirect_to(url_for("training.programme_skills", programme_id=programme.id))
    context = {"programme": programme, "skills": service.skills_of(programme.id), "form": form}
    return render_form(form, "training/skills.html", **context)


@bp.route("/training/cohorts/<int:cohort_id>/skills")
@staff_required
def cohort_skills(cohort_id: int):
    cohort = _cohort(cohort_id)
    return render("training/cohort_skills.html", cohort=cohort, skills=service.skills_of(cohort.programme_id),
                  trainees=service.enrolled_trainees(cohort.id), ticks=service.ticks_of(cohort.id))


@bp.route("/training/cohorts/<int:cohort_id>/skills/<int:skill_id>/<int:user_id>", methods=["POST"])
@staff_required
def toggle_skill(cohort_id: int, skill_id: int, user_id: int):
    cohort = _cohort(cohort_id)
    skill = db.session.get(Skill, skill_id)
    if skill is None or skill.programme_id != cohort.programme_id:
        abort(404)
    try:
        ticked = service.toggle_skill(current_user, cohort, skill, user_id)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect_to(url_for("training.cohort_skills", cohort_id=cohort.id))
    if wants_fragment():
        return render("training/_skill_tick.html", "training/_skill_tick.html", cohort=cohort, skill=skill,
                      user_id=user_id, ticked=ticked)
    return redirect_to(url_for("training.cohort_skills", cohort_id=cohort.id))


@bp.route("/training/cohorts/<int:cohort_id>/trainees/<int:user_id>")
@staff_required
def trainee_progress(cohort_id: int, user_id: int):
    cohort = _cohort(cohort_id)
    if not service.is_enrolled(user_id, cohort.id) and not service.progress(user_id, cohort).certificate:
        abort(404)
    person = db.session.get(User, user_id)
    return _progress_page(cohort, person)


def _progress_page(cohort, person):
    sessions = service.sessions_of_cohort(cohort.id)
    return render("training/progress.html", cohort=cohort, person=person,
                  progress=service.progress(person.id, cohort), sessions=sessions,
                  marks=service.marks_of(person.id), now=utcnow(), **_labels())


# --- Trainees -----------------------------------------------------------------------

@bp.route("/training/mine")
@login_required
def mine(form=None, status=200):
    now = utcnow()
    sessions = service.sessions_for_person(current_user.id)
    cohorts = {s.cohort_id: s.cohort for s in sessions if s.trainer_id != current_user.id}
    return render("training/mine.html", status=status, form=form or CheckinForm(), now=now,
                  upcoming=[s for s in sessions if s.ends_at >= now],
                  past=[s for s in sessions if s.ends_at < now][::-1],
                  marks=service.marks_of(current_user.id), cohorts=list(cohorts.values()),
                  certificates=service.certificates_of(current_user.id), **_labels())


@bp.route("/training/checkin", methods=["POST"])
@login_required
@limiter.limit(lambda: "20 per 10 minutes", key_func=lambda: f"checkin:{current_user.id}")
def checkin():
    form = CheckinForm()
    if form.validate_on_submit():
        try:
            attendance = service.check_in(current_user, form.code.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("You are checked in to %(topic)s: %(mark)s.", topic=attendance.session.topic,
                    mark=MARK_LABELS[attendance.mark]), "success")
            return redirect_to(url_for("training.mine"))
    return mine(form=form, status=422)


@bp.route("/training/sessions/<int:session_id>/apology", methods=["GET", "POST"])
@login_required
def apology(session_id: int):
    session = db.session.get(TrainingSession, session_id)
    if session is None or not service.is_enrolled(current_user.id, session.cohort_id):
        abort(404)
    form = ApologyForm()
    if form.validate_on_submit():
        try:
            service.send_apology(current_user, session, form.reason.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Your apology is sent; you are marked excused."), "success")
            return redirect_to(url_for("training.mine"))
    return render_form(form, "training/apology.html", session=session, form=form)


@bp.route("/training/progress/<int:cohort_id>")
@login_required
def my_progress(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not (service.is_enrolled(current_user.id, cohort.id)
                              or service.progress(current_user.id, cohort).certificate):
        abort(404)
    return _progress_page(cohort, current_user)


@bp.route("/training/certificates/<code>")
@login_required
def certificate(code: str):
    cert = service.certificate_by_code(code)
    if cert is None or not (cert.user_id == current_user.id or _is_staff_of(cert)):
        abort(404)
    return render("training/certificate.html", cert=cert, issued_on=service.issued_on(cert), bare=True)


# --- Public verification -------------------------------------------------------------------------

@bp.route("/verify")
@bp.route("/verify/<code>")
@limiter.limit(lambda: "60 per 10 minutes")
def verify(code: str | None = None):
    form = VerifyForm(request.args)
    code = code or (form.code.data if request.args.get("code") else None)
    if code:
        form.code.data = code
    cert = service.certificate_by_code(code) if code else None
    return render("training/verify.html", form=form, code=code, cert=cert,
                  issued_on=service.issued_on(cert) if cert else None, status=404 if code and not cert else 200)
