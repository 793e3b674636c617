"""The review queue as one user sees it: scored tasks they may see, best first, with reasons."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select

from core import clock
from core.access.scope import Scope
from core.ledger.models import Matter, MatterKind, Task
from core.org.models import Unit
from core.scoring.models import TaskScore
from core.signals import Signal

QUEUE_COLUMNS = ("rank", "task_id", "matter_code", "unit_code", "priority", "p_problem", "mode", "reasons")


@dataclass(frozen=True)
class QueueFilter:
    """Narrowing the queue: a region code (or its prefix), a matter, a matter kind, a signal source."""

    region: str = ""
    matter_id: int | None = None
    kind: MatterKind | None = None
    source: str = ""


@dataclass
class QueueEntry:
    """One row of the queue."""

    rank: int
    task: Task
    matter: Matter
    unit: Unit
    score: TaskScore
    explore: bool
    #: The day of the task's latest on-site visit, if it had one.
    visited_on: date | None = None
    #: A problem found on site is being rectified (open, or reported fixed and awaiting its look-back).
    rectifying: bool = False

    @property
    def mode(self) -> str:
        """``explore`` when drawn at random into a round being planned or under way, else ``ranked``."""
        return "explore" if self.explore else "ranked"


def region_prefix(code: str) -> str:
    """``990100`` → ``9901``: a region code matches the units inside it."""
    code = code.strip()
    if len(code) == 6 and code.isdigit():
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
    return code


def _explore_clause() -> Any:
    from core.review.models import ReviewRound, ReviewVisit, RoundState, Selection, VisitState

    return exists(select(ReviewVisit.id).join(ReviewRound, ReviewRound.id == ReviewVisit.round_id).where(
        ReviewVisit.task_id == Task.id, ReviewVisit.selection == Selection.random,
        ReviewVisit.state == VisitState.planned,
        ReviewRound.state.in_((RoundState.planned, RoundState.active)))).correlate(Task)


def _rectifying() -> Any:
    """1 when a problem found on the task on site is being rectified, else 0 (SQL, correlated to the task).

    Being rectified: open and not past its deadline, or reported fixed and awaiting its look-back.
    """
    from core.review.models import Rectification, RectificationState

    under_way = or_(and_(Rectification.state == RectificationState.open, Rectification.deadline >= clock.today()),
                    Rectification.state == RectificationState.reported_fixed)
    return case((exists(select(Rectification.id).where(Rectification.task_id == Task.id, under_way))
                 .correlate(Task), 1), else_=0)


def _last_visit() -> Any:
    from core.review.models import ReviewOutcome

    return (select(func.max(ReviewOutcome.visited_on)).where(ReviewOutcome.task_id == Task.id)
            .correlate(Task).scalar_subquery())


def queue_statement(scope: Scope, queue_filter: QueueFilter = QueueFilter()) -> Select[Any]:
    """The scored tasks ``scope`` may see, filtered, best first.

    A task whose problem, found on site, is being rectified goes after the others, whatever
    its score: the office has been there and the unit is repairing it, and the look-back
    visit that rectification plans checks the repair (see docs/review.md).
    """
    rectifying = _rectifying()
    stmt = (select(TaskScore, Task, Matter, Unit, _explore_clause().label("explore"),
                   _last_visit().label("visited_on"), rectifying.label("rectifying"))
            .join(Task, Task.id == TaskScore.task_id).join(Matter, Matter.id == Task.matter_id)
            .join(Unit, Unit.id == Task.unit_id).where(scope.clause(Task)))
    return _filtered(stmt, queue_filter).order_by(rectifying, TaskScore.priority.desc(), TaskScore.task_id)


def _filtered(stmt: Select[Any], queue_filter: QueueFilter) -> Select[Any]:
    if queue_filter.region:
        stmt = stmt.where(Unit.region_code.startswith(region_prefix(queue_filter.region)))
    if queue_filter.matter_id is not None:
        stmt = stmt.where(Task.matter_id == queue_filter.matter_id)
    if queue_filter.kind is not None:
        stmt = stmt.where(Matter.kind == queue_filter.kind)
    if queue_filter.source:
        stmt = stmt.where(exists(select(Signal.id).where(
            Signal.source == queue_filter.source, Signal.unit_id == Task.unit_id,
            or_(Signal.matter_id.is_(None), Signal.matter_id == Task.matter_id))).correlate(Task))
    return stmt


def queue_entries(scope: Scope, queue_filter: QueueFilter = QueueFilter(), *, limit: int = 50,
                  offset: int = 0) -> tuple[list[QueueEntry], int]:
    """A page of the queue and the number of entries in all."""
    session = scope.session
    base = queue_statement(scope, queue_filter)
    total = session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    rows = session.execute(base.limit(limit).offset(offset)).all()
    entries = [QueueEntry(offset + i + 1, task, matter, unit, score, bool(explore), visited_on, bool(rectifying))
               for i, (score, task, matter, unit, explore, visited_on, rectifying) in enumerate(rows)]
    return entries, int(total)


def queue_entry(scope: Scope, task_id: int) -> QueueEntry | None:
    """One task's place in the user's whole queue (None when it is not scored)."""
    task = scope.get(Task, task_id)
    score = scope.session.get(TaskScore, task.id)
    if score is None:
        return None
    explore, visited_on, rectifying = scope.session.execute(
        select(_explore_clause(), _last_visit(), _rectifying()).select_from(Task).where(Task.id == task.id)).one()
    behind_it = or_(TaskScore.priority > score.priority,
                    and_(TaskScore.priority == score.priority, TaskScore.task_id < task.id))
    ahead = scope.session.scalar(
        select(func.count()).select_from(TaskScore).join(Task, Task.id == TaskScore.task_id)
        .where(scope.clause(Task), or_(_rectifying() < rectifying, and_(_rectifying() == rectifying, behind_it))))
    return QueueEntry(int(ahead or 0) + 1, task, task.matter, task.unit, score, bool(explore), visited_on,
                      bool(rectifying))


def sources(scope: Scope) -> list[str]:
    """Signal sources present among what the user may see, for the source filter."""
    return list(scope.session.scalars(select(Signal.source).where(scope.clause(Signal)).distinct()
                                      .order_by(Signal.source)))
