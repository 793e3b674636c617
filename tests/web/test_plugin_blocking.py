"""Core runs with any source plugin blocked, and with all of them blocked."""
from __future__ import annotations

import pytest

from core.access.models import Role
from core.plugins import plugin_names
from tests.conftest import make_app

SOURCES = ["audit", "survey", "media_tips", "third_party_eval"]


def test_the_four_sources_register_through_entry_points(app):
    names = plugin_names(app.extensions["duban.plugins"])
    assert names[0] == "core.builtin"
    assert set(SOURCES) <= set(names)


@pytest.mark.parametrize("blocked", [[name] for name in SOURCES] + [SOURCES], ids=lambda b: "+".join(b))
def test_core_pages_work_with_plugins_blocked(database_url, connection, tmp_path, db_session, org, blocked):
    org.user("admin", Role.admin)
    org.user("officer", Role.unit_officer, org.county_a1)
    app = make_app(database_url, tmp_path, BLOCKED_PLUGINS=blocked)
    app.extensions["duban.db"].bind(connection)
    names = plugin_names(app.extensions["duban.plugins"])
    assert not set(blocked) & set(names)
    client = app.test_client()
    for username in ("admin", "officer"):
        login = client.post("/login", data={"username": username, "password": "correct-horse-battery"})
        assert login.status_code == 302
        home = client.get("/")
        assert home.status_code == 200
        for link in ("/units/", "/users/", "/audit/", "/imports/", f"/units/{org.county_a1.id}"):
            if username == "admin" or link == "/imports/":
                assert client.get(link).status_code == 200, (blocked, username, link)
        client.post("/logout")
    app.extensions["duban.db"].dispose()


def test_blocking_by_environment_variable(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("DUBAN_BLOCKED_PLUGINS", "survey,media_tips")
    app = make_app(database_url, tmp_path)
    names = plugin_names(app.extensions["duban.plugins"])
    assert "survey" not in names and "media_tips" not in names and "audit" in names
