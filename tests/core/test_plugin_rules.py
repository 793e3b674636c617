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


def test_every_default_rule_names_the_basis_of_its_threshold(app):
    from core.scoring.rules import CORE_RULES

    pm = app.extensions["duban.plugins"]
    rules = [rule for _origin, rule in default_rules(pm)] + CORE_RULES
    missing = [rule["id"] for rule in rules if not str(rule.get("basis", "")).strip()]
    assert missing == []


def test_an_instance_rule_may_name_its_basis():
    from core.scoring.catalogue import build_catalogue
    from core.scoring.rules import load_rules

    text = ('[[rule]]\nid = "late"\nwhen = "overdue_days > 90"\npoints = 40\nreason = "Late"\n'
            'basis = "Provincial notice on overdue tasks"\n')
    rules = load_rules(build_catalogue([]), (), text)
    assert rules.rules[0].basis == "Provincial notice on overdue tasks"
