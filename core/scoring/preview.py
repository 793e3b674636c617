"""How the queue would change under other rules, before they are saved."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import and_, select

from core.access.scope import Scope
from core.ledger.models import Matter, Task
from core.org.models import Unit
from core.scoring.context import ScoringContext
from core.scoring.features import compute_features
from core.scoring.rescore import eligible, score_table

TOP = 20


@dataclass(frozen=True)
class Moved:
    """A task's rank now and under the proposed rules."""

    task_id: int
    label: str
    before: int
    after: int
    priority_before: float
    priority_after: float


@dataclass(frozen=True)
class Preview:
    """The proposed top of the queue, and how many tasks enter or leave it."""

    top: list[Moved]
    entered: int
    left: int
    rules_before: int
    rules_after: int


def preview_change(scope: Scope, current: ScoringContext, proposed: ScoringContext, today: date,
                   top: int = TOP) -> Preview:
    """Score the user's eligible tasks under both rule sets and compare the first ``top`` places."""
    table = compute_features(scope.session, current.catalogue, today, and_(eligible(today), scope.clause(Task)))
    before = score_table(table, current).priority
    after = score_table(table, proposed).priority
    rank_before = _ranks(before, table.task_ids)
    rank_after = _ranks(after, table.task_ids)
    order = np.lexsort((table.task_ids, -after))[:top]
    labels = _labels(scope, [int(table.task_ids[i]) for i in order])
    moved = [Moved(int(table.task_ids[i]), labels.get(int(table.task_ids[i]), ""), int(rank_before[i]),
                   int(rank_after[i]), float(before[i]), float(after[i])) for i in order]
    top_before = set(np.flatnonzero(rank_before <= top))
    top_after = set(np.flatnonzero(rank_after <= top))
    return Preview(moved, len(top_after - top_before), len(top_before - top_after),
                   len(current.rules.rules), len(proposed.rules.rules))


def _ranks(priority: np.ndarray, task_ids: np.ndarray) -> np.ndarray:
    order = np.lexsort((task_ids, -priority))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def _labels(scope: Scope, task_ids: list[int]) -> dict[int, str]:
    if not task_ids:
        return {}
    rows = scope.session.execute(select(Task.id, Matter.code, Unit.name).join(Matter, Matter.id == Task.matter_id)
                                 .join(Unit, Unit.id == Task.unit_id).where(Task.id.in_(task_ids)))
    return {task_id: f"{code} · {unit}" for task_id, code, unit in rows}
