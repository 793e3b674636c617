"""The overall problem rate, estimated without bias from what rounds found.

A round splits the eligible tasks in two: the ranked part, visited in full
(a census), and the rest, of which a random share was drawn with known chances.
The rate is the ranked part's rate plus the rest's rate estimated with
inverse-probability weights (a Hájek ratio), each weighted by its size.
Only the random draw carries sampling error, so the interval comes from it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A problem rate with its standard error and 95% interval; ``visits`` behind it."""

    rate: float
    se: float | None
    visits: int
    eligible: int

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.se is None:
            return None
        return max(0.0, self.rate - Z95 * self.se), min(1.0, self.rate + Z95 * self.se)


def stratified_estimate(eligible: int, certain: np.ndarray, certain_planned: int, sampled: np.ndarray,
                        probabilities: np.ndarray) -> Estimate | None:
    """Estimate from one round.

    ``certain`` holds outcomes (1 problem, 0 none) of the ranked visits done, of
    ``certain_planned`` planned; ``sampled`` and ``probabilities`` those of the
    random visits done and their inclusion chances.
    """
    certain = np.asarray(certain, dtype=float)
    sampled = np.asarray(sampled, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    rest = eligible - certain_planned
    if eligible <= 0 or (rest > 0 and len(sampled) == 0) or (certain_planned > 0 and len(certain) == 0):
        return None
    certain_rate = float(certain.mean()) if len(certain) else 0.0
    if rest > 0:
        weights = 1.0 / probabilities
        rest_rate = float((weights * sampled).sum() / weights.sum())
        n = len(sampled)
        if n >= 2:
            residual = weights * (sampled - rest_rate)
            variance = n / (n - 1) * float((residual ** 2).sum()) / float(weights.sum()) ** 2
            se: float | None = rest / eligible * math.sqrt(variance)
        else:
            se = None
    else:
        rest_rate, se = 0.0, 0.0
    rate = (certain_planned * certain_rate + rest * rest_rate) / eligible
    return Estimate(rate, se, int(len(certain) + len(sampled)), eligible)


def pooled(estimates: list[Estimate]) -> Estimate | None:
    """Several rounds' estimates combined, weighted by how many tasks each round covered."""
    usable = [e for e in estimates if e is not None]
    if not usable:
        return None
    total = sum(e.eligible for e in usable)
    rate = sum(e.rate * e.eligible for e in usable) / total
    known = [(e.eligible, e.se) for e in usable if e.se is not None]
    if len(known) < len(usable):
        se = None
    else:
        se = math.sqrt(sum((eligible / total) ** 2 * error ** 2 for eligible, error in known))
    return Estimate(rate, se, sum(e.visits for e in usable), total)


def round_estimate(session: Session, round_id: int) -> Estimate | None:
    """The estimate from one stored round's recorded outcomes."""
    from core.review.models import ReviewOutcome, ReviewRound, ReviewVisit, Selection, VisitState

    review_round = session.get(ReviewRound, round_id)
    if review_round is None:
        return None
    rows = session.execute(
        select(ReviewVisit.selection, ReviewVisit.state, ReviewVisit.inclusion_probability, ReviewOutcome.problem_found)
        .outerjoin(ReviewOutcome, ReviewOutcome.visit_id == ReviewVisit.id)
        .where(ReviewVisit.round_id == round_id)).all()
    certain_kinds = (Selection.ranked, Selection.manual)
    planned = sum(1 for sel, state, _p, _f in rows if sel in certain_kinds and state != VisitState.dropped)
    certain = [float(f) for sel, _s, _p, f in rows if sel in certain_kinds and f is not None]
    drawn = [(float(f), p) for sel, _s, p, f in rows if sel == Selection.random and f is not None]
    return stratified_estimate(review_round.eligible_count, np.array(certain), planned,
                               np.array([f for f, _p in drawn]), np.array([p for _f, p in drawn]))


def problem_rate(session: Session, round_ids: list[int]) -> tuple[Estimate | None, list[tuple[int, Estimate]]]:
    """The pooled estimate over ``round_ids`` and each round's own."""
    each = [(rid, est) for rid in round_ids if (est := round_estimate(session, rid)) is not None]
    return pooled([est for _rid, est in each]), each
