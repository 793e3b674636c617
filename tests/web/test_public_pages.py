"""What every public page carries: its language in ``<html lang>``, an icon, and stylesheets, scripts and
images that answer (a broken link loses the page's look and logs an error in the browser)."""
from __future__ import annotations

import re

import pytest

from plugins.survey.service import create_survey
from tests.plugins.media_tips.conftest import form_token
from tests.plugins.survey.conftest import form_bytes

ASSET = re.compile(r'<(?:link[^>]*\brel="(?:stylesheet|icon)"[^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)="([^"]+)"')


@pytest.fixture
def public_pages(client, db_session, org) -> list[str]:
    survey = create_survey(db_session, form_bytes("demo"), owner_unit_id=org.city_a.id, publish=True)
    db_session.commit()
    filed = client.post("/tips/new", data={"text": "河东区路灯坏了三个月没人修", "region": "990102",
                                           "category": "other", "form_token": form_token(client)},
                        content_type="multipart/form-data")
    return ["/login", "/tips/new", "/tips/status", filed.headers["Location"], "/cases/", f"/s/{survey.slug}",
            f"/s/{survey.slug}/thanks"]


def test_every_stylesheet_script_and_image_of_a_public_page_answers(client, public_pages):
    checked = set()
    for path in public_pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assets = ASSET.findall(page.get_data(as_text=True))
        assert any(asset.endswith(".css") for asset in assets), path
        for asset in assets:
            if asset not in checked:
                assert client.get(asset).status_code == 200, f"{asset} on {path}"
                checked.add(asset)
    assert "/tips/static/media_tips/tips.css" in checked


def test_the_tips_pages_link_their_own_stylesheet(client, org):
    assert "/tips/static/media_tips/tips.css" in ASSET.findall(client.get("/tips/new").get_data(as_text=True))


@pytest.mark.parametrize("language, expected", [("zh_CN", "zh-CN"), ("en", "en")])
def test_a_page_says_the_language_it_is_written_in(client, public_pages, language, expected):
    client.post("/lang", data={"lang": language, "next": "/login"})
    for path in public_pages:
        page = client.get(path).get_data(as_text=True)
        assert f'<html lang="{expected}">' in page, path
    current = re.search(r'class="link current"[^>]*>([^<]+)<', client.get("/login").get_data(as_text=True))
    assert current is not None and current.group(1) == {"zh_CN": "中文", "en": "English"}[language]


def test_the_site_has_an_icon(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
