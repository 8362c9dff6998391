from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from incubator.forms import Form, LongSelect, SelectField
from incubator.reports.service import NOTE_MAX_LENGTH


class FilterForm(Form):
    """The report filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    programme = SelectField(_l("Programme"), validators=[Optional()], validate_choice=False, widget=LongSelect())
    cohort = SelectField(_l("Class"), validators=[Optional()], validate_choice=False, widget=LongSelect())
    group = SelectField(_l("Group"), validators=[Optional()], validate_choice=False)
    site = SelectField(_l("Base"), validators=[Optional()], validate_choice=False)


class NoteForm(Form):
    body = TextAreaField(_l("New note"), validators=[DataRequired(_l("Write the note first.")),
                                                     Length(max=NOTE_MAX_LENGTH)],
                         description=_l("Only staff of this base see notes; the person does not."))


class PeopleSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name or mobile"), validators=[Optional(), Length(max=100)])


class AuditSearchForm(Form):
    class Meta:
        csrf = False

    who = StringField(_l("Who (name or mobile)"), validators=[Optional(), Length(max=100)])
    action = SelectField(_l("What"), validators=[Optional()], validate_choice=False)
    object_type = SelectField(_l("Kind of record"), validators=[Optional()], validate_choice=False)
    object_id = StringField(_l("Record number"), validators=[Optional(), Length(max=12)])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class RuleForm(Form):
    by_completion = BooleanField(_l("Completing a programme counts as incubated"))
    by_shop_stage = BooleanField(_l("A shop reaching the stage below counts as incubated"))
    # The choices are the base's stages (settings.stage_choices, set by the
    # view); the service refuses any other key with its own message.
    shop_stage = SelectField(_l("Shop stage"), validate_choice=False,
                             description=_l("A shop counts from the day it first reaches this stage."))
