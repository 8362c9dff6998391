"""What the history page calls this area's changes and records."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "mentoring.profile_saved": _l("Mentor profile saved"),
    "mentoring.need_created": _l("Mentee asked for a mentor"),
    "mentoring.need_saved": _l("Mentee's needs saved"),
    "mentoring.proposed": _l("Mentor proposed"),
    "mentoring.accepted": _l("Proposal accepted"),
    "mentoring.declined": _l("Proposal declined"),
    "mentoring.withdrawn": _l("Proposal withdrawn"),
    "mentoring.lapsed": _l("Proposal lapsed"),
    "mentoring.mentorship_started": _l("Mentorship started"),
    "mentoring.mentorship_ended": _l("Mentorship ended"),
    "mentoring.meeting_logged": _l("Meeting logged"),
    "mentoring.feedback_given": _l("Feedback given"),
    "mentoring.settings_changed": _l("Matching settings changed"),
    "mentoring.skill_added": _l("Mentoring skill added"),
    "mentoring.skill_removed": _l("Mentoring skill removed"),
    "mentor_profiles": _l("Mentor profile"),
    "mentee_needs": _l("Mentee"),
    "match_proposals": _l("Proposal"),
    "mentorships": _l("Mentorship"),
    "mentoring_meetings": _l("Meeting"),
    "mentorship_feedback": _l("Feedback"),
    "matching_settings": _l("Matching settings"),
    "mentoring_skills": _l("Mentoring skill"),
}
