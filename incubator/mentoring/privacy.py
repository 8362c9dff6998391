"""What mentoring holds about a person (Area.personal_data): her mentor
profile if she mentors, what she asked help with as a mentee, her
mentorships on either side, the meeting notes she wrote and her feedback.

Deletion keeps the mentorships (active mentorships are counted) and the
meetings' dates and topics; what she wrote about herself and what was written
about her as a mentee go."""

from sqlalchemy import or_, select

from incubator.extensions import db
from incubator.mentoring.models import (
    MatchProposal,
    Meeting,
    MenteeNeed,
    MentorProfile,
    Mentorship,
    MentorshipFeedback,
)
from incubator.sites.service import timezone_of
from incubator.timeutil import iso_clock

COVERS = ("mentor_profiles.user_id", "mentee_needs.user_id", "mentorships.mentor_id", "mentorships.mentee_id",
          "mentoring_meetings.author_id", "mentorship_feedback.author_id")


def _mentorships(user):
    return db.session.scalars(select(Mentorship).where(or_(Mentorship.mentee_id == user.id,
                                                           Mentorship.mentor_id == user.id))
                              .order_by(Mentorship.starts_on, Mentorship.id)).all()


def export(user) -> dict[str, list[dict]]:
    when = iso_clock(timezone_of(user.site_id))
    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))
    needs = db.session.scalars(select(MenteeNeed).where(MenteeNeed.user_id == user.id)
                               .order_by(MenteeNeed.created_at)).all()
    meetings = db.session.scalars(select(Meeting).where(Meeting.author_id == user.id)
                                  .order_by(Meeting.met_on, Meeting.id)).all()
    feedback = db.session.scalars(select(MentorshipFeedback).where(MentorshipFeedback.author_id == user.id)
                                  .order_by(MentorshipFeedback.created_at)).all()
    return {
        "mentor_profile": [{"skills": [s.label for s in profile.skills], "categories": profile.categories,
                            "languages": profile.languages, "availability": profile.availability,
                            "capacity": profile.capacity, "bio": profile.bio, "active": profile.active,
                            "created_at": when(profile.created_at)}] if profile else [],
        "mentee_needs": [{"shop": n.shop.name if n.shop else None, "skills": [s.label for s in n.skills],
                          "category": n.category, "languages": n.languages, "availability": n.availability,
                          "notes": n.notes, "created_at": when(n.created_at)} for n in needs],
        "mentorships": [{"as": "mentee" if m.mentee_id == user.id else "mentor",
                         "mentor": m.mentor.display_name, "mentee": m.need.mentee_name,
                         "starts_on": m.starts_on.isoformat(), "ends_on": m.ends_on.isoformat(),
                         "status": m.status, "end_reason": m.end_reason, "ended_at": when(m.ended_at)}
                        for m in _mentorships(user)],
        "meeting_notes": [{"met_on": m.met_on.isoformat(), "topic": m.topic, "notes": m.notes,
                           "next_step": m.next_step, "written_at": when(m.created_at)} for m in meetings],
        "mentoring_feedback": [{"side": f.side, "rating": f.rating, "comment": f.comment,
                                "written_at": when(f.created_at)} for f in feedback],
    }


def anonymise(user) -> None:
    """Per column:
    - mentor profile: kept as a row (her past mentorships point at it) but
      paused, so nobody is matched with a deleted account; her bio,
      languages and times are blanked (what she told us about herself).
    - mentee needs: category and skills kept (what the base helped with);
      her notes, languages and times blanked. Proposals for her need lose
      their message and decline reason (words written about her).
    - mentorships: kept with their dates and status (active mentorships are
      counted); the end reason, written about the pair, is blanked.
    - meetings of her mentorships as a mentee: dates and topics kept (the
      mentor's work), notes and next steps blanked (they are about her).
      Notes she wrote as a mentor about her mentees stay: they are the
      mentee's record, and her name goes with her account.
    - feedback: ratings kept; comments she wrote, or written about her as a
      mentee, blanked."""
    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))
    if profile is not None:
        profile.bio = ""
        profile.languages = []
        profile.availability = []
        profile.active = False
    needs = db.session.scalars(select(MenteeNeed).where(MenteeNeed.user_id == user.id)).all()
    for need in needs:
        need.notes = ""
        need.languages = []
        need.availability = []
    for proposal in db.session.scalars(select(MatchProposal).where(
            MatchProposal.need_id.in_([n.id for n in needs] or [-1]))):
        proposal.message = ""
        proposal.decline_reason = ""
    for mentorship in _mentorships(user):
        mentorship.end_reason = ""
        about_her = mentorship.mentee_id == user.id
        if about_her:
            for meeting in mentorship.meetings:
                meeting.notes = ""
                meeting.next_step = ""
        for item in mentorship.feedback:
            if about_her or item.author_id == user.id:
                item.comment = ""
