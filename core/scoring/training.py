"""Training on recorded outcomes: features as of the day before each visit, then rescoring."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
import pluggy
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.scoring.context import ScoringContext
from core.scoring.features import FeatureTable, compute_features
from core.scoring.model import MIN_EACH, TrainedModel, day_before, fit, model_matrix
from core.scoring.models import ScoringModel, ScoringState, TaskScore
from core.scoring.rescore import invalidate, rescore

RANKS_KEPT = 500


@dataclass
class TrainingSet:
    """Every outcome tied to a task, oldest first, with its task's inputs the day before the visit."""

    x: np.ndarray
    y: np.ndarray
    names: list[str]
    days: np.ndarray
    probabilities: np.ndarray  # the chance each visit had of being chosen; NaN where unknown


def training_set(session: Session, context: ScoringContext) -> TrainingSet:
    """The inputs, outcomes, visit days and selection chances of every outcome tied to a task."""
    from core.review.models import ReviewOutcome

    outcomes = session.execute(select(ReviewOutcome.task_id, ReviewOutcome.visited_on, ReviewOutcome.problem_found,
                                      ReviewOutcome.selection_probability)
                               .where(ReviewOutcome.task_id.is_not(None))
                               .order_by(ReviewOutcome.visited_on, ReviewOutcome.id)).all()
    by_day: dict[date, list[int]] = defaultdict(list)
    for task_id, visited_on, _found, _p in outcomes:
        if task_id is not None:  # selected so above; this tells the type
            by_day[visited_on].append(task_id)
    pieces: list[FeatureTable] = []
    for visited_on, task_ids in sorted(by_day.items()):
        table = compute_features(session, context.catalogue, day_before(visited_on), sorted(set(task_ids)))
        positions = np.searchsorted(table.task_ids, np.array(task_ids, dtype=np.int64))
        pieces.append(FeatureTable(table.task_ids[positions], table.unit_ids[positions], table.matter_ids[positions],
                                   table.names, table.values[positions]))
    table = FeatureTable.concat(pieces, context.catalogue.names)
    x, names = model_matrix(table, context.rules.evaluate(table))
    y = np.array([bool(row[2]) for row in outcomes], dtype=int)
    days = np.array([row[1].toordinal() for row in outcomes], dtype=np.int64)
    chances = np.array([np.nan if row[3] is None else row[3] for row in outcomes], dtype=float)
    return TrainingSet(x, y, names, days, chances)


def _ranks(session: Session) -> dict[int, int]:
    ids = session.scalars(select(TaskScore.task_id).order_by(TaskScore.priority.desc(), TaskScore.task_id)
                          .limit(RANKS_KEPT))
    return {task_id: rank for rank, task_id in enumerate(ids, start=1)}


def train(session: Session, context: ScoringContext, today: date, *, trained_by: str = "", budget: int = 20,
          minimum: int = MIN_EACH) -> ScoringModel:
    """Train, store the model as the one in force, rescore the queue and record how ranks moved.

    Everything slow happens before the first write: the training set is read and the model
    fitted, and the rescoring reads every task's features, while the session only reads. The
    writes (the scores, the model row, the scoring state) follow together at the end, so the
    write transaction (on SQLite, the one write lock) is held for the storing alone.
    Raises :class:`core.scoring.model.NotEnoughOutcomes` (nothing changes) when
    outcomes of one kind are too few.
    """
    data = training_set(session, context)
    x, y = data.x, data.y
    trained = fit(x, y, data.names, data.days, budget=budget, minimum=minimum, probabilities=data.probabilities)
    before = _ranks(session)
    started = utcnow()
    context.model, context.model_id = trained, None
    rescore(session, context, today)  # reads all features, then replaces the scores: the first write
    session.execute(update(ScoringModel).values(active=False))
    row = ScoringModel(trained_by=trained_by, outcomes=len(y), problems=int(y.sum()), active=True,
                       metrics=trained.metrics, estimator=trained.dump(), rank_changes=[])
    session.add(row)
    session.flush()
    context.model_id = row.id
    session.execute(update(TaskScore).values(model_id=row.id))
    # The whole queue was just scored with the new model: as fresh as a full rescoring of today.
    invalidate(session)
    session.execute(update(ScoringState).where(ScoringState.id == 1).values(full_on=today, run_at=started))
    after = _ranks(session)
    moves = [(task_id, before.get(task_id), rank) for task_id, rank in after.items() if rank <= 50]
    moves.sort(key=lambda move: -abs((move[1] or RANKS_KEPT + 1) - move[2]))
    row.rank_changes = [{"task_id": task_id, "before": was, "after": rank} for task_id, was, rank in moves[:20]]
    session.flush()
    return row


def retrain(session: Session, pm: pluggy.PluginManager, today: date, *, trained_by: str = "",
            budget: int = 20) -> ScoringModel:
    """Bring the scores up to date, then :func:`train` with the instance's catalogue and rules.

    To keep the write transaction short, bring the scores up to date first in a transaction of
    its own (:func:`core.scoring.freshness.refresh`): this one then reads until training ends.

    What ``duban model train``, the ``train_model`` job and the demo do; raises
    :class:`core.scoring.model.NotEnoughOutcomes` when outcomes are too few.
    """
    from core.scoring.context import load_context
    from core.scoring.freshness import refresh

    # Writes only if something changed: callers refresh first, in a transaction of their own.
    refresh(session, pm, today)
    context = load_context(session, pm)
    return train(session, context, today, trained_by=trained_by, budget=budget)


def load_trained(row: ScoringModel) -> TrainedModel:
    """The estimator of a stored model."""
    return TrainedModel.load(row.estimator)
