"""The random share: known chances, a floor per region, and an unbiased problem rate."""
from __future__ import annotations

import numpy as np

from core.review.estimate import stratified_estimate
from core.review.sampling import inclusion_probabilities, select_visits, systematic_draw


def test_chances_add_up_to_the_draw_and_no_region_falls_below_its_floor():
    regions = np.array(["A"] * 900 + ["B"] * 95 + ["C"] * 5)
    p = inclusion_probabilities(regions, 10, 0.2)
    assert abs(p.sum() - 10) < 1e-9
    assert abs(p[regions == "C"].sum() - 0.2) < 1e-9
    assert p[regions == "B"].sum() >= 0.2


def test_the_systematic_draw_picks_each_row_with_its_chance():
    rng = np.random.default_rng(1)
    regions = np.array(["A"] * 60 + ["B"] * 30 + ["C"] * 10)
    p = inclusion_probabilities(regions, 8, 0.5)
    counts = np.zeros(len(p))
    trials = 4000
    for _ in range(trials):
        drawn = systematic_draw(p, regions, rng)
        assert len(drawn) == 8
        counts[drawn] += 1
    assert np.abs(counts / trials - p).max() < 0.04
    assert abs(counts[regions == "C"].sum() / trials - 0.5) < 0.06 or p[regions == "C"].sum() > 0.5


def test_a_round_takes_the_top_by_rank_and_flags_the_random_share():
    rng = np.random.default_rng(2)
    priority = np.arange(100, 0, -1, dtype=float)
    regions = np.array(["A", "B"] * 50)
    choice = select_visits(priority, regions, 20, 0.1, 0.05, rng)
    assert sorted(choice.ranked.tolist()) == list(range(18))
    assert len(choice.drawn) == 2 and set(choice.drawn.tolist()).isdisjoint(choice.ranked.tolist())
    assert np.allclose(choice.probabilities[choice.ranked], 1.0)


def test_the_estimated_problem_rate_is_unbiased_although_ranking_targets_problems():
    rng = np.random.default_rng(3)
    n = 2000
    risk = rng.random(n)
    problem = rng.random(n) < risk * 0.5  # true rate about 25%
    regions = np.array(list("ABCDE"))[rng.integers(0, 5, n)]
    estimates = []
    for _ in range(300):
        choice = select_visits(risk + rng.normal(0, 0.1, n), regions, 100, 0.2, 0.05, rng)
        est = stratified_estimate(n, problem[choice.ranked].astype(float), len(choice.ranked),
                                  problem[choice.drawn].astype(float), choice.probabilities[choice.drawn])
        estimates.append(est.rate)
    assert abs(np.mean(estimates) - problem.mean()) < 0.01
    ranked_only = problem[np.argsort(-risk)[:100]].mean()
    assert ranked_only > problem.mean() + 0.15  # what a naive estimate from ranked visits would say
