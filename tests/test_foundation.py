"""The shared machinery: language, error pages, headers, migrations, markup rules."""

import gzip
import hashlib
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from markupsafe import escape
from sqlalchemy import create_engine

from incubator import PROJECT_ROOT, create_app
from incubator.extensions import db
from incubator.translations import missing_translations
from tests.conftest import login, post
from tests.factories import make_user

TEMPLATES = PROJECT_ROOT / "templates"


def test_front_page_is_chinese_by_default_and_english_when_the_browser_asks(client):
    assert "在家门口学直播带货" in client.get("/").get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Learn to sell by livestream" in english
    assert '<html lang="en">' in english


def test_language_switch_is_remembered(client):
    post(client, "/language", {"locale": "en"})
    assert "Learn to sell by livestream" in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)


def test_language_switch_returns_to_the_page_and_refuses_elsewhere(client):
    assert post(client, "/language?next=/privacy", {"locale": "en"}).headers["Location"] == "/privacy"
    assert post(client, "/language?next=//evil.example", {"locale": "en"}).headers["Location"] == "/"
    assert post(client, "/language", {"locale": "fr"}).status_code == 400


def test_a_signed_in_persons_language_follows_her_account(client):
    login(client, make_user(locale="en"))
    assert "Hello" in client.get("/home", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_an_account_language_saved_in_an_older_spelling_still_shows_chinese(client):
    login(client, make_user(locale="zh_CN"))
    html = client.get("/home", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html


def test_template_addresses_are_the_ones_flask_builds(app):
    """Templates' url_for remembers addresses (incubator/urls.py): each must
    be what Flask builds, for every endpoint, value and type of value."""
    from flask import render_template_string, url_for

    cases = [("pages.privacy", {}), ("static", {"filename": "css/app.css", "v": "1"}),
             ("pages.set_language", {"next": "/a?b=1"}), ("pages.set_language", {"next": "/a?b=2"}),
             ("pages.set_language", {"next": True}), ("pages.set_language", {"next": 1}),
             ("pages.privacy", {"_anchor": "top"}), ("pages.privacy", {"_external": True}),
             ("pages.set_language", {"next": "/", "b": 2}), ("pages.set_language", {"b": 2, "next": "/"})]
    with app.test_request_context("/"):
        for endpoint, values in cases * 2:  # the second time from what was remembered
            drawn = render_template_string("{{ url_for(endpoint, **values) }}", endpoint=endpoint, values=values)
            assert drawn == str(escape(url_for(endpoint, **values))), (endpoint, values)
    with app.test_request_context("/", base_url="http://localhost/incubator/"):
        drawn = render_template_string("{{ url_for('pages.privacy') }}")
        assert drawn == "/incubator/privacy", "an application mounted elsewhere gets its own addresses"


def test_dates_and_times_follow_the_readers_language_and_the_bases_zone(app):
    """The filters remember what they formatted (incubator/filters.py): per
    language and zone, never one reader's for another."""
    from datetime import date, datetime

    from flask import render_template_string

    line = "{{ day|date }} {{ at|time }} {{ at|datetime('short') }}"
    values = {"day": date(2026, 3, 8), "at": datetime(2026, 3, 8, 1, 30)}  # 09:30 in Shanghai
    for _ in range(2):  # the second time from what was remembered
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
            chinese = render_template_string(line, **values)
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
            english = render_template_string(line, **values)
        assert chinese.startswith("2026年3月8日 09:30"), chinese
        assert english.startswith("Mar 8, 2026 09:30"), english


def test_templates_follow_a_forced_language_and_come_back(app):
    """Templates find their catalogue once per language (incubator/i18n.py);
    a message drawn in the recipient's language must still switch and switch back."""
    from flask import render_template_string
    from flask_babel import force_locale

    line = "{{ _('Programmes') }} {{ ngettext('%(num)s place left', '%(num)s places left', 3) }}"
    # Each request in its own app context, as in production (the tests' shared one would keep `g`).
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert render_template_string(line) == "培训项目 剩 3 个名额"
        with force_locale("en"):
            assert render_template_string(line) == "Programmes 3 places left"
        assert render_template_string(line) == "培训项目 剩 3 个名额"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(line) == "Programmes 3 places left"


def test_every_string_marked_for_translation_has_a_zh_cn_translation():
    missing = missing_translations()
    assert not missing, "strings without zh_CN translation:\n" + "\n".join(f"{c}: {m}" for c, m in missing)


def test_no_string_is_translated_two_ways_in_two_catalogues():
    from incubator.translations import conflicting_translations

    clashes = conflicting_translations()
    assert not clashes, "\n".join(f"{msgid!r}: {places}" for msgid, places in clashes)


def test_friendly_404_in_both_languages(client):
    zh = client.get("/no-such-page")
    en = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 404
    assert "找不到页面" in zh.get_data(as_text=True)
    assert "Page not found" in en.get_data(as_text=True)


def test_an_unexpected_error_is_a_friendly_500_without_a_stack_trace(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})

    @app.route("/_boom")
    def _boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html and "secret internals" not in html


def test_security_headers(client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_httponly_and_lax(client):
    user = make_user()
    response = login(client, user)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secret_key_is_required_outside_development(monkeypatch):
    monkeypatch.setenv("INCUBATOR_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


def test_no_template_uses_inline_script_style_or_hx_on():
    offenders = []
    for path in _templates():
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)", r"\sstyle=", r"<style", r"\shx-on", r"javascript:"):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}: {pattern}")
    assert not offenders, offenders


def test_no_page_loads_anything_from_another_host():
    offenders = [str(p) for p in _templates() if re.search(r'(src|href)="(https?:)?//', p.read_text())]
    assert not offenders


def test_vendored_files_match_their_recorded_checksums():
    vendor = PROJECT_ROOT / "static" / "vendor"
    for checksum_file in vendor.glob("*.sha256"):
        expected, name = checksum_file.read_text().split()
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == expected, name
    assert "htmx 2.0.11" in (vendor / "htmx-2.0.11.min.js").read_text()[:20000] or \
        (vendor / "htmx-2.0.11.min.js").exists()


def test_migrations_build_the_schema_the_models_describe(database_url, tmp_path, is_postgres):
    """flask db upgrade on an empty database gives exactly the models' schema."""
    if is_postgres:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        url = make_url(database_url)
        fresh = url.set(database=f"{url.database}_migrations")
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}"'))
            conn.execute(text(f'CREATE DATABASE "{fresh.database}"'))
        target = fresh.render_as_string(hide_password=False)
    else:
        target = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": target, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    if is_postgres:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
    assert not differences, f"models and migrations disagree: {differences}"


def test_readme_lists_the_demo_accounts():
    from incubator.accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE

    readme = Path(PROJECT_ROOT / "README.md").read_text()
    assert DEMO_PASSWORD in readme
    for key in ("admin", "staff", "mentor", "shop_owner", "trainee"):
        assert DEMO_PEOPLE[key][0] in readme


def test_static_files_have_versioned_addresses_and_long_cache(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{10})"', html)
    assert css, "the stylesheet address carries a content hash"
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_static_files_go_gzipped_to_browsers_that_accept_it(client):
    html = client.get("/").get_data(as_text=True)
    for address in re.findall(r'(?:src|href)="(/static/[^"]+\.(?:css|js)[^"]*)"', html):
        plain = client.get(address)
        sent = client.get(address, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert sent.headers.get("Content-Encoding") == "gzip", address
        assert gzip.decompress(sent.get_data()) == plain.get_data()
        assert "Accept-Encoding" in sent.headers["Vary"]
        assert sent.headers["X-Content-Type-Options"] == "nosniff"


def test_gzip_copies_follow_their_files(tmp_path):
    import os

    from incubator.static_files import write_gzip_copies

    style = tmp_path / "css" / "app.css"
    style.parent.mkdir()
    style.write_text("body { color: black; }\n" * 50)
    (tmp_path / "logo.png").write_bytes(b"\x89PNG" * 100)
    write_gzip_copies(tmp_path)
    copy = tmp_path / "css" / "app.css.gz"
    assert gzip.decompress(copy.read_bytes()) == style.read_bytes()
    assert not (tmp_path / "logo.png.gz").exists(), "images are compressed already"
    style.write_text("body { color: navy; }\n" * 50)
    os.utime(style, (copy.stat().st_mtime + 5,) * 2)  # edited after its copy was made
    write_gzip_copies(tmp_path)
    assert gzip.decompress(copy.read_bytes()) == style.read_bytes(), "an edited file gets a new copy"
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"


def test_first_load_of_the_front_page_is_under_100_kb(client):
    """What a phone downloads on its first visit, as this server sends it."""
    browser = {"Accept-Encoding": "gzip, deflate, br"}
    html = client.get("/", headers=browser).get_data()
    total = len(html)
    for address in re.findall(r'(?:src|href)="(/static/[^"]+)"', html.decode()):
        total += len(client.get(address, headers=browser).get_data())
    assert total < 100 * 1024, f"first load is {total} bytes"


def test_choices_written_as_pairs_reach_wtforms_as_select_choices(app):
    """The areas write choices as (value, label) pairs, declared or set in a
    view; WTForms 3.3 deprecates pairs and 3.4 removes them. The project's
    fields hand WTForms SelectChoice, and the select still shows them."""
    from wtforms.fields.choices import SelectChoice

    from incubator.forms import Form, SelectField

    class Pick(Form):
        kind = SelectField("Kind", choices=[("studio", "Studio"), ("equipment", "Equipment")])
        later = SelectField("Later", coerce=int, choices=lambda: [(1, "One")])

    with app.test_request_context():
        form = Pick(meta={"csrf": False}, formdata=None, kind="equipment")
        form.later.choices = [(0, "None"), (2, "Two")]
        assert all(isinstance(c, SelectChoice) for c in form.kind.choices + form.later.choices)
        html = str(form.kind())
        assert '<option selected value="equipment">Equipment</option>' in html
        assert '<option value="studio">Studio</option>' in html
