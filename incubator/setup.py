"""The parts of create_app(), one function each."""

import sqlite3

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from incubator import i18n
from incubator.areas import load_areas, resolve
from incubator.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from incubator.i18n import html_lang, select_locale, select_timezone

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; object-src 'none'"
    ),
}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL lets readers work beside a writer; foreign keys are off in SQLite
    unless asked; the busy timeout makes a writer wait instead of failing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR") or _migrations_dir()))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=";".join(translation_directories()))

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page says it itself
    login_manager.user_loader(_load_user)


def _migrations_dir():
    from incubator import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"


def translation_directories() -> list[str]:
    """The core catalogue, then one per area that has strings of its own."""
    from incubator import PROJECT_ROOT

    directories = [PROJECT_ROOT / "translations"]
    directories += sorted((PROJECT_ROOT / "incubator").glob("*/translations"))
    return [str(d) for d in directories if d.is_dir()]


def _load_user(user_id: str):
    """The person of this cookie, while the session row behind it lives."""
    from flask import session

    from incubator.accounts.sessions import signed_in_user
    from incubator.web import is_background_request

    if not user_id.isdigit():
        return None
    user = signed_in_user(int(user_id), session.get("sid"), touch=not is_background_request())
    if user is not None:
        i18n.remember_base_timezone(user)
    return user


def register_areas(app: Flask) -> None:
    from incubator import pages

    app.register_blueprint(pages.bp)
    areas = load_areas()
    for area in areas:
        if area.models:
            resolve(area.models)
        if area.messages:
            resolve(area.messages)
        if area.blueprint:
            app.register_blueprint(resolve(area.blueprint))
    app.extensions["incubator_areas"] = areas
    # Every model is imported by now; audit's too.
    from incubator import audit

    for area in areas:
        if area.history:
            audit.name_codes(resolve(area.history))


def nav_links():
    """The navigation for the person looking at the page."""
    signed_in = current_user.is_authenticated
    mine = current_user.roles if signed_in else set()
    links = []
    for area in current_app.extensions["incubator_areas"]:
        for link in area.nav:
            if link.public and not signed_in or signed_in and (not link.roles or link.roles & mine):
                links.append(link)
    return links


_static_versions: dict[str, str] = {}


def static_url(filename: str) -> str:
    """url_for('static') plus a short hash of the file's content, so a changed
    file gets a new address and the old one can be cached for a year."""
    import hashlib
    from pathlib import Path

    from incubator.urls import template_url_for

    version = _static_versions.get(filename)
    if version is None:
        path = Path(current_app.static_folder) / filename
        version = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"
        if not current_app.debug:
            _static_versions[filename] = version
    return template_url_for("static", filename=filename, v=version)


def header_templates():
    if not current_user.is_authenticated:
        return []
    return [area.header for area in current_app.extensions["incubator_areas"] if area.header]


def init_templates(app: Flask) -> None:
    from flask_babel import get_locale

    from incubator import filters
    from incubator.auth import ROLE_LABELS, ROLES
    from incubator.sites.service import has_several_sites
    from incubator.urls import template_url_for

    app.jinja_env.globals.update(
        url_for=template_url_for,
        static_url=static_url,
        get_locale=get_locale,
        html_lang=html_lang,
        nav_links=nav_links,
        header_templates=header_templates,
        role_labels=ROLE_LABELS,
        all_roles=ROLES,
        has_several_sites=has_several_sites,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    i18n.install(babel, app.jinja_env)
    filters.register(app)


def init_static(app: Flask) -> None:
    """Static files are served by WhiteNoise in front of Flask: gzipped for
    browsers that accept gzip, so a phone's first visit downloads the
    stylesheet and htmx in a quarter of their size, and with a year's cache
    (their addresses carry a content hash, see static_url)."""
    from whitenoise import WhiteNoise

    from incubator.static_files import write_gzip_copies

    write_gzip_copies(app.static_folder)  # before WhiteNoise looks for them

    def add_headers(headers, _path, _url):
        headers["X-Content-Type-Options"] = "nosniff"

    app.wsgi_app = WhiteNoise(app.wsgi_app, root=app.static_folder, prefix=app.static_url_path,
                              max_age=int(app.config["SEND_FILE_MAX_AGE_DEFAULT"].total_seconds()),
                              autorefresh=app.debug, add_headers_function=add_headers)


def init_responses(app: Flask) -> None:
    from incubator.web import add_vary_and_messages

    @app.after_request
    def finish(response):
        response = add_vary_and_messages(response)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def register_error_pages(app: Flask) -> None:
    from flask import render_template
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import DBAPIError, OperationalError
    from werkzeug.exceptions import HTTPException

    def page(status: int, title: str, message: str):
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return page(400, _("This form has expired"),
                    _("Please go back, reload the page and send the form again."))

    def discard_session():
        # When the database went away during the request (PostgreSQL
        # restarted), even ROLLBACK fails on the dead connection: drop it.
        try:
            db.session.rollback()
        except DBAPIError:
            db.session().invalidate()

    @app.teardown_appcontext
    def drop_dead_connection(_exc):
        # Runs before Flask-SQLAlchemy's own teardown, whose ROLLBACK on a
        # dead connection would otherwise answer 500.
        discard_session()

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        discard_session()
        app.logger.warning("database unavailable: %s", error)
        def busy_page():
            return page(503, _("Please try again in a moment"),
                        _("The base's system is busy or restarting. Nothing was saved; try again shortly."))

        try:
            return busy_page()
        except DBAPIError:
            # The page itself needed the database (the signed-in person not
            # loaded yet): show it as to a visitor.
            from flask import g

            discard_session()
            g._login_user = login_manager.anonymous_user()
            return busy_page()

    @app.errorhandler(HTTPException)
    def http_error(error):
        messages = {
            400: (_("Something in the request was not right"), _("Please go back and try again.")),
            403: (_("This page is not for your role"),
                  _("Your account cannot open this page. If you think it should, ask the base's staff.")),
            404: (_("Page not found"), _("The address may be mistyped, or the page was removed.")),
            405: (_("That did not work"), _("Please go back and use the buttons on the page.")),
            413: (_("The file is too large"), _("Please choose a smaller file.")),
            429: (_("Too many attempts"), _("Please wait a few minutes before trying again.")),
        }
        title, message = messages.get(error.code, (_("Something went wrong"), _("Please try again.")))
        return page(error.code or 500, title, message)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("unexpected error")
        return page(500, _("Something went wrong on our side"),
                    _("Nothing you did caused this. The staff have been told; please try again later."))
