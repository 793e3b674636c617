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

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from core.db import take_turn, utcnow
from core.ledger.models import Task, TaskEvent, TaskState
from core.scoring.catalogue import DERIVED_FEATURES
from core.scoring.context import ScoringContext
from core.scoring.driver import on_cursor, through_psycopg
from core.scoring.features import FeatureTable, compute_features
from core.scoring.model import impact, model_matrix, rules_probability
from core.scoring.models import ScoringState, TaskScore
from core.scoring.reasons import reasons_json
from core.scoring.rules import RuleHits
from core.signals import Signal

RESCORING_TURN = 0x64756273  # "dubs": one rescoring at a time on PostgreSQL (core.db.take_turn)
CLOSED_KEPT_DAYS = 180  # closed tasks stay checkable on site this long
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

        See :func:`core.scoring.reasons.reasons_json`, which builds them for storing.
        """
        return [json.loads(text) for text in reasons_json(self, context, rows)]


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
        top = first_sorted(-agreeing, TOP_FEATURES)
    else:
        p = rules_probability(hits.points)
    weight = impact(table)
    priority = p * weight if context.rules.weighs_impact else p
    return Scores(table, hits, p, weight, priority, context.mode, contributions, x, top)


def first_sorted(keys: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` columns of ``np.argsort(keys, axis=1, kind="stable")``, without sorting whole rows.

    A province's tasks have some sixty pushes each, of which two are told.
    """
    n, m = keys.shape
    if count >= m or np.isnan(keys).any():  # NaN sorts last, after +inf: left to argsort
        return np.argsort(keys, axis=1, kind="stable")[:, :count]
    rows = np.arange(n)
    taken = np.zeros((n, m), dtype=bool)
    left = keys.copy()
    chosen = np.empty((n, count), dtype=np.intp)
    for k in range(count):
        pick = np.argmin(left, axis=1)  # the first of the least: as a stable sort takes it
        # Where only +inf is left, the first column not yet chosen (a chosen one was set to +inf).
        spent = taken[rows, pick]
        pick[spent] = np.argmin(taken[spent], axis=1)
        chosen[:, k] = pick
        taken[rows, pick] = True
        left[rows, pick] = np.inf
    return chosen


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
    return _store(connection, scores, context, today)


def _store(connection: Any, scores: Scores, context: ScoringContext, today: date) -> int:
    """Insert the scores through the driver: plain tuples, the reasons already JSON text.

    For a province, the column type's serialising and SQLAlchemy's handling of
    each row's parameters cost more than computing the scores. On PostgreSQL
    through psycopg the rows go in one ``COPY``, a tenth of the time of inserts
    sent in a pipeline.
    """
    names = ("task_id", "p_problem", "impact", "priority", "rule_points", "mode", "reasons", "scored_on", "model_id")
    quote = connection.dialect.identifier_preparer
    columns = f"{quote.format_table(TaskScore.__table__)} ({', '.join(map(quote.quote, names))})"
    rows = list(zip(scores.table.task_ids.tolist(), scores.p_problem.tolist(), scores.impact.tolist(),
                    scores.priority.tolist(), scores.hits.points.astype(float).tolist(), repeat(scores.mode),
                    reasons_json(scores, context), repeat(today.isoformat()), repeat(context.model_id)))
    if through_psycopg(connection):
        copy_sql = f"COPY {columns} FROM STDIN"

        def copy(cursor: Any) -> None:
            with cursor.copy(copy_sql) as stream:
                for row in rows:
                    stream.write_row(row)

        on_cursor(connection, copy, copy_sql)
        return len(rows)
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    # Only the table's own quoted names and parameter markers go into the text; the values are parameters.
    sql = f"INSERT INTO {columns} VALUES ({', '.join([marker] * len(names))})"  # noqa: S608
    for start in range(0, len(rows), 5000):
        connection.exec_driver_sql(sql, rows[start:start + 5000])
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
