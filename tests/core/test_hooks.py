"""Every hook of the plugin contract, core's and the web side's, implemented by a test plugin and seen to work.

``test_every_hook_has_a_test`` fails when a hook is added without a test here,
``test_every_hook_is_documented`` when docs/plugins.md does not describe it.
"""
from __future__ import annotations

import inspect
import os
import re
from datetime import date, datetime

import click
import pytest
from flask import Blueprint

from core import hookspecs
from core.access.models import Role
from core.access.scope import Scope
from core.hookspecs import hookimpl
from core.hooktypes import ImportContext, Importer, JobSpec, MenuItem, Panel, Setting, SignalKind
from core.importing import ImportReport, read_table
from core.plugins import capabilities, migration_dirs, signal_kinds
from core.signals import record_signal
from web import hookspecs as web_hookspecs

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SPECS = {name: spec for module in (hookspecs, web_hookspecs)
         for name, spec in inspect.getmembers(module, inspect.isfunction) if name.startswith("duban_")}
HOOKS = sorted(SPECS)


class HookPlugin:
    """Implements every hook, recording what it was called with."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    @hookimpl
    def duban_signal_kinds(self):
        return [SignalKind("hooktest", "widgets", "Widgets", 1, "count")]

    @hookimpl
    def duban_source_labels(self):
        return {"hooktest": "Widget counter"}

    @hookimpl
    def duban_default_rules(self):
        return [{"id": "hooktest.many_widgets", "when": "widgets > 3", "points": 5, "reason": "Many widgets"}]

    @hookimpl
    def duban_signal_recorded(self, session, signal):
        self.seen.append(("signal", signal.ref))

    @hookimpl
    def duban_refs_held(self, session, channel, refs):
        self.seen.append(("refs", channel, len(refs)))
        return [ref for ref in refs if channel == "widget-line" and ref.startswith("W")]

    @hookimpl
    def duban_importers(self):
        def handler(session, data, filename, context: ImportContext) -> ImportReport:
            table = read_table(data, filename)
            self.seen.append(("import", len(table.rows)))
            return ImportReport(created=len(table.rows))

        return [Importer("widgets", "Widgets", handler, capability="units.manage")]

    @hookimpl
    def duban_migrations(self):
        return os.path.join(HERE, "fixtures", "no_revisions")

    @hookimpl
    def duban_capabilities(self):
        return {"widgets.view": frozenset({Role.unit_officer})}

    @hookimpl
    def duban_settings(self):
        return [Setting("hooktest", "shelves", 3, "Shelves", minimum=1), Setting("hooktest", "colour", "red", "Colour")]

    @hookimpl
    def duban_demo_data(self, session, today):
        self.seen.append(("demo", today))

    @hookimpl
    def duban_tick(self, session, now):
        self.seen.append(("tick", now))
        return ["ticked"]

    @hookimpl
    def duban_jobs(self):
        def count_widgets(runtime, shelf):
            self.seen.append(("job", shelf, runtime.plugins is not None))
            return f"{shelf}: 3 widgets"

        def dust_widgets(_runtime):
            self.seen.append(("dusted", None))
            return ["dusted"]

        return [JobSpec("hooktest_count", count_widgets, schedule="0 4 * * *"),
                JobSpec("hooktest_dust", dust_widgets, in_tick=True)]

    @hookimpl
    def duban_blueprints(self):
        bp = Blueprint("hooktest", __name__, url_prefix="/hooktest",
                       template_folder=os.path.join(HERE, "fixtures", "hookplugin_templates"))
        bp.add_url_rule("/", "index", lambda: "hello from a plugin")
        return [bp]

    @hookimpl
    def duban_menu_items(self, user):
        # Shown to the roles holding the plugin's own capability (duban_capabilities above).
        return [MenuItem("hooktest.index", "Widgets", order=1, capability="widgets.view")]

    @hookimpl
    def duban_public_links(self):
        return [MenuItem("hooktest.index", "Widgets for everyone", order=1)]

    @hookimpl
    def duban_matter_panels(self, session, matter, user):
        return [Panel("Widgets", "hookplugin/panel.html", {"text": f"matter {matter.code}"})]

    @hookimpl
    def duban_unit_panels(self, session, unit, user):
        return [Panel("Widgets", "hookplugin/panel.html", {"text": f"widgets of {unit.code}"})]

    @hookimpl
    def duban_cli_commands(self):
        @click.command("widgets")
        def widgets() -> None:
            click.echo("widgets: 3")

        return [widgets]

    @hookimpl
    def duban_api_routes(self):
        from core.apitypes import ApiRoute

        def widgets(request):
            return {"widgets": 3, "user": request.scope.user.username}

        return [ApiRoute("/hooktest/widgets", "GET", widgets, "Widgets.", "ledger.view", tag="hooktest")]


@pytest.fixture
def plugin():
    return HookPlugin()


@pytest.fixture
def app_config(plugin):
    return {"PLUGINS": [plugin]}


def test_every_hook_has_a_test():
    tested = {name[len("test_hook_"):] for name in globals() if name.startswith("test_hook_")}
    assert [hook for hook in HOOKS if hook not in tested] == []


def test_every_hook_is_documented():
    with open(os.path.join(ROOT, "docs", "plugins.md"), encoding="utf-8") as handle:
        doc = handle.read()
    missing = [hook for hook in HOOKS if not re.search(rf"^#+ `{hook}\(", doc, re.MULTILINE)]
    assert missing == []


def test_every_hookspec_has_a_docstring_and_types():
    for hook in HOOKS:
        spec = SPECS[hook]
        assert (spec.__doc__ or "").strip(), hook
        assert "return" in inspect.get_annotations(spec), hook


def test_web_hooks_are_specified_on_the_web_side_of_the_same_manager(app):
    pm = app.extensions["duban.plugins"]
    web_hooks = {name for name in SPECS if SPECS[name].__module__ == "web.hookspecs"}
    assert web_hooks == {"duban_blueprints", "duban_menu_items", "duban_public_links", "duban_cli_commands"}
    assert all(getattr(pm.hook, name).spec.namespace is web_hookspecs for name in web_hooks)
    assert not web_hooks & {name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)}
    assert [name for name in ("core.builtin", "web.builtin") if pm.has_plugin(name)] == ["core.builtin", "web.builtin"]


def test_hook_duban_signal_kinds(app):
    kinds = signal_kinds(app.extensions["duban.plugins"])
    assert SignalKind("hooktest", "widgets", "Widgets", 1, "count") in kinds


def test_hook_duban_source_labels(app):
    from core.plugins import source_labels

    labels = source_labels(app.extensions["duban.plugins"])
    assert labels["hooktest"] == "Widget counter"
    assert labels["audit"] != "audit" and labels["review"] != "review"  # a plugin's and core's own


def test_hook_duban_default_rules(app):
    rules = [rule for batch in app.extensions["duban.plugins"].hook.duban_default_rules() for rule in batch or ()]
    assert any(rule["id"] == "hooktest.many_widgets" for rule in rules)


def test_hook_duban_signal_recorded(app, db_session, org, plugin):
    record_signal(db_session, source="hooktest", kind="widgets", ref="w-1", unit_id=org.county_a1.id,
                  value=4, observed_on=date(2026, 11, 1))
    record_signal(db_session, source="hooktest", kind="widgets", ref="w-1", unit_id=org.county_a1.id,
                  value=4, observed_on=date(2026, 11, 1))  # unchanged: no second call
    assert plugin.seen == [("signal", "w-1")]


def test_hook_duban_refs_held(app, db_session, plugin):
    from core.plugins import REFS_CHUNK, refs_held

    pm = app.extensions["duban.plugins"]
    refs = [f"W{n}" for n in range(REFS_CHUNK + 5)] + ["X1", "W1"]
    held = refs_held(pm, db_session, "widget-line", refs)
    assert held == {f"W{n}" for n in range(REFS_CHUNK + 5)}
    assert [seen for seen in plugin.seen if seen[0] == "refs"] == [("refs", "widget-line", REFS_CHUNK),
                                                                  ("refs", "widget-line", 6)]
    assert refs_held(pm, db_session, "other-line", refs) == set()


def test_hook_duban_importers(runner, tmp_path, plugin):
    path = tmp_path / "widgets.csv"
    path.write_text("name\na\nb\n", encoding="utf-8")
    result = runner.invoke(args=["import", "widgets", str(path)])
    assert result.exit_code == 0, result.output
    assert plugin.seen == [("import", 2)]


def test_hook_duban_migrations(app):
    dirs = migration_dirs(app.extensions["duban.plugins"])
    assert dirs[0].endswith(os.path.join("core", "migrations", "versions"))
    assert os.path.join(HERE, "fixtures", "no_revisions") in dirs


def test_hook_duban_capabilities(app, db_session, org):
    officer = org.user("officer", Role.unit_officer, org.county_a1)
    assert Scope(db_session, officer, capabilities(app.extensions["duban.plugins"])).can("widgets.view")
    assert not Scope(db_session, officer).can("widgets.view")


def test_hook_duban_settings(database_url, tmp_path, plugin, monkeypatch):
    from tests.conftest import make_app
    from web.plugin_api import settings

    monkeypatch.setenv("DUBAN_HOOKTEST__SHELVES", "5")
    app = make_app(database_url, tmp_path, PLUGINS=[plugin])
    with app.app_context():
        assert dict(settings("hooktest")) == {"shelves": 5, "colour": "red"}


def test_hook_duban_demo_data(app, db_session, plugin):
    from core.demo import seed_demo

    seed_demo(db_session, app.extensions["duban.plugins"], date(2026, 11, 27))
    assert ("demo", date(2026, 11, 27)) in plugin.seen


def test_hook_duban_tick(app, db_session, plugin):
    now = datetime(2026, 11, 27, 8, 0)
    results = app.extensions["duban.plugins"].hook.duban_tick(session=db_session, now=now)
    assert ["ticked"] in results and ("tick", now) in plugin.seen


def test_hook_duban_jobs(app, runner, plugin):
    queue = app.extensions["duban.jobs"]
    periodic = {task.name: task for task in queue.huey._registry.periodic_tasks}
    assert periodic["hooktest_count.periodic"].validate_datetime(datetime(2026, 11, 27, 4, 0))
    assert "hooktest_dust.periodic" not in periodic  # no schedule: it runs when queued, and with duban tick
    queue.huey.flush()
    queue.enqueue("hooktest_count", "shelf 1")
    assert queue.huey.execute(queue.huey.dequeue()) == "shelf 1: 3 widgets"
    assert plugin.seen == [("job", "shelf 1", True)]
    result = runner.invoke(args=["tick", "--now", "2026-11-27T08:00:00+08:00"])
    assert "dusted" in result.output.splitlines() and ("dusted", None) in plugin.seen, result.output


def test_hook_duban_jobs_schedules_yield_to_the_configuration(database_url, tmp_path, plugin):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, PLUGINS=[plugin], JOB_SCHEDULES={"hooktest_count": ""})
    periodic = {task.name for task in app.extensions["duban.jobs"].huey._registry.periodic_tasks}
    assert "hooktest_count.periodic" not in periodic and "tick.periodic" in periodic
    assert "hooktest_count" in app.extensions["duban.jobs"].tasks
    app.extensions["duban.db"].dispose()


def test_hook_duban_blueprints(client):
    assert client.get("/hooktest/").get_data(as_text=True) == "hello from a plugin"


def test_hook_duban_menu_items(client, auth, org):
    org.user("officer", Role.unit_officer, org.county_a1)
    org.user("boss", Role.supervisor, org.province)
    auth.login("officer")
    assert 'href="/hooktest/"' in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("boss")
    assert 'href="/hooktest/"' not in client.get("/").get_data(as_text=True)


def test_hook_duban_public_links(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/hooktest/"' in page and "Widgets for everyone" in page


def test_hook_duban_matter_panels(app, db_session, org):
    from core.ledger.models import Matter, MatterKind

    matter = Matter(code="M-HOOK", title="t", kind=MatterKind.other, owner_unit_id=org.province.id)
    panels = app.extensions["duban.plugins"].hook.duban_matter_panels(session=db_session, matter=matter, user=None)
    assert [Panel("Widgets", "hookplugin/panel.html", {"text": "matter M-HOOK"})] in panels


def test_hook_duban_unit_panels(client, auth, org):
    org.user("boss", Role.supervisor, org.province)
    auth.login("boss")
    page = client.get(f"/units/{org.county_a1.id}").get_data(as_text=True)
    assert '<p class="hook-panel">widgets of A1</p>' in page


def test_hook_duban_cli_commands(runner):
    assert runner.invoke(args=["widgets"]).output == "widgets: 3\n"


def test_hook_duban_api_routes(client, db_session, org):
    from core.access.tokens import create_token_for

    _token, secret = create_token_for(db_session, org.user("officer", Role.unit_officer, org.county_a1))
    db_session.commit()
    response = client.get("/api/v1/hooktest/widgets", headers={"Authorization": f"Bearer {secret}"})
    assert response.get_json() == {"widgets": 3, "user": "officer"}
    assert "/api/v1/hooktest/widgets" in client.get("/api/v1/openapi.json").get_json()["paths"]
