"""Mentoring rules: profiles, needs, scores, proposals and mentorships.

Every public function that writes is one transaction: it commits everything
or raises a DomainError and writes nothing. The one subtle rule is capacity:
accept_proposal() locks the mentor's profile row before it counts her active
mentorships, so two mentees accepted at the same moment can never take more
places than she has (SELECT ... FOR UPDATE on PostgreSQL; on SQLite an UPDATE
of the row takes the database's write lock first, which serialises writers).
"""

import calendar
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, cached_property, lru_cache

import numpy as np
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from scipy.optimize import linear_sum_assignment
from sqlalchemy import Text, and_, bindparam, cast, false, func, inspect, literal, null, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from incubator.accounts.models import User, UserRole
from incubator.audit import record_change
from incubator.auth import MENTOR, STAFF_ROLES, can_see_site
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.i18n import reader_today
from incubator.mentoring.models import (
    ACCEPTED,
    ACTIVE,
    COMPLETED,
    DECLINED,
    ENDED_EARLY,
    FROM_MENTEE,
    FROM_STAFF,
    LAPSED,
    MENTEE_SIDE,
    MENTOR_SIDE,
    PENDING,
    WITHDRAWN,
    MatchingSettings,
    MatchProposal,
    Meeting,
    MenteeNeed,
    MentoringSkill,
    MentorProfile,
    Mentorship,
    MentorshipFeedback,
    mentee_name,
    mentee_need_skills,
    mentor_profile_skills,
)
from incubator.mentoring.vocabulary import (
    CATEGORY_LABELS,
    DEFAULT_SKILLS,
    category_label,
    clean_slots,
    language_label,
    parse_languages,
    skill_label,
    slot_phrase,
    slots_from_answer,
)
from incubator.notify.service import notify
from incubator.timeutil import utcnow

MENTORSHIP_MONTHS = 3
QUIET_DAYS = 14  # a check-in reminder when no meeting is logged for this long
INFEASIBLE = -1_000_000


# --- Small helpers --------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_CONTROL = {c: None for c in range(32) if c not in (9, 10, 13)} | {127: None}
MAX_ID = 2**31 - 1


def clean_text(value, limit: int) -> str:
    """Typed text as stored: control characters (NUL breaks PostgreSQL) removed,
    trimmed and cut to `limit`."""
    return str(value or "").translate(_CONTROL).strip()[:limit]


def is_staff_of(user, site_id: int) -> bool:
    return user.has_any_role(STAFF_ROLES) and can_see_site(user, site_id)


def _commit():
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_l("Someone else changed this at the same moment. Please reload and try again.")) from error


# --- Settings and skills ----------------------------------------------------------

def settings_for(site_id: int) -> MatchingSettings:
    """The site's weights; the defaults (not saved) until staff change them."""
    found = db.session.scalar(select(MatchingSettings).where(MatchingSettings.site_id == site_id))
    if found:
        return found
    defaults = {c.name: c.default.arg for c in MatchingSettings.__table__.columns
                if c.name.startswith("weight_") or c.name == "proposal_days"}
    return MatchingSettings(site_id=site_id, **defaults)


WEIGHT_FIELDS = ("weight_skill", "weight_category", "weight_language", "weight_availability", "weight_capacity")


def save_settings(actor, site_id: int, **values) -> MatchingSettings:
    settings = settings_for(site_id)
    before = {name: getattr(settings, name) for name in (*WEIGHT_FIELDS, "proposal_days")}
    for name in WEIGHT_FIELDS:
        value = values.get(name)
        if value is None or not 0 <= int(value) <= 100:
            raise DomainError(_l("Use a whole number from 0 to 100."), field=name)
        setattr(settings, name, int(value))
    days = values.get("proposal_days")
    if days is None or not 1 <= int(days) <= 60:
        raise DomainError(_l("Use a number of days from 1 to 60."), field="proposal_days")
    settings.proposal_days = int(days)
    db.session.add(settings)
    db.session.flush()
    after = {name: getattr(settings, name) for name in before}
    record_change(actor, "mentoring.settings_changed", settings, before=before, after=after, site_id=site_id)
    db.session.commit()
    return settings


def ensure_default_skills(site_id: int) -> list[MentoringSkill]:
    """The usual skills, added once per site."""
    have = set(db.session.scalars(select(MentoringSkill.key).where(MentoringSkill.site_id == site_id)))
    names = set(db.session.scalars(select(MentoringSkill.name).where(MentoringSkill.site_id == site_id)))
    for key, (name, _label) in DEFAULT_SKILLS.items():
        if key not in have and name not in names:
            db.session.add(MentoringSkill(site_id=site_id, name=name, key=key))
    db.session.commit()
    return site_skills(site_id)


def site_skills(site_id: int) -> list[MentoringSkill]:
    return list(db.session.scalars(
        select(MentoringSkill).where(MentoringSkill.site_id == site_id).order_by(MentoringSkill.id)))


def skill_by_key(site_id: int, key: str) -> MentoringSkill | None:
    return db.session.scalar(select(MentoringSkill).where(MentoringSkill.site_id == site_id,
                                                          MentoringSkill.key == key))


def add_skill(actor, site_id: int, name: str) -> MentoringSkill:
    name = clean_text(name, 200)
    if not name:
        raise DomainError(_l("Name the skill."), field="name")
    if len(name) > 80:
        raise DomainError(_l("Keep the name under 80 characters."), field="name")
    clash = db.session.scalar(select(MentoringSkill.id).where(
        MentoringSkill.site_id == site_id, func.lower(MentoringSkill.name) == name.lower()))
    if clash:
        raise Conflict(_l("This skill is already on the list."), field="name")
    skill = MentoringSkill(site_id=site_id, name=name)
    db.session.add(skill)
    db.session.flush()
    record_change(actor, "mentoring.skill_added", skill, after={"name": name})
    db.session.commit()
    return skill


def remove_skill(actor, skill: MentoringSkill) -> None:
    record_change(actor, "mentoring.skill_removed", skill, before={"name": skill.name})
    db.session.delete(skill)
    db.session.commit()


def _skills_from_ids(site_id: int, skill_ids) -> list[MentoringSkill]:
    try:
        ids = {int(i) for i in skill_ids or []}
    except (TypeError, ValueError):
        ids = {-1}
    if not ids:
        return []
    if any(not 0 < i <= MAX_ID for i in ids):
        raise DomainError(_l("Choose skills from the list."), field="skills")
    skills = list(db.session.scalars(select(MentoringSkill).where(
        MentoringSkill.id.in_(ids), MentoringSkill.site_id == site_id)))
    if len(skills) != len(ids):
        raise DomainError(_l("Choose skills from the list."), field="skills")
    return skills


def _clean_categories(categories) -> list[str]:
    return [c for c in CATEGORY_LABELS if c in set(categories or [])]


# --- Mentor profiles -----------------------------------------------------------------

def profile_for(user) -> MentorProfile | None:
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))


def active_count(profile_id: int) -> int:
    return db.session.scalar(select(func.count(Mentorship.id)).where(
        Mentorship.profile_id == profile_id, Mentorship.status == ACTIVE)) or 0


def save_profile(actor, mentor: User, *, skill_ids=(), categories=(), languages=(), availability=(),
                 capacity: int = 2, bio: str = "", active: bool = True) -> MentorProfile:
    """A mentor edits her own profile; staff of her site may edit it too."""
    if actor.id != mentor.id and not is_staff_of(actor, mentor.site_id):
        raise NotAllowed(_l("Only the mentor or the base's staff can change this profile."))
    if not mentor.has_role(MENTOR):
        raise DomainError(_l("This person is not a mentor. An admin can give the mentor role."))
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= 20:
        raise DomainError(_l("A mentor takes between 1 and 20 mentees at once."), field="capacity")
    profile = profile_for(mentor)
    if profile is not None:
        busy = active_count(profile.id)
        if capacity < busy:
            raise DomainError(_l("She has %(n)s active mentees now; capacity cannot be lower.", n=busy),
                              field="capacity")
    else:
        profile = MentorProfile(user_id=mentor.id, site_id=mentor.site_id)
        db.session.add(profile)
    before = _profile_facts(profile) if profile.id else None
    profile.skills = _skills_from_ids(mentor.site_id, skill_ids)
    profile.categories = _clean_categories(categories)
    profile.languages = parse_languages(languages)
    profile.availability = clean_slots(availability)
    profile.capacity = capacity
    profile.bio = clean_text(bio, 2000)
    profile.active = bool(active)
    db.session.flush()
    record_change(actor, "mentoring.profile_saved", profile, before=before, after=_profile_facts(profile))
    db.session.commit()
    return profile


def _profile_facts(profile: MentorProfile) -> dict:
    return {"skills": [s.name for s in profile.skills], "capacity": profile.capacity,
            "active": profile.active, "languages": list(profile.languages or [])}


# --- Mentees' needs ----------------------------------------------------------------------

def need_by_id(need_id: int) -> MenteeNeed | None:
    """A need with what its page shows: the mentee (and her roles), the shop
    and the skills wanted, in one statement."""
    from incubator.shops.models import Shop

    return db.session.get(MenteeNeed, need_id, options=[
        joinedload(MenteeNeed.user).joinedload(User.role_grants),
        joinedload(MenteeNeed.shop).lazyload(Shop.ticks), joinedload(MenteeNeed.skills)])


def need_for(user, shop=None) -> MenteeNeed | None:
    if shop is not None:
        return db.session.scalar(select(MenteeNeed).where(MenteeNeed.shop_id == shop.id))
    return db.session.scalar(select(MenteeNeed).where(MenteeNeed.user_id == user.id,
                                                      MenteeNeed.shop_id.is_(None)))


def prefill(user, shop=None) -> dict:
    """What enrolment and shops already know: availability and languages from
    the person's latest confirmed application, the category from the shop."""
    from incubator.enrolment.models import CONFIRMED, Application

    values = {"availability": [], "languages": [], "category": None}
    application = db.session.scalar(
        select(Application).where(Application.user_id == user.id, Application.status == CONFIRMED)
        .order_by(Application.submitted_at.desc()).limit(1))
    if application is not None:
        answers = application.answers or {}
        values["availability"] = slots_from_answer(answers.get("availability"))
        values["languages"] = parse_languages(answers.get("languages") or answers.get("language") or [])
    if shop is not None and shop.category in CATEGORY_LABELS:
        values["category"] = shop.category
    return values


def ensure_need(actor, user, shop=None, *, commit: bool = True) -> MenteeNeed:
    """The mentee's need, created from what is known the first time.

    Only trainees and shop owners are mentees themselves (a shop is one in
    its own right): the search offers nobody else, and a posted id must not
    put a staff member or a mentor among the mentees waiting for a mentor."""
    if shop is None and not user.has_any_role(MENTEE_ROLES):
        raise NotAllowed(_l("Only trainees, shop owners and shops can be mentees."))
    need = need_for(user, shop)
    if need is not None:
        return need
    known = prefill(user, shop)
    need = MenteeNeed(site_id=shop.site_id if shop is not None else user.site_id, user_id=user.id,
                      shop_id=shop.id if shop is not None else None, category=known["category"],
                      languages=known["languages"], availability=known["availability"])
    db.session.add(need)
    db.session.flush()
    record_change(actor, "mentoring.need_created", need, after={"user_id": user.id,
                                                                "shop_id": need.shop_id})
    if commit:
        db.session.commit()
    return need


def can_edit_need(user, need: MenteeNeed) -> bool:
    return user.id == need.user_id or is_staff_of(user, need.site_id)


def save_need(actor, need: MenteeNeed, *, skill_ids=(), category=None, languages=(), availability=(),
              notes: str = "") -> MenteeNeed:
    if not can_edit_need(actor, need):
        raise NotAllowed(_l("Only the mentee or the base's staff can change these needs."))
    if category and category not in CATEGORY_LABELS:
        raise DomainError(_l("Choose a category from the list."), field="category")
    need.skills = _skills_from_ids(need.site_id, skill_ids)
    need.category = category or None
    need.languages = parse_languages(languages)
    need.availability = clean_slots(availability)
    need.notes = clean_text(notes, 2000)
    record_change(actor, "mentoring.need_saved", need,
                  after={"skills": [s.name for s in need.skills], "category": need.category})
    db.session.commit()
    return need


def cohort_mentees(cohort) -> list[User]:
    """A cohort's mentees are its confirmed applicants who can be mentees
    (a staff member taking the class is not one; see ensure_need)."""
    from incubator.enrolment.models import CONFIRMED, Application

    return list(db.session.scalars(
        select(User).join(Application, Application.user_id == User.id)
        .where(Application.cohort_id == cohort.id, Application.status == CONFIRMED,
               User.role_grants.any(UserRole.role.in_(MENTEE_ROLES)))
        .order_by(User.display_name)))


def ensure_needs_for_cohort(actor, cohort) -> list[MenteeNeed]:
    needs = [ensure_need(actor, person, commit=False) for person in cohort_mentees(cohort)]
    db.session.commit()
    return needs


def cohort_choices(site_id: int) -> list[tuple[int, str]]:
    """The site's classes as (id, name), newest first: a base has hundreds
    over the years, and a list of choices needs no objects."""
    from incubator.enrolment.models import Cohort

    return [tuple(row) for row in db.session.execute(
        select(Cohort.id, Cohort.name).where(Cohort.site_id == site_id).order_by(Cohort.starts_on.desc()))]


# --- Load and who is unmatched ---------------------------------------------------------------

@dataclass
class Load:
    active: int = 0
    pending: int = 0


def _count_per_profile(model, site_id: int, *conditions):
    """How many rows of `model` (mentorships or proposals) meeting the
    conditions each mentor of the site has: one GROUP BY, to outer-join."""
    of_site = select(MentorProfile.id).where(MentorProfile.site_id == site_id)
    return (select(model.profile_id, func.count().label("n"))
            .where(model.profile_id.in_(of_site), *conditions)
            .group_by(model.profile_id).subquery())


@dataclass(eq=False, slots=True)
class Candidate:
    """A mentor as scoring sees her: plain values, no ORM objects. A base has
    hundreds of mentors and every one is scored, but a page shows a few:
    building a profile, person and roles for each mentor was most of the
    suggestions page's time (issue 11). Those shown are loaded afterwards
    (load_profiles)."""
    profile_id: int
    user_id: int
    site_id: int
    name: str
    willing: bool  # taking mentees, account active, holds the mentor role
    capacity: int
    categories: Sequence[str]
    languages: Sequence[str]
    availability: Sequence[str]
    skills: tuple = ()  # of MentoringSkill or Skill
    load: Load = field(default_factory=Load)
    asked: bool = False  # the given mentee's proposal to her is waiting

    @classmethod
    def of(cls, profile: MentorProfile) -> "Candidate":
        """The same facts, read from a loaded profile (one pair at a time)."""
        return cls(profile.id, profile.user_id, profile.site_id, profile.user.display_name,
                   _willing(profile.active, profile.user.active, profile.user.has_role(MENTOR)),
                   profile.capacity, profile.categories or [], profile.languages or [], profile.availability or [],
                   tuple(profile.skills))


def _willing(taking_mentees: bool, account_active: bool, is_mentor: bool) -> bool:
    return bool(taking_mentees and account_active and is_mentor)


@dataclass(eq=False, slots=True)
class Mentee:
    """A mentee as scoring sees her, as Candidate is a mentor: plain values,
    not a MenteeNeed with her person and shop. A batch preview has hundreds
    of mentees (issue 11). `id` is her need's id."""
    id: int
    user_id: int
    site_id: int
    mentee_name: str
    category: str | None
    languages: Sequence[str]
    availability: Sequence[str]
    skills: tuple = ()  # of MentoringSkill or Skill

    @classmethod
    def of(cls, need: MenteeNeed) -> "Mentee":
        return cls(need.id, need.user_id, need.site_id, need.mentee_name, need.category, need.languages or [],
                   need.availability or [], tuple(need.skills))


def candidates(site_id: int, need: MenteeNeed | None = None) -> list[Candidate]:
    """The site's mentors whose account is active, by name, each with her
    skills and her load (active mentorships, proposals waiting), and for
    `need` whether that mentee has asked her already.

    Two statements however many mentors the base has (no query per mentor:
    that was the N+1 of the suggestions page and the batch preview), and
    plain rows rather than ORM objects (see Candidate)."""
    mentors, skills = _candidates_statements(need is not None)
    params = {"site_id": site_id, "need_id": need.id if need is not None else None}
    found = [Candidate(profile_id, user_id, profile_site, name, _willing(taking, account_active, mentor),
                       capacity, _words(categories), _words(languages), _words(availability),
                       load=Load(n_active, n_pending), asked=bool(was_asked))
             for (profile_id, user_id, profile_site, name, taking, account_active, mentor, capacity, n_active,
                  n_pending, was_asked, categories, languages, availability) in db.session.execute(mentors, params)]
    by_id = {c.profile_id: c for c in found}
    for profile_id, skill in _skills_of(skills, params):
        if profile_id in by_id:
            by_id[profile_id].skills += (skill,)
    return found


@cache
def _candidates_statements(for_need: bool):
    """candidates()'s two statements, built once (the values are bound
    parameters: site_id, need_id): putting them together with their
    subqueries, and working out their cache keys, took longer than the
    database took to run them."""
    site_id = bindparam("site_id")
    active = _count_per_profile(Mentorship, site_id, Mentorship.status == ACTIVE)
    pending = _count_per_profile(MatchProposal, site_id, MatchProposal.status == PENDING)
    asked = false()
    if for_need:
        asked = select(MatchProposal.id).where(
            MatchProposal.need_id == bindparam("need_id"), MatchProposal.profile_id == MentorProfile.id,
            MatchProposal.status == PENDING).exists()
    is_mentor = select(UserRole.id).where(UserRole.user_id == User.id, UserRole.role == MENTOR).exists()
    mentors = (
        select(MentorProfile.id, MentorProfile.user_id, MentorProfile.site_id, User.display_name,
               MentorProfile.active, User.active, is_mentor, MentorProfile.capacity, func.coalesce(active.c.n, 0),
               func.coalesce(pending.c.n, 0), asked, *_as_text(MentorProfile.categories, MentorProfile.languages,
                                                               MentorProfile.availability))
        .join(User, User.id == MentorProfile.user_id)
        .outerjoin(active, active.c.profile_id == MentorProfile.id)
        .outerjoin(pending, pending.c.profile_id == MentorProfile.id)
        .where(MentorProfile.site_id == site_id, User.active.is_(True))
        .order_by(User.display_name, MentorProfile.id))
    of_site = select(MentorProfile.id).where(MentorProfile.site_id == site_id)
    return mentors, _skills_statement(mentor_profile_skills.c.profile_id, mentor_profile_skills.c.skill_id, of_site)


def _as_text(*columns):
    """JSON list columns selected as their text, to read with _words()."""
    return [cast(column, Text) for column in columns]


@lru_cache(maxsize=8192)
def _words(text: str | None) -> tuple:
    """A JSON list column's text as a tuple. A base's people share a few
    lists (languages, categories) and a page reads hundreds: decoding each
    one, as a JSON column does, was a tenth of the batch preview, so each
    text is decoded once per process. Tuples, which nobody can change in the
    cache, and which the garbage collector stops tracking."""
    return tuple(json.loads(text)) if text else ()


@dataclass(frozen=True, slots=True)
class Skill:
    """A skill as scoring and its reasons see it (id, key, name: skill_label
    reads the last two), read as a plain row."""
    id: int
    key: str | None
    name: str

    @property
    def label(self) -> str:
        return skill_label(self)


def _skills_statement(owner_column, skill_column, owners):
    """(owner id, skill id, key, name) of the mentors or needs whose ids
    `owners` gives (a subquery, or an expanding bound list), in skill order."""
    return (select(owner_column, MentoringSkill.id, MentoringSkill.key, MentoringSkill.name)
            .join(MentoringSkill, MentoringSkill.id == skill_column)
            .where(owner_column.in_(owners)).order_by(MentoringSkill.id))


def _skills_of(statement, params: dict):
    """(owner id, Skill) from a _skills_statement: plain rows, one Skill
    object per skill however many owners share it."""
    made: dict[int, Skill] = {}
    for owner_id, skill_id, key, skill_name in db.session.execute(statement, params):
        skill = made.get(skill_id)
        if skill is None:
            skill = made[skill_id] = Skill(skill_id, key, skill_name)
        yield owner_id, skill


def load_profiles(chosen: list[Candidate]) -> dict[int, MentorProfile]:
    """The mentor profiles of these candidates, with their person, by profile
    id: one statement, for the few a page shows. Their skills come from the
    candidates (already read), not from another query."""
    if not chosen:
        return {}
    profiles = {p.id: p for p in db.session.scalars(
        select(MentorProfile).where(MentorProfile.id.in_([c.profile_id for c in chosen]))
        .options(joinedload(MentorProfile.user).lazyload(User.role_grants)))}
    for candidate in chosen:
        profile = profiles.get(candidate.profile_id)
        if profile is not None and "skills" not in inspect(profile).dict:
            set_committed_value(profile, "skills", list(candidate.skills))
    return profiles


def _attach_skills(owners, owner_column, skill_column) -> None:
    """Fill the `skills` of many mentor profiles or needs in one statement
    (in the relationship's order, by skill id), instead of one lazy load each.
    Those already loaded are left as they are."""
    waiting = {owner.id: owner for owner in owners if "skills" not in inspect(owner).dict}
    if not waiting:
        return
    skills: dict[int, list[MentoringSkill]] = {owner_id: [] for owner_id in waiting}
    for owner_id, skill in db.session.execute(
            select(owner_column, MentoringSkill).join(MentoringSkill, MentoringSkill.id == skill_column)
            .where(owner_column.in_(list(waiting))).order_by(MentoringSkill.id)):
        skills[owner_id].append(skill)
    for owner_id, owned in skills.items():
        set_committed_value(waiting[owner_id], "skills", owned)


def _unmatched_clauses(site_id) -> tuple:
    """Needs of the site whose person is active, with no active or
    completed mentorship and no proposal waiting. Two NOT EXISTS, each
    limited to the need's own base (a pair belongs to its mentee's base):
    PostgreSQL then reads only the base's pairs (an anti-join), where one
    NOT (A OR B) made it hash every mentorship of the district."""
    def none_of(model, *conditions):
        return ~select(model.id).where(model.need_id == MenteeNeed.id, model.site_id == MenteeNeed.site_id,
                                       *conditions).exists()

    return (MenteeNeed.site_id == site_id, User.active.is_(True),
            none_of(Mentorship, Mentorship.status.in_((ACTIVE, COMPLETED))),
            none_of(MatchProposal, MatchProposal.status == PENDING))


def _of_cohort(cohort_id) -> tuple:
    """The personal needs of a cohort's mentees (its confirmed applicants)."""
    from incubator.enrolment.models import CONFIRMED, Application

    confirmed = select(Application.user_id).where(Application.cohort_id == cohort_id,
                                                  Application.status == CONFIRMED)
    return MenteeNeed.user_id.in_(confirmed), MenteeNeed.shop_id.is_(None)


def unmatched_mentees(site_id: int, cohort=None) -> list[Mentee]:
    """The unmatched needs (see _unmatched_clauses) as plain Mentees, by name, for a batch:
    one statement for the needs with their names, one for their skills."""
    needs, skills = _unmatched_statements(cohort is not None)
    params = {"site_id": site_id, "cohort_id": cohort.id if cohort is not None else None}
    mentees = [Mentee(need_id, user_id, need_site, mentee_name(person, shop), category, _words(languages),
                      _words(availability))
               for need_id, user_id, need_site, person, shop, category, languages, availability
               in db.session.execute(needs, params)]
    if mentees:
        by_id = {m.id: m for m in mentees}
        for need_id, skill in _skills_of(skills, {"need_ids": list(by_id)}):
            by_id[need_id].skills += (skill,)
    return mentees


@cache
def _unmatched_statements(for_cohort: bool):
    """unmatched_mentees()'s statements, built once (see
    _candidates_statements); bound: site_id, cohort_id, need_ids."""
    from incubator.shops.models import Shop

    needs = (select(MenteeNeed.id, MenteeNeed.user_id, MenteeNeed.site_id, User.display_name, Shop.name,
                    MenteeNeed.category, *_as_text(MenteeNeed.languages, MenteeNeed.availability))
             .join(User, User.id == MenteeNeed.user_id).outerjoin(Shop, Shop.id == MenteeNeed.shop_id)
             .where(*_unmatched_clauses(bindparam("site_id"))))
    if for_cohort:
        needs = needs.where(*_of_cohort(bindparam("cohort_id")))
    skills = _skills_statement(mentee_need_skills.c.need_id, mentee_need_skills.c.skill_id,
                               bindparam("need_ids", expanding=True))
    return needs.order_by(User.display_name, MenteeNeed.id), skills


def unmatched_count(site_id: int) -> int:
    """How many needs of the site are unmatched, without loading them."""
    return db.session.scalar(select(func.count(MenteeNeed.id)).join(User, User.id == MenteeNeed.user_id)
                             .where(*_unmatched_clauses(site_id))) or 0


# --- The staff's overview: each list a page at a time, and finding a mentee ----------------
#
# At district scale a base has hundreds of mentors and unmatched mentees and
# thousands of people who could be added (issue 11): the overview shows the
# first rows of each list and their totals, and a mentee is found by a search,
# never picked from a list of every person of the base. Each list is one
# statement of plain rows (no ORM objects, none of their lazy loads) that
# counts its total itself (count(*) OVER () is taken before LIMIT). The
# statements are built once, with bound values (see _candidates_statements).

@dataclass(frozen=True, slots=True)
class Listing:
    """Some rows of a list, and how many there are in all."""
    rows: list
    total: int


def _page_of(statement, paged: bool):
    return statement.limit(bindparam("limit")).offset(bindparam("offset")) if paged else statement


def _listing(statement, params: dict, limit: int | None, offset: int, make) -> Listing:
    """Rows of a statement whose last column is count(*) OVER ()."""
    if limit is not None:
        params = {**params, "limit": limit, "offset": offset}
    rows = db.session.execute(statement, params).all()
    return Listing([make(row) for row in rows], rows[0][-1] if rows else 0)


@dataclass(frozen=True, slots=True)
class MentorLoad:
    """A mentor's load as the staff see it."""
    profile_id: int
    user_id: int
    name: str
    capacity: int
    taking_mentees: bool  # False: she paused her profile
    active: int  # active mentorships
    pending: int  # proposals waiting for her answer
    rating: float | None  # her mentees' average stars, one decimal
    ratings: int


def mentor_loads(site_id: int, *, limit: int | None = None, offset: int = 0) -> Listing:
    """The base's mentors (active accounts) by name, with their loads."""
    return _listing(_loads_statement(limit is not None), {"site_id": site_id}, limit, offset, lambda r: MentorLoad(
        r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], round(float(r[7]), 1) if r[7] is not None else None, r[8]))


@cache
def _loads_statement(paged: bool):
    """The page of profiles first; then four counts for each profile of the
    page only (through the indexes on profile and status), not for all."""
    profiles = _page_of(
        select(MentorProfile.id, MentorProfile.user_id, User.display_name, MentorProfile.capacity,
               MentorProfile.active, func.count().over().label("total"))
        .join(User, User.id == MentorProfile.user_id)
        .where(MentorProfile.site_id == bindparam("site_id"), User.active.is_(True))
        .order_by(User.display_name, MentorProfile.id), paged).subquery()

    def count_of(model, *conditions):
        return select(func.count()).where(model.profile_id == profiles.c.id, *conditions).scalar_subquery()

    def from_mentees(aggregate):
        return (select(aggregate).select_from(Mentorship)
                .join(MentorshipFeedback, MentorshipFeedback.mentorship_id == Mentorship.id)
                .where(Mentorship.profile_id == profiles.c.id, MentorshipFeedback.side == MENTEE_SIDE)
                .scalar_subquery())

    return (select(profiles.c.id, profiles.c.user_id, profiles.c.display_name, profiles.c.capacity,
                   profiles.c.active, count_of(Mentorship, Mentorship.status == ACTIVE),
                   count_of(MatchProposal, MatchProposal.status == PENDING),
                   from_mentees(func.avg(MentorshipFeedback.rating)), from_mentees(func.count()), profiles.c.total)
            .order_by(profiles.c.display_name, profiles.c.id))


@dataclass(frozen=True, slots=True)
class UnmatchedMentee:
    need_id: int
    name: str  # hers, or her shop's with hers
    skills: tuple = ()  # the Skills she asked for


def unmatched_listing(site_id: int, *, limit: int | None = None, offset: int = 0) -> Listing:
    """The needs unmatched_count() counts, by name: one statement for the
    page's names, one for their skills."""
    statement = _unmatched_page_statement(limit is not None)
    listing = _listing(statement, {"site_id": site_id}, limit, offset, lambda r: (r[0], mentee_name(r[1], r[2])))
    if not listing.rows:
        return listing
    skills: dict[int, tuple] = {need_id: () for need_id, _name in listing.rows}
    _needs, of_needs = _unmatched_statements(False)
    for need_id, skill in _skills_of(of_needs, {"need_ids": list(skills)}):
        skills[need_id] += (skill,)
    return Listing([UnmatchedMentee(need_id, name, skills[need_id]) for need_id, name in listing.rows],
                   listing.total)


@cache
def _unmatched_page_statement(paged: bool):
    from incubator.shops.models import Shop

    return _page_of(select(MenteeNeed.id, User.display_name, Shop.name, func.count().over())
                    .join(User, User.id == MenteeNeed.user_id).outerjoin(Shop, Shop.id == MenteeNeed.shop_id)
                    .where(*_unmatched_clauses(bindparam("site_id"))).order_by(User.display_name, MenteeNeed.id),
                    paged)


@dataclass(frozen=True, slots=True)
class WaitingProposal:
    id: int
    need_id: int
    mentee: str
    mentor: str
    expires_at: datetime
    status: str = PENDING


def waiting_listing(site_id: int, *, limit: int | None = None, offset: int = 0) -> Listing:
    """The base's proposals waiting for an answer, the first to lapse first,
    with the mentee's and the mentor's names: one statement."""
    return _listing(_waiting_statement(limit is not None), {"site_id": site_id}, limit, offset,
                    lambda r: WaitingProposal(r[0], r[1], mentee_name(r[2], r[3]), r[4], r[5]))


@cache
def _waiting_statement(paged: bool):
    from incubator.shops.models import Shop

    mentee, mentor = aliased(User), aliased(User)
    return _page_of(select(MatchProposal.id, MatchProposal.need_id, mentee.display_name, Shop.name,
                           mentor.display_name, MatchProposal.expires_at, func.count().over())
                    .join(MenteeNeed, MenteeNeed.id == MatchProposal.need_id)
                    .join(mentee, mentee.id == MenteeNeed.user_id).outerjoin(Shop, Shop.id == MenteeNeed.shop_id)
                    .join(MentorProfile, MentorProfile.id == MatchProposal.profile_id)
                    .join(mentor, mentor.id == MentorProfile.user_id)
                    .where(MatchProposal.site_id == bindparam("site_id"), MatchProposal.status == PENDING)
                    .order_by(MatchProposal.expires_at, MatchProposal.id), paged)


def waiting_count(site_id: int) -> int:
    return db.session.scalar(select(func.count(MatchProposal.id)).where(
        MatchProposal.site_id == site_id, MatchProposal.status == PENDING)) or 0


SEARCH_LIMIT = 20  # matches shown; the rest are counted
SEARCH_LENGTH = 40  # characters of a query looked at
MENTEE_ROLES = ("trainee", "shop_owner")
_PHONE_NOISE = str.maketrans("", "", " -()")
_LIKE_ESCAPES = str.maketrans({"/": "//", "%": "/%", "_": "/_"})
# Above any stored number (at most 20 digits): the end of a range of numbers
# that starts with nines only, where adding one would lengthen the prefix.
_PAST_ALL_NUMBERS = "9" * 21


@dataclass(frozen=True, slots=True)
class MenteeMatch:
    """A person or a shop staff may add as a mentee."""
    kind: str  # "person" or "shop"
    id: int
    name: str  # the person's, or the shop's
    owner: str | None  # a shop's owner
    phone: str | None  # the person's, or the shop owner's
    need_id: int | None  # set when she (or the shop) is a mentee already

    @property
    def value(self) -> str:
        """What the add-a-mentee form sends: person:<id> or shop:<id>."""
        return f"{self.kind}:{self.id}"

    @property
    def label(self) -> str:
        return mentee_name(self.owner, self.name) if self.kind == "shop" else self.name


@dataclass(frozen=True, slots=True)
class MenteeSearch:
    text: str  # the query as searched ("" when there was nothing to search)
    by: str  # "name", "phone", or "" for no search
    matches: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.matches)


def search_terms(text) -> tuple[str, str]:
    """("phone", digits) for the start of a mobile number as people type it
    (spaces, dashes, +86), ("name", text) for anything else, ("", "") for
    nothing. The text is cleaned first (control characters, length)."""
    text = clean_text(text, SEARCH_LENGTH)
    digits = text.translate(_PHONE_NOISE)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix) and len(digits) > len(prefix):
            digits = digits[len(prefix):]
    if digits.isascii() and digits.isdigit():
        return "phone", digits[:11]
    return ("name", text) if text else ("", "")


def find_mentees(site_id: int, text, *, limit: int = SEARCH_LIMIT) -> MenteeSearch:
    """People (active trainees and shop owners) and shops of the base whose
    name, or whose mobile's first digits, match what staff typed, those
    already mentees marked: the first `limit` by name, and how many match."""
    by, term = search_terms(text)
    if not by:
        return MenteeSearch("", "")
    params = {"site_id": site_id, "limit": limit}
    if by == "phone":
        # Numbers are stored as digits: those starting 139 are 139 <= n < 140,
        # a range of the (site, phone) index in any collation (LIKE '139%'
        # would not use it: SQLite's LIKE ignores case, so it cannot).
        params["low"], params["starts"] = term, f"{term}%"
        params["high"] = str(int(term) + 1).zfill(len(term)) if term.strip("9") else _PAST_ALL_NUMBERS
    else:
        params["pattern"] = f"%{term.translate(_LIKE_ESCAPES)}%"  # typed % and _ are plain characters
    rows = db.session.execute(_search_statement(by), params).all()
    return MenteeSearch(term, by, [MenteeMatch(*row[:6]) for row in rows], rows[0][-1] if rows else 0)


@cache
def _search_statement(by: str):
    """find_mentees()'s statement: people and shops in one UNION ALL, limited
    to the base through its index (by name, every name of the base is read:
    a part of a name cannot be looked up; by mobile, only the matches)."""
    from incubator.shops.models import Shop

    owner = aliased(User)

    def matching(person):
        if by == "phone":
            return and_(person.phone >= bindparam("low"), person.phone < bindparam("high"),
                        person.phone.like(bindparam("starts")))
        return person.display_name.ilike(bindparam("pattern"), escape="/")

    shop_matches = matching(owner) if by == "phone" else or_(
        Shop.name.ilike(bindparam("pattern"), escape="/"), matching(owner))
    people = (select(literal("person").label("kind"), User.id.label("id"), User.display_name.label("name"),
                     null().label("owner"), User.phone.label("phone"), MenteeNeed.id.label("need_id"))
              .outerjoin(MenteeNeed, and_(MenteeNeed.user_id == User.id, MenteeNeed.shop_id.is_(None)))
              .where(User.site_id == bindparam("site_id"), matching(User), User.active.is_(True),
                     User.role_grants.any(UserRole.role.in_(MENTEE_ROLES))))
    shops = (select(literal("shop"), Shop.id, Shop.name, owner.display_name, owner.phone, MenteeNeed.id)
             .join(owner, owner.id == Shop.owner_id).outerjoin(MenteeNeed, MenteeNeed.shop_id == Shop.id)
             .where(Shop.site_id == bindparam("site_id"), shop_matches))
    found = union_all(people, shops).subquery()
    return (select(*found.c, func.count().over()).order_by(found.c.name, found.c.kind, found.c.id)
            .limit(bindparam("limit")))


# --- Scores and explanations ---------------------------------------------------------------

class Labels:
    """Words in the reader's language, each looked up once for a whole batch
    instead of once per pair: Flask-Babel takes about 8 µs a string, and a
    batch preview explains hundreds of pairs. Labels (skills, times,
    categories, languages) come from calling it; messages from its gettext
    and ngettext, which ask the catalogue once per message (and number) and
    then only fill in the values, as Flask-Babel's do. Made per request, so
    one language throughout."""

    def __init__(self):
        self._known: dict = {}

    def __call__(self, word_of, value) -> str:
        key = (word_of, value)
        if key not in self._known:
            self._known[key] = str(word_of(value))
        return self._known[key]

    @cached_property
    def _catalogue(self):
        return get_translations()

    def gettext(self, string: str, **variables) -> str:
        template = self._known.get(string)
        if template is None:
            template = self._known[string] = self._catalogue.ugettext(string)
        return template % variables if variables else template

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        key = (singular, num)
        template = self._known.get(key)
        if template is None:
            template = self._known[key] = self._catalogue.ungettext(singular, plural, num)
        variables.setdefault("num", num)
        return template % variables

    @cached_property
    def comma(self) -> str:
        return self.gettext(", ")

    @cached_property
    def semicolon(self) -> str:
        return self.gettext("; ")


@dataclass(eq=False, slots=True)
class Match:
    """A mentor (a Candidate) for a mentee, with her score. The reasons are
    put into words, and her profile loaded, only for the matches a page
    shows: a base has hundreds of mentors (issue 11). Slots: a batch preview
    makes thousands of these, and fewer objects mean fewer pauses to
    collect garbage."""
    need: MenteeNeed | Mentee
    mentor: Candidate
    score: int
    places_left: int = 0
    pending_with_this_mentee: bool = False
    labels: Labels | None = None
    loaded_profile: MentorProfile | None = field(default=None, repr=False)
    worded: list[str] | None = field(default=None, init=False, repr=False)

    @property
    def profile(self) -> MentorProfile:
        """Her profile: loaded with the others shown (load_profiles), or now."""
        if self.loaded_profile is None:
            self.loaded_profile = db.session.get(MentorProfile, self.mentor.profile_id)
        return self.loaded_profile

    @property
    def reasons(self) -> list[str]:
        if self.worded is None:
            self.worded = pair_reasons(self.need, self.mentor, self.places_left, self.labels)
        return self.worded

    @property
    def explanation(self) -> str:
        return (self.labels or Labels()).semicolon.join(str(r) for r in self.reasons)


def _in_common(need_lists: list[list], profile_lists: list[list], *, need_repeats: bool = True,
               profile_repeats: bool = False) -> np.ndarray:
    """How many items each mentee's list shares with each mentor's list, as a
    (mentees × mentors) array: one matrix product over the words the mentees
    use. An item listed twice counts twice on the side whose repeats count,
    as the reasons count them (pair_reasons)."""
    vocabulary: dict = {}
    for items in need_lists:
        for item in items:
            vocabulary.setdefault(item, len(vocabulary))

    def incidence(lists, repeats):
        table = np.zeros((len(lists), len(vocabulary)), dtype=np.int64)
        rows = [row for row, items in enumerate(lists) for item in items if item in vocabulary]
        if rows:
            columns = [vocabulary[item] for items in lists for item in items if item in vocabulary]
            if repeats:
                np.add.at(table, (rows, columns), 1)
            else:
                table[rows, columns] = 1
        return table

    return incidence(need_lists, need_repeats) @ incidence(profile_lists, profile_repeats).T


def score_table(needs: list[MenteeNeed | Mentee], mentors: list[Candidate], places_left: list[int],
                settings: MatchingSettings) -> np.ndarray:
    """The scores of every mentor (columns) for every mentee (rows), the one
    place the formula lives:

    skills in common × weight_skill + category × weight_category + languages in
    common × weight_language + shared time slots (at most 6) × weight_availability
    + weight_capacity × the share of her places still free (places_left).

    Whole arrays at once: a batch of 600 mentees against 400 mentors is a
    quarter of a million pairs, far too many to score one by one in Python.
    """
    # Tuples rather than lists: a batch makes one per mentee and mentor.
    skills = _in_common([tuple(s.id for s in n.skills) for n in needs],
                        [tuple(s.id for s in m.skills) for m in mentors], need_repeats=False, profile_repeats=True)
    category = _in_common([(n.category,) if n.category else () for n in needs], [m.categories for m in mentors])
    slots = _in_common([n.availability or () for n in needs], [m.availability for m in mentors])
    languages = _in_common([n.languages or () for n in needs], [m.languages for m in mentors])
    free = np.array([round(settings.weight_capacity * max(left, 0) / m.capacity) if m.capacity else 0
                     for m, left in zip(mentors, places_left, strict=True)], dtype=np.int64)
    return (settings.weight_skill * skills + settings.weight_category * (category > 0)
            + settings.weight_availability * np.minimum(slots, 6) + settings.weight_language * languages
            + free[np.newaxis, :])


def pair_reasons(need: MenteeNeed | Mentee, profile: MentorProfile | Candidate, places_left: int,
                 labels: Labels | None = None) -> list[str]:
    """Why a mentor suits a mentee, in plain words (the parts of her score)."""
    label = labels or Labels()
    comma = label.comma
    reasons: list[str] = []
    need_skill_ids = {s.id for s in need.skills} if need.skills else ()
    common = [s for s in profile.skills if s.id in need_skill_ids] if need_skill_ids else ()
    if common:
        reasons.append(label.ngettext("%(num)d skill in common: %(names)s", "%(num)d skills in common: %(names)s",
                                      len(common), names=comma.join(label(skill_label, s) for s in common)))
    if need.category and need.category in (profile.categories or []):
        reasons.append(label.gettext("knows %(category)s", category=label(category_label, need.category)))
    free = set(profile.availability or [])
    shared_slots = [slot for slot in need.availability or [] if slot in free]
    if shared_slots:
        shown = comma.join(label(slot_phrase, s) for s in shared_slots[:3])
        if len(shared_slots) > 3:
            reasons.append(label.ngettext("both free on %(times)s and %(num)d more time",
                                          "both free on %(times)s and %(num)d more times",
                                          len(shared_slots) - 3, times=shown))
        else:
            reasons.append(label.gettext("both free on %(times)s", times=shown))
    spoken = set(profile.languages or [])
    languages = [w for w in need.languages or [] if w in spoken]
    if languages:
        telling = [w for w in languages if w != "普通话"] or languages
        reasons.append(label.gettext("speaks %(languages)s",
                                     languages=comma.join(label(language_label, w) for w in telling)))
    reasons.append(label.ngettext("%(left)d of %(num)d place left", "%(left)d of %(num)d places left",
                                  profile.capacity, left=places_left))
    return reasons


def score_pair(need: MenteeNeed, profile: MentorProfile, places_left: int,
               settings: MatchingSettings) -> tuple[int, list[str]]:
    """The score of one mentor for one mentee, and the plain reasons behind it."""
    score = int(score_table([need], [Candidate.of(profile)], [places_left], settings)[0, 0])
    return score, pair_reasons(need, profile, places_left)


def _eligible_table(needs: list[MenteeNeed | Mentee], mentors: list[Candidate]) -> np.ndarray:
    """Which mentors (columns) may mentor which mentees (rows): willing (see
    Candidate), of the mentee's base, and not the mentee herself."""
    willing = np.array([m.willing for m in mentors], dtype=bool)
    sites = np.array([m.site_id for m in mentors], dtype=np.int64)
    users = np.array([m.user_id for m in mentors], dtype=np.int64)
    need_sites = np.array([n.site_id for n in needs], dtype=np.int64)
    need_users = np.array([n.user_id for n in needs], dtype=np.int64)
    return (willing[np.newaxis, :] & (need_sites[:, np.newaxis] == sites[np.newaxis, :])
            & (need_users[:, np.newaxis] != users[np.newaxis, :]))


def _eligible(need: MenteeNeed, profile: MentorProfile) -> bool:
    return bool(_eligible_table([need], [Candidate.of(profile)])[0, 0])


def suggestions(need: MenteeNeed, settings: MatchingSettings | None = None, *,
                first: int | None = None) -> list[Match]:
    """Mentors for this mentee, best first. Paused or full mentors are left out.

    Every mentor is scored; the `first` best (all when None) come with their
    profiles, loaded in one statement, and a match's reasons are worded when
    read: a page shows ten of hundreds."""
    settings = settings or settings_for(need.site_id)
    found = [c for c in candidates(need.site_id, need) if c.capacity - c.load.active > 0]
    left = [c.capacity - c.load.active for c in found]
    scores = score_table([need], found, left, settings)[0]
    eligible = _eligible_table([need], found)[0]
    labels = Labels()
    matches = [Match(need, c, int(scores[j]), left[j], c.asked, labels) for j, c in enumerate(found) if eligible[j]]
    matches.sort(key=lambda m: (-m.score, m.mentor.name))
    shown = matches if first is None else matches[:first]
    profiles = load_profiles([m.mentor for m in shown])
    for match in shown:
        match.loaded_profile = profiles.get(match.mentor.profile_id)
    return matches


# --- Batch matching -------------------------------------------------------------------------

SHOWN_OPTIONS = 5  # mentors offered in each row of a batch preview, besides the chosen one


class PlanRow:
    """One mentee of a batch: the mentors she could have, and the one chosen."""

    __slots__ = ("plan", "index", "need", "chosen")

    def __init__(self, plan: "Plan", index: int, need: Mentee):
        self.plan, self.index, self.need = plan, index, need
        self.chosen: Match | None = None

    @property
    def options(self) -> list[Match]:
        """Every mentor she could have, best first."""
        return [self.plan.match(self.index, j) for j in self.plan.ranked(self.index)]

    @property
    def choices(self) -> list[tuple[int, str]]:
        """The preview's list for her, as (profile id, "name (score)"): her
        SHOWN_OPTIONS best mentors, and the chosen one wherever she ranks.
        Short, because it is repeated for every mentee (her own page lists
        every mentor)."""
        plan = self.plan
        shown = plan.best_choices()[self.index]
        chosen = self.chosen
        if chosen is None or any(value == chosen.mentor.profile_id for value, _label in shown):
            return shown
        return [*shown, (chosen.mentor.profile_id, plan.choice_label(plan.column[chosen.mentor.profile_id],
                                                                     chosen.score))]

    @property
    def chosen_id(self) -> int | None:
        """The chosen mentor's profile id."""
        return self.chosen.mentor.profile_id if self.chosen is not None else None

    @property
    def has_options(self) -> bool:
        return bool(self.plan.feasible[self.index].any())

    def option(self, profile_id: int | None) -> Match | None:
        j = self.plan.column.get(profile_id)
        if j is None or not self.plan.feasible[self.index, j]:
            return None
        return self.plan.match(self.index, j)


class Plan:
    """A batch: every mentee against every mentor of the base, as arrays (the
    scores, and which pairs are possible); Match objects are made only for
    the pairs something looks at."""

    shown_options = SHOWN_OPTIONS

    def __init__(self, needs: list[Mentee], mentors: list[Candidate], places_left: list[int],
                 places: list[int], scores: np.ndarray, feasible: np.ndarray):
        self.places = {m.profile_id: n for m, n in zip(mentors, places, strict=True)}  # free for new proposals
        self.column = {m.profile_id: j for j, m in enumerate(mentors)}
        self.mentors, self._left = mentors, places_left
        self.scores, self.feasible = scores, feasible
        self.rows = [PlanRow(self, i, need) for i, need in enumerate(needs)]
        self._matches: dict[int, Match] = {}  # by i * mentors + j (an int key: no tuple per pair)
        self.labels = Labels()
        self._ranked: np.ndarray | None = None
        self._best: list[list[tuple[int, str]]] | None = None

    def match(self, i: int, j: int) -> Match:
        key = i * len(self.mentors) + int(j)
        if key not in self._matches:
            self._matches[key] = Match(self.rows[i].need, self.mentors[j], int(self.scores[i, j]),
                                       self._left[j], labels=self.labels)
        return self._matches[key]

    def ranked(self, i: int) -> np.ndarray:
        """Row i's possible mentors (column numbers), best score first; equal
        scores in the mentors' order (by name)."""
        if self._ranked is None:
            keyed = np.where(self.feasible, -self.scores, np.iinfo(np.int64).max)
            self._ranked = np.argsort(keyed, axis=1, kind="stable")
        order = self._ranked[i]
        return order[self.feasible[i, order]]

    def best_choices(self) -> list[list[tuple[int, str]]]:
        """For every row, its first SHOWN_OPTIONS of ranked() as (profile id,
        "name (score)"). All rows at once, as a batch has hundreds: each row's
        best few are picked out (a partition, not a sort of the whole row),
        and each mentor's name is put into words once."""
        if self._best is None:
            best = _best_columns(self.scores, self.feasible, SHOWN_OPTIONS)
            scores = np.take_along_axis(self.scores, best, axis=1).tolist()
            possible = np.take_along_axis(self.feasible, best, axis=1).tolist()
            label = self.choice_label
            self._best = [[(self.mentors[j].profile_id, label(j, score))
                           for j, score, ok in zip(columns, row_scores, row_possible, strict=True) if ok]
                          for columns, row_scores, row_possible in zip(best.tolist(), scores, possible, strict=True)]
        return self._best

    def choice_label(self, j: int, score: int) -> str:
        """Mentor j offered with her score: "陈晓燕 (score 95)"."""
        return self._choice_words % {"name": self.mentors[j].name, "score": score}

    @cached_property
    def _choice_words(self) -> str:
        return self.labels.gettext("%(name)s (score %(score)s)")

    @property
    def total(self) -> int:
        return sum(row.chosen.score for row in self.rows if row.chosen)

    @property
    def paired(self) -> int:
        return sum(1 for row in self.rows if row.chosen)

    def overloaded(self) -> list[tuple[Candidate, int, int]]:
        """Mentors given more mentees than they have free places."""
        taken: dict[int, int] = {}
        for row in self.rows:
            if row.chosen:
                taken[row.chosen.mentor.profile_id] = taken.get(row.chosen.mentor.profile_id, 0) + 1
        return [(self.mentors[self.column[pid]], n, self.places[pid])
                for pid, n in taken.items() if n > self.places[pid]]


def _best_columns(scores: np.ndarray, feasible: np.ndarray, k: int) -> np.ndarray:
    """Each row's k best columns, best first, equal scores in column order and
    impossible pairs last: what a stable sort of the whole row starts with."""
    rows, columns = scores.shape
    if not rows or not columns:
        return np.zeros((rows, 0), dtype=np.int64)
    # One distinct key per cell: the rank of its score (impossible pairs
    # after every possible one), then its column.
    high = int(scores.max())
    rank = np.where(feasible, high - scores, high - int(scores.min()) + 1)
    keys = rank * columns + np.arange(columns)
    if k < columns:
        picked = np.argpartition(keys, k - 1, axis=1)[:, :k]
    else:
        picked = np.broadcast_to(np.arange(columns), (rows, columns))
    order = np.argsort(np.take_along_axis(keys, picked, axis=1), axis=1)
    return np.take_along_axis(picked, order, axis=1)


def optimal_assignment(scores, places: list[int], shortlist: int = 4) -> list[int | None]:
    """For each mentee (row), the mentor (column) that maximises the total
    score, no mentor getting more mentees than her places. None: no mentor.
    `scores` is a list of rows (None: impossible pair) or an array (NaN).

    Each mentor is expanded into one column per free place and the rectangular
    assignment problem is solved exactly (scipy's linear_sum_assignment, the
    Jonker-Volgenant algorithm). Impossible pairs are never chosen.

    A base has hundreds of mentors and thousands of places, and most of them
    are nobody's best choice, so the problem is solved for each mentee's
    `shortlist` best mentors only, plus one column of her own worth the best
    she could get from any mentor left out. That smaller problem allows
    everything the whole one does (a mentee paired outside her shortlist
    can take her own column instead, worth at least as much), so when its
    best answer leaves every mentee's own column unused, that answer is the
    best of the whole problem too. Otherwise the shortlists double and it is
    solved again (at worst, with every mentor: the whole problem).
    """
    if not len(scores):
        return []
    if isinstance(scores, np.ndarray):
        matrix = scores.astype(float)
    else:
        matrix = np.array([[np.nan if v is None else v for v in row] for row in scores], dtype=float)
    mentees, mentors = matrix.shape
    # A mentor never needs more copies than there are mentees.
    copies = np.minimum(np.maximum(np.asarray(places, dtype=np.int64), 0), mentees)
    result: list[int | None] = [None] * mentees
    if not copies.sum():
        return result
    possible = ~np.isnan(matrix) & (copies > 0)[np.newaxis, :]
    everyone = np.arange(mentees)
    while True:
        if shortlist < mentors:
            best = np.argpartition(np.where(possible, -matrix, np.inf), shortlist - 1, axis=1)[:, :shortlist]
            listed = np.zeros_like(possible)
            np.put_along_axis(listed, best, True, axis=1)
            listed &= possible
        else:
            listed = possible
        left_out = np.where(possible & ~listed, matrix, -np.inf).max(axis=1)
        used = np.flatnonzero(listed.any(axis=0))
        # Only the mentees who list her can take her places.
        columns = np.repeat(used, np.minimum(copies[used], listed[:, used].sum(axis=0)))
        own = np.full((mentees, mentees), float(INFEASIBLE))
        own[everyone, everyone] = np.where(np.isfinite(left_out), left_out, INFEASIBLE)
        table = np.hstack([np.where(listed[:, columns], matrix[:, columns], INFEASIBLE), own])
        rows, cols = linear_sum_assignment(table, maximize=True)
        worth = table[rows, cols] > INFEASIBLE
        if not (worth & (cols >= len(columns))).any():
            for i, j, ok in zip(rows, cols, worth, strict=True):
                if ok:
                    result[i] = int(columns[j])
            return result
        shortlist *= 2


def plan_batch(site_id: int, needs: list[Mentee | MenteeNeed], chosen: dict[int, int | None] | None = None) -> Plan:
    """A preview: every mentee with her options, and the optimal pairs (or the
    pairs staff chose by hand, when `chosen` maps need id -> profile id)."""
    settings = settings_for(site_id)
    found = [c for c in candidates(site_id) if c.willing]
    mentees = _as_mentees(needs)
    left = [c.capacity - c.load.active for c in found]
    places = [max(c.capacity - c.load.active - c.load.pending, 0) for c in found]
    scores = score_table(mentees, found, left, settings)
    feasible = _eligible_table(mentees, found) & (np.array(places, dtype=np.int64) > 0)[np.newaxis, :]
    plan = Plan(mentees, found, left, places, scores, feasible)
    if chosen is None:
        picks = optimal_assignment(np.where(feasible, scores, np.nan), places)
        for row, pick in zip(plan.rows, picks, strict=True):
            row.chosen = plan.match(row.index, pick) if pick is not None else None
    else:
        for row in plan.rows:
            row.chosen = row.option(chosen.get(row.need.id))
    return plan


def _as_mentees(needs: list[Mentee | MenteeNeed]) -> list[Mentee]:
    """Needs as Mentees; MenteeNeeds have their skills read in one statement."""
    loaded = [need for need in needs if isinstance(need, MenteeNeed)]
    _attach_skills(loaded, mentee_need_skills.c.need_id, mentee_need_skills.c.skill_id)
    return [Mentee.of(need) if isinstance(need, MenteeNeed) else need for need in needs]


def batch_needs(actor, site_id: int, cohort=None) -> list[Mentee]:
    """The mentees of a batch: a cohort's confirmed applicants (their needs are
    created from what enrolment knows), or every unmatched mentee."""
    if cohort is not None:
        ensure_needs_for_cohort(actor, cohort)
    return unmatched_mentees(site_id, cohort)


def confirm_batch(actor, site_id: int, needs: list[Mentee | MenteeNeed],
                  pairs: dict[int, int | None]) -> list[MatchProposal]:
    """Turn the previewed pairs into proposals, all or none."""
    plan = plan_batch(site_id, needs, pairs)
    wanted = {need_id for need_id, pid in pairs.items() if pid}
    if any(row.need.id in wanted and row.chosen is None for row in plan.rows):
        raise DomainError(_l("One of the chosen mentors is no longer available. Preview again."))
    over = plan.overloaded()
    if over:
        mentor, n, free = over[0]
        raise Conflict(_l("%(name)s has %(free)s free places but was given %(n)s mentees.",
                          name=mentor.name, free=free, n=n))
    settings = settings_for(site_id)
    made = []
    chosen = [row.chosen for row in plan.rows if row.chosen]
    profiles = load_profiles([match.mentor for match in chosen])
    for match in chosen:
        match.loaded_profile = profiles.get(match.mentor.profile_id)
    for row in plan.rows:
        if row.chosen:
            made.append(_new_proposal(actor, row.need, row.chosen.profile, FROM_STAFF, row.chosen.score,
                                      settings, ""))
    _commit()
    return made


# --- Proposals ------------------------------------------------------------------------------

def _new_proposal(actor, need, profile, source, score, settings, message) -> MatchProposal:
    proposal = MatchProposal(site_id=need.site_id, need_id=need.id, profile_id=profile.id, source=source,
                             score=score, message=clean_text(message, 1000), created_by_id=actor.id,
                             expires_at=utcnow() + timedelta(days=settings.proposal_days))
    db.session.add(proposal)
    db.session.flush()
    record_change(actor, "mentoring.proposed", proposal, after={"need_id": need.id, "mentor_id": profile.user_id,
                                                                "source": source})
    from flask import has_request_context, url_for

    notify(profile.user, "mentoring.proposal", {"mentee": need.mentee_name},
           url=url_for("mentoring.mine") if has_request_context() else "/mentoring/mine", obj=proposal)
    return proposal


def _check_can_propose(need: MenteeNeed, profile: MentorProfile) -> None:
    if not _eligible(need, profile):
        raise DomainError(_l("This mentor is not taking mentees now."))
    if profile.capacity - active_count(profile.id) <= 0:
        raise Conflict(_l("This mentor has no free place."))
    if has_active_mentor(need):
        raise Conflict(_l("This mentee already has a mentor."))
    if db.session.scalar(select(MatchProposal.id).where(
            MatchProposal.need_id == need.id, MatchProposal.profile_id == profile.id,
            MatchProposal.status == PENDING)):
        raise Conflict(_l("This mentor has already been asked and has not answered yet."))


def ask_mentor(actor, need: MenteeNeed, profile: MentorProfile, message: str = "") -> MatchProposal:
    """The mentee asks one of her suggested mentors."""
    if actor.id != need.user_id:
        raise NotAllowed(_l("Only the mentee can ask a mentor for herself."))
    _check_can_propose(need, profile)
    settings = settings_for(need.site_id)
    score, _reasons = score_pair(need, profile, profile.capacity - active_count(profile.id), settings)
    proposal = _new_proposal(actor, need, profile, FROM_MENTEE, score, settings, message)
    _commit()
    return proposal


def propose(actor, need: MenteeNeed, profile: MentorProfile, message: str = "") -> MatchProposal:
    """Staff propose a pair; the mentor answers."""
    if not is_staff_of(actor, need.site_id):
        raise NotAllowed(_l("Only the base's staff can propose pairs."))
    _check_can_propose(need, profile)
    settings = settings_for(need.site_id)
    score, _reasons = score_pair(need, profile, profile.capacity - active_count(profile.id), settings)
    proposal = _new_proposal(actor, need, profile, FROM_STAFF, score, settings, message)
    _commit()
    return proposal


def _lock_profile(profile_id: int) -> MentorProfile:
    """Hold the mentor's profile row until commit, so counts read next are final."""
    query = select(MentorProfile).where(MentorProfile.id == profile_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalars(query.with_for_update()).one()
    # SQLite locks the whole database: the first write takes the write lock,
    # and every other writer waits (busy timeout) until this one commits.
    db.session.execute(update(MentorProfile).where(MentorProfile.id == profile_id)
                       .values(lock_version=MentorProfile.lock_version + 1)
                       .execution_options(synchronize_session=False))
    return db.session.scalars(query).one()


def accept_proposal(actor, proposal: MatchProposal, today: date | None = None) -> Mentorship:
    """The mentor says yes: a mentorship of three months starts today."""
    proposal_id, profile_id = proposal.id, proposal.profile_id
    if actor.id != proposal.profile.user_id:
        raise NotAllowed(_l("Only the mentor asked can answer."))
    db.session.rollback()  # nothing half-read or pending goes before the lock
    profile = _lock_profile(profile_id)
    proposal = db.session.scalars(select(MatchProposal).where(MatchProposal.id == proposal_id)
                                  .execution_options(populate_existing=True)).one()
    try:
        if proposal.status != PENDING:
            raise Conflict(_l("This proposal has already been answered or has lapsed."))
        busy = active_count(profile.id)
        if busy >= profile.capacity:
            raise Conflict(_l("You already have %(n)s active mentees, your full capacity. "
                              "Raise your capacity or end a mentorship first.", n=busy))
        need = proposal.need
        if has_active_mentor(need):
            raise Conflict(_l("This mentee has found a mentor in the meantime."))
    except DomainError:
        db.session.rollback()
        raise
    starts = today or reader_today()
    mentorship = Mentorship(site_id=proposal.site_id, need_id=need.id, profile_id=profile.id,
                            mentor_id=profile.user_id, mentee_id=need.user_id, shop_id=need.shop_id,
                            proposal_id=proposal.id, starts_on=starts,
                            ends_on=add_months(starts, MENTORSHIP_MONTHS))
    proposal.status, proposal.answered_at = ACCEPTED, utcnow()
    db.session.add(mentorship)
    # Other offers for this mentee are no longer needed.
    for other in db.session.scalars(select(MatchProposal).where(
            MatchProposal.need_id == need.id, MatchProposal.status == PENDING, MatchProposal.id != proposal.id)):
        other.status, other.answered_at = WITHDRAWN, utcnow()
    db.session.flush()
    record_change(actor, "mentoring.accepted", proposal, before={"status": PENDING}, after={"status": ACCEPTED})
    record_change(actor, "mentoring.mentorship_started", mentorship, after={"mentor_id": mentorship.mentor_id,
                                                                            "mentee_id": mentorship.mentee_id})
    notify(need.user, "mentoring.accepted", {"mentor": profile.user.display_name},
           url=f"/mentoring/mentorships/{mentorship.id}", obj=mentorship)
    _commit()
    return mentorship


def decline_proposal(actor, proposal: MatchProposal, reason: str = "") -> MatchProposal:
    if actor.id != proposal.profile.user_id:
        raise NotAllowed(_l("Only the mentor asked can answer."))
    if proposal.status != PENDING:
        raise Conflict(_l("This proposal has already been answered or has lapsed."))
    proposal.status, proposal.answered_at = DECLINED, utcnow()
    proposal.decline_reason = clean_text(reason, 1000)
    record_change(actor, "mentoring.declined", proposal, before={"status": PENDING}, after={"status": DECLINED})
    notify(proposal.need.user, "mentoring.declined", {"mentor": proposal.profile.user.display_name},
           url="/mentoring/mine", obj=proposal)
    _commit()
    return proposal


def withdraw_proposal(actor, proposal: MatchProposal) -> None:
    """The mentee or staff take back an unanswered proposal."""
    if actor.id != proposal.need.user_id and not is_staff_of(actor, proposal.site_id):
        raise NotAllowed(_l("Only the mentee or the base's staff can take this back."))
    if proposal.status != PENDING:
        raise Conflict(_l("This proposal has already been answered or has lapsed."))
    proposal.status, proposal.answered_at = WITHDRAWN, utcnow()
    record_change(actor, "mentoring.withdrawn", proposal, before={"status": PENDING}, after={"status": WITHDRAWN})
    _commit()


def lapse_proposals(now: datetime | None = None) -> int:
    """Unanswered proposals past their date lapse; the mentee is told once.
    Running it again changes nothing."""
    now = now or utcnow()
    due = list(db.session.scalars(select(MatchProposal).where(
        MatchProposal.status == PENDING, MatchProposal.expires_at <= now)))
    for proposal in due:
        proposal.status, proposal.answered_at = LAPSED, now
        record_change(None, "mentoring.lapsed", proposal, before={"status": PENDING}, after={"status": LAPSED})
        notify(proposal.need.user, "mentoring.lapsed", {"mentor": proposal.profile.user.display_name},
               url="/mentoring/mine", obj=proposal, dedupe_key=f"mentoring.lapsed:{proposal.id}")
    db.session.commit()
    return len(due)


def pending_for_mentor(user) -> list[MatchProposal]:
    return list(db.session.scalars(select(MatchProposal).join(MentorProfile).where(
        MentorProfile.user_id == user.id, MatchProposal.status == PENDING).order_by(MatchProposal.expires_at)))


def proposals_for_mentee(user) -> list[MatchProposal]:
    return list(db.session.scalars(select(MatchProposal).join(MenteeNeed).where(
        MenteeNeed.user_id == user.id).order_by(MatchProposal.created_at.desc()).limit(20)))


# --- Mentorships -----------------------------------------------------------------------------

def side_of(user, mentorship: Mentorship) -> str | None:
    if user.id == mentorship.mentor_id:
        return MENTOR_SIDE
    if user.id == mentorship.mentee_id:
        return MENTEE_SIDE
    return None


def can_see_mentorship(user, mentorship: Mentorship) -> bool:
    """Its mentor, its mentee, and staff of its site; nobody else."""
    return side_of(user, mentorship) is not None or is_staff_of(user, mentorship.site_id)


def add_meeting(actor, mentorship: Mentorship, *, met_on: date, topic: str, notes: str = "",
                next_step: str = "", today: date | None = None) -> Meeting:
    if side_of(actor, mentorship) is None:
        raise NotAllowed(_l("Only the mentor and the mentee write in the meeting log."))
    if mentorship.status != ACTIVE:
        raise DomainError(_l("This mentorship has ended; its log is closed."))
    today = today or reader_today()
    errors = []
    if met_on is None:
        errors.append(("met_on", _l("Give the date of the meeting.")))
    elif met_on > today:
        errors.append(("met_on", _l("The meeting cannot be in the future.")))
    elif met_on < mentorship.starts_on - timedelta(days=7):
        errors.append(("met_on", _l("This date is before the mentorship started.")))
    topic = clean_text(topic, 200)
    if not topic:
        errors.append(("topic", _l("Say what you talked about.")))
    if errors:
        raise DomainError(errors[0][1], errors=errors)
    meeting = Meeting(mentorship_id=mentorship.id, author_id=actor.id, met_on=met_on,
                      topic=topic, notes=clean_text(notes, 5000),
                      next_step=clean_text(next_step, 300))
    db.session.add(meeting)
    db.session.flush()
    record_change(actor, "mentoring.meeting_logged", meeting, site_id=mentorship.site_id,
                  after={"mentorship_id": mentorship.id, "met_on": met_on.isoformat()})
    db.session.commit()
    return meeting


def end_mentorship(actor, mentorship: Mentorship, *, early: bool, reason: str = "") -> Mentorship:
    """Completed, or ended early with a reason. Either side or staff."""
    if side_of(actor, mentorship) is None and not is_staff_of(actor, mentorship.site_id):
        raise NotAllowed(_l("Only the pair or the base's staff can end a mentorship."))
    if mentorship.status != ACTIVE:
        raise Conflict(_l("This mentorship has already ended."))
    reason = clean_text(reason, 2000)
    if early and not reason:
        raise DomainError(_l("Say why it ends early; staff read this to do better next time."), field="reason")
    mentorship.status = ENDED_EARLY if early else COMPLETED
    mentorship.end_reason = reason[:2000]
    mentorship.ended_at = utcnow()
    record_change(actor, "mentoring.mentorship_ended", mentorship, before={"status": ACTIVE},
                  after={"status": mentorship.status, "reason": mentorship.end_reason})
    _ask_for_feedback(mentorship)
    db.session.commit()
    return mentorship


def _ask_for_feedback(mentorship: Mentorship) -> None:
    url = f"/mentoring/mentorships/{mentorship.id}"
    for person, other in ((mentorship.mentor, mentorship.mentee), (mentorship.mentee, mentorship.mentor)):
        notify(person, "mentoring.feedback", {"other": other.display_name}, url=url, obj=mentorship,
               dedupe_key=f"mentoring.feedback:{mentorship.id}")


def give_feedback(actor, mentorship: Mentorship, *, rating: int, comment: str = "") -> MentorshipFeedback:
    side = side_of(actor, mentorship)
    if side is None:
        raise NotAllowed(_l("Only the mentor and the mentee give feedback."))
    if mentorship.status == ACTIVE:
        raise DomainError(_l("Feedback is given when the mentorship ends."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_l("Choose from 1 to 5 stars."), field="rating")
    existing = db.session.scalar(select(MentorshipFeedback).where(
        MentorshipFeedback.mentorship_id == mentorship.id, MentorshipFeedback.side == side))
    if existing:
        raise Conflict(_l("You have already given feedback on this mentorship."))
    feedback = MentorshipFeedback(mentorship_id=mentorship.id, author_id=actor.id, side=side, rating=rating,
                                  comment=clean_text(comment, 2000))
    db.session.add(feedback)
    db.session.flush()
    record_change(actor, "mentoring.feedback_given", feedback, site_id=mentorship.site_id,
                  after={"rating": rating, "side": side})
    _commit()
    return feedback


def last_activity(mentorship: Mentorship) -> date:
    last = db.session.scalar(select(func.max(Meeting.met_on)).where(Meeting.mentorship_id == mentorship.id))
    return max(last, mentorship.starts_on) if last else mentorship.starts_on


def remind_quiet_mentorships(today: date | None = None) -> int:
    """Tell the pair when no meeting was logged for QUIET_DAYS days. One
    reminder per quiet spell (the key names the last meeting's date)."""
    today = today or reader_today()
    sent = 0
    for mentorship in db.session.scalars(select(Mentorship).where(Mentorship.status == ACTIVE)):
        last = last_activity(mentorship)
        if (today - last).days < QUIET_DAYS:
            continue
        key = f"mentoring.checkin:{mentorship.id}:{last.isoformat()}"
        params = {"days": (today - last).days}
        url = f"/mentoring/mentorships/{mentorship.id}"
        for person, other in ((mentorship.mentor, mentorship.mentee), (mentorship.mentee, mentorship.mentor)):
            if notify(person, "mentoring.checkin", {**params, "other": other.display_name}, url=url,
                      obj=mentorship, dedupe_key=key):
                sent += 1
    db.session.commit()
    return sent


def complete_finished_mentorships(today: date | None = None) -> int:
    """Active mentorships past their end date are completed; both sides are
    asked for feedback. Idempotent."""
    today = today or reader_today()
    due = list(db.session.scalars(select(Mentorship).where(Mentorship.status == ACTIVE,
                                                           Mentorship.ends_on < today)))
    for mentorship in due:
        mentorship.status, mentorship.ended_at = COMPLETED, utcnow()
        record_change(None, "mentoring.mentorship_ended", mentorship, before={"status": ACTIVE},
                      after={"status": COMPLETED})
        _ask_for_feedback(mentorship)
    db.session.commit()
    return len(due)


# --- For other areas (reports) ------------------------------------------------------------

def mentorships_in_period(site_id: int | None, start: date, end: date) -> list[Mentorship]:
    """Mentorships active at some time between start and end (inclusive): begun
    by `end`, and not ended (or due to end) before `start`."""
    query = select(Mentorship).where(Mentorship.starts_on <= end)
    if site_id is not None:
        query = query.where(Mentorship.site_id == site_id)
    found = db.session.scalars(query.order_by(Mentorship.starts_on))
    return [m for m in found if (m.ended_at.date() if m.ended_at else m.ends_on) >= start]


def has_active_mentor(need: MenteeNeed) -> bool:
    """Whether this need (her own, or her shop's) has a mentorship running."""
    return db.session.scalar(select(
        select(Mentorship.id).where(Mentorship.need_id == need.id, Mentorship.status == ACTIVE).exists())) or False


def mentorships_as_mentee(user_id: int) -> list[Mentorship]:
    return list(db.session.scalars(select(Mentorship).where(Mentorship.mentee_id == user_id)
                                   .order_by(Mentorship.starts_on.desc())))


def mentorships_as_mentor(user_id: int) -> list[Mentorship]:
    return list(db.session.scalars(select(Mentorship).where(Mentorship.mentor_id == user_id)
                                   .order_by(Mentorship.starts_on.desc())))


def active_for_mentor(user) -> list[Mentorship]:
    return list(db.session.scalars(select(Mentorship).where(
        Mentorship.mentor_id == user.id, Mentorship.status == ACTIVE).order_by(Mentorship.starts_on)))
