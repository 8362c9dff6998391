from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.form import Form as SubForm
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from incubator.forms import Form, MultiCheckboxField, SelectField
from incubator.livestreams.models import ANSWER_MAX_CHARS, QUESTION_MAX_CHARS

REQUIRED = _l("This field is required.")
RANGE = _l("Use a number from %(min)s to %(max)s.")


def sensible_day(form, field):
    """A livestream's day: this century, not a typing slip like year 9999."""
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a date between 2000 and 2100."))


class LivestreamForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField(_l("Kind of livestream"), validators=[DataRequired(REQUIRED)])
    day = DateField(_l("Day"), validators=[DataRequired(REQUIRED), sensible_day])
    start = TimeField(_l("Starts at"), validators=[DataRequired(REQUIRED)])
    end = TimeField(_l("Ends at"), validators=[DataRequired(REQUIRED)],
                    description=_l("An end earlier than the start is on the next day."))
    platform = SelectField(_l("Platform"), validators=[DataRequired(REQUIRED)])
    room = StringField(_l("Room number or link"), validators=[Optional(), Length(max=255)],
                       description=_l("The live room number or address residents can open."))
    studio_id = SelectField(_l("Studio"), coerce=str, validators=[Optional()])
    host_ids = MultiCheckboxField(_l("Hosts"), coerce=int, validators=[Optional()])
    guest = StringField(_l("Guest (optional)"), validators=[Optional(), Length(max=120)],
                        description=_l("A guest without an account, e.g. an official of the street office."))
    shop_ids = MultiCheckboxField(_l("Shops featured"), coerce=int, validators=[Optional()])
    products = TextAreaField(_l("Products featured"), validators=[Optional(), Length(max=2000)])
    description = TextAreaField(_l("What residents should know"), validators=[Optional(), Length(max=2000)])


class QuestionForm(Form):
    text = TextAreaField(_l("Your question"),
                         validators=[DataRequired(_l("Write your question.")),
                                     Length(max=QUESTION_MAX_CHARS,
                                            message=_l("Please keep the question under %(max)s characters."))],
                         render_kw={"maxlength": QUESTION_MAX_CHARS, "rows": 4},
                         description=_l("Up to %(max)s characters. Staff read every question before it is shown.",
                                        max=QUESTION_MAX_CHARS))
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=60)],
                       render_kw={"autocomplete": "name"})
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=20)],
                        description=_l("Only staff see it, if they need to call you back."),
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})


class AnswerForm(Form):
    answer = TextAreaField(_l("Written answer"),
                           validators=[Optional(), Length(max=ANSWER_MAX_CHARS)],
                           render_kw={"maxlength": ANSWER_MAX_CHARS, "rows": 3})


class ResultRowForm(SubForm):
    shop_id = HiddenField()
    viewers = IntegerField(_l("Viewers"), validators=[InputRequired(REQUIRED), NumberRange(0, 2_000_000_000, RANGE)],
                           render_kw={"inputmode": "numeric"})
    orders = IntegerField(_l("Orders"), validators=[InputRequired(REQUIRED), NumberRange(0, 2_000_000_000, RANGE)],
                          render_kw={"inputmode": "numeric"})
    revenue = DecimalField(_l("Revenue (yuan)"), places=2,
                           validators=[InputRequired(REQUIRED), NumberRange(0, 20_000_000, RANGE)],
                           render_kw={"inputmode": "decimal"})


class ResultsForm(Form):
    rows = FieldList(FormField(ResultRowForm))
