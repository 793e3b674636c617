"""Which model pushes a task's reasons tell: only those a person can read as a reason to visit."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from core.scoring.catalogue import LEDGER_FEATURES, build_catalogue
from core.scoring.explain import render_reasons
from core.scoring.reasons import reasons_json
from core.scoring.rules import Rule


class _Table(SimpleNamespace):
    def __init__(self, names, values):
        super().__init__(names=names, values=values)

    def __len__(self) -> int:
        return len(self.values)


def _scores(rules, hits, names, inputs, pushes):
    """Scores of tasks whose model pushes are ``pushes`` on the inputs ``names`` (strongest first)."""
    inputs, pushes = np.array(inputs, dtype=float), np.array(pushes, dtype=float)
    top = np.tile(np.arange(len(names)), (len(inputs), 1))
    table = _Table(names, inputs)
    return SimpleNamespace(table=table, hits=SimpleNamespace(ruleset=SimpleNamespace(rules=rules),
                                                             hits=np.array(hits, dtype=bool).reshape(len(inputs), -1)),
                           top_features=top, inputs=inputs, contributions=pushes)


def _context(names):
    return SimpleNamespace(catalogue=build_catalogue([]), model=SimpleNamespace(names=names))


def _told(scores, names) -> list[list[str]]:
    return [[reason.get("name") or reason["id"] for reason in json.loads(text)]
            for text in reasons_json(scores, _context(names))]


def test_a_zero_count_is_never_told_as_raising_the_risk():
    names = ["past_problems", "urged_count"]
    scores = _scores([], [[], []], names, [[0, 2], [3, 2]], [[0.8, 0.3], [0.8, 0.3]])
    # The first task's push on "problems found before: 0" is what the model says, not a reason to visit.
    assert _told(scores, names) == [["urged_count"], ["past_problems", "urged_count"]]


def test_a_value_a_rule_already_says_is_not_said_again():
    overdue = Rule(id="ledger.overdue", when="overdue_days > 0", points=15,
                   reason="%(overdue_days)s days past the deadline", origin="core",
                   condition=None, features=frozenset({"overdue_days"}))  # the condition is not evaluated here
    names = ["overdue_days", "urged_count"]
    scores = _scores([overdue], [[True], [False]], names, [[20, 1], [20, 1]], [[0.9, 0.3], [0.9, 0.3]])
    assert _told(scores, names) == [["ledger.overdue", "urged_count"], ["overdue_days", "urged_count"]]


def test_a_stored_reason_with_a_missing_value_is_not_shown():
    days = next(feature for feature in LEDGER_FEATURES if feature.name == "days_since_review")
    stored = [{"type": "feature", "name": days.name, "label": days.label, "value": "—", "effect": 0.4},
              {"type": "feature", "name": "urged_count", "label": "Urging notices", "value": "2", "effect": 0.2}]
    assert render_reasons(stored, lambda text: text) == ["Urging notices: 2 (raises the risk)"]


def test_a_value_is_stored_as_it_is_shown_on_its_own_whatever_the_values_beside_it():
    """Values shown alike are shown once for a province: the text stays the one each value shows alone."""
    from core.scoring.catalogue import Feature
    from core.scoring.explain import shown_value
    from core.scoring.reasons import _shown_json

    values = np.array([0.5, 1.5, 2.5, -0.4, -0.0, 0.0, 0.004999, 0.005, 0.015, 0.025, 0.625, 1e9 + 0.5, 12345.67,
                       0.04, 0.4, 3.0000000001, np.nan, 7.0, 2.449, 2.45, 2.451])
    values = np.concatenate([values, values[::-1], np.random.default_rng(3).normal(0, 100, 2000)])
    for scale in ("share", "percent", "days", "count", "level", "flag", "yuan", "value", "0-100"):
        feature = Feature(name="x", label="X", scale=scale)
        assert [json.loads(text) for text in _shown_json(feature, values)] == [
            shown_value(feature, value) for value in values.tolist()]
    assert [json.loads(text) for text in _shown_json(None, values)] == [shown_value(None, v) for v in values.tolist()]


def test_an_effect_is_stored_as_python_writes_it_rounded_to_three_places():
    """Pushes that share their thousandths are written once; one on the edge of two is still rounded on its own."""
    from core.scoring.reasons import _effect_codes

    rng = np.random.default_rng(4)
    edges = np.arange(-3000, 3000) / 1000 + 0.0005
    pushes = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf), [0.0, -0.0, 1e15],
                             rng.normal(0, 1, 5000), np.round(rng.normal(0, 1, 5000), 4)])
    texts, index = _effect_codes(pushes)
    assert [texts[k] for k in index.tolist()] == [repr(round(push, 3)) for push in pushes.tolist()]
