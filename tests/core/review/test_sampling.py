"""The random share: known chances, a floor per region, and an unbiased problem rate."""
from __future__ import annotations

import numpy as np

from core.review.estimate import stratified_estimate
from core.review.sampling import inclusion_probabilities, random_count, select_visits, systematic_draw


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


class _FixedStart:
    """A generator whose systematic draw starts at ``start``; region order and ties as a seeded one."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.rng = np.random.default_rng(0)

    def permutation(self, values):
        return self.rng.permutation(values)

    def random(self, size=None):
        return self.start if size is None else self.rng.random(size)


def test_a_share_above_zero_draws_at_least_one_visit_and_a_share_of_zero_none():
    assert random_count(10, 0.01) == 1
    assert random_count(1, 0.4) == 1
    assert random_count(10, 0.0) == 0
    assert random_count(0, 0.5) == 0
    assert random_count(10, 0.25) == 2  # rounded, not raised to one
    assert random_count(3, 2.0) == 3  # never more than the budget
    rng = np.random.default_rng(4)
    choice = select_visits(np.arange(50, 0, -1, dtype=float), np.array(["A"] * 50), 10, 0.01, 0.0, rng)
    assert len(choice.ranked) == 9 and len(choice.drawn) == 1


def test_no_draw_gives_no_chances_and_a_draw_of_everything_gives_certainty():
    regions = np.array(["A", "A", "B", "B", "C"])
    none = inclusion_probabilities(regions, 0, 0.2)
    assert none.shape == (5,) and not none.any()
    assert inclusion_probabilities(np.array([], dtype=str), 3, 0.2).shape == (0,)
    assert inclusion_probabilities(regions, 5, 0.2).tolist() == [1.0] * 5
    assert inclusion_probabilities(regions, 7, 0.2).tolist() == [1.0] * 5
    assert inclusion_probabilities(np.array(["A"]), 1, 0.0).tolist() == [1.0]


def test_one_region_shares_the_draw_evenly():
    assert inclusion_probabilities(np.array(["A"] * 4), 1, 0.0).tolist() == [0.25] * 4
    assert inclusion_probabilities(np.array(["A"] * 4), 2, 0.3).tolist() == [0.5] * 4


def test_a_region_pushed_below_its_floor_by_another_floored_region_is_floored_too():
    # C (1 task) is floored first; what it takes leaves B (10 tasks) short of the floor in turn.
    regions = np.array(["A"] * 50 + ["B"] * 10 + ["C"])
    p = inclusion_probabilities(regions, 6, 0.95)
    assert abs(p[regions == "C"].sum() - 0.95) < 1e-9
    assert abs(p[regions == "B"].sum() - 0.95) < 1e-9
    assert abs(p.sum() - 6) < 1e-9
    assert p.max() <= 1.0


def test_a_floor_above_one_counts_as_a_certain_visit():
    regions = np.array(["A"] * 10 + ["B"] * 3)
    p = inclusion_probabilities(regions, 2, 1.5)
    assert abs(p[regions == "B"].sum() - 1.0) < 1e-9
    assert abs(p.sum() - 2) < 1e-9


def test_chances_are_never_above_one_and_add_up_to_the_draw():
    rng = np.random.default_rng(5)
    for _ in range(300):
        counts = rng.integers(1, 30, rng.integers(1, 7))
        regions = np.repeat(np.arange(len(counts)), counts)
        n = int(rng.integers(1, len(regions) + 1))
        floor = float(rng.choice([0.0, rng.random() / 5, rng.random()]))
        p = inclusion_probabilities(regions, n, floor)
        assert p.max() <= 1.0
        if floor * len(counts) <= n:  # the floors fit in the draw
            assert abs(p.sum() - n) < 1e-9
        for region in range(len(counts)):
            assert p[regions == region].sum() >= min(floor, 1.0) - 1e-9


def test_a_round_that_visits_everything_by_rank_draws_nothing():
    rng = np.random.default_rng(6)
    choice = select_visits(np.array([3.0, 1.0, 2.0]), np.array(["A", "B", "A"]), 3, 0.0, 0.1, rng)
    assert choice.ranked.tolist() == [0, 1, 2]
    assert choice.drawn.tolist() == [] and choice.drawn.dtype.kind == "i"
    assert systematic_draw(np.zeros(0), np.array([], dtype=str), rng).tolist() == []


def test_equal_priorities_are_ranked_in_queue_order():
    rng = np.random.default_rng(7)
    priority = np.array([1.0, 0.0] * 100)  # a hundred tasks tied at the top
    choice = select_visits(priority, np.array(["A"] * 200), 40, 0.0, 0.0, rng)
    assert choice.ranked.tolist() == list(range(0, 80, 2))


def test_unsigned_priorities_rank_the_largest_first():
    rng = np.random.default_rng(8)
    choice = select_visits(np.array([1, 5, 3, 0], dtype=np.uint32), np.array(["A"] * 4), 2, 0.0, 0.0, rng)
    assert choice.ranked.tolist() == [1, 2]


def test_a_single_certain_row_and_two_half_chances_are_drawn_as_many_times_as_they_add_up_to():
    rng = np.random.default_rng(9)
    assert systematic_draw(np.array([1.0]), np.array(["A"]), rng).tolist() == [0]
    for _ in range(20):
        assert len(systematic_draw(np.array([0.5, 0.5]), np.array(["A", "B"]), rng)) == 1


def test_a_draw_starting_at_zero_takes_every_certain_row():
    drawn = systematic_draw(np.ones(3), np.array(["A", "B", "C"]), _FixedStart(0.0))
    assert drawn.tolist() == [0, 1, 2]


def test_a_draw_starting_just_below_one_still_draws_the_full_count():
    # Ten chances of 0.1 add up to a hair below 1 in floating point; the last point lands past them.
    drawn = systematic_draw(np.full(10, 0.1), np.array(["A"] * 10), _FixedStart(float(np.nextafter(1.0, 0.0))))
    assert len(drawn) == 1
