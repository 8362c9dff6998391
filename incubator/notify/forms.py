from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from incubator.forms import Form
from incubator.notify.categories import CATEGORIES
from incubator.notify.models import EMAIL, PHONE


def preferences_form(current: dict[str, dict[str, bool]]) -> Form:
    """One e-mail and one phone-message box per category: email_<key>, phone_<key>."""

    class PreferencesForm(Form):
        pass

    data = {}
    for category in CATEGORIES:
        setattr(PreferencesForm, f"email_{category.key}", BooleanField(_l("By e-mail")))
        setattr(PreferencesForm, f"phone_{category.key}", BooleanField(_l("By text message")))
        data[f"email_{category.key}"] = current[category.key][EMAIL]
        data[f"phone_{category.key}"] = current[category.key][PHONE]
    return PreferencesForm(data=data)


def choices_from(form) -> dict[str, dict[str, bool]]:
    return {category.key: {EMAIL: bool(form[f"email_{category.key}"].data),
                           PHONE: bool(form[f"phone_{category.key}"].data)}
            for category in CATEGORIES}
