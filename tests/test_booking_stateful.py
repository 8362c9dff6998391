"""A stateful property test of booking: people book, cancel, move, check in;
staff hold studios, approve and decline; the no-show job releases bookings. The
steps come at random (hypothesis' RuleBasedStateMachine), over a single studio
with a weekly quota, a pool of two ring lights and a studio that both need approval,
the studio keeping a 30-minute buffer between bookings.

Before each step the expected answer is worked out from the database with plain
code of its own (is there room, is she over her quota, is she paused, may she
touch this booking, is it past the cut-off); after it, the test checks that the
service answered the same, that it changed exactly the rows it should, and the
invariants on everything in the database:

- no unit of a resource is held twice at once (buffer included), units within
  1..quantity, so never more than the quantity at a time;
- no person above her weekly hours of the studio;
- a refused step changed nothing (bookings, history, notifications, pauses);
- statuses move only along the allowed transitions, bookings never vanish;
- every booking's last history entry shows its current status and time.

Every example starts from empty tables (the test's fixture empties them only
once per test, not per example).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from incubator.audit import AuditEntry
from incubator.booking import service
from incubator.booking.models import CANCELLED, CONFIRMED, DECLINED, NO_SHOW, PENDING, Booking, BookingPause
from incubator.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.notify.models import Notification
from incubator.timeutil import utcnow
from tests.factories import make_user
from tests.factories_booking import at, make_equipment, make_resource

EXAMPLES, STEPS = 40, 20
ACTIVE = (PENDING, CONFIRMED)
# Where a booking may go from each status; a status may also stay as it is.
TRANSITIONS = {
    PENDING: {CONFIRMED, DECLINED, CANCELLED},
    # A move by its owner on a resource that needs approval asks for approval again.
    CONFIRMED: {CANCELLED, NO_SHOW, PENDING},
    DECLINED: set(), CANCELLED: set(), NO_SHOW: set(),
}
# Start times every 30 minutes from 10:00, two days ahead (local time), and lengths.
STARTS = [(10 + i // 2, 30 * (i % 2)) for i in range(8)]
LENGTHS = [30, 60, 90, 120]
QUOTA_HOURS = 2
BUFFER = 30
# Who changes a booking: its owner most often, staff, or someone else (refused).
WHO = st.sampled_from(["owner", "owner", "staff", "other"])
FIELDS = ("id", "resource_id", "unit", "user_id", "starts_at", "ends_at", "status", "group_key", "checked_in_at")


@dataclass(frozen=True)
class Row:
    id: int
    resource_id: int
    unit: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    group_key: str | None
    checked_in_at: datetime | None


@dataclass
class State:
    bookings: dict[int, Row]
    audit: int
    notifications: int
    pauses: int


def read_state() -> State:
    """Everything the steps may touch, as the database holds it for this session:
    pending changes are flushed first, so a refusal that left writes behind shows."""
    db.session.flush()
    db.session.expire_all()
    rows = db.session.execute(select(*(getattr(Booking, f) for f in FIELDS))).all()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return State({r.id: Row(*r) for r in rows}, count(AuditEntry), count(Notification), count(BookingPause))


def empty_tables() -> None:
    """What conftest's empty_all_tables does, with DELETE: PostgreSQL's TRUNCATE of
    every table takes more than a second, too long to pay for every example."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def slot(start: int, minutes: int) -> tuple[datetime, datetime]:
    hour, minute = STARTS[start]
    starts_at = at(2, hour, minute)
    return starts_at, starts_at + timedelta(minutes=minutes)


class BookingMachine(RuleBasedStateMachine):
    examples = released = 0
    steps = Counter()

    def __init__(self):
        super().__init__()
        type(self).examples += 1
        db.session.rollback()
        empty_tables()
        self.staff = make_user("staff", name="工作人员")
        self.people = [make_user("trainee", name="宝妈"), make_user("shop_owner", name="店主"),
                       make_user("trainee", "shop_owner", name="毕业生")]
        self.staff_id = self.staff.id
        self.studio = make_resource("1号直播间", min_notice_minutes=0, weekly_quota_hours=QUOTA_HOURS)
        self.lights = make_equipment("环形补光灯", 2, min_notice_minutes=0, approval_required=True)
        self.booth = make_resource("2号直播间", min_notice_minutes=0, approval_required=True, buffer_minutes=BUFFER)
        self.resources = [self.studio, self.lights, self.booth]
        self.info = {r.id: (r.quantity, r.buffer_minutes, r.weekly_quota_hours, r.approval_required,
                            r.cancel_cutoff_minutes) for r in self.resources}
        self.state = read_state()

    # --- helpers ------------------------------------------------------------------------

    def actor(self, index: int):
        """0..2 a person, 3 the staff member."""
        return self.staff if index == len(self.people) else self.people[index]

    def actor_for(self, row: Row, who: str):
        """The booking's owner, the staff member, or someone else (refused)."""
        if who == "staff":
            return self.staff
        owner = next((p for p in self.people if p.id == row.user_id), self.staff)
        if who == "owner":
            return owner
        return next(p for p in self.people if p is not owner)

    def pick(self, index: int) -> Row:
        ids = sorted(self.state.bookings)
        return self.state.bookings[ids[index % len(ids)]]

    def group(self, row: Row) -> list[Row]:
        if row.group_key is None:
            return [row]
        return [r for r in self.state.bookings.values() if r.group_key == row.group_key]

    def free_units(self, resource_id: int, starts_at, ends_at, ignore=()) -> int:
        quantity, buffer, *_ = self.info[resource_id]
        pad = timedelta(minutes=buffer)
        taken = {r.unit for r in self.state.bookings.values()
                 if r.resource_id == resource_id and r.status in ACTIVE and r.id not in ignore
                 and r.starts_at < ends_at + pad and r.ends_at > starts_at - pad}
        return quantity - len(taken)

    def holds(self, user_id: int, resource_id: int, starts_at, ends_at, ignore=()) -> bool:
        """She already has this resource at an overlapping time: a second
        booking of it is refused (a double tap would take a second light)."""
        return any(r.user_id == user_id and r.resource_id == resource_id and r.status in ACTIVE
                   and r.id not in ignore and r.starts_at < ends_at and r.ends_at > starts_at
                   for r in self.state.bookings.values())

    def over_quota(self, user_id: int, resource_id: int, starts_at, ends_at, ignore=()) -> bool:
        quota = self.info[resource_id][2]
        if not quota or user_id == self.staff_id:
            return False
        # Every slot of this test lies on one day, so one week.
        used = sum((r.ends_at - r.starts_at).total_seconds() for r in self.state.bookings.values()
                   if r.user_id == user_id and r.resource_id == resource_id and r.status in ACTIVE
                   and r.id not in ignore) / 3600
        return used + (ends_at - starts_at).total_seconds() / 3600 > quota

    def paused(self, user_id: int) -> bool:
        return db.session.scalar(select(func.count()).select_from(BookingPause).where(
            BookingPause.user_id == user_id, BookingPause.until > utcnow())) > 0

    def attempt(self, name: str, call, expected_error, changes: dict[int, dict] | None = None,
                new: dict | None = None):
        """Run one step and compare it with what was expected: the error class when
        refused (nothing may change), else exactly these changes and new rows."""
        before = self.state
        try:
            with force_locale("en"):
                call()
        except DomainError as error:
            assert expected_error is not None, f"{name} refused unexpectedly: {error.message}"
            assert type(error) is expected_error, f"{name}: {type(error).__name__} ({error.message}), " \
                                                  f"expected {expected_error.__name__}"
            after = read_state()
            assert after == before, f"{name} was refused ({error.message}) but changed the database"
            self.steps[f"{name} refused"] += 1
        else:
            assert expected_error is None, f"{name} went through; expected {expected_error.__name__}"
            after = read_state()
            self.check_changes(name, before, after, changes or {}, new)
            self.steps[f"{name} done"] += 1
        db.session.rollback()  # end the read transaction; everything that counts is committed
        self.check_transitions(before, after)
        self.state = after

    def check_changes(self, name, before: State, after: State, changes, new):
        created = {i: r for i, r in after.bookings.items() if i not in before.bookings}
        for booking_id, row in before.bookings.items():
            expected = changes.get(booking_id, {})
            now = after.bookings[booking_id]
            for field_name in FIELDS:
                if field_name in expected:
                    assert getattr(now, field_name) == expected[field_name], \
                        f"{name}: booking {booking_id} {field_name} is {getattr(now, field_name)!r}, " \
                        f"expected {expected[field_name]!r}"
                elif field_name != "unit" or "starts_at" not in expected:  # a move may change the unit
                    assert getattr(now, field_name) == getattr(row, field_name), \
                        f"{name}: booking {booking_id} {field_name} changed unexpectedly"
        if new is None:
            assert not created, f"{name} created bookings {sorted(created)}"
            return
        assert len(created) == new["units"], f"{name} created {len(created)} bookings, expected {new['units']}"
        assert len({r.unit for r in created.values()}) == new["units"]
        assert len({r.group_key for r in created.values()}) == 1
        for row in created.values():
            for field_name in ("resource_id", "user_id", "starts_at", "ends_at", "status"):
                assert getattr(row, field_name) == new[field_name], \
                    f"{name}: new booking {field_name} is {getattr(row, field_name)!r}, expected {new[field_name]!r}"
            assert row.checked_in_at is None

    def check_transitions(self, before: State, after: State):
        for booking_id, row in before.bookings.items():
            assert booking_id in after.bookings, f"booking {booking_id} vanished"
            status = after.bookings[booking_id].status
            assert status == row.status or status in TRANSITIONS[row.status], \
                f"booking {booking_id} went from {row.status} to {status}"

    # --- the steps -----------------------------------------------------------------------------

    @rule(who=st.integers(0, 3), on_behalf=st.booleans(), resource=st.integers(0, 2), start=st.integers(0, 7),
          minutes=st.sampled_from(LENGTHS), two=st.booleans())
    def book(self, who, on_behalf, resource, start, minutes, two):
        """Book (two lights of the pool at once with `two`), herself or staff for her."""
        actor = self.actor(who)
        owner = self.people[who % len(self.people)] if on_behalf and actor is self.staff else actor
        target = self.resources[resource]
        quantity, _buffer, _quota, approval, _cutoff = self.info[target.id]
        units = 2 if two and quantity >= 2 else 1
        starts_at, ends_at = slot(start, minutes)
        # The service's order of checks: the person (paused?), her quota, then room.
        paused = owner is not self.staff and self.paused(owner.id)
        if paused or self.over_quota(owner.id, target.id, starts_at, ends_at):
            expected = NotAllowed
        elif self.free_units(target.id, starts_at, ends_at) < units or \
                self.holds(owner.id, target.id, starts_at, ends_at):
            expected = Conflict
        else:
            expected = None
        status = PENDING if approval and actor is not self.staff else CONFIRMED
        self.attempt("book", lambda: service.book(actor, target, starts_at, ends_at, owner=owner, units=units,
                                                  purpose="直播带货"),
                     expected, new={"units": units, "resource_id": target.id, "user_id": owner.id,
                                    "starts_at": starts_at, "ends_at": ends_at, "status": status})

    @rule(resource=st.integers(0, 2), start=st.integers(0, 7), minutes=st.sampled_from(LENGTHS))
    def staff_hold(self, resource, start, minutes):
        """Staff hold a resource for a livestream of the base (no person rules)."""
        target = self.resources[resource]
        starts_at, ends_at = slot(start, minutes)
        expected = Conflict if self.free_units(target.id, starts_at, ends_at) < 1 else None
        self.attempt("hold", lambda: service.reserve(self.staff, target, starts_at, ends_at, purpose="政策解读直播"),
                     expected, new={"units": 1, "resource_id": target.id, "user_id": self.staff_id,
                                    "starts_at": starts_at, "ends_at": ends_at, "status": CONFIRMED})

    @precondition(lambda self: self.state.bookings)
    @rule(which=st.integers(0, 50), who=WHO, late=st.booleans())
    def cancel(self, which, who, late):
        """Cancel, now or (late) an hour before the start, inside the 2-hour cut-off."""
        row = self.pick(which)
        actor = self.actor_for(row, who)
        booking = db.session.get(Booking, row.id)
        group = [r for r in self.group(row) if r.status in ACTIVE]
        now = row.starts_at - timedelta(minutes=60) if late else None
        cutoff = min((r.starts_at - timedelta(minutes=self.info[r.resource_id][4]) for r in group), default=None)
        if row.user_id != actor.id and actor is not self.staff:
            expected = NotAllowed
        elif row.status not in ACTIVE:
            expected = Conflict
        elif actor is not self.staff and (now or utcnow()) > cutoff:
            expected = NotAllowed
        else:
            expected = None
        self.attempt("cancel", lambda: service.cancel(actor, booking, "有事", now=now), expected,
                     changes={r.id: {"status": CANCELLED} for r in group})

    @precondition(lambda self: self.state.bookings)
    @rule(which=st.integers(0, 50), who=WHO, start=st.integers(0, 7), minutes=st.sampled_from(LENGTHS))
    def move(self, which, who, start, minutes):
        row = self.pick(which)
        actor = self.actor_for(row, who)
        booking = db.session.get(Booking, row.id)
        group = [r for r in self.group(row) if r.status in ACTIVE]
        ids = {r.id for r in group}
        starts_at, ends_at = slot(start, minutes)
        if row.user_id != actor.id and actor is not self.staff:
            expected = NotAllowed
        elif row.status not in ACTIVE:
            expected = Conflict
        elif self.over_quota(row.user_id, row.resource_id, starts_at, ends_at, ignore=ids):
            expected = NotAllowed
        elif self.free_units(row.resource_id, starts_at, ends_at, ignore=ids) < len(group) or \
                self.holds(row.user_id, row.resource_id, starts_at, ends_at, ignore=ids):
            expected = Conflict
        else:
            expected = None
        approval = self.info[row.resource_id][3]
        changes = {r.id: {"starts_at": starts_at, "ends_at": ends_at, "checked_in_at": None,
                          "status": PENDING if approval and actor is not self.staff else r.status}
                   for r in group}
        self.attempt("move", lambda: service.move(actor, booking, starts_at, ends_at), expected, changes=changes)

    @precondition(lambda self: self.state.bookings)
    @rule(start=st.integers(0, 7))
    def release(self, start):
        """The no-show job, run as if it were 20 minutes after one of the start times
        (the simplest choice, 0, being the last: it releases the most)."""
        now = slot(len(STARTS) - 1 - start, 30)[0] + timedelta(minutes=20)
        grace = timedelta(minutes=service.setting("BOOKING_NO_SHOW_MINUTES"))
        late = {r.id: {"status": NO_SHOW} for r in self.state.bookings.values()
                if r.status == CONFIRMED and r.checked_in_at is None and r.starts_at <= now - grace}
        self.attempt("release", lambda: service.release_no_shows(now=now), None, changes=late)
        type(self).released += len(late)

    @precondition(lambda self: self.state.bookings)
    @rule(which=st.integers(0, 50), who=WHO, confirmed=st.sampled_from([True, True, False]))
    def check_in(self, which, who, confirmed):
        """Check in at the booking's start (the whole pool booking); mostly a
        confirmed booking, else any."""
        ready = sorted((r for r in self.state.bookings.values() if r.status == CONFIRMED), key=lambda r: r.id)
        row = ready[which % len(ready)] if confirmed and ready else self.pick(which)
        actor = self.actor_for(row, who)
        booking = db.session.get(Booking, row.id)
        if row.user_id != actor.id and actor is not self.staff:
            expected = NotAllowed
        elif row.status != CONFIRMED:
            expected = Conflict
        else:
            expected = None
        changes = {} if row.checked_in_at else {
            r.id: {"checked_in_at": row.starts_at} for r in self.group(row) if r.status == CONFIRMED}
        self.attempt("check in", lambda: service.check_in(actor, booking, now=row.starts_at), expected,
                     changes=changes)

    @precondition(lambda self: self.state.bookings)
    @rule(which=st.integers(0, 50), approve=st.booleans(), pending=st.sampled_from([True, True, False]))
    def decide(self, which, approve, pending):
        """Approve or decline; mostly a booking that waits (pending), else any."""
        waiting = sorted((r for r in self.state.bookings.values() if r.status == PENDING), key=lambda r: r.id)
        row = waiting[which % len(waiting)] if pending and waiting else self.pick(which)
        booking = db.session.get(Booking, row.id)
        expected = None if row.status == PENDING else Conflict
        changes = {r.id: {"status": CONFIRMED if approve else DECLINED} for r in self.group(row)
                   if r.status == PENDING}
        call = (lambda: service.approve(self.staff, booking)) if approve else (
            lambda: service.decline(self.staff, booking, "那天有活动"))
        self.attempt("approve" if approve else "decline", call, expected, changes=changes)

    # --- what always holds ------------------------------------------------------------------------

    @invariant()
    def never_double_booked(self):
        active = [r for r in self.state.bookings.values() if r.status in ACTIVE]
        for r in active:
            quantity, buffer, *_ = self.info[r.resource_id]
            assert 1 <= r.unit <= quantity, f"booking {r.id} holds unit {r.unit} of {quantity}"
            pad = timedelta(minutes=buffer)
            clash = [o.id for o in active if o.id != r.id and o.resource_id == r.resource_id and o.unit == r.unit
                     and o.starts_at < r.ends_at + pad and o.ends_at > r.starts_at - pad]
            assert not clash, f"booking {r.id} and {clash} hold unit {r.unit} of resource {r.resource_id} at once"
            at_once = sum(1 for o in active if o.resource_id == r.resource_id
                          and o.starts_at < r.ends_at and o.ends_at > r.starts_at and o.starts_at <= r.starts_at)
            assert at_once <= quantity

    @invariant()
    def nobody_over_her_quota(self):
        hours = Counter()
        for r in self.state.bookings.values():
            if r.status in ACTIVE and r.user_id != self.staff_id and self.info[r.resource_id][2]:
                hours[(r.user_id, r.resource_id)] += (r.ends_at - r.starts_at).total_seconds() / 3600
        assert all(h <= QUOTA_HOURS for h in hours.values()), hours

    @invariant()
    def history_matches_every_booking(self):
        """The last history entry with a status says what the booking is now."""
        last = {}
        for object_id, after in db.session.execute(
                select(AuditEntry.object_id, AuditEntry.after).where(AuditEntry.object_type == "bookings")
                .order_by(AuditEntry.id)):
            if after and "status" in after:
                last[object_id] = after
        db.session.rollback()
        for r in self.state.bookings.values():
            assert r.id in last, f"booking {r.id} has no history"
            assert (last[r.id]["status"], last[r.id]["starts_at"], last[r.id]["unit"]) == \
                (r.status, r.starts_at.isoformat(), r.unit), f"booking {r.id}: history {last[r.id]} vs {r}"

    @invariant()
    def released_bookings_were_not_checked_in(self):
        assert all(r.checked_in_at is None for r in self.state.bookings.values() if r.status == NO_SHOW)


def test_random_bookings_cancellations_moves_and_releases_keep_every_rule():
    BookingMachine.examples = BookingMachine.released = 0
    BookingMachine.steps = Counter()
    run_state_machine_as_test(BookingMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow]))
    steps = BookingMachine.steps
    print(f"\n{BookingMachine.examples} examples, {steps.total()} steps, {BookingMachine.released} bookings "
          f"released: {dict(sorted(steps.items()))}")
    # The run must have reached the interesting cases, or it proves little.
    for kind in ("book done", "book refused", "cancel done", "cancel refused", "move done", "move refused",
                 "hold done", "approve done", "decline done", "check in done"):
        assert steps[kind] > 0, f"no step '{kind}' in {dict(steps)}"
    assert BookingMachine.released > 0
