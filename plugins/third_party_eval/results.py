"""Scores per unit and indicator against targets, from the current version of every batch."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from core.org.models import Unit
from plugins.third_party_eval.models import Batch, BatchState, Indicator, Score


@dataclass
class UnitResult:
    """One unit's scores on a matter: by indicator, weighted, and how many fall short."""

    unit_id: int
    code: str
    name: str
    scores: dict[str, tuple[float, float, float | None]] = field(default_factory=dict)  # score, weight, target

    @property
    def weighted(self) -> float:
        """The weighted mean score (weights from the batch rows)."""
        total = sum(weight for _score, weight, _target in self.scores.values())
        return sum(score * weight for score, weight, _target in self.scores.values()) / total if total else 0.0

    @property
    def below_target(self) -> int:
        """How many indicators scored under their target."""
        return sum(1 for score, _weight, target in self.scores.values() if target is not None and score < target)


@dataclass
class MatterResults:
    """Every visible unit's result on one matter, and each indicator's mean against its target."""

    units: list[UnitResult]
    indicators: list[tuple[str, str, float, float | None]]  # code, name, mean score, target


def matter_results(session: Session, matter_id: int, visible: ColumnElement[bool] | None = None) -> MatterResults:
    """Results of ``matter_id`` over current batches, limited by ``visible`` (a Score clause)."""
    stmt = (select(Score.unit_id, Unit.code, Unit.name, Score.indicator, func.avg(Score.score),
                   func.avg(Score.weight), func.max(Score.target))
            .join(Batch, Batch.id == Score.batch_id).join(Unit, Unit.id == Score.unit_id)
            .where(Batch.matter_id == matter_id, Batch.state == BatchState.current,
                   visible if visible is not None else true())
            .group_by(Score.unit_id, Unit.code, Unit.name, Score.indicator))
    by_unit: dict[int, UnitResult] = {}
    for unit_id, code, name, indicator, score, weight, target in session.execute(stmt):
        result = by_unit.setdefault(unit_id, UnitResult(unit_id, code, name))
        result.scores[indicator] = (float(score), float(weight), None if target is None else float(target))
    framework = {i.code: i for i in session.scalars(select(Indicator).where(Indicator.matter_id == matter_id))}
    sums: dict[str, list[float]] = defaultdict(list)
    targets: dict[str, float | None] = {}
    for result in by_unit.values():
        for code, (score, _weight, target) in result.scores.items():
            sums[code].append(score)
            targets[code] = target if target is not None else targets.get(code)
    codes = list(framework) + sorted(code for code in sums if code not in framework)
    indicators = []
    for code in codes:
        if code not in sums:
            continue
        declared = framework[code].target if code in framework else None
        target = declared if declared is not None else targets.get(code)
        indicators.append((code, framework[code].name if code in framework else code,
                           sum(sums[code]) / len(sums[code]), target))
    units = sorted(by_unit.values(), key=lambda r: r.code)
    return MatterResults(units, indicators)


Pair = tuple[int, int]  # matter id, unit id


def evaluation_history(session: Session, pairs: Iterable[Pair]) -> dict[Pair, dict[date, UnitResult]]:
    """Each ``(matter_id, unit_id)``'s result per evaluation day, from the current version of every batch.

    A batch is dated, for a unit, by the latest ``evaluated_on`` among the
    unit's rows in it. Batches of other codes (other periods) are kept apart;
    batches dated the same day (two institutions, say) are pooled, each
    indicator's score and weight averaged as :func:`matter_results` does.
    """
    wanted = set(pairs)
    if not wanted:
        return {}
    stmt = (select(Batch.id, Batch.matter_id, Score.unit_id, Score.indicator, Score.score, Score.weight,
                   Score.target, Score.evaluated_on)
            .join(Batch, Batch.id == Score.batch_id)
            .where(Batch.state == BatchState.current, Batch.matter_id.in_({m for m, _u in wanted}),
                   Score.unit_id.in_({u for _m, u in wanted})))
    rows: dict[tuple[int, int, int], list[tuple[str, float, float, float | None, date]]] = defaultdict(list)
    for batch_id, matter_id, unit_id, indicator, score, weight, target, evaluated_on in session.execute(stmt):
        if (matter_id, unit_id) in wanted:
            rows[(matter_id, unit_id, batch_id)].append((indicator, score, weight, target, evaluated_on))
    pooled: dict[Pair, dict[date, dict[str, list[tuple[float, float, float | None]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    for (matter_id, unit_id, _batch), scores in rows.items():
        day = max(evaluated_on for *_rest, evaluated_on in scores)
        for indicator, score, weight, target, _on in scores:
            pooled[(matter_id, unit_id)][day][indicator].append((float(score), float(weight), target))
    history: dict[Pair, dict[date, UnitResult]] = {}
    for (matter_id, unit_id), days in pooled.items():
        for day, indicators in days.items():
            result = UnitResult(unit_id, "", "")
            for indicator, values in sorted(indicators.items()):
                values.sort(key=lambda v: (v[0], v[1], -1.0 if v[2] is None else v[2]))
                targets = [float(t) for _s, _w, t in values if t is not None]
                result.scores[indicator] = (sum(s for s, _w, _t in values) / len(values),
                                            sum(w for _s, w, _t in values) / len(values),
                                            max(targets) if targets else None)
            history.setdefault((matter_id, unit_id), {})[day] = result
    return history
