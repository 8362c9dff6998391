"""What enrolment holds about a person (Area.personal_data): her applications,
with what she answered, and each one's status history.

Deletion blanks her answers (everything she told us when she applied: her
village, her children's ages, what she wants to sell, her own questions'
answers) and keeps each application's class, status, dates and group, which
the reports count (applicants, places, people benefited by group)."""

from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from incubator.enrolment.models import Application, ApplicationEvent, ApplicationNote, Cohort
from incubator.extensions import db
from incubator.sites.service import timezone_of
from incubator.timeutil import iso_clock

# The columns pointing at users whose rows for her are in her download
# (tests/test_accounts_privacy.py holds every such column to a place).
COVERS = ("applications.user_id",)

# The standard questions every application asks, in the order of the form.
STANDARD_ANSWERS = ("group", "availability", "children_ages", "needs_childcare", "graduation_year", "village",
                    "wants_to_do")


def _applications(user):
    return db.session.scalars(
        select(Application).where(Application.user_id == user.id)
        .options(selectinload(Application.cohort).selectinload(Cohort.programme),
                 selectinload(Application.events))
        .order_by(Application.submitted_at, Application.id)).all()


def export(user) -> dict[str, list[dict]]:
    when = iso_clock(timezone_of(user.site_id))
    applications, history = [], []
    for application in _applications(user):
        cohort = application.cohort
        answers = application.answers or {}
        row = {"programme": cohort.programme.name, "class": cohort.name, "status": application.status,
               "submitted_at": when(application.submitted_at), "decided_at": when(application.decided_at),
               "offer_expires_at": when(application.offer_expires_at), "group": application.applicant_group}
        row.update({key: answers.get(key) for key in STANDARD_ANSWERS[1:] if key in answers})
        # Her answers to the programme's own questions, under the question she
        # was asked (retired questions too: she answered them).
        for question in cohort.programme.questions:
            if question.key in answers:
                row[question.label] = answers[question.key]
        applications.append(row)
        history.extend({"class": cohort.name, "at": when(event.at), "from_status": event.from_status,
                        "to_status": event.to_status, "note": event.note} for event in application.events)
    return {"applications": applications, "application_history": history}


def anonymise(user) -> None:
    """Per column, and why:
    - answers: blanked. Everything in it is what she told us about herself;
      nothing counts it (the reports count by status and group).
    - applicant_group, status, cohort, dates: kept. The reports count
      applicants, places and people benefited by group from them, and a
      figure must not drop because someone left. A group alone names nobody.
    - the history's notes: blanked (a reason typed about her); the status
      changes themselves are kept, as the counts of offers and places are.
    - staff notes on her applications: deleted. They are free text about her,
      never shown to her; no anonymising makes them safe to keep (as the
      reports area does with its notes on her record)."""
    mine = select(Application.id).where(Application.user_id == user.id).scalar_subquery()
    db.session.execute(update(Application).where(Application.user_id == user.id).values(answers={}),
                       execution_options={"synchronize_session": False})
    db.session.execute(update(ApplicationEvent).where(ApplicationEvent.application_id.in_(mine))
                       .values(note=""), execution_options={"synchronize_session": False})
    db.session.execute(delete(ApplicationNote).where(ApplicationNote.application_id.in_(mine)),
                       execution_options={"synchronize_session": False})
