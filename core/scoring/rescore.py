"""Computing and storing every eligible task's score; keeping scores fresh as evidence arrives.

Scores are derived data: they are rewritten in bulk (one DELETE, one
multi-row INSERT), not through the ORM, so a rescoring of a province costs a
few statements and leaves no audit entries. :func:`ensure_fresh` rescores
everything once a day (overdue days change with the date) and, between, only
the tasks whose ledger, signals or reviews changed since the last run.

Rescorings take turns across processes (on PostgreSQL, each worker rescores after its own
commits): each reads the features after the one before it committed, so neither stores a
task's row twice nor overwrites newer scores with ones read earlier.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from core.db import take_turn, utcnow
from core.ledger.models import Task, TaskEvent, TaskState
from core.scoring.catalogue import DERIVED_FEATURES
from core.scoring.context import ScoringContext
from core.scoring.explain import feature_reason, shown_value
from core.scoring.features import FeatureTable, compute_features
from core.scoring.model import impact, model_matrix, rules_probability
from core.scoring.models import ScoringState, TaskScore
from core.scoring.rules import RuleHits
from core.signals import Signal

RESCORING_TURN = 0x64756273  # "dubs": one rescoring at a time on PostgreSQL (core.db.take_turn)
CLOSED_KEPT_DAYS = 180  # closed tasks stay checkable on site this long
TOP_RULES = 3
TOP_FEATURES = 2


def eligible(today: date) -> ColumnElement[bool]:
    """Tasks that may be visited: open, or closed within the last 180 days."""
    return or_(Task.state != TaskState.closed, Task.closed_at >= datetime.combine(
        today - timedelta(days=CLOSED_KEPT_DAYS), datetime.min.time()))


@dataclass
class Scores:
    """Scores of a feature table's tasks, with their rule hits and reasons."""

    table: FeatureTable
    hits: RuleHits
    p_problem: np.ndarray
    impact: np.ndarray
    priority: np.ndarray
    mode: str
    contributions: np.ndarray | None

    inputs: np.ndarray | None = None
    top_features: np.ndarray | None = None

    def reasons(self, row: int, context: ScoringContext) -> list[dict[str, Any]]:
        """The stored reasons of task ``row`` (see :meth:`all_reasons`)."""
        return self.all_reasons(context, np.array([row]))[0]

    def all_reasons(self, context: ScoringContext, rows: np.ndarray | None = None) -> list[list[dict[str, Any]]]:
        """The stored reasons of each task (of ``rows``, or all): top rule hits, then the strongest feature pushes.

        A push is told only where the task's value is known and the model's
        effect points the way the feature's own direction says (a feature that
        should raise the risk when high is never said to raise it by being low).
        The choice of rules and features is made over whole arrays at once, so
        a province of 100,000 tasks costs only the building of its sentences.
        """
        rows = np.arange(len(self.table)) if rows is None else np.asarray(rows)
        found: list[list[dict[str, Any]]] = [[] for _ in rows]
        catalogue = context.catalogue
        rules = self.hits.ruleset.rules
        values = self.table.values
        if rules and len(rows):
            order = np.argsort(-np.array([rule.points for rule in rules]), kind="stable")
            ordered = self.hits.hits[rows][:, order]
            first = np.argsort(~ordered, axis=1, kind="stable")[:, :TOP_RULES]
            taken = np.take_along_axis(ordered, first, axis=1)
            column = {name: j for j, name in enumerate(self.table.names)}
            shown = [[(name, column.get(name), catalogue.get(name)) for name in rule.shown_features]
                     for rule in rules]
            for k in np.flatnonzero(taken.any(axis=1)):
                i = rows[k]
                for position in range(taken.shape[1]):
                    if not taken[k, position]:
                        break
                    j = int(order[first[k, position]])
                    rule = rules[j]
                    params = {name: shown_value(feature, NAN if index is None else float(values[i, index]))
                              for name, index, feature in shown[j]}
                    found[k].append({"type": "rule", "id": rule.id, "points": rule.points, "text": rule.reason,
                                     "params": params})
        if self.top_features is not None and self.inputs is not None and context.model is not None:
            names = context.model.names
            features = [catalogue.get(name) or _DERIVED.get(name) for name in names]
            top = self.top_features[rows]
            pushes = np.take_along_axis(self.contributions[rows], top, axis=1)  # type: ignore[index]
            inputs = np.take_along_axis(self.inputs[rows], top, axis=1)
            told = (pushes > 0.05) & ~np.isnan(inputs)
            for k, position in zip(*np.nonzero(told)):
                feature = features[int(top[k, position])]
                if feature is not None:
                    found[k].append(feature_reason(feature, float(inputs[k, position]), float(pushes[k, position])))
        return found


NAN = float("nan")
_DERIVED = {feature.name: feature for feature in DERIVED_FEATURES}


def score_table(table: FeatureTable, context: ScoringContext) -> Scores:
    """Probability, impact and priority for every row of ``table``.

    The priority is the probability, or the probability times the impact where
    the rule file's ``[queue]`` table orders by expected harm.
    """
    hits = context.rules.evaluate(table)
    contributions = x = top = None
    if context.model is not None and len(table):
        x, _names = model_matrix(table, hits)
        p = context.model.predict(x)
        contributions = context.model.contributions(x)
        # Only pushes the way each feature's direction says can be told as reasons.
        directions = np.array([_direction(context, name) for name in context.model.names], dtype=float)
        agreeing = np.where(np.sign(context.model.coefficients()) * directions > 0, contributions, -np.inf)
        top = np.argsort(-agreeing, axis=1, kind="stable")[:, :TOP_FEATURES]
    else:
        p = rules_probability(hits.points)
    weight = impact(table)
    priority = p * weight if context.rules.weighs_impact else p
    return Scores(table, hits, p, weight, priority, context.mode, contributions, x, top)


def _direction(context: ScoringContext, name: str) -> int:
    feature = context.catalogue.get(name) or _DERIVED.get(name)
    return feature.direction if feature is not None else 0


def rescore(session: Session, context: ScoringContext, today: date, task_ids: list[int] | None = None) -> int:
    """Score the eligible tasks (all, or ``task_ids``) and store the scores; returns how many.

    Waits for any other rescoring to commit before it reads the tasks' features.
    """
    take_turn(session.connection(), RESCORING_TURN)
    where = eligible(today) if task_ids is None else and_(eligible(today), Task.id.in_(task_ids))
    scores = score_table(compute_features(session, context.catalogue, today, where, all_signals=task_ids is None),
                         context)
    # Core statements on the table: derived rows need neither the ORM's bookkeeping nor the audit trail.
    table = TaskScore.__table__
    connection = session.connection()
    if task_ids is None:
        connection.execute(delete(table))
    elif task_ids:
        connection.execute(delete(table).where(table.c.task_id.in_(task_ids)))
    reasons = scores.all_reasons(context)
    rows = [{"task_id": int(task_id), "p_problem": float(scores.p_problem[i]), "impact": float(scores.impact[i]),
             "priority": float(scores.priority[i]), "rule_points": float(scores.hits.points[i]),
             "mode": scores.mode, "reasons": reasons[i], "scored_on": today,
             "model_id": context.model_id}
            for i, task_id in enumerate(scores.table.task_ids)]
    for start in range(0, len(rows), 5000):
        connection.execute(insert(table), rows[start:start + 5000])
    return len(rows)


def _state(session: Session) -> Any:
    row = session.execute(select(ScoringState.full_on, ScoringState.run_at).where(ScoringState.id == 1)).first()
    if row is None:
        session.execute(insert(ScoringState).values(id=1, full_on=None, run_at=None, generation=0))
        return None, None
    return row.full_on, row.run_at


def invalidate(session: Session) -> None:
    """Ask for a full rescoring next time (rules or model changed)."""
    _state(session)
    session.execute(update(ScoringState).where(ScoringState.id == 1).values(full_on=None))


def ensure_fresh(session: Session, context: ScoringContext, today: date) -> int:
    """Bring scores up to date; returns how many tasks were rescored (0 when nothing changed)."""
    started = utcnow()
    full_on, run_at = _state(session)
    if full_on != today or run_at is None:
        count = rescore(session, context, today)
        session.execute(update(ScoringState).where(ScoringState.id == 1).values(full_on=today, run_at=started))
        return count
    changed = _changed_tasks(session, run_at, today)
    if changed:
        rescore(session, context, today, changed)
    session.execute(update(ScoringState).where(ScoringState.id == 1).values(run_at=started))
    return len(changed)


def _changed_tasks(session: Session, since: datetime, today: date) -> list[int]:
    from core.review.models import ReviewOutcome

    changed_units = select(Signal.unit_id).where(Signal.recorded_at >= since).union(
        select(ReviewOutcome.unit_id).where(ReviewOutcome.recorded_at >= since))
    stmt = select(Task.id).where(eligible(today), or_(
        Task.id.in_(select(TaskEvent.task_id).where(TaskEvent.at >= since)),
        Task.unit_id.in_(changed_units),
        Task.created_at >= since,
        ~Task.id.in_(select(TaskScore.task_id))))
    return list(session.scalars(stmt))
