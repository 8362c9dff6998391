"""Language: which one a page is shown in, and the catalogues behind it.

The language follows the browser until the person picks one (kept in a cookie,
and on the account when signed in). The zh_CN catalogue lives in folders named
zh_Hans_CN: Babel 2.18 maps zh_CN to zh_Hans_CN, and a catalogue under zh_CN
compiles and silently never loads.
"""

from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

from babel import Locale
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import Domain, force_locale, get_timezone
from flask_babel import get_locale as babel_get_locale
from flask_login import current_user
from pytz import all_timezones_set
from pytz import timezone as pytz_timezone

from incubator.timeutil import DEFAULT_TIMEZONE, local_today

ZH = "zh_Hans_CN"
EN = "en"
SUPPORTED = (ZH, EN)
LANGUAGE_COOKIE = "lang"

# Each language is named in itself, so a person can find hers.
LANGUAGE_CHOICES = [(ZH, "中文"), (EN, "English")]

# What browsers send, mapped to the catalogue that answers it.
_BROWSER_TAGS = {"zh": ZH, "zh_CN": ZH, "zh_Hans": ZH, "zh_Hans_CN": ZH, "en": EN}


def normalise_locale(value: str | None) -> str | None:
    if not value:
        return None
    value = value.replace("-", "_")
    if value in _BROWSER_TAGS:
        return _BROWSER_TAGS[value]
    return _BROWSER_TAGS.get(value.split("_")[0])


# Flask-Babel turns the selector's answer into a Locale with Locale.parse,
# which looks for the locale's data file on disk each time (two directory
# checks and a stat, about 0.1 ms of every request); a Locale it is given is
# used as it is. Locales are immutable, so one of each serves every request.
_LOCALES = {code: Locale.parse(code) for code in SUPPORTED}


def select_locale() -> Locale:
    code = locale_code()
    return _LOCALES.get(code) or Locale.parse(code)


def locale_code() -> str:
    """The catalogue this request is shown in: the person's choice, then the
    language cookie, then the browser's languages, then Chinese."""
    if not has_request_context():
        # Jobs and services: render in the default language unless the caller
        # wraps the work in flask_babel.force_locale(person's locale).
        return ZH
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return normalise_locale(current_user.locale) or current_user.locale
    chosen = normalise_locale(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        matched = normalise_locale(tag)
        if matched:
            return matched
    return ZH


def remember_base_timezone(user) -> None:
    """Keep the signed-in person's base's time zone for this request, read
    when she is loaded (her base comes in the same statement): asked later,
    after a commit, it would cost a statement or two (expired rows)."""
    g.base_timezone = _base_zone(user.site_id)


def select_timezone() -> str | None:
    """The clock a page shows times on (Flask-Babel's time zone selector):
    the signed-in person's base's, which an admin may set (a base in
    Xinjiang keeps Urumqi time), so she reads times on the clock she types
    them on. None, for residents without an account and outside requests,
    is the app's BABEL_DEFAULT_TIMEZONE. Flask-Babel asks once a request,
    at the first time shown."""
    if not has_request_context():
        return None
    # Read first, without touching current_user: after a commit her row is
    # expired, and even is_authenticated would load it again.
    if "base_timezone" in g:
        return g.base_timezone
    if not (current_user and getattr(current_user, "is_authenticated", False)):
        return None
    return _base_zone(current_user.site_id)  # signed in during this request


def _base_zone(site_id: int | None) -> str | None:
    """The base's time zone, or None when pytz does not know it: Flask-Babel
    makes a pytz zone of it, and a name only newer zoneinfo data knows would
    fail every page of the base."""
    from incubator.sites.service import timezone_of  # the models are not loaded when i18n is

    zone = timezone_of(site_id)
    return zone if zone in all_timezones_set else None


@contextmanager
def written_for(person):
    """Text written now for this person to read elsewhere (an SMS, an
    e-mail): in her language, with times on her base's clock, whoever's
    request or job writes it: a reminder job has no base, staff of another
    base approve her booking. Her pages already read on that clock."""
    locale = person.locale or current_app.config.get("BABEL_DEFAULT_LOCALE") or ZH
    zone = _base_zone(person.site_id) or current_app.config["BABEL_DEFAULT_TIMEZONE"]
    with force_locale(locale), _on_clock(zone):
        yield


@contextmanager
def _on_clock(zone: str):
    """Flask-Babel has force_locale but no force_timezone: it keeps the
    request's zone in g._flask_babel.babel_tzinfo (what its refresh()
    clears), so the zone is set there for the block and put back after."""
    state = g.get("_flask_babel")
    if state is None:
        state = g._flask_babel = SimpleNamespace()
    before = getattr(state, "babel_tzinfo", None)
    state.babel_tzinfo = pytz_timezone(zone)
    try:
        yield
    finally:
        if before is None:
            del state.babel_tzinfo
        else:
            state.babel_tzinfo = before


def reader_zone() -> str:
    """The clock the page or letter being written shows times on: the
    signed-in person's base's on a page, the recipient's inside written_for,
    the app's default in a job or for a visitor."""
    zone = get_timezone() if has_app_context() else None
    return getattr(zone, "zone", None) or DEFAULT_TIMEZONE


def reader_today() -> date:
    """Today on the reader's clock. A base on Urumqi time is still on the
    day before between midnight and two in Beijing: its "today's sessions",
    a form's date filled in for today and the checks against today follow
    the clock its pages show, not Beijing's."""
    return local_today(reader_zone())


def html_lang() -> str:
    """The value for <html lang>: zh-CN or en."""
    return "zh-CN" if str(babel_get_locale()).startswith("zh") else "en"


# --- Finding the catalogue ---------------------------------------------------------

class _RequestDomain(Domain):
    """Flask-Babel's domain, finding a request's catalogue once per locale.

    Flask-Babel finds it anew for every string (about 20 µs: several trips
    through the context proxies and the locale's name built again), and a page
    has a hundred strings, a roll call four hundred labels. The key is the
    locale Flask-Babel keeps in its per-request state, so force_locale() (a
    notification in the recipient's language) and refresh() are obeyed. It
    serves gettext in views and services, every lazy_gettext label (statuses,
    menus) and the templates' strings."""

    def __init__(self):
        super().__init__()
        self._by_locale: dict = {}

    def get_translations(self):
        locale = getattr(g.get("_flask_babel"), "babel_locale", None) if g else None
        if locale is None:  # the request's first string: Flask-Babel picks the locale
            return super().get_translations()
        found = self._by_locale.get(locale)
        if found is None:
            found = self._by_locale[locale] = super().get_translations()
        return found


_DOMAIN = _RequestDomain()


def install(babel_extension, jinja_env) -> None:
    """Give Flask-Babel and Jinja the domain above."""
    babel_extension.domain_instance = _DOMAIN
    catalogue = _DOMAIN.get_translations
    jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
