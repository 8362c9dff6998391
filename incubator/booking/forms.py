from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from incubator.accounts.forms import REQUIRED
from incubator.auth import ROLE_LABELS, ROLES
from incubator.forms import Form, MultiCheckboxField, SelectField

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday"))
WHOLE = _l("Please give a whole number.")
DATE = _l("Please give a date (year-month-day).")
TIME = _l("Please give a time such as 19:00.")


def _printable(value):
    """Control characters (a NUL byte, say) are never part of what a person
    means, and PostgreSQL refuses NUL in text: drop them from every text field."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
    return value


# Days a booking form accepts: outside them the day after a booking's
# midnight end, or a week's last day, would not exist (date.max) and the
# page would fail instead of answering; no booking is made there anyway.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
DAY_RANGE = _l("Please give a date between the years 1900 and 2999.")


def _within_calendar(form, field):
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(DAY_RANGE)


class CleanForm(Form):
    """Base of the booking area's forms: every field gets the _printable filter,
    every date field the calendar's range."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), _printable]
            if issubclass(unbound_field.field_class, DateField):
                options["validators"] = [*unbound_field.kwargs.get("validators", ()), _within_calendar]
            return unbound_field.bind(form=form, filters=filters, **options)


class BookingForm(CleanForm):
    # What to book and the shop are listed only when the form is shown; what is
    # sent is checked by the view (a resource or kit of her base, lent out) and
    # the service (her own shop), so sending a booking reads neither list.
    what = SelectField(_l("Studio, equipment or kit"), validators=[DataRequired(REQUIRED)], validate_choice=False)
    day = DateField(_l("Day"), validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("From"), validators=[InputRequired(REQUIRED)], render_kw={"step": 1800})
    end = TimeField(_l("To"), validators=[InputRequired(REQUIRED)], render_kw={"step": 1800})
    units = IntegerField(_l("How many (for equipment)"), default=1,
                         validators=[Optional(), NumberRange(1, 50, WHOLE)],
                         render_kw={"min": 1, "inputmode": "numeric"})
    purpose = StringField(_l("What is it for"), description=_l("For example: nang bakery evening livestream."),
                          validators=[Length(max=255)])
    shop_id = SelectField(_l("For which shop"), coerce=int, default=0, validators=[Optional()],
                          validate_choice=False)
    weeks = IntegerField(_l("Every week, for how many weeks"), default=1,
                         description=_l("1 books this date only. Dates that cannot be booked are listed; the rest "
                                        "are booked."),
                         validators=[Optional(), NumberRange(1, 26, _l("Repeat for 1 to 26 weeks."))],
                         render_kw={"min": 1, "max": 26, "inputmode": "numeric"})
    owner_id = SelectField(_l("Book for"), coerce=int, default=0, validators=[Optional()])


class MoveForm(CleanForm):
    day = DateField(_l("Day"), validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("From"), validators=[InputRequired(REQUIRED)], render_kw={"step": 1800})
    end = TimeField(_l("To"), validators=[InputRequired(REQUIRED)], render_kw={"step": 1800})


class ReasonForm(CleanForm):
    reason = StringField(_l("Reason"), validators=[Length(max=255)])


class NoteForm(CleanForm):
    note = StringField(_l("Condition"), description=_l("For example: lens clean, charger included."),
                       validators=[Length(max=255)])


class CodeForm(CleanForm):
    code = StringField(_l("Code shown at the studio door"), validators=[DataRequired(REQUIRED), Length(max=12)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})


class FreeAtForm(CleanForm):
    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional()])
    start = TimeField(_l("From"), validators=[Optional()], render_kw={"step": 1800})
    hours = SelectField(_l("For"), coerce=int, default=2,
                        choices=[(1, _l("1 hour")), (2, _l("2 hours")), (3, _l("3 hours")), (4, _l("4 hours"))])


class FilterForm(CleanForm):
    class Meta:
        csrf = False

    resource_id = SelectField(_l("Studio or equipment"), coerce=int, default=0, validators=[Optional()])
    status = SelectField(_l("Status"), default="", validators=[Optional()])
    day_from = DateField(_l("From"), validators=[Optional()])
    day_to = DateField(_l("To"), validators=[Optional()])
    person = StringField(_l("Person (name or mobile)"), validators=[Optional(), Length(max=80)])


class BlackoutForm(CleanForm):
    resource_id = SelectField(_l("What closes"), coerce=int, default=0)
    start_day = DateField(_l("From day"), validators=[InputRequired(REQUIRED)])
    start_time = TimeField(_l("From time"), validators=[InputRequired(REQUIRED)])
    end_day = DateField(_l("To day"), validators=[InputRequired(REQUIRED)])
    end_time = TimeField(_l("To time"), validators=[InputRequired(REQUIRED)])
    reason = StringField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=255)])


def _minutes(label, default, description=None, low=0, high=100000):
    return IntegerField(label, default=default, description=description,
                        validators=[InputRequired(REQUIRED), NumberRange(low, high, WHOLE)],
                        render_kw={"inputmode": "numeric", "min": low})


class ResourceForm(CleanForm):
    name = StringField(_l("Name of the studio or item"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[("studio", _l("Studio")), ("equipment", _l("Equipment"))])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    quantity = _minutes(_l("Quantity"), 1, _l("Identical items (five ring lights) are one pool."), low=1)
    active = BooleanField(_l("Can be booked"), default=True)
    status = SelectField(_l("Condition"), choices=[("available", _l("Available")),
                                                   ("maintenance", _l("Under maintenance"))])
    maintenance_reason = StringField(_l("Maintenance reason"), validators=[Length(max=255)])
    maintenance_from = DateField(_l("Maintenance from"), validators=[Optional()])
    maintenance_until = DateField(_l("Maintenance until"), validators=[Optional()])
    slot_minutes = _minutes(_l("Slot size (minutes)"), 30, low=5)
    min_minutes = _minutes(_l("Shortest booking (minutes)"), 30, low=5)
    max_minutes = _minutes(_l("Longest booking (minutes)"), 240, low=5)
    min_notice_minutes = _minutes(_l("Book at least this many minutes ahead"), 60)
    max_advance_days = _minutes(_l("Book at most this many days ahead"), 14)
    buffer_minutes = _minutes(_l("Minutes free between bookings"), 0)
    cancel_cutoff_minutes = _minutes(_l("Cancel or move until this many minutes before the start"), 120)
    allowed_roles = MultiCheckboxField(_l("Who may book (none ticked: everybody)"),
                                       choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    required_programme_id = SelectField(_l("Training gate: completed programme needed"), coerce=int, default=0)
    approval_required = BooleanField(_l("Staff approve each booking"))
    weekly_quota_hours = IntegerField(_l("Hours per person per week (empty: no limit)"),
                                      validators=[Optional(), NumberRange(1, 168, WHOLE)],
                                      render_kw={"inputmode": "numeric"})


def _add_hours_fields():
    for day in range(7):
        setattr(ResourceForm, f"opens_{day}", TimeField(_l("%(day)s opens", day=WEEKDAYS[day]),
                                                        validators=[Optional()]))
        setattr(ResourceForm, f"closes_{day}", TimeField(_l("%(day)s closes", day=WEEKDAYS[day]),
                                                         validators=[Optional()]))


_add_hours_fields()


class KitForm(CleanForm):
    name = StringField(_l("Name of the studio or item"), validators=[DataRequired(REQUIRED), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    active = BooleanField(_l("Can be booked"), default=True)


def kit_form(resources, kit=None):
    """A KitForm with one "how many" field per resource of the base."""

    class _KitForm(KitForm):
        pass

    current = {item.resource_id: item.quantity for item in (kit.items if kit else [])}
    for resource in resources:
        setattr(_KitForm, f"qty_{resource.id}",
                IntegerField(resource.name, default=current.get(resource.id, 0),
                             validators=[Optional(), NumberRange(0, resource.quantity, WHOLE)],
                             render_kw={"inputmode": "numeric", "min": 0, "max": resource.quantity}))
    form = _KitForm(obj=kit)
    form.resource_fields = [(resource, getattr(form, f"qty_{resource.id}")) for resource in resources]
    return form
