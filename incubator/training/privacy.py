"""What training holds about a person (Area.personal_data): her attendance
marks (with walk-in marks taken under her mobile number before she was linked),
the skills ticked for her, her certificates and the sessions she taught.

Deletion keeps every mark, tick and certificate: the reports count
attendance, completion and people incubated from them, and a figure must not
drop because someone left. What identifies her on them goes: her name and
mobile as a walk-in, and the apology she wrote."""

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from incubator.audit import blank_in_history
from incubator.extensions import db
from incubator.sites.service import timezone_of
from incubator.timeutil import iso_clock
from incubator.training.models import Attendance, Certificate, Skill, SkillTick, TrainingSession

COVERS = ("attendances.user_id", "certificates.user_id", "skill_ticks.user_id", "training_sessions.trainer_id")


def _her_marks(user):
    """Her marks: those on her account, and walk-in marks under her number not yet linked to it."""
    hers = Attendance.user_id == user.id
    if user.phone:
        hers = or_(hers, (Attendance.user_id.is_(None)) & (Attendance.walkin_phone == user.phone))
    return db.session.scalars(select(Attendance).where(hers)
                              .options(selectinload(Attendance.session).selectinload(TrainingSession.cohort))
                              .order_by(Attendance.marked_at, Attendance.id)).all()


def export(user) -> dict[str, list[dict]]:
    when = iso_clock(timezone_of(user.site_id))
    attendance = [{"class": mark.session.cohort.name, "session": mark.session.topic,
                   "starts_at": when(mark.session.starts_at), "mark": mark.mark, "reason": mark.reason,
                   "checked_in_at": when(mark.checked_in_at), "walk_in": mark.user_id is None}
                  for mark in _her_marks(user)]
    certificates = [{"programme": c.programme.name, "class": c.cohort.name, "code": c.code,
                     "issued_at": when(c.issued_at)}
                    for c in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                                .order_by(Certificate.issued_at))]
    skills = [{"skill": name, "ticked_at": when(at)}
              for name, at in db.session.execute(select(Skill.name, SkillTick.ticked_at)
                                                 .join(Skill, Skill.id == SkillTick.skill_id)
                                                 .where(SkillTick.user_id == user.id)
                                                 .order_by(SkillTick.ticked_at))]
    taught = [{"class": s.cohort.name, "session": s.topic, "starts_at": when(s.starts_at),
               "ends_at": when(s.ends_at)}
              for s in db.session.scalars(select(TrainingSession).where(TrainingSession.trainer_id == user.id)
                                          .order_by(TrainingSession.starts_at))]
    return {"attendance": attendance, "skills_ticked": skills, "certificates": certificates,
            "sessions_taught": taught}


def anonymise(user) -> None:
    """Called while the account still has her number (walk-in marks are found by it). Per column:
    - mark, session, checked-in time: kept; the attendance figures count them.
    - reason: blanked; an apology in her own words ("my child is ill").
    - walk-in name and mobile: removed. On a mark linked to her account they
      are a copy of who she is. A walk-in mark never linked keeps a name (the
      database needs a person or a name on every mark): the account's
      anonymous one. The history's copy of the name ("walk-in added") is
      blanked too.
    - certificates and skill ticks: kept whole (completion and people
      incubated are counted from them). A certificate's code still verifies,
      showing the anonymised name.
    - sessions she taught: kept; they are the base's classes."""
    marks = _her_marks(user)
    for mark in marks:
        mark.reason = ""
        mark.walkin_phone = None
        mark.walkin_name = None if mark.user_id is not None else f"已删除用户 #{user.id}"
    blank_in_history("attendances", [mark.id for mark in marks], ("name",))  # "walk-in added" kept her name
