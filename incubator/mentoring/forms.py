from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from incubator.forms import Form, LongSelect, MultiCheckboxField, RadioField, SelectField
from incubator.mentoring.models import SLOTS
from incubator.mentoring.vocabulary import CATEGORY_LABELS

REQUIRED = _l("This field is required.")
WHOLE_NUMBER = _l("Use a whole number.")


class LenientCheckboxes(MultiCheckboxField):
    def pre_validate(self, form):
        # Unknown values are dropped by the service instead of failing the form.
        pass


def category_choices():
    return [(code, label) for code, label in CATEGORY_LABELS.items()]


class ProfileForm(Form):
    skills = LenientCheckboxes(_l("Skills you teach"), coerce=int)
    categories = LenientCheckboxes(_l("Product categories you know"), choices=category_choices)
    languages = StringField(_l("Languages and dialects"), validators=[Length(max=300)],
                            description=_l("Separate with commas, e.g. 普通话, 南京话, 维吾尔语, English."))
    availability = LenientCheckboxes(_l("When you are free"), choices=[(s, s) for s in SLOTS])
    capacity = IntegerField(_l("Most mentees at once"), validators=[InputRequired(WHOLE_NUMBER),
                                                                    NumberRange(1, 20)])
    bio = TextAreaField(_l("About you"), validators=[Length(max=2000)],
                        description=_l("A few lines mentees read: what you sell, what you can teach."))
    active = BooleanField(_l("Taking new mentees (untick to pause)"), default=True)


class NeedForm(Form):
    skills = LenientCheckboxes(_l("Help wanted with"), coerce=int)
    category = SelectField(_l("What is sold"), choices=lambda: [("", _l("Not decided yet"))] + category_choices(),
                           validators=[Optional()])
    languages = StringField(_l("Languages and dialects"), validators=[Length(max=300)],
                            description=_l("Separate with commas, e.g. 普通话, 维吾尔语."))
    availability = LenientCheckboxes(_l("When you are free"), choices=[(s, s) for s in SLOTS])
    notes = TextAreaField(_l("Anything else"), validators=[Length(max=2000)])


class SettingsForm(Form):
    weight_skill = IntegerField(_l("Each skill in common"), validators=[InputRequired(WHOLE_NUMBER),
                                                                        NumberRange(0, 100)])
    weight_category = IntegerField(_l("Knows the product category"),
                                   validators=[InputRequired(WHOLE_NUMBER), NumberRange(0, 100)])
    weight_language = IntegerField(_l("Each language in common"),
                                   validators=[InputRequired(WHOLE_NUMBER), NumberRange(0, 100)])
    weight_availability = IntegerField(_l("Each free time in common (up to 6)"),
                                       validators=[InputRequired(WHOLE_NUMBER), NumberRange(0, 100)])
    weight_capacity = IntegerField(_l("Room left (times the share of free places)"),
                                   validators=[InputRequired(WHOLE_NUMBER), NumberRange(0, 100)])
    proposal_days = IntegerField(_l("Days a mentor has to answer"),
                                 validators=[InputRequired(WHOLE_NUMBER), NumberRange(1, 60)])


class SkillForm(Form):
    name = StringField(_l("New skill"), validators=[DataRequired(REQUIRED), Length(max=80)])


class AskForm(Form):
    message = TextAreaField(_l("A note for the mentor (optional)"), validators=[Length(max=1000)])


class DeclineForm(Form):
    reason = TextAreaField(_l("Reason (optional, the mentee does not see it)"), validators=[Length(max=1000)])


class MeetingForm(Form):
    met_on = DateField(_l("Date"), validators=[InputRequired(_l("Give the date of the meeting."))])
    topic = StringField(_l("Topic"), validators=[DataRequired(REQUIRED), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    next_step = StringField(_l("Next step"), validators=[Length(max=300)])


class EndForm(Form):
    outcome = RadioField(_l("How it ends"), choices=[("completed", _l("Completed as planned")),
                                                     ("ended_early", _l("Ended early"))],
                         default="completed", validators=[InputRequired(REQUIRED)])
    reason = TextAreaField(_l("Reason (needed when it ends early)"), validators=[Length(max=2000)])


class FeedbackForm(Form):
    rating = RadioField(_l("Rating"), choices=[(str(n), str(n)) for n in range(1, 6)],
                        validators=[InputRequired(_l("Choose from 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])


class BatchForm(Form):
    scope = SelectField(_l("Who to match"), validators=[InputRequired(REQUIRED)], widget=LongSelect())
