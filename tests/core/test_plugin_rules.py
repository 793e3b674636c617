"""Each source plugin contributes default rules over its own signals, and they all load."""
from __future__ import annotations


from core.scoring.context import default_rules, load_context

SOURCES = ("audit", "survey", "media_tips", "third_party_eval")


def test_every_source_contributes_rules_that_load(app, db_session):
    pm = app.extensions["duban.plugins"]
    origins = {origin for origin, _rule in default_rules(pm)}
    assert set(SOURCES) <= origins
    context = load_context(db_session, pm, rules_text="", with_model=False)
    loaded = {rule.id for rule in context.rules.rules}
    assert context.rules.skipped == []
    for source in SOURCES:
        assert any(rule_id.startswith(source + ".") for rule_id in loaded), source


def test_a_blocked_plugin_takes_its_rules_with_it(database_url, connection, tmp_path, db_session):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, BLOCKED_PLUGINS=["survey"])
    app.extensions["duban.db"].bind(connection)
    context = load_context(db_session, app.extensions["duban.plugins"], rules_text="", with_model=False)
    assert not any(rule.id.startswith("survey.") for rule in context.rules.rules)
