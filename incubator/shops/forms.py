from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from incubator.forms import Form, MultiCheckboxField, RadioField, SelectField
from incubator.shops.labels import CATEGORY_LABELS, HELP_LABELS, PLATFORM_LABELS, SUPPORT_LABELS
from incubator.shops.models import CATEGORIES, HELP_KINDS, PLATFORMS, SUPPORT_KINDS
from incubator.shops.service import MAX_COUNT, MAX_FEN, SALES_PLATFORMS

REQUIRED = _l("This field is required.")
NOT_NEGATIVE = _l("Use a number of zero or more.")
COUNT_RANGE = _l("Use a number from 0 to %(max)s.")
YUAN_RANGE = _l("Use an amount from 0 to %(max)s yuan.")
WHOLE = _l("Use a whole number.")
AMOUNT = _l("Use an amount in yuan, such as 400 or 12.50.")


def yuan_to_fen(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


# The columns hold 32-bit integers; beyond these a number is a typing slip
# (and "Infinity" a test of the form), not a shop's day.
def _count_range():
    return NumberRange(min=0, max=MAX_COUNT, message=COUNT_RANGE)


def _yuan_range():
    return NumberRange(min=0, max=Decimal(MAX_FEN) / 100, message=YUAN_RANGE)


class ApplyForm(Form):
    name = StringField(_l("Shop name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    category = SelectField(_l("Category"), choices=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
                           validators=[DataRequired(REQUIRED)])
    location = StringField(_l("Where is the shop?"), description=_l("Street and number in the community."),
                           validators=[DataRequired(REQUIRED), Length(max=200)])
    has_physical_shop = RadioField(_l("Is there a physical shop?"),
                                   choices=[("yes", _l("Yes, a shop front")), ("no", _l("No, online only"))],
                                   default="yes", validators=[InputRequired(REQUIRED)])
    platforms = MultiCheckboxField(_l("Platforms you want to sell on"),
                                   choices=[(p, PLATFORM_LABELS[p]) for p in PLATFORMS])
    products = TextAreaField(_l("What do you sell?"), validators=[DataRequired(REQUIRED), Length(max=2000)])
    baseline_pieces = IntegerField(_l("Pieces sold on an ordinary day (optional)"),
                                   description=_l("So we can show you what the livestreams add."),
                                   validators=[Optional(), _count_range()],
                                   render_kw={"inputmode": "numeric"})
    baseline_revenue = DecimalField(_l("Takings on an ordinary day, in yuan (optional)"), places=2,
                                    validators=[Optional(), _yuan_range()],
                                    render_kw={"inputmode": "decimal"})
    help_wanted = MultiCheckboxField(_l("What help would you like?"),
                                     choices=[(h, HELP_LABELS[h]) for h in HELP_KINDS])

    def validate_platforms(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one platform to sell on."))


class MoveForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])


class SalesForm(Form):
    occurred_on = DateField(_l("Date of the livestream"), validators=[InputRequired(REQUIRED)])
    minutes = IntegerField(_l("Length in minutes"), validators=[InputRequired(REQUIRED),
                                                                 NumberRange(min=0, max=1440)],
                           render_kw={"inputmode": "numeric"})
    host = StringField(_l("Host"), validators=[Optional(), Length(max=80)])
    platform = SelectField(_l("Platform"), choices=[(p, PLATFORM_LABELS[p]) for p in SALES_PLATFORMS])
    viewers = IntegerField(_l("Viewers"),
                           validators=[InputRequired(REQUIRED), _count_range()],
                           render_kw={"inputmode": "numeric"})
    orders = IntegerField(_l("Orders"), validators=[InputRequired(REQUIRED), _count_range()],
                          render_kw={"inputmode": "numeric"})
    pieces = IntegerField(_l("Pieces sold (optional)"), description=_l("Leave empty when each order is one piece."),
                          validators=[Optional(), _count_range()],
                          render_kw={"inputmode": "numeric"})
    revenue = DecimalField(_l("Revenue in yuan"), places=2,
                           validators=[InputRequired(REQUIRED), _yuan_range()],
                           render_kw={"inputmode": "decimal"})
    products = TextAreaField(_l("Notable products"), validators=[Optional(), Length(max=1000)])


class EvidenceFileForm(Form):
    file = FileField(_l("Photo or PDF"), description=_l("A photo (JPEG, PNG, WebP) or a PDF, up to 5 MB."),
                     render_kw={"accept": "image/jpeg,image/png,image/webp,application/pdf"})


class EvidenceLinkForm(Form):
    url = StringField(_l("Store link"), description=_l("The store's address, starting with https://"),
                      validators=[DataRequired(REQUIRED), Length(max=500)], render_kw={"inputmode": "url"})


class StageForm(Form):
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(REQUIRED), Length(max=80)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(REQUIRED), Length(max=80)])
    staff_id = SelectField(_l("Staff member in charge"), coerce=int, validators=[Optional()])
    target_days = IntegerField(_l("Target days"), description=_l("A shop longer than this in the stage is stalled."),
                               validators=[Optional(), NumberRange(min=1, max=365)])
    evidence_required = BooleanField(_l("Evidence is required to move on"))
    evidence_hint_zh = StringField(_l("Evidence asked for, in Chinese"), validators=[Optional(), Length(max=120)])
    evidence_hint_en = StringField(_l("Evidence asked for, in English"), validators=[Optional(), Length(max=120)])
    checklist = TextAreaField(_l("Checklist"), description=_l("One item a line: Chinese | English"),
                              validators=[Optional(), Length(max=4000)])


class SupportForm(Form):
    kind = SelectField(_l("Kind of support"), choices=[(k, SUPPORT_LABELS[k]) for k in SUPPORT_KINDS])
    shop_id = SelectField(_l("Shop"), coerce=int, validators=[Optional()])
    person = StringField(_l("Or a person: mobile number"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "tel"})
    what = StringField(_l("What was given"), validators=[DataRequired(REQUIRED), Length(max=200)])
    amount = DecimalField(_l("Value in yuan"), places=2,
                          validators=[InputRequired(AMOUNT), _yuan_range()],
                          render_kw={"inputmode": "decimal"})
    given_on = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    reason = TextAreaField(_l("Why"), validators=[Optional(), Length(max=1000)])


class BoardFilterForm(Form):
    class Meta:
        csrf = False

    category = SelectField(_l("Category"), validators=[Optional()])
    staff = SelectField(_l("Staff member"), validators=[Optional()])
