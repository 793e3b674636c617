"""The Plugins page: administrators read each plugin's settings as the instance has them, and where each
value came from; secret values never reach the page; nobody else sees it."""
from __future__ import annotations

from typing import Any

import pytest

from core.access.models import Role
from core.hookspecs import hookimpl
from core.hooktypes import Setting


class KeyedPlugin:
    @hookimpl
    def duban_settings(self):
        return [Setting("keyed", "api_key", "", "API key", secret=True)]


@pytest.fixture
def app_config(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.toml").write_text('[plugins.survey]\nmax_reminders = 3\n\n'
                                          '[plugins.keyed]\napi_key = "s3cr3t-value"\n', encoding="utf-8")
    monkeypatch.setenv("DUBAN_MEDIA_TIPS__FEED_TIMEOUT_SECONDS", "20")
    return {"PLUGINS": [KeyedPlugin()]}


@pytest.fixture
def people(org):
    org.user("root", Role.admin)
    org.user("sup", Role.supervisor, org.city_a)
    return org


def test_administrators_read_each_setting_its_value_and_its_source(client, auth, people):
    auth.login("root")
    page = client.get("/plugins/").get_data(as_text=True)
    survey = page[page.index('id="settings-survey"'):]
    survey = survey[:survey.index("</section>")]
    assert "max_reminders" in survey and "<code>3</code>" in survey and "<code>2</code>" in survey
    assert "DUBAN_SURVEY__MAX_REMINDERS" in survey and "config.toml" in survey
    assert "每位受邀者的提醒次数" in survey  # the plugin's own label, in its catalogue
    tips = page[page.index('id="settings-media_tips"'):]
    assert "<code>20</code>" in tips[:tips.index("</section>")] and "环境变量" in tips
    keyed = page[page.index('id="settings-keyed"'):]
    assert "s3cr3t-value" not in page and "（已隐藏）" in keyed
    assert "survey" in page[page.index('id="plugins-loaded"'):]

    client.post("/lang", data={"lang": "en", "next": "/plugins/"})
    english = client.get("/plugins/").get_data(as_text=True)
    assert "Reminders per invitee" in english and "environment variable" in english


def test_only_administrators_see_the_page_or_its_menu_entry(client, auth, people):
    auth.login("sup")
    assert client.get("/plugins/").status_code == 403
    assert 'href="/plugins/"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("root")
    assert 'href="/plugins/"' in client.get("/").get_data(as_text=True)
