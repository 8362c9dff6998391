from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from incubator.enrolment.labels import (
    AUDIENCE_LABELS,
    AVAILABILITY_LABELS,
    GROUP_LABELS,
    QUESTION_KIND_LABELS,
    STATUS_LABELS,
)
from incubator.forms import Form, MultiCheckboxField, RadioField, SelectField

REQUIRED = _l("This field is required.")


class ProgrammeForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)],
                                description=_l("What she will learn, and what it costs (usually free)."))
    audiences = MultiCheckboxField(_l("Who it is for"), choices=list(AUDIENCE_LABELS.items()))
    languages = StringField(_l("Languages"), validators=[Optional(), Length(max=120)],
                            description=_l("For example: 普通话, 南京话"))
    active = BooleanField(_l("Shown on the public programmes page"), default=True)


class QuestionForm(Form):
    label = StringField(_l("Question"), validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField(_l("Kind of answer"), choices=list(QUESTION_KIND_LABELS.items()))
    choices = TextAreaField(_l("Options (single choice only)"), validators=[Optional(), Length(max=2000)],
                            description=_l("One option per line."))
    required = BooleanField(_l("An answer is required"))


class CohortForm(Form):
    name = StringField(_l("Name of the class"), validators=[DataRequired(REQUIRED), Length(max=120)],
                       description=_l("For example: 2026 年冬季班"))
    starts_on = DateField(_l("First day"), validators=[DataRequired(REQUIRED)])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(REQUIRED)])
    # InputRequired, not DataRequired: 0 is falsy, and "This field is required."
    # hid the range message that says what is wrong.
    capacity = IntegerField(_l("Places"), validators=[InputRequired(REQUIRED), NumberRange(min=1, max=1000)])
    applications_open_on = DateField(_l("Applications open on"), validators=[Optional()],
                                     description=_l("Empty: open now."))
    applications_close_on = DateField(_l("Applications close on"), validators=[Optional()],
                                      description=_l("Empty: until the first day."))
    childcare = BooleanField(_l("The childcare corner is available"))
    schedule_summary = StringField(_l("Schedule"), validators=[Optional(), Length(max=255)],
                                   description=_l("For example: 每周二、四上午 9:30–11:30"))


class QueueFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name or mobile"), validators=[Optional(), Length(max=100)])
    cohort = SelectField(_l("Class"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=[("", _l("Any status"))] + list(STATUS_LABELS.items()), validate_choice=False)
    group = SelectField(_l("Group"), validators=[Optional()],
                        choices=[("", _l("Any group"))] + list(GROUP_LABELS.items()), validate_choice=False)
    sort = SelectField(_l("Order"), choices=[("new", _l("Newest first")), ("old", _l("Oldest first"))],
                       validators=[Optional()], validate_choice=False)


class NoteForm(Form):
    body = TextAreaField(_l("Staff note"), validators=[DataRequired(REQUIRED), Length(max=4000)],
                         description=_l("Only staff see notes."))


class ApplySignUpForm(Form):
    """The short sign-up inside the apply page."""

    display_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=80)],
                               render_kw={"autocomplete": "name"})
    login_name = StringField(_l("Mobile number"), validators=[DataRequired(REQUIRED), Length(max=254)],
                             description=_l("An 11-digit mainland mobile number (or an e-mail address)."),
                             render_kw={"autocomplete": "tel", "inputmode": "tel"})
    password = PasswordField(_l("Choose a password"), description=_l("At least 8 characters."),
                             validators=[DataRequired(REQUIRED), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    consent = BooleanField(_l("I have read the personal information notice and agree to it."))


def application_form_class(programme, cohort):
    """A form with the standard questions and the programme's own."""

    class ApplicationForm(Form):
        pass

    ApplicationForm.group = RadioField(_l("I am"), choices=list(GROUP_LABELS.items()), validate_choice=False)
    ApplicationForm.availability = MultiCheckboxField(_l("When can you come?"),
                                                      choices=list(AVAILABILITY_LABELS.items()),
                                                      validate_choice=False)
    ApplicationForm.village = StringField(_l("Your village or neighbourhood"),
                                          validators=[Optional(), Length(max=100)],
                                          render_kw={"autocomplete": "address-level3"})
    ApplicationForm.wants_to_do = TextAreaField(_l("What do you want to sell or do?"),
                                                validators=[Optional(), Length(max=500)],
                                                description=_l("A few words are enough, e.g. 卖自家种的草莓."))
    ApplicationForm.children_ages = StringField(
        _l("Your children's ages (optional)"), validators=[Optional(), Length(max=60)],
        description=_l("Ages only, no names, e.g. 2, 5."))
    if cohort.childcare:
        ApplicationForm.needs_childcare = BooleanField(_l("I need the childcare corner during classes"))
    ApplicationForm.graduation_year = StringField(
        _l("Graduation year (graduates only)"), validators=[Optional(), Length(max=4)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    for question in programme.asked_questions:
        validators = [Optional()]
        if question.kind == "short":
            field = StringField(question.label, validators=validators + [Length(max=200)])
        elif question.kind == "long":
            field = TextAreaField(question.label, validators=validators + [Length(max=2000)])
        elif question.kind == "choice":
            field = RadioField(question.label, choices=[(c, c) for c in question.choices or []],
                               validate_choice=False)
        else:
            field = RadioField(question.label, choices=[("yes", _l("Yes")), ("no", _l("No"))],
                               validate_choice=False)
        setattr(ApplicationForm, question.key, field)
    return ApplicationForm


def required_fields(programme) -> list[str]:
    """Names of the application form's fields that must be answered."""
    return ["group", "availability", "village", "wants_to_do"] + [
        q.key for q in programme.asked_questions if q.required]
