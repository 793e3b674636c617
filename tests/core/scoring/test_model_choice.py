"""The model is chosen on forward validation; a simple ranking that beats the fitted models ranks instead."""
from __future__ import annotations

import numpy as np

from core.scoring.catalogue import DERIVED_FEATURES
from core.scoring.model import (
    LOGISTIC,
    STRENGTHS,
    LogisticRanker,
    TrainedModel,
    auc,
    candidates,
    choose,
    fit,
    model_inputs,
    selection_weights,
)


def _names(m: int) -> list[str]:
    return [f"f{j}" for j in range(m)] + ["rule_points", "outside_points", "contradiction"]


def test_a_single_feature_that_ranks_better_than_the_fitted_models_is_used_and_said_so():
    rng = np.random.default_rng(1)
    n, m = 400, 40
    x = rng.normal(size=(n, m + 3))
    # The twelfth input matters throughout, in the lowering direction. Five others told the outcome one
    # way in the early reviews and the other way later (a source that turned its scale round): every
    # model fitted on all inputs leans on them and loses on the later reviews; the single input does not.
    y = (-x[:, 12] + rng.normal(0, 0.6, n) > 0.8).astype(int)
    turned = np.where(np.arange(n) < n // 2, 1.0, -1.0)[:, None]
    x[:, :5] += turned * (2 * y[:, None] - 1)
    model = fit(x, y, _names(m), np.arange(n), budget=20)
    assert model.metrics["model"] == "feature:f12"
    assert model.metrics["guardrail"] is True
    assert model.metrics["best_fitted"] in {c.name for c in candidates(_names(m)) if c.kind == "fitted"}
    # The chosen ranking orders the queue: a lower f12 means a likelier problem.
    probe = np.zeros((2, m + 3))
    probe[0, 12], probe[1, 12] = -2.0, 2.0
    p = model.predict(probe)
    assert p[0] > p[1]
    # Reasons still come from the logistic model over every input.
    assert model.metrics["explained_by"] == LOGISTIC
    assert model.contributions(probe).shape == (2, m + 3)


def test_a_combination_of_inputs_beats_every_single_one_and_the_fitted_model_ranks():
    rng = np.random.default_rng(2)
    n = 500
    x = rng.normal(size=(n, 8))
    y = (x[:, 0] + x[:, 1] + x[:, 2] + x[:, 3] + rng.normal(0, 0.5, n) > 1.0).astype(int)
    model = fit(x, y, _names(5), np.arange(n), budget=20)
    assert model.metrics["guardrail"] is False
    assert model.metrics["model"] in {c.name for c in candidates(_names(5)) if c.kind == "fitted"}
    chosen = model.metrics["candidates"][model.metrics["model"]]["auc"]
    best_single = max(v["auc"] for k, v in model.metrics["candidates"].items() if k.startswith("feature:"))
    assert chosen > best_single + 0.05
    restored = TrainedModel.load(model.dump())
    assert np.allclose(restored.predict(x[:5]), model.predict(x[:5]))


def test_inverse_probability_weights_are_capped_and_average_one():
    weights = selection_weights(np.array([1.0, 0.5, 1 / 300, np.nan, 0.02]), 5)
    assert abs(weights.mean() - 1) < 1e-9
    raw = weights / weights[0]  # relative to a visit certain to be made
    assert np.allclose(raw, [1, 2, 10, 1, 10])
    assert np.all(selection_weights(None, 3) == 1)


def test_auc_counts_ties_as_half_and_matches_the_definition():
    y = np.array([0, 0, 1, 1, 0, 1])
    score = np.array([0.1, 0.4, 0.35, 0.8, 0.8, 0.9])
    pairs = [(i, j) for i in range(6) for j in range(6) if y[i] == 1 and y[j] == 0]
    expected = np.mean([1.0 if score[i] > score[j] else 0.5 if score[i] == score[j] else 0.0 for i, j in pairs])
    assert abs(auc(y, score) - expected) < 1e-12


def test_a_lead_within_the_folds_scatter_does_not_replace_the_holder():
    from core.scoring.model import _beats

    holder = [0.70, 0.70, 0.70, 0.70]
    assert _beats([0.75, 0.76, 0.74, 0.75], holder)  # a steady lead
    assert not _beats([0.705, 0.71, 0.70, 0.705], holder)  # steady, but within the margin
    assert not _beats([0.85, 0.60, 0.82, 0.62], holder)  # ahead on average, by luck of two folds
    assert not _beats([], [])


def test_a_single_feature_ranking_gives_probabilities_on_the_outcomes_scale_and_keeps_its_order():
    """A score of about 74 must not read as a probability of 0 (nor its ranking change)."""
    from core.scoring.model import SingleFeatureRanking

    rng = np.random.default_rng(3)
    n = 600
    score = rng.normal(74, 9, n)
    y = (score + rng.normal(0, 8, n) < 66).astype(int)  # low scores: problems, about one in five
    x = score[:, None]
    ranking = SingleFeatureRanking(0).fit(x[:400], y[:400])
    p = ranking.predict_proba(x[400:])[:, 1]
    assert abs(p.mean() - y[400:].mean()) < 0.06
    assert np.array_equal(np.argsort(-p, kind="stable"), np.argsort(score[400:], kind="stable"))
    lowest, highest = p[np.argmin(score[400:])], p[np.argmax(score[400:])]
    assert lowest > 0.5 > 0.05 > highest
    # Missing values rank in the middle; one class only gives the base rate.
    assert 0 < SingleFeatureRanking(0).fit(x[:400], y[:400]).predict_proba(np.array([[np.nan]]))[0, 1] < 1
    flat = SingleFeatureRanking(0).fit(x[:50], np.zeros(50, dtype=int)).predict_proba(x[:3])[:, 1]
    assert np.all(flat < 0.01)


def test_the_sparse_logistic_regression_chooses_its_strength_on_the_outcomes_it_is_given():
    rng = np.random.default_rng(5)
    n = 300
    x = rng.normal(size=(n, 12))
    noise = (rng.random(n) < 0.3).astype(int)  # nothing in the inputs tells these outcomes
    told = (x[:, 0] - x[:, 1] + rng.normal(0, 0.3, n) > 0.5).astype(int)  # two inputs tell these almost fully
    strength = {}
    for name, y in (("noise", noise), ("told", told)):
        model = LogisticRanker(None, None, "l1").fit(x, y)
        strength[name] = model.pipeline_.steps[-1][1].C_
        assert strength[name] in STRENGTHS
    assert strength["noise"] < strength["told"]
    # Held fixed when given; too few outcomes of one kind to cross-validate fall back to the default.
    assert LogisticRanker(None, 0.3, "l1").fit(x, told).pipeline_.steps[-1][1].C == 0.3
    few = np.zeros(n, dtype=int)
    few[:1] = 1
    assert LogisticRanker(None, None, "l1").fit(x, few).pipeline_.steps[-1][1].C == 0.1


def test_the_model_reads_what_sources_saw_not_how_often_or_how_lately_they_looked():
    names = ["overdue_days", "importance", "audit.open_findings", "inspectorate.rating", "inspectorate.rating.mean",
             "inspectorate.rating.unit_min", "inspectorate.rating.count", "inspectorate.rating.days_since",
             "inspectorate.rating.trend"]
    inputs = model_inputs(names)
    assert inputs[:5] == ["overdue_days", "audit.open_findings", "inspectorate.rating", "inspectorate.rating.mean",
                          "inspectorate.rating.unit_min"]
    assert not {"importance", "inspectorate.rating.count", "inspectorate.rating.days_since",
                "inspectorate.rating.trend"} & set(inputs)
    assert inputs[5:] == [feature.name for feature in DERIVED_FEATURES]


def test_a_simple_ranking_that_beats_the_standing_model_but_not_another_fitted_one_leaves_the_queue_to_that_one():
    fitted, simple = ["average", "sparse", "boosting"], ["feature:a", "evidence"]
    aucs = {"average": [0.60, 0.61, 0.62, 0.60], "sparse": [0.70, 0.56, 0.72, 0.58],
            "boosting": [0.58, 0.59, 0.60, 0.58], "feature:a": [0.66, 0.66, 0.67, 0.65],
            "evidence": [0.55, 0.56, 0.55, 0.56]}
    overall = {name: float(np.mean(values)) for name, values in aucs.items()}
    # The sparse model's lead over the average is within its folds' scatter: the average stands.
    assert choose(aucs, overall, fitted, []) == ("average", "average", None)
    # The single feature beats the average clearly, not the sparse model: the sparse model ranks.
    assert choose(aucs, overall, fitted, simple) == ("sparse", "sparse", "feature:a")
    # Beating every fitted model, it ranks the queue itself (the guardrail).
    aucs["sparse"] = [0.60, 0.60, 0.61, 0.60]
    assert choose(aucs, overall | {"sparse": 0.6025}, fitted, simple) == ("feature:a", "average", "feature:a")
    # A later model that beats the standing one clearly takes its place.
    aucs["boosting"] = [0.70, 0.71, 0.72, 0.70]
    assert choose(aucs, overall, fitted, simple) == ("boosting", "boosting", "feature:a")
