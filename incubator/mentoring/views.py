from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from incubator.accounts.models import User
from incubator.auth import MENTOR, SHOP_OWNER, STAFF_ROLES, TRAINEE, ensure_same_site, role_required, staff_required
from incubator.errors import Conflict, DomainError
from incubator.extensions import db
from incubator.i18n import reader_today
from incubator.mentoring import service
from incubator.mentoring.forms import (
    AskForm,
    BatchForm,
    DeclineForm,
    EndForm,
    FeedbackForm,
    MeetingForm,
    NeedForm,
    ProfileForm,
    SettingsForm,
    SkillForm,
)
from incubator.mentoring.models import (
    PERIODS,
    WEEKDAYS,
    MatchProposal,
    MenteeNeed,
    MentoringSkill,
    MentorProfile,
    Mentorship,
)
from incubator.mentoring.vocabulary import PERIOD_LABELS, WEEKDAY_LABELS
from incubator.web import (
    Page,
    apply_errors,
    page_number,
    redirect_to,
    render,
    render_form,
    render_form_error,
    wants_fragment,
)

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")

MENTEE_ROLES = (TRAINEE, SHOP_OWNER)


@bp.record_once
def _grid(state):
    """The weekly grid's words, for the macros (imported without context)."""
    state.app.jinja_env.globals.update(
        mentoring_weekdays=WEEKDAYS, mentoring_periods=PERIODS,
        mentoring_weekday_labels=WEEKDAY_LABELS, mentoring_period_labels=PERIOD_LABELS)


def _small_int(text) -> int | None:
    """A form's id, or None for anything that is not one (never an overflow)."""
    text = str(text or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _is_staff() -> bool:
    return current_user.has_any_role(STAFF_ROLES)


def _site_id() -> int:
    return current_user.site_id


def home_panel_context(user) -> dict:
    if user.has_any_role(STAFF_ROLES):
        return {"kind": "staff", "unmatched": service.unmatched_count(user.site_id),
                "waiting": service.waiting_count(user.site_id)}
    if user.has_role(MENTOR):
        return {"kind": "mentor", "pending": len(service.pending_for_mentor(user)),
                "active": len(service.active_for_mentor(user)), "profile": service.profile_for(user)}
    mentorships = [m for m in service.mentorships_as_mentee(user.id) if m.status == "active"]
    return {"kind": "mentee", "mentorships": mentorships}


@bp.route("/")
@login_required
def index():
    if _is_staff():
        return redirect(url_for("mentoring.overview"))
    if current_user.has_any_role((MENTOR, *MENTEE_ROLES)):
        return redirect(url_for("mentoring.mine"))
    abort(403)


# --- Staff --------------------------------------------------------------------------

OVERVIEW_ROWS = 20  # rows of each list on the overview; "show all" pages through the rest
LIST_ROWS = 50  # rows a page on a list's own page


def _first_rows(listing) -> Page:
    return Page(listing.rows, 1, OVERVIEW_ROWS, listing.total)


@bp.route("/staff")
@staff_required
def overview():
    """The first rows of each list with their totals, and the search that
    adds a mentee: the same few statements however big the base."""
    site_id = _site_id()
    return render("mentoring/overview.html",
                  loads=_first_rows(service.mentor_loads(site_id, limit=OVERVIEW_ROWS)),
                  unmatched=_first_rows(service.unmatched_listing(site_id, limit=OVERVIEW_ROWS)),
                  waiting=_first_rows(service.waiting_listing(site_id, limit=OVERVIEW_ROWS)),
                  search=service.find_mentees(site_id, ""))


# Each list of the overview, whole, a page at a time: (service, fragment).
STAFF_LISTS = {
    "loads": (service.mentor_loads, "mentoring/_loads.html"),
    "unmatched": (service.unmatched_listing, "mentoring/_unmatched.html"),
    "waiting": (service.waiting_listing, "mentoring/_waiting.html"),
}


def _staff_list(name: str):
    listing, fragment = STAFF_LISTS[name]
    number = page_number()
    found = listing(_site_id(), limit=LIST_ROWS, offset=(number - 1) * LIST_ROWS)
    if not found.rows and number > 1:
        # Past the end (the count comes with the rows): the first page.
        return redirect(url_for(request.endpoint))
    return render("mentoring/staff_list.html", fragment, list_name=name, fragment=fragment,
                  page=Page(found.rows, number, LIST_ROWS, found.total), full=True)


@bp.route("/staff/mentors")
@staff_required
def loads_list():
    return _staff_list("loads")


@bp.route("/staff/unmatched")
@staff_required
def unmatched_list():
    return _staff_list("unmatched")


@bp.route("/staff/waiting")
@staff_required
def waiting_list():
    return _staff_list("waiting")


@bp.route("/staff/mentees")
@staff_required
def find_mentee():
    """People and shops of the base matching ?q= (a name, or a mobile's first
    digits): the overview's search asks for the matches as she types (htmx);
    without JavaScript its form opens this page with the same matches."""
    search = service.find_mentees(_site_id(), request.args.get("q", ""))
    return render("mentoring/find_mentee.html", "mentoring/_mentee_matches.html", search=search)


@bp.route("/needs/new", methods=["POST"])
@staff_required
def add_mentee():
    """Staff add a person or a shop as a mentee; her needs are prefilled."""
    from incubator.shops.models import Shop

    kind, _sep, raw_id = request.form.get("mentee", "").partition(":")
    if _small_int(raw_id) is None or kind not in ("person", "shop"):
        flash(_("Search for a person or a shop, then add her from the matches."), "error")
        return redirect_to(url_for("mentoring.overview"))
    try:
        if kind == "shop":
            shop = ensure_same_site(db.session.get(Shop, int(raw_id)))
            need = service.ensure_need(current_user, shop.owner, shop)
        else:
            person = ensure_same_site(db.session.get(User, int(raw_id)))
            need = service.ensure_need(current_user, person)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect_to(url_for("mentoring.overview"))
    return redirect_to(url_for("mentoring.need", need_id=need.id))


@bp.route("/skills", methods=["GET", "POST"])
@staff_required
def skills():
    form = SkillForm()
    if form.validate_on_submit():
        try:
            service.add_skill(current_user, _site_id(), form.name.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The skill is added."), "success")
            return redirect_to(url_for("mentoring.skills"))
    context = {"form": form, "skills": service.site_skills(_site_id())}
    return render_form(form, "mentoring/skills.html", **context)


@bp.route("/skills/defaults", methods=["POST"])
@staff_required
def default_skills():
    service.ensure_default_skills(_site_id())
    flash(_("The usual skills are on the list."), "success")
    return redirect_to(url_for("mentoring.skills"))


@bp.route("/skills/<int:skill_id>/remove", methods=["POST"])
@staff_required
def remove_skill(skill_id: int):
    skill = ensure_same_site(db.session.get(MentoringSkill, skill_id))
    service.remove_skill(current_user, skill)
    flash(_("The skill is removed."), "success")
    return redirect_to(url_for("mentoring.skills"))


@bp.route("/settings", methods=["GET", "POST"])
@staff_required
def settings():
    current = service.settings_for(_site_id())
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            service.save_settings(current_user, _site_id(), **{name: getattr(form, name).data for name in (
                *service.WEIGHT_FIELDS, "proposal_days")})
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The weights are saved. Suggestions use them from now on."), "success")
            return redirect_to(url_for("mentoring.settings"))
    return render_form(form, "mentoring/settings.html", form=form)


# --- Mentor profiles ------------------------------------------------------------------

def _profile_page(mentor: User):
    profile = service.profile_for(mentor)
    form = ProfileForm(obj=profile)
    skills = service.site_skills(mentor.site_id)
    form.skills.choices = [(s.id, s.label) for s in skills]
    if request.method == "GET":
        if profile:
            form.skills.data = [s.id for s in profile.skills]
            form.languages.data = ", ".join(profile.languages or [])
        else:
            form.capacity.data = 2
            form.active.data = True
    if form.validate_on_submit():
        try:
            service.save_profile(current_user, mentor, skill_ids=form.skills.data or [],
                                 categories=form.categories.data or [], languages=form.languages.data or "",
                                 availability=form.availability.data or [], capacity=form.capacity.data,
                                 bio=form.bio.data or "", active=form.active.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The mentor profile is saved."), "success")
            own = mentor.id == current_user.id
            return redirect_to(url_for("mentoring.mine") if own else url_for("mentoring.overview"))
    context = {"form": form, "mentor": mentor, "profile": profile}
    return render_form(form, "mentoring/profile.html", **context)


@bp.route("/profile", methods=["GET", "POST"])
@role_required(MENTOR)
def my_profile():
    return _profile_page(current_user)


@bp.route("/mentors/<int:user_id>/profile", methods=["GET", "POST"])
@staff_required
def mentor_profile(user_id: int):
    mentor = ensure_same_site(db.session.get(User, user_id))
    if not mentor.has_role(MENTOR):
        abort(404)
    return _profile_page(mentor)


# --- Needs and suggestions -------------------------------------------------------------

def _need_or_404(need_id: int) -> MenteeNeed:
    need = service.need_by_id(need_id)
    if need is None or not service.can_edit_need(current_user, need):
        abort(404)
    return need


SUGGESTIONS_STEP = 10  # mentors shown at first, and added by each "show more"


def _count_arg(name: str, least: int) -> int:
    """A count from the address (?show=20), never below `least`, never an error."""
    return max(_small_int(request.args.get(name)) or 0, least)


@bp.route("/needs/mine", methods=["POST"])
@role_required(*MENTEE_ROLES)
def start_need():
    """A mentee (or a shop owner, for her shop) starts asking for a mentor."""
    from incubator.shops.models import Shop

    shop = None
    if request.form.get("shop_id"):
        shop_id = _small_int(request.form["shop_id"])
        shop = db.session.get(Shop, shop_id) if shop_id else None
        if shop is None or shop.owner_id != current_user.id:
            abort(404)
    need = service.ensure_need(current_user, current_user, shop)
    return redirect_to(url_for("mentoring.need", need_id=need.id))


@bp.route("/needs/<int:need_id>", methods=["GET", "POST"])
@login_required
def need(need_id: int):
    need = _need_or_404(need_id)
    form = NeedForm(obj=need)
    form.skills.choices = [(s.id, s.label) for s in service.site_skills(need.site_id)]
    if request.method == "GET":
        form.skills.data = [s.id for s in need.skills]
        form.languages.data = ", ".join(need.languages or [])
        form.category.data = need.category or ""
    if form.validate_on_submit():
        try:
            service.save_need(current_user, need, skill_ids=form.skills.data or [], category=form.category.data,
                              languages=form.languages.data or "", availability=form.availability.data or [],
                              notes=form.notes.data or "")
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved. The suggestions below use what you entered."), "success")
            return redirect_to(url_for("mentoring.need", need_id=need.id))
    # Every mentor is scored; the best few are shown with their reasons, and
    # "show more" adds the next ones (htmx: only those cards; ?show= keeps
    # the count in the address, so the plain link and reload show them too).
    wanted = _count_arg("show", SUGGESTIONS_STEP)
    matches = service.suggestions(need, first=wanted)
    shown = min(wanted, max(len(matches), SUGGESTIONS_STEP))
    context = {"form": form, "need": need, "matches": matches, "shown": shown,
               "after": min(_count_arg("after", 0), shown), "step": SUGGESTIONS_STEP, "ask_form": AskForm(),
               "is_mentee": current_user.id == need.user_id,
               "can_propose": service.is_staff_of(current_user, need.site_id),
               "has_mentor": service.has_active_mentor(need)}
    if form.is_submitted():
        return render_form_error("mentoring/need.html", **context)
    return render("mentoring/need.html", "mentoring/_matches.html", **context)


@bp.route("/needs/<int:need_id>/mentors/<int:profile_id>", methods=["POST"])
@login_required
def ask(need_id: int, profile_id: int):
    """The mentee asks this mentor, or staff propose her."""
    need = _need_or_404(need_id)
    profile = db.session.get(MentorProfile, profile_id)
    if profile is None or profile.site_id != need.site_id:
        abort(404)
    form = AskForm()
    try:
        if current_user.id == need.user_id:
            service.ask_mentor(current_user, need, profile, form.message.data or "")
            flash(_("%(name)s is asked. You will be told her answer.", name=profile.user.display_name), "success")
        else:
            service.propose(current_user, need, profile, form.message.data or "")
            flash(_("Proposed to %(name)s. She accepts or declines.", name=profile.user.display_name), "success")
    except DomainError as error:
        flash(str(error.message), "error")
    return redirect_to(url_for("mentoring.need", need_id=need.id))


# --- Proposals ---------------------------------------------------------------------------

def _proposal_for_mentor(proposal_id: int) -> MatchProposal:
    proposal = db.session.get(MatchProposal, proposal_id)
    if proposal is None or proposal.profile.user_id != current_user.id:
        abort(404)
    return proposal


def _proposal_answered(proposal: MatchProposal):
    if wants_fragment():
        return render_template("mentoring/_proposal.html", proposal=proposal, decline_form=DeclineForm())
    return redirect_to(url_for("mentoring.mine"))


@bp.route("/proposals/<int:proposal_id>/accept", methods=["POST"])
@role_required(MENTOR)
def accept(proposal_id: int):
    proposal = _proposal_for_mentor(proposal_id)
    try:
        mentorship = service.accept_proposal(current_user, proposal)
    except DomainError as error:
        flash(str(error.message), "error")
        proposal = db.session.get(MatchProposal, proposal_id)
    else:
        flash(_("Accepted. Your mentorship with %(name)s starts today.",
                name=mentorship.need.mentee_name), "success")
        proposal = db.session.get(MatchProposal, proposal_id)
    return _proposal_answered(proposal)


@bp.route("/proposals/<int:proposal_id>/decline", methods=["POST"])
@role_required(MENTOR)
def decline(proposal_id: int):
    proposal = _proposal_for_mentor(proposal_id)
    form = DeclineForm()
    try:
        service.decline_proposal(current_user, proposal, form.reason.data or "")
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Declined. The mentee will be told."), "info")
    return _proposal_answered(proposal)


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(proposal_id: int):
    proposal = db.session.get(MatchProposal, proposal_id)
    if proposal is None or not (proposal.need.user_id == current_user.id
                                or service.is_staff_of(current_user, proposal.site_id)):
        abort(404)
    try:
        service.withdraw_proposal(current_user, proposal)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The request is taken back."), "info")
    return redirect_to(url_for("mentoring.index"))


# --- My mentoring (mentor and mentee) ------------------------------------------------------

@bp.route("/mine")
@role_required(MENTOR, *MENTEE_ROLES)
def mine():
    from sqlalchemy import select

    from incubator.shops.models import Shop

    shops = list(db.session.scalars(select(Shop).where(Shop.owner_id == current_user.id).order_by(Shop.name)))
    needs = [service.need_for(current_user)] + [service.need_for(current_user, shop) for shop in shops]
    return render("mentoring/mine.html",
                  is_mentor=current_user.has_role(MENTOR), is_mentee=current_user.has_any_role(MENTEE_ROLES),
                  profile=service.profile_for(current_user), pending=service.pending_for_mentor(current_user),
                  as_mentor=service.mentorships_as_mentor(current_user.id),
                  as_mentee=service.mentorships_as_mentee(current_user.id),
                  requests=service.proposals_for_mentee(current_user),
                  personal_need=needs[0], shops=list(zip(shops, needs[1:], strict=True)),
                  decline_form=DeclineForm())


# --- Mentorships -----------------------------------------------------------------------------

def _mentorship_or_404(mentorship_id: int) -> Mentorship:
    mentorship = db.session.get(Mentorship, mentorship_id)
    if mentorship is None or not service.can_see_mentorship(current_user, mentorship):
        abort(404)
    return mentorship


def _mentorship_context(mentorship, meeting_form=None, end_form=None, feedback_form=None):
    side = service.side_of(current_user, mentorship)
    mine = next((f for f in mentorship.feedback if f.side == side), None)
    meeting_form = meeting_form or MeetingForm(formdata=None, met_on=reader_today())
    return {"mentorship": mentorship, "side": side, "meeting_form": meeting_form,
            "end_form": end_form or EndForm(formdata=None),
            "feedback_form": feedback_form or FeedbackForm(formdata=None),
            "my_feedback": mine, "is_staff": service.is_staff_of(current_user, mentorship.site_id),
            "last_activity": service.last_activity(mentorship)}


@bp.route("/mentorships/<int:mentorship_id>")
@login_required
def mentorship(mentorship_id: int):
    mentorship = _mentorship_or_404(mentorship_id)
    return render("mentoring/mentorship.html", **_mentorship_context(mentorship))


@bp.route("/mentorships/<int:mentorship_id>/meetings", methods=["POST"])
@login_required
def add_meeting(mentorship_id: int):
    mentorship = _mentorship_or_404(mentorship_id)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            service.add_meeting(current_user, mentorship, met_on=form.met_on.data, topic=form.topic.data,
                                notes=form.notes.data, next_step=form.next_step.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The meeting is in the log."), "success")
            if wants_fragment():
                db.session.refresh(mentorship)
                # The page's "Last meeting" fact sits outside #meetings: it comes out of band.
                return render_template("mentoring/_meetings.html", oob=True, **_mentorship_context(mentorship))
            return redirect_to(url_for("mentoring.mentorship", mentorship_id=mentorship.id))
    return render_form_error("mentoring/mentorship.html", "mentoring/_meetings.html",
                             **_mentorship_context(mentorship, meeting_form=form))


def _already_done(mentorship: Mentorship, error: DomainError):
    """A second tap (ended, or feedback given, a moment ago): the page no
    longer has the form that would show the message, so it is flashed
    above the mentorship as it is now."""
    db.session.rollback()
    flash(str(error.message), "info")
    return redirect_to(url_for("mentoring.mentorship", mentorship_id=mentorship.id))


@bp.route("/mentorships/<int:mentorship_id>/end", methods=["POST"])
@login_required
def end(mentorship_id: int):
    mentorship = _mentorship_or_404(mentorship_id)
    form = EndForm()
    if form.validate_on_submit():
        try:
            service.end_mentorship(current_user, mentorship, early=form.outcome.data == "ended_early",
                                   reason=form.reason.data)
        except Conflict as error:
            return _already_done(mentorship, error)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("The mentorship has ended. Please give your feedback."), "success")
            return redirect_to(url_for("mentoring.mentorship", mentorship_id=mentorship.id))
    return render_form_error("mentoring/mentorship.html", **_mentorship_context(mentorship, end_form=form))


@bp.route("/mentorships/<int:mentorship_id>/feedback", methods=["POST"])
@login_required
def feedback(mentorship_id: int):
    mentorship = _mentorship_or_404(mentorship_id)
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            service.give_feedback(current_user, mentorship, rating=form.rating.data, comment=form.comment.data)
        except Conflict as error:
            return _already_done(mentorship, error)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Thank you for your feedback."), "success")
            return redirect_to(url_for("mentoring.mentorship", mentorship_id=mentorship.id))
    return render_form_error("mentoring/mentorship.html", **_mentorship_context(mentorship, feedback_form=form))


# --- Batch matching --------------------------------------------------------------------------

def _batch_form():
    form = BatchForm()
    form.scope.choices = [("unmatched", _("Everyone without a mentor"))] + [
        (f"cohort-{cohort_id}", name) for cohort_id, name in service.cohort_choices(_site_id())]
    return form


def _scope_cohort(scope: str):
    from incubator.enrolment.models import Cohort

    if scope == "unmatched":
        return None
    if not scope.startswith("cohort-") or _small_int(scope[7:]) is None:
        abort(404)
    return ensure_same_site(db.session.get(Cohort, int(scope[7:])))


def _chosen_pairs(needs) -> dict[int, int | None]:
    pairs = {}
    for need in needs:
        pairs[need.id] = _small_int(request.form.get(f"pair-{need.id}", ""))
    return pairs


@bp.route("/match", methods=["GET"])
@staff_required
def match():
    return render("mentoring/match.html", form=_batch_form(), plan=None)


@bp.route("/match/preview", methods=["POST"])
@staff_required
def match_preview():
    form = _batch_form()
    if not form.validate_on_submit():
        # htmx swaps the answer into #plan: the fragment says what is wrong.
        return render_form_error("mentoring/match.html", "mentoring/_plan.html", form=form, plan=None)
    cohort = _scope_cohort(form.scope.data)
    needs = service.batch_needs(current_user, _site_id(), cohort)
    manual = request.form.get("manual") == "1"
    plan = service.plan_batch(_site_id(), needs, _chosen_pairs(needs) if manual else None)
    return render("mentoring/match.html", "mentoring/_plan.html", form=form, plan=plan, cohort=cohort)


@bp.route("/match/confirm", methods=["POST"])
@staff_required
def match_confirm():
    form = _batch_form()
    if not form.validate_on_submit():
        # htmx swaps the answer into #plan: the fragment says what is wrong.
        return render_form_error("mentoring/match.html", "mentoring/_plan.html", form=form, plan=None)
    cohort = _scope_cohort(form.scope.data)
    # The preview prepared the class's needs; confirming writes only proposals.
    needs = service.unmatched_mentees(_site_id(), cohort)
    pairs = _chosen_pairs(needs)
    try:
        made = service.confirm_batch(current_user, _site_id(), needs, pairs)
    except DomainError as error:
        plan = service.plan_batch(_site_id(), needs, pairs)
        form.form_errors.append(str(error.message))
        return render_form_error("mentoring/match.html", "mentoring/_plan.html", form=form, plan=plan, cohort=cohort)
    flash(ngettext("%(num)d proposal sent. The mentor accepts or declines.",
                   "%(num)d proposals sent. Each mentor accepts or declines.", len(made)), "success")
    return redirect_to(url_for("mentoring.overview"))
