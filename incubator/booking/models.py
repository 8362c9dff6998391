"""Bookable resources: studios (直播间) and equipment (设备)."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from incubator.extensions import db
from incubator.timeutil import utcnow

STUDIO = "studio"
EQUIPMENT = "equipment"
RESOURCE_KINDS = (STUDIO, EQUIPMENT)


class Resource(db.Model):
    __tablename__ = "resources"
    __table_args__ = (
        CheckConstraint("kind IN ('studio', 'equipment')", name="known_kind"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default=STUDIO)
    description: Mapped[str] = mapped_column(Text, default="")
    # Identical items form a pool: five ring lights are one resource of quantity 5.
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
