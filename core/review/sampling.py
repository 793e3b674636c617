"""Choosing a round's visits: the top of the queue, plus a random share with known chances.

The random part is a systematic draw with unequal probabilities over the
eligible tasks not taken by rank. Every such task has a known inclusion
probability; tasks are laid out region by region, so a region whose
probabilities add up to ``c`` (at most 1) is visited with chance exactly ``c``,
and no region's chance falls below ``min_region_chance``.

These are plain functions over arrays, so benchmarks and tests can run them
without a database.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VisitChoice:
    """Rows chosen by rank, rows drawn at random, and every row's chance of being drawn."""

    ranked: np.ndarray
    drawn: np.ndarray
    probabilities: np.ndarray  # for every row; 1.0 for ranked rows


def random_count(budget: int, random_share: float) -> int:
    """How many of ``budget`` visits are drawn at random (at least one when the share is above zero)."""
    if budget <= 0 or random_share <= 0:
        return 0
    return min(budget, max(1, int(round(budget * random_share))))


def inclusion_probabilities(regions: np.ndarray, n: int, min_region_chance: float) -> np.ndarray:
    """Chances summing to ``n`` over the rows, equal within a region, no region below ``min_region_chance``."""
    size = len(regions)
    if size == 0 or n <= 0:
        return np.zeros(size)
    if n >= size:
        return np.ones(size)
    labels, inverse, counts = np.unique(regions, return_inverse=True, return_counts=True)
    floor = min(max(min_region_chance, 0.0), 1.0)
    floored = np.zeros(len(labels), dtype=bool)
    for _ in range(len(labels) + 1):
        # Regions at their floor keep exactly ``floor``; the rest share what is left evenly.
        left = n - floor * floored.sum()
        others = counts[~floored].sum()
        per_row = left / others if others else 0.0
        newly = (~floored) & (counts * per_row < floor)
        if not newly.any():
            break
        floored |= newly
    # No chance exceeds 1: a floored row has floor / count <= 1, and per_row only falls as regions
    # are floored (a region is floored when it would get less than its floor), starting from
    # n / size < 1. The chances add up to n, or to more when the floors alone need more than n.
    per_region = np.where(floored, floor / counts, per_row)
    probabilities: np.ndarray = per_region[inverse]
    return probabilities


def systematic_draw(probabilities: np.ndarray, regions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices drawn so that row ``i`` is chosen with chance ``probabilities[i]`` (a fixed total count)."""
    if len(probabilities) == 0:
        return np.zeros(0, dtype=np.int64)
    labels = np.unique(regions)
    region_order = {label: k for k, label in enumerate(rng.permutation(labels))}
    keys = np.array([region_order[r] for r in regions])
    order = np.lexsort((rng.random(len(regions)), keys))
    cumulative = np.cumsum(probabilities[order])
    start = rng.random()
    points = start + np.arange(int(round(cumulative[-1])))
    # A point past the last sum (which rounding can leave a hair below the count) is the last row's.
    chosen = np.minimum(np.searchsorted(cumulative, points, side="right"), len(order) - 1)
    return np.sort(order[np.unique(chosen)])


def select_visits(priority: np.ndarray, regions: np.ndarray, budget: int, random_share: float,
                  min_region_chance: float, rng: np.random.Generator) -> VisitChoice:
    """The top ``budget - k`` rows by priority, and ``k`` rows drawn at random among the rest."""
    n = len(priority)
    budget = min(budget, n)
    k = random_count(budget, random_share)
    order = np.argsort(-np.asarray(priority, dtype=float), kind="stable")
    ranked = np.sort(order[: budget - k])
    rest = np.setdiff1d(np.arange(n), ranked)
    probabilities = np.zeros(n)
    probabilities[ranked] = 1.0
    rest_probabilities = inclusion_probabilities(np.asarray(regions)[rest], k, min_region_chance)
    probabilities[rest] = rest_probabilities
    drawn = rest[systematic_draw(rest_probabilities, np.asarray(regions)[rest], rng)]
    return VisitChoice(ranked, drawn, probabilities)
