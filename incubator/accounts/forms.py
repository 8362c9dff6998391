from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from incubator.forms import Form, RadioField, SelectField
from incubator.i18n import LANGUAGE_CHOICES

REQUIRED = _l("This field is required.")


class LoginForm(Form):
    login_name = StringField(_l("Mobile number or e-mail"),
                             validators=[DataRequired(REQUIRED), Length(max=254)],
                             render_kw={"autocomplete": "username", "inputmode": "email"})
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this phone"))
    next = HiddenField()


class SignUpForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=80)],
                               render_kw={"autocomplete": "name"})
    login_name = StringField(_l("Mobile number or e-mail"),
                             description=_l("An 11-digit mainland mobile number, or an e-mail address."),
                             validators=[DataRequired(REQUIRED), Length(max=254)],
                             render_kw={"autocomplete": "username", "inputmode": "tel"})
    password = PasswordField(_l("Password"), description=_l("At least 8 characters."),
                             validators=[DataRequired(REQUIRED), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    consent = BooleanField(_l("I have read the personal information notice above and agree to it."))
    next = HiddenField()


class ProfileForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=80)])
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    locale = SelectField(_l("Language"), choices=[("", _l("Follow my browser"))] + LANGUAGE_CHOICES)


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), description=_l("At least 8 characters."),
                                 validators=[DataRequired(REQUIRED), Length(max=200)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(REQUIRED),
                                        EqualTo("new_password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class UserSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name, mobile or e-mail"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])


class DataRequestForm(Form):
    kind = RadioField(_l("What would you like?"), default="correction",
                      choices=[("correction", _l("Correct something that is wrong")),
                               ("deletion", _l("Delete my account and my personal data"))],
                      validators=[DataRequired(REQUIRED)])
    details = TextAreaField(_l("Details"), description=_l("For a correction: what is wrong and what it should say."),
                            validators=[Length(max=2000)])


class CodeForm(Form):
    code = StringField(_l("6-digit code from your authenticator app"),
                       validators=[DataRequired(REQUIRED), Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
