from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from incubator.accounts.forms import REQUIRED
from incubator.forms import Form, MultiCheckboxField, SelectField

WEEKDAYS = [("0", _l("Monday")), ("1", _l("Tuesday")), ("2", _l("Wednesday")), ("3", _l("Thursday")),
            ("4", _l("Friday")), ("5", _l("Saturday")), ("6", _l("Sunday"))]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class SessionFields(Form):
    topic = StringField(_l("Topic"), validators=[DataRequired(REQUIRED), Length(max=200)])
    start_time = TimeField(_l("Starts at"), validators=[DataRequired(REQUIRED)])
    end_time = TimeField(_l("Ends at"), validators=[DataRequired(REQUIRED)])
    room_id = SelectField(_l("Room"), coerce=_optional_int, validators=[Optional()])
    trainer_id = SelectField(_l("Trainer"), coerce=_optional_int, validators=[Optional()])
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=1, max=500)])
    childcare = BooleanField(_l("Childcare corner open"))


class SessionForm(SessionFields):
    day = DateField(_l("Date"), validators=[DataRequired(REQUIRED)])


class RecurringForm(SessionFields):
    first_day = DateField(_l("First day of the series"), validators=[DataRequired(REQUIRED)])
    weekdays = MultiCheckboxField(_l("Days of the week"), choices=WEEKDAYS)
    weeks = IntegerField(_l("For how many weeks"), validators=[Optional(), NumberRange(min=1, max=52)])
    until = DateField(_l("Or until (inclusive)"), validators=[Optional()])
    skip = TextAreaField(_l("Dates to skip (holidays)"),
                         description=_l("One date per line or separated by commas, like 2026-12-31."),
                         validators=[Optional(), Length(max=2000)])


class WalkinForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=80)],
                       render_kw={"autocomplete": "off"})
    phone = StringField(_l("Mobile number"), validators=[DataRequired(REQUIRED), Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})


class LinkForm(Form):
    phone = StringField(_l("Mobile number of the account"), validators=[Optional(), Length(max=20)],
                        render_kw={"inputmode": "tel"})


class CheckinForm(Form):
    code = StringField(_l("Code shown in the room"), validators=[DataRequired(REQUIRED), Length(max=12)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})


class ApologyForm(Form):
    reason = TextAreaField(_l("Why you cannot come"), validators=[DataRequired(REQUIRED), Length(max=300)])


class SkillForm(Form):
    name = StringField(_l("Skill"), validators=[DataRequired(REQUIRED), Length(max=120)])
    required = BooleanField(_l("Required to complete"), default=True)


class VerifyForm(Form):
    class Meta:
        csrf = False

    code = StringField(_l("Certificate code"), validators=[DataRequired(REQUIRED), Length(max=20)])
