"""The bases page of the admin: adding and editing a base."""

import re

from sqlalchemy import select

from incubator.extensions import db
from incubator.sites.models import Site
from tests.conftest import login, post
from tests.factories import make_user


def base_form(**changes) -> dict:
    return {"name": "江北新区直播基地", "address": "", "contact_phone": "", "timezone": "Asia/Shanghai",
            "description": ""} | changes


def test_the_time_zone_is_typed_with_the_zones_to_choose_from(client):
    login(client, make_user("admin", locale="en"))
    page = client.get("/admin/sites/new").get_data(as_text=True)
    zone_input = re.search(r'<input[^>]*name="timezone"[^>]*>', page).group(0)
    assert 'list="timezone-zones"' in zone_input and 'value="Asia/Shanghai"' in zone_input
    zones = re.search(r'<datalist id="timezone-zones">(.*?)</datalist>', page, re.S).group(1)
    assert '<option value="Asia/Shanghai">' in zones and '<option value="Asia/Urumqi">' in zones
    assert "Beijing time is Asia/Shanghai" in page


def test_a_zone_not_in_the_list_is_refused_and_one_from_it_is_saved(client):
    login(client, make_user("admin", locale="en"))
    refused = post(client, "/admin/sites/new", base_form(timezone="Beijing"))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Choose a time zone from the list." in html and '<datalist id="timezone-zones">' in html
    assert db.session.scalar(select(Site).where(Site.name == "江北新区直播基地")) is None
    assert post(client, "/admin/sites/new", base_form(timezone=" Asia/Urumqi ")).status_code == 303
    assert db.session.scalar(select(Site.timezone).where(Site.name == "江北新区直播基地")) == "Asia/Urumqi"
