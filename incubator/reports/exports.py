"""CSV exports: one table builder per export, honouring the report filters.
A builder returns None while its area has not landed."""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from incubator.accounts.models import User
from incubator.auth import ROLE_LABELS
from incubator.extensions import db
from incubator.reports import sources
from incubator.reports.scope import Column, Scope, Table, optional_model
from incubator.shops.models import Shop


def people(scope: Scope) -> Table:
    """Everyone the period's training touched (applied, enrolled or completed),
    and, without training filters, the owners of shops at the base."""
    found: dict[int, dict] = {}

    def person(person_id: int) -> dict:
        if person_id not in found:
            found[person_id] = {"person_id": person_id, "groups": set(), "applications": 0,
                                "classes": 0, "certificates": 0, "shops": 0, "incubated": None}
        return found[person_id]

    for row in sources.applicants(scope).table.rows:
        person(row["person_id"])["applications"] += 1
    for a in sources.enrolments(scope):
        entry = person(a.user_id)
        entry["classes"] += 1
        entry["groups"] |= sources.application_groups(a)
    for row in sources.certificates_issued(scope).table.rows:
        person(row["person_id"])["certificates"] += 1
    if not scope.has_training_filters:
        for shop in db.session.scalars(select(Shop).where(Shop.created_at < scope.end_at)):
            if scope.on_site(shop.site_id):
                person(shop.owner_id)["shops"] += 1
    for row in sources.incubated(scope).table.rows:
        if row["person_id"] in found:
            found[row["person_id"]]["incubated"] = row["day"]
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(list(found) or [-1])).options(selectinload(User.role_grants)))}
    rows = []
    for person_id, entry in sorted(found.items(), key=lambda kv: users[kv[0]].display_name):
        user = users[person_id]
        rows.append(entry | {
            "person": user.display_name, "phone": user.phone or "", "email": user.email or "",
            "roles": "、".join(str(ROLE_LABELS[r]) for r in sorted(user.roles)),
            "groups": "、".join(sorted(sources.group_label(g) for g in entry["groups"])),
            "joined": scope.local_day(user.created_at)})
    columns = [sources.PERSON, Column("phone", _l("Mobile")), Column("email", _l("E-mail")),
               Column("roles", _l("Roles")), Column("groups", _l("Groups")),
               Column("applications", _l("Applications"), "count"), Column("classes", _l("Classes"), "count"),
               Column("certificates", _l("Certificates"), "count"), Column("shops", _l("Shops"), "count"),
               Column("incubated", _l("Incubated on"), "date"), Column("joined", _l("Account since"), "date")]
    return Table(columns, rows)


def applications(scope: Scope) -> Table:
    return sources.applicants(scope).table


def shops(scope: Scope) -> Table:
    """Shops at the base by the end of the period."""
    rows = []
    for shop in db.session.scalars(select(Shop).where(Shop.created_at < scope.end_at)
                                   .options(selectinload(Shop.owner)).order_by(Shop.name, Shop.id)):
        if scope.on_site(shop.site_id):
            rows.append({"person_id": shop.owner_id, "shop": shop.name, "person": shop.owner.display_name,
                         "category": shop.category, "joined": scope.local_day(shop.created_at)})
    columns = [Column("shop", _l("Shop")), sources.PERSON, Column("category", _l("Category")),
               Column("joined", _l("Joined on"), "date")]
    return Table(columns, rows)


def attendance(scope: Scope) -> Table | None:
    if optional_model("incubator.training.models", "Attendance") is None:
        return None
    return None


def bookings(scope: Scope) -> Table | None:
    if optional_model("incubator.booking.models", "Booking") is None:
        return None
    return None


def outcomes(scope: Scope) -> Table | None:
    if optional_model("incubator.shops.models", "SalesRecord") is None:
        return None
    return None


def support(scope: Scope) -> Table | None:
    if optional_model("incubator.shops.models", "SupportRecord") is None:
        return None
    return None


@dataclass(frozen=True)
class ExportSource:
    name: str
    label: object
    explain: object
    build: Callable[[Scope], Table | None]


EXPORTS = [
    ExportSource("people", _l("People"),
                 _l("Everyone who applied, took a place or completed during the period, and shop owners."), people),
    ExportSource("applications", _l("Applications"), _l("Applications sent during the period."), applications),
    ExportSource("attendance", _l("Attendance"), _l("Attendance marks of the period's sessions."), attendance),
    ExportSource("bookings", _l("Bookings"), _l("Studio and equipment bookings of the period."), bookings),
    ExportSource("shops", _l("Shops"), _l("Shops at the base by the end of the period."), shops),
    ExportSource("outcomes", _l("Sales results"), _l("Livestream results recorded for the period."), outcomes),
    ExportSource("support", _l("Support given"), _l("Training, equipment and funding given in the period."),
                 support),
]

EXPORTS_BY_NAME = {e.name: e for e in EXPORTS}
