"""History (操作记录): who changed what, when, before and after.

Every area records its changes of status, mark, role or record through
record_change(); the entry joins the caller's transaction, so a change and its
history are written together or not at all.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from incubator.extensions import db
from incubator.timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


def record_change(actor, action: str, obj, before: dict | None = None, after: dict | None = None,
                  site_id: int | None = None) -> AuditEntry:
    """Add a history entry to the current session (the caller commits)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        site_id=site_id if site_id is not None else getattr(obj, "site_id", None),
        action=action,
        object_type=obj.__tablename__ if hasattr(obj, "__tablename__") else type(obj).__name__,
        object_id=getattr(obj, "id", None),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def blank_in_history(object_type: str, object_ids, keys: tuple[str, ...]) -> None:
    """Blank these keys in the before and after of these records' history:
    a deletion that blanks a walk-in's name or a shop's name blanks the copy
    the history took of it. The entries stay, as the record of what was
    done. The caller commits."""
    ids = list(object_ids)
    if not ids:
        return
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                          AuditEntry.object_id.in_(ids)))
    for entry in entries:
        for side in ("before", "after"):
            snapshot = getattr(entry, side)
            if snapshot and any(snapshot.get(key) for key in keys):
                setattr(entry, side, {**snapshot, **{key: "" for key in keys if key in snapshot}})


# Each area names its actions and kinds of record for the history page
# (incubator/<area>/history.py, read when the app is built).
_NAMES: dict[str, object] = {}


def name_codes(labels: dict) -> None:
    _NAMES.update(labels)


def name_of(code: str) -> str:
    """An action ("booking.approved") or a kind of record ("bookings") in the
    reader's language; the code itself when no area names it, so an entry
    is never hidden."""
    label = _NAMES.get(code)
    return str(label) if label is not None else code
