"""What the history page calls this area's changes and records."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "livestream.scheduled": _l("Livestream scheduled"),
    "livestream.updated": _l("Livestream changed"),
    "livestream.cancelled": _l("Livestream cancelled"),
    "livestream.result_entered": _l("Livestream results entered"),
    "question.approved": _l("Question approved"),
    "question.rejected": _l("Question rejected"),
    "question.answered": _l("Question marked answered"),
    "question.unanswered": _l("Question marked unanswered"),
    "question.written_answer": _l("Written answer saved"),
    "livestreams": _l("Livestream"),
    "livestream_questions": _l("Resident's question"),
    "livestream_results": _l("Livestream result"),
}
