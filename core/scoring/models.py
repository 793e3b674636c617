"""Scoring's tables: scores per task, trained models, the instance's rule file, freshness."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from core.ledger.models import Task
from core.signals import Signal

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class TaskScore(Base):
    """A task's place in the review queue: probability of a problem, impact, priority, reasons.

    Derived data, rewritten in bulk on every rescoring (so not in the audit trail), and kept
    without a foreign key to the task: checking and locking each row's task would cost a third
    of a province's rewrite, tasks are never deleted, and every reader joins the tasks (see
    revision 0017).
    """

    __tablename__ = "scoring_task_scores"

    task_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    p_problem: Mapped[float] = mapped_column(Float)
    impact: Mapped[float] = mapped_column(Float)
    priority: Mapped[float] = mapped_column(Float)
    rule_points: Mapped[float] = mapped_column(Float, default=0.0)
    mode: Mapped[str] = mapped_column(String(10))  # "rules" or "model"
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scored_on: Mapped[date] = mapped_column(Date)
    model_id: Mapped[int | None] = mapped_column(Integer)

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Visible with its task."""
        if scope.is_admin:
            return true()
        from sqlalchemy import select

        return cls.task_id.in_(select(Task.id).where(Task.__scope__(scope, "read")))


class ScoringModel(Base):
    """One training of the model: its validation figures and the fitted estimator."""

    __tablename__ = "scoring_models"
    __audit_mask__ = ("estimator",)

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    trained_by: Mapped[str] = mapped_column(String(120), default="")
    outcomes: Mapped[int] = mapped_column(Integer)
    problems: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rank_changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    estimator: Mapped[bytes] = mapped_column(LargeBinary)

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Figures about the whole instance, shown to whoever may see the queue."""
        from sqlalchemy import false

        return true() if scope.can("queue.view") else false()


class RuleFile(Base):
    """A version of the instance's rule file (TOML), as staff saved it; the newest is in force."""

    __tablename__ = "scoring_rule_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(120), default="")
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        from sqlalchemy import false

        return true() if scope.can("scoring.manage" if action == "write" else "queue.view") else false()


class ScoringState(Base):
    """When scores were last brought up to date (one row)."""

    __tablename__ = "scoring_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_on: Mapped[date | None] = mapped_column(Date)
    run_at: Mapped[datetime | None]
    generation: Mapped[int] = mapped_column(Integer, default=0)


# The features of a few tasks (a training day, a changed unit) read their units' signals: this
# covering index, unit first, lets the database seek them.
Index("ix_signals_latest", Signal.unit_id, Signal.matter_id, Signal.task_id, Signal.source, Signal.kind,
      Signal.observed_on, Signal.value)

# A full rescoring reads the signals one kind at a time: with this covering index the database
# seeks each kind and reads its rows grouped per (unit, matter, task), oldest first, without
# sorting millions of rows (bench/scoring.py). The id is PostgreSQL's tie-break among a day's
# observations (the one recorded last first): covered, the read never visits the table, and only
# a key's rows of one day are sorted. SQLite's tie-break is the value, already before it.
Index("ix_signals_history", Signal.source, Signal.kind, Signal.unit_id, Signal.matter_id, Signal.task_id,
      Signal.observed_on, Signal.value, Signal.id.desc())
