"""The lists behind dashboard figures that the ledger's own pages do not filter by.

Tasks of one unit alone (not its subtree), of one region, or due in a month
with their on-time flag; and the per-unit figures behind a signal figure.
Each list starts from the ledger's scoped conditions and adds its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from core.access.scope import Scope
from core.circulars.facts import combine, latest_signals, on_time_clause, signal_by_unit
from core.hooktypes import SignalKind
from core.ledger.deadlines import light_clause
from core.ledger.models import Matter, Task
from core.ledger.queries import PER_PAGE, Page, paginate
from core.org.models import Unit


@dataclass
class TaskListFilter:
    """What a dashboard task list filters on."""

    overdue: bool = False
    unit_id: int | None = None  # exactly this unit
    region: str = ""  # a region-code prefix
    due_from: date | None = None
    due_to: date | None = None
    on_time: bool | None = None  # with due dates: only tasks done on time (True) or not (False)


def task_conditions(scope: Scope, f: TaskListFilter, today: date, zone: str | None = None) -> list[Any]:
    """SQL conditions for ``f`` within the user's scope (on a query joining Task, Matter and Unit)."""
    conditions: list[Any] = [scope.clause(Task)]
    if f.overdue:
        conditions.append(light_clause("red", today))
    if f.unit_id is not None:
        conditions.append(Task.unit_id == f.unit_id)
    if f.region:
        conditions.append(Unit.region_code.startswith(f.region))
    if f.due_from is not None:
        conditions.append(Task.deadline >= f.due_from)
    if f.due_to is not None:
        conditions.append(Task.deadline <= min(f.due_to, today))
    if f.on_time is not None:
        clause = on_time_clause(scope.session, zone)
        conditions.append(clause if f.on_time else ~clause)
    return conditions


def task_page(scope: Scope, f: TaskListFilter, today: date, number: int = 1, per_page: int = PER_PAGE,
              zone: str | None = None) -> Page[Task]:
    """One page of the tasks matching ``f``, deadline first, with the total."""
    stmt = (select(Task).join(Matter, Matter.id == Task.matter_id).join(Unit, Unit.id == Task.unit_id)
            .options(contains_eager(Task.matter), contains_eager(Task.unit))
            .where(*task_conditions(scope, f, today, zone)).order_by(Task.deadline, Task.id))
    return paginate(scope, stmt, number, per_page)


@dataclass
class UnitFigure:
    """One unit's figure behind a signal figure, and the day it was observed."""

    unit_id: int
    code: str
    name: str
    value: float
    observed_on: date | None


def signal_list(scope: Scope, kind: SignalKind, since: date, until: date) -> tuple[list[UnitFigure], float | None]:
    """Each unit's figure for ``kind`` (as the dashboard combines them) and the combined figure."""
    values = signal_by_unit(scope, kind, since, until)
    if not values:
        return [], None
    latest = latest_signals(scope, kind.source, kind.name, since, until).subquery()
    days = dict(scope.session.execute(select(latest.c.unit_id, func.max(latest.c.observed_on))
                                      .group_by(latest.c.unit_id)).tuples().all())
    units = scope.session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(list(values))))
    rows = [UnitFigure(uid, code, name, values[uid], days.get(uid)) for uid, code, name in units]
    rows.sort(key=lambda r: (-r.value, r.code))
    return rows, combine(kind, values.values())
