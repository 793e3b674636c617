"""Rule files: defaults, overrides, refusals with the position of the mistake."""
from __future__ import annotations

import numpy as np
import pytest

from core.hooktypes import SignalKind
from core.scoring.catalogue import build_catalogue
from core.scoring.features import FeatureTable
from core.scoring.rules import CORE_RULES, RuleError, load_rules

CATALOGUE = build_catalogue([SignalKind("survey", "not_delivered", "Share reporting non-delivery", 1, "share")])
DEFAULTS = [("core", rule) for rule in CORE_RULES]


def table(**columns: list[float]) -> FeatureTable:
    n = len(next(iter(columns.values())))
    values = np.full((n, len(CATALOGUE.names)), np.nan)
    for name, column in columns.items():
        values[:, CATALOGUE.index(name)] = column
    ids = np.arange(1, n + 1)
    return FeatureTable(ids, ids, ids, CATALOGUE.names, values)


def test_core_rules_give_points_and_readable_reasons():
    rules = load_rules(CATALOGUE, DEFAULTS)
    hits = rules.evaluate(table(overdue_days=[45, 0], returned_count=[2, 0]))
    assert hits.points.tolist() == [50.0, 0.0]
    assert [rule.id for rule in hits.top(0)] == ["ledger.long_overdue", "ledger.returned"]


def test_the_instance_file_overrides_and_switches_off_defaults():
    text = """
[[rule]]
id = "ledger.long_overdue"
when = "overdue_days > 60"
points = 40
reason = "%(overdue_days)s days late"

[[rule]]
id = "ledger.returned"
enabled = false

[[rule]]
id = "survey.contradiction"
when = "reported_done and survey.not_delivered >= 0.5"
points = 35
reason = "Reported done, but %(survey.not_delivered)s say it never arrived"
"""
    rules = load_rules(CATALOGUE, DEFAULTS, text)
    by_id = {rule.id: rule for rule in rules.rules}
    assert by_id["ledger.long_overdue"].points == 40 and by_id["ledger.long_overdue"].origin == "instance"
    assert "ledger.returned" not in by_id
    hits = rules.evaluate(table(reported_done=[1, 1], **{"survey.not_delivered": [0.62, 0.1]}))
    assert hits.points.tolist() == [35.0, 0.0]
    assert hits.outside_points.tolist() == [35.0, 0.0]


def test_a_condition_with_a_syntax_error_is_refused_with_rule_and_column():
    text = '[[rule]]\nid = "late"\nwhen = "overdue_days >> 3"\npoints = 10\nreason = "late"\n'
    with pytest.raises(RuleError) as caught:
        load_rules(CATALOGUE, DEFAULTS, text)
    assert caught.value.column == 15
    assert "late" in str(caught.value.message) and "column 15" in str(caught.value.message)


def test_an_unknown_feature_is_refused_with_its_position():
    text = '[[rule]]\nid = "audit"\nwhen = "audit.severe_findings > 0"\npoints = 10\nreason = "x"\n'
    with pytest.raises(RuleError) as caught:
        load_rules(CATALOGUE, DEFAULTS, text)
    assert caught.value.column == 1
    assert "audit.severe_findings" in str(caught.value.message)


def test_a_toml_mistake_is_refused_with_its_line():
    with pytest.raises(RuleError) as caught:
        load_rules(CATALOGUE, DEFAULTS, '[[rule]]\nid = "x\n')
    assert "line 2" in str(caught.value.message)


def test_a_reason_naming_an_unknown_feature_is_refused():
    text = '[[rule]]\nid = "x"\nwhen = "overdue_days > 0"\npoints = 1\nreason = "%(overdue)s days"\n'
    with pytest.raises(RuleError) as caught:
        load_rules(CATALOGUE, DEFAULTS, text)
    assert "overdue" in str(caught.value.message)


def test_a_plugin_default_naming_a_blocked_plugins_feature_is_skipped_not_fatal():
    defaults = DEFAULTS + [("audit", {"id": "audit.severe", "when": "audit.severe_findings > 0", "points": 20,
                                      "reason": "Severe findings"})]
    rules = load_rules(CATALOGUE, defaults)
    assert "audit.severe" not in {rule.id for rule in rules.rules}
    assert [rule_id for rule_id, _msg in rules.skipped] == ["audit.severe"]


def test_a_reason_is_filled_in_with_features_its_condition_does_not_read():
    from types import SimpleNamespace

    from core.scoring.explain import render_reasons
    from core.scoring.rescore import Scores

    text = ('[[rule]]\nid = "late"\nwhen = "overdue_days > 0"\npoints = 10\n'
            'reason = "%(overdue_days)s days late, sent back %(returned_count)s times"\n')
    rules = load_rules(CATALOGUE, (), text)
    data = table(overdue_days=[12.0], returned_count=[3.0])
    scores = Scores(data, rules.evaluate(data), np.zeros(1), np.ones(1), np.zeros(1), "rules", None)
    reasons = scores.reasons(0, SimpleNamespace(catalogue=CATALOGUE, model=None))
    assert render_reasons(reasons, lambda msgid: msgid) == ["12 days late, sent back 3 times"]


@pytest.mark.parametrize("text", ['[queue]\norder = "biggest_first"\n', '[queue]\norder = "likelihood"\nimpact = 2\n',
                                  '[weights]\nx = 1\n'])
def test_a_queue_table_sets_only_a_known_order(text):
    with pytest.raises(RuleError):
        load_rules(CATALOGUE, DEFAULTS, text)


def test_the_queue_order_defaults_to_likelihood_and_the_file_can_set_expected_harm():
    assert load_rules(CATALOGUE, DEFAULTS).order == "likelihood"
    assert not load_rules(CATALOGUE, DEFAULTS).weighs_impact
    assert load_rules(CATALOGUE, DEFAULTS, '[queue]\norder = "expected_harm"\n').weighs_impact
