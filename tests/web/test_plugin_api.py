"""``web.plugin_api``, the surface plugins are written against: its names pinned, each documented in
docs/plugins.md, and each wrapper seen to work the way a plugin uses it."""
from __future__ import annotations

import inspect
import logging
import os
import re

import click
import pytest
from flask import Blueprint
from flask.cli import with_appcontext

from core.access.models import Role
from core.hookspecs import hookimpl
from core.hooktypes import Setting
from core.i18n import message
from web import plugin_api
from web.plugin_api import (
    capability_required,
    csrf_exempt,
    fail,
    logger,
    rate_limit,
    request_scope,
    request_session,
    say,
    settings,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Adding, removing or renaming a name changes what every plugin may rely on: change this list, the
# plugins and docs/plugins.md together.
SURFACE = [
    "ActionForm",
    "FormToken",
    "FormTokenRejected",
    "HappenedOn",
    "UploadForm",
    "capability_required",
    "check_upload",
    "cli_gettext",
    "confirm_upload",
    "count_request",
    "counts_itself",
    "csrf_exempt",
    "database",
    "error_report_csv",
    "fail",
    "issue_form_token",
    "logger",
    "plugin_manager",
    "public_rate_limit",
    "rate_limit",
    "read_form_token",
    "remember",
    "remembered",
    "render_message",
    "request_scope",
    "request_session",
    "say",
    "sent_earlier",
    "sent_result",
    "settings",
    "speaks_accept_language",
    "submit_once",
]


def test_the_surface_is_pinned():
    assert plugin_api.__all__ == SURFACE


def test_every_name_is_there_with_a_docstring_and_a_place_in_the_plugin_guide():
    with open(os.path.join(ROOT, "docs", "plugins.md"), encoding="utf-8") as handle:
        guide = handle.read()
    undocumented = [name for name in SURFACE if not inspect.getdoc(getattr(plugin_api, name))]
    missing = [name for name in SURFACE if not re.search(rf"^(#+ |\| )`{name}\b", guide, re.MULTILINE)]
    assert (undocumented, missing) == ([], [])


class ApiPlugin:
    """A plugin using the web API as the built-in sources do."""

    @hookimpl
    def duban_capabilities(self):
        return {"apitest.view": frozenset({Role.supervisor})}

    @hookimpl
    def duban_settings(self):
        return [Setting("apitest", "greeting", "hello", "Greeting")]

    @hookimpl
    def duban_blueprints(self):
        bp = Blueprint("apitest", __name__, url_prefix="/apitest")

        @bp.route("/limited", methods=["GET", "POST"])
        @rate_limit(methods=["POST"])
        def limited():
            return "ok"

        @bp.post("/exempt")
        @csrf_exempt
        def exempt():
            return "taken"

        @bp.post("/guarded")
        def guarded():
            return "taken"

        @bp.get("/who")
        @capability_required("apitest.view")
        def who():
            scope = request_scope()
            return f"{scope.user.username} {scope.session is request_session()} {settings('apitest')['greeting']}"

        return [bp]

    @hookimpl
    def duban_cli_commands(self):
        @click.command("apitest")
        @click.option("--fail", "failing", is_flag=True)
        @with_appcontext
        def apitest(failing):
            if failing:
                fail(message("Not found."), code=3)
            click.echo(say(message("Not found.")))

        return [apitest]


@pytest.fixture
def app_config():
    return {"PLUGINS": [ApiPlugin()], "PUBLIC_RATE_LIMIT": "2 per minute",
            "PLUGIN_SETTINGS": {"apitest": {"greeting": "ni hao"}}}


def test_rate_limit_counts_the_methods_named_against_the_public_limit(client):
    assert [client.get("/apitest/limited").status_code for _ in range(3)] == [200] * 3
    assert [client.post("/apitest/limited").status_code for _ in range(3)] == [200, 200, 429]


def test_csrf_exempt_lets_only_that_view_take_posts_without_the_token(client):
    assert client.post("/apitest/exempt", csrf=False).status_code == 200
    assert client.post("/apitest/guarded", csrf=False).status_code == 400


def test_the_request_session_scope_capability_and_settings(client, auth, org):
    org.user("sup", Role.supervisor, org.city_a)
    org.user("officer", Role.unit_officer, org.county_a1)
    assert client.get("/apitest/who").status_code == 302  # to the login page
    auth.login("officer")
    assert client.get("/apitest/who").status_code == 403
    auth.logout()
    auth.login("sup")
    assert client.get("/apitest/who").get_data(as_text=True) == "sup True ni hao"


def test_command_line_output_speaks_duban_lang(runner):
    assert runner.invoke(args=["apitest"]).output == "未找到。\n"
    assert runner.invoke(args=["apitest"], env={"DUBAN_LANG": "en"}).output == "Not found.\n"
    failed = runner.invoke(args=["apitest", "--fail"], env={"DUBAN_LANG": "en"})
    assert failed.exit_code == 3 and "Not found." in failed.output


def test_settings_of_a_plugin_that_declares_none_are_empty(app):
    with app.app_context():
        assert dict(settings("nothing_declared")) == {}


def test_each_plugin_logs_under_duban(caplog):
    caplog.set_level(logging.INFO, logger="duban")
    logger("apitest").info("polled")
    assert [(record.name, record.getMessage()) for record in caplog.records] == [("duban.apitest", "polled")]
    with pytest.raises(ValueError):
        logger("Api Test")
