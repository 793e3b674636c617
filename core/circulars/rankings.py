"""Ranking units for a period on weighted measures (on time, problems found, rectification, …).

A *measure* turns facts about a unit into points from 0 (worst) to 100 (best).
``on_time`` and ``confirmed_problems`` come from the ledger and on-site reviews;
every other measure is a signal kind, named ``signal:<source>.<kind>``, so a new
source is ranked on as soon as it records signals. A unit is scored on the
measures it has data for, their weights rescaled to sum to one; a measure with
no data at all (its plugin blocked, say) drops out.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from core.access.scope import Scope
from core.circulars.facts import OnTime, on_time_by_unit, signal_by_unit
from core.circulars.problems import confirmed_problems_by_unit
from core.errors import ValidationError
from core.hooktypes import SignalKind
from core.i18n import N_
from core.org.models import Unit

ON_TIME = "on_time"
CONFIRMED = "confirmed_problems"

# Weights as the opinion lists the measures: on-time completion, problems confirmed on
# site, rectification (open audit findings), survey satisfaction, evaluation scores.
DEFAULT_WEIGHTS: dict[str, float] = {
    ON_TIME: 35.0,
    CONFIRMED: 20.0,
    "signal:audit.open_findings": 15.0,
    "signal:survey.satisfaction": 15.0,
    "signal:third_party_eval.weighted_score": 15.0,
}

MEASURE_LABELS = {
    ON_TIME: N_("On-time completion"),
    CONFIRMED: N_("Problems confirmed on site"),
}


@dataclass
class Measure:
    """One measure's raw figure and points for one unit."""

    value: float
    points: float


@dataclass
class UnitScore:
    """A unit's place in the ranking."""

    unit_id: int
    code: str
    name: str
    score: float = 0.0
    rank: int = 0
    on_time: OnTime = field(default_factory=OnTime)
    measures: dict[str, Measure] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {name: {"value": m.value, "points": round(m.points, 1)} for name, m in self.measures.items()}


def parse_weights(text: str) -> dict[str, float]:
    """Read ``name=weight`` pairs, one a line or separated by commas; raise on nonsense."""
    weights: dict[str, float] = {}
    for part in text.replace(",", "\n").splitlines():
        if not part.strip():
            continue
        name, sep, number = part.partition("=")
        try:
            weight = float(number)
        except ValueError:
            weight = -1.0
        if not sep or not name.strip() or weight < 0:
            raise ValidationError("Write each weight as name=number, for example on_time=35.")
        weights[name.strip()] = weight
    if not weights or sum(weights.values()) <= 0:
        raise ValidationError("At least one weight must be above zero.")
    return weights


def measure_label(name: str, kinds: Mapping[str, SignalKind]) -> str:
    """The msgid labelling measure ``name`` (a signal kind's own label for signal measures)."""
    if name in MEASURE_LABELS:
        return MEASURE_LABELS[name]
    kind = kinds.get(name)
    return kind.label if kind is not None else name


def figure_text(value: float, scale: str) -> str:
    """A figure as people read it: shares as percentages, amounts of money with two decimals, scores
    with one, counts (and days, flags) as whole numbers; thousands separated."""
    if scale in ("share", "percent"):
        return f"{value * 100:.1f}%" if scale == "share" else f"{value:.1f}%"
    if scale == "yuan":
        return f"{value:,.2f}"
    if scale in ("0-100", "score", "points"):
        return f"{value:.1f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def measure_figure(name: str, value: float, kinds: Mapping[str, SignalKind]) -> str:
    """The raw figure of measure ``name`` as text (the on-time rate as a percentage, problems as a count)."""
    if name == ON_TIME:
        return figure_text(value, "share")
    kind = kinds.get(name)
    return figure_text(value, kind.scale if kind is not None else "count")


def signal_measures(kinds: list[SignalKind]) -> dict[str, SignalKind]:
    """Signal kinds by measure name (``signal:<source>.<kind>``)."""
    return {f"signal:{kind.source}.{kind.name}": kind for kind in kinds}


def rank_units(scope: Scope, owner: Unit, start: date, end: date, today: date, weights: Mapping[str, float],
               kinds: list[SignalKind], *, zone: str | None = None) -> list[UnitScore]:
    """Rank the units below ``owner`` with tasks assessed in the period, best first.

    A handful of grouped queries whatever the number of units: one for the
    tasks, one for on-site findings, one per signal measure with a weight.
    """
    if end < start:
        raise ValidationError("The period ends before it starts.")
    below = select(Unit.id).where(Unit.path.startswith(owner.path), Unit.id != owner.id, scope.clause(Unit))
    on_time = on_time_by_unit(scope, start, end, today, zone=zone, unit_ids=below)
    if not on_time:
        return []
    units = {row.id: row for row in scope.session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(list(on_time))))}
    scores = {uid: UnitScore(uid, units[uid].code, units[uid].name, on_time=facts)
              for uid, facts in on_time.items() if uid in units}
    for uid, facts in on_time.items():
        if uid in scores and facts.rate is not None:
            scores[uid].measures[ON_TIME] = Measure(round(facts.rate, 4), facts.rate * 100)
    problems = confirmed_problems_by_unit(scope, start, end) if weights.get(CONFIRMED) else None
    if problems is not None:
        raw = {uid: float(problems.get(uid, 0)) for uid in scores}
        for uid, points in _relative(raw, higher_is_better=False).items():
            scores[uid].measures[CONFIRMED] = Measure(raw[uid], points)
    by_name = signal_measures(kinds)
    for name, weight in weights.items():
        kind = by_name.get(name)
        if kind is None or weight <= 0:
            continue
        figures = {uid: value for uid, value in signal_by_unit(scope, kind, start, end).items() if uid in scores}
        for uid, points in _signal_points(kind, figures).items():
            scores[uid].measures[name] = Measure(round(figures[uid], 4), points)
    ranked = [_weigh(score, weights) for score in scores.values()]
    # Equal scores: the unit with more tasks still overdue ranks lower.
    ranked.sort(key=lambda s: (-s.score, s.on_time.overdue_open, s.code))
    for position, score in enumerate(ranked, start=1):
        score.rank = position
    return ranked


def _weigh(score: UnitScore, weights: Mapping[str, float]) -> UnitScore:
    used = {name: weights[name] for name in score.measures if weights.get(name, 0) > 0}
    total = sum(used.values())
    score.score = round(sum(score.measures[n].points * w for n, w in used.items()) / total, 2) if total else 0.0
    return score


def _signal_points(kind: SignalKind, figures: dict[int, float]) -> dict[int, float]:
    """Points for a signal figure: shares and 0–100 scores stand as they are, counts are relative."""
    better_high = kind.direction == -1
    if kind.scale == "share":
        return {uid: _clip(v * 100 if better_high else 100 - v * 100) for uid, v in figures.items()}
    if kind.scale == "0-100":
        return {uid: _clip(v if better_high else 100 - v) for uid, v in figures.items()}
    return _relative(figures, higher_is_better=better_high)


def _relative(figures: dict[int, float], *, higher_is_better: bool) -> dict[int, float]:
    """Min–max points across the ranked units: the best gets 100, the worst 0; all equal → 100."""
    if not figures:
        return {}
    low, high = min(figures.values()), max(figures.values())
    if high == low:
        return {uid: 100.0 for uid in figures}
    span = high - low
    return {uid: ((v - low) / span if higher_is_better else (high - v) / span) * 100 for uid, v in figures.items()}


def _clip(points: float) -> float:
    return max(0.0, min(100.0, points))
