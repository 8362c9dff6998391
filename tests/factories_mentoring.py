"""Mentoring objects for tests: skills, mentor profiles, needs, pairs."""

from datetime import timedelta

from incubator.extensions import db
from incubator.mentoring import service
from incubator.mentoring.models import PENDING, MatchProposal, MenteeNeed, MentorProfile, Mentorship
from incubator.mentoring.vocabulary import parse_languages
from incubator.timeutil import local_today, utcnow
from tests.factories import default_test_site, make_user


def skills(site=None) -> dict:
    """The usual skills of the site, by key."""
    site = site or default_test_site()
    return {s.key: s for s in service.ensure_default_skills(site.id) if s.key}


def make_mentor(name="陈晓燕", *, site=None, skill_keys=(), categories=(), languages=("普通话",),
                availability=(), capacity=2, active=True, locale="en") -> MentorProfile:
    site = site or default_test_site()
    user = make_user("mentor", site=site, name=name, locale=locale)
    by_key = skills(site)
    profile = MentorProfile(user_id=user.id, site_id=site.id, skills=[by_key[k] for k in skill_keys],
                            categories=list(categories), languages=parse_languages(list(languages)),
                            availability=list(availability), capacity=capacity, active=active)
    db.session.add(profile)
    db.session.commit()
    return profile


def make_need(name="张格琴", *, site=None, user=None, shop=None, skill_keys=(), category=None,
              languages=("普通话",), availability=()) -> MenteeNeed:
    site = site or default_test_site()
    user = user or make_user("trainee", site=site, name=name, locale="en")
    by_key = skills(site)
    need = MenteeNeed(site_id=site.id, user_id=user.id, shop_id=shop.id if shop else None,
                      skills=[by_key[k] for k in skill_keys], category=category,
                      languages=parse_languages(list(languages)), availability=list(availability))
    db.session.add(need)
    db.session.commit()
    return need


def make_proposal(need, profile, *, source="staff", days=5, status=PENDING) -> MatchProposal:
    proposal = MatchProposal(site_id=need.site_id, need_id=need.id, profile_id=profile.id, source=source,
                             status=status, expires_at=utcnow() + timedelta(days=days))
    db.session.add(proposal)
    db.session.commit()
    return proposal


def make_mentorship(need, profile, *, starts_days_ago=10, status="active") -> Mentorship:
    starts = local_today() - timedelta(days=starts_days_ago)
    mentorship = Mentorship(site_id=need.site_id, need_id=need.id, profile_id=profile.id,
                            mentor_id=profile.user_id, mentee_id=need.user_id, shop_id=need.shop_id,
                            starts_on=starts, ends_on=service.add_months(starts, 3), status=status)
    db.session.add(mentorship)
    db.session.commit()
    return mentorship
