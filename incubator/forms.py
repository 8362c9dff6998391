"""The base of every form in the application."""

from functools import lru_cache

from babel import support
from flask_babel import get_locale, lazy_gettext, lazy_ngettext
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import RadioField as _RadioField
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

# WTForms' own zh catalogue leaves these untranslated (fuzzy there), so the
# select and multiple-choice fields of every area said them in English on
# Chinese pages. Marked here, they are in the shared catalogue
# (translations/), which answers what WTForms' catalogue does not.
WTFORMS_GAPS = (
    lazy_ngettext("'%(value)s' is not a valid choice for this field.",
                  "'%(value)s' are not valid choices for this field.", 1),
    lazy_gettext("This field cannot be edited."),
    lazy_gettext("Not a valid week value."),
)


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str):
    """WTForms' messages in this language: its own catalogue, over the
    project's shared one for the messages it lacks."""
    from incubator import PROJECT_ROOT

    wtforms = support.Translations.load(messages_path(), [locale], domain="wtforms")
    ours = support.Translations.load(str(PROJECT_ROOT / "translations"), [locale])
    if not isinstance(ours, support.Translations):  # no shared catalogue in this language (English)
        return wtforms
    return ours.merge(wtforms)


def without_nul(value):
    """A typed value without NUL bytes: PostgreSQL text cannot hold them (the
    insert fails, a 500), and nobody types one on purpose. Lists are the
    values of multiple choices."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [v.replace("\x00", "") if isinstance(v, str) else v for v in value]
    return value


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages ("Not a valid integer value.")
    come in the page's language, and whose every field drops NUL bytes.
    Flask-WTF reads WTForms' catalogue from disk on every request (2 ms, a
    fifth of a whole page); it is read once per language here."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_catalogue(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            # Here once, before the field's own filters, so that no form of
            # any area can forget it.
            field = super().bind_field(form, unbound_field, options)
            field.filters = (without_nul, *field.filters)
            return field


# --- Fields with choices -------------------------------------------------------------
# The areas give choices as (value, label) pairs, the way they read; WTForms
# 3.3 deprecates pairs for SelectChoice and 3.4 removes them. These fields
# take pairs, declared or assigned in a view, and hand WTForms SelectChoice.

def as_choices(choices):
    """(value, label) pairs as SelectChoice; a function of no arguments
    (choices worked out when the form is shown) as one returning them."""
    if choices is None:
        return None
    if callable(choices):
        return lambda: as_choices(choices())
    return [c if isinstance(c, SelectChoice) else SelectChoice(*c) for c in choices]


class _PairChoices:
    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, choices=as_choices(choices), **kwargs)

    @property
    def choices(self):
        return _SelectField.choices.fget(self)

    @choices.setter
    def choices(self, value):
        _SelectField.choices.fset(self, as_choices(value))


class SelectField(_PairChoices, _SelectField):
    pass


class RadioField(_PairChoices, _RadioField):
    pass


class SelectMultipleField(_PairChoices, _SelectMultipleField):
    pass


class MultiCheckboxField(SelectMultipleField):
    """Tick boxes instead of a multiple select: easier with a thumb (the
    field macro draws them in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LongSelect(Select):
    """A select of hundreds of options (a base's classes over the years) that
    renders each plain option in one string: WTForms builds each through
    html_params, about 10 µs an option. Plain choices (a text value, no
    attributes, no group) are written straight from the list: WTForms also
    makes two more objects of each choice, and 350 classes were a fifth of a
    report page's time."""

    def __call__(self, field, **kwargs):
        choices = field.choices or []
        if not all(isinstance(c.value, str) and not c.render_kw and c.optgroup is None for c in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = True
        chosen = field.data

        def option(value: str, label) -> str:
            selected = " selected" if chosen is not None and field.coerce(value) == chosen else ""
            return f'<option value="{escape(value)}"{selected}>{escape(label or value)}</option>'

        options = "".join(option(c.value, c.label) for c in choices)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        selected = " selected" if choice.selected else ""
        return f'<option value="{escape(choice.value)}"{selected}>{escape(choice.label or choice.value)}</option>'
