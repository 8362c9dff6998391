from functools import cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from incubator.accounts.forms import REQUIRED
from incubator.forms import Form


class SiteForm(Form):
    name = StringField(_l("Name of the base"), validators=[DataRequired(REQUIRED), Length(max=120)])
    address = StringField(_l("Address"), validators=[Length(max=255)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=32)])
    # A text input with the zones the server accepts as its list (templates/
    # sites/edit.html writes the datalist): typing "Shang" finds Asia/Shanghai,
    # and the refusal "Choose a time zone from the list." names a list there is.
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai",
                           validators=[DataRequired(REQUIRED), Length(max=64)],
                           filters=[lambda value: value.strip() if isinstance(value, str) else value],
                           render_kw={"list": "timezone-zones", "autocomplete": "off", "spellcheck": "false"},
                           description=_l("Beijing time is Asia/Shanghai. Type part of a name to find another."))
    description = TextAreaField(_l("About the base"), validators=[Length(max=4000)])

    @staticmethod
    def zones() -> list[str]:
        """The time zones save_site accepts, for the datalist."""
        return known_zones()


@cache
def known_zones() -> list[str]:
    # Read once: available_timezones() walks the zone files on every call.
    return sorted(available_timezones())
