from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from incubator.accounts.forms import REQUIRED
from incubator.forms import Form


class SiteForm(Form):
    name = StringField(_l("Name of the base"), validators=[DataRequired(REQUIRED), Length(max=120)])
    address = StringField(_l("Address"), validators=[Length(max=255)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=32)])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai",
                           validators=[DataRequired(REQUIRED), Length(max=64)])
    description = TextAreaField(_l("About the base"), validators=[Length(max=4000)])
