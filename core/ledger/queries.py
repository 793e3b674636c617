"""The ledger's lists: filtered, scoped, paginated, counted in SQL.

Every list starts from ``scope.select(Task)``, so a user sees only tasks their
unit may see; filters add index-friendly conditions on state and deadline.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from core.access.scope import Scope
from core.ledger.deadlines import DEFAULT_WARNING_DAYS, Light, is_open, light_clause, light_expression
from core.ledger.models import Matter, MatterKind, Task, TaskState
from core.org.models import Unit

T = TypeVar("T")
PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass
class LedgerFilter:
    """What the ledger page, the overdue list and the export filter on."""

    q: str = ""
    kind: MatterKind | None = None
    state: TaskState | None = None
    light: Light | None = None
    unit_id: int | None = None  # this unit and the units below it
    matter_id: int | None = None
    deadline_from: date | None = None
    deadline_to: date | None = None
    overdue: bool = False


@dataclass
class Page(Generic[T]):
    """One page of a list and where it sits in the whole."""

    items: list[T]
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_prev(self) -> bool:
        return self.number > 1


@dataclass
class UnitOverdue:
    """One unit's overdue tasks, for the overdue list by unit."""

    unit_id: int
    code: str
    name: str
    overdue: int
    oldest_deadline: date
    without_reason: int
    days: int = field(default=0)


def _conditions(scope: Scope, f: LedgerFilter, today: date, warning_days: int) -> list[Any]:
    conditions: list[Any] = [scope.clause(Task)]
    if f.kind is not None:
        conditions.append(Matter.kind == f.kind)
    if f.state is not None:
        conditions.append(Task.state == f.state)
    if f.light is not None:
        conditions.append(light_clause(f.light, today, warning_days))
    if f.overdue:
        conditions.append(light_clause("red", today, warning_days))
    if f.unit_id is not None:
        path = select(Unit.path).where(Unit.id == f.unit_id).scalar_subquery()
        conditions.append(Task.unit_id.in_(select(Unit.id).where(Unit.path.startswith(path))))
    if f.matter_id is not None:
        conditions.append(Task.matter_id == f.matter_id)
    if f.deadline_from is not None:
        conditions.append(Task.deadline >= f.deadline_from)
    if f.deadline_to is not None:
        conditions.append(Task.deadline <= f.deadline_to)
    if f.q.strip():
        like = "%" + f.q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(Matter.code.like(like, escape="\\"), Matter.title.like(like, escape="\\"),
                              Matter.source_ref.like(like, escape="\\"), Task.description.like(like, escape="\\")))
    return conditions


def ledger_select(scope: Scope, f: LedgerFilter, today: date,
                  warning_days: int = DEFAULT_WARNING_DAYS) -> Select[Task]:
    """Tasks matching ``f`` that the user may see, with matter and unit loaded, deadline first."""
    return (select(Task)
            .join(Matter, Matter.id == Task.matter_id)
            .join(Unit, Unit.id == Task.unit_id)
            .options(contains_eager(Task.matter), contains_eager(Task.unit))
            .where(*_conditions(scope, f, today, warning_days))
            .order_by(Task.deadline, Task.id))


def paginate(scope: Scope, stmt: Select[T], number: int = 1, per_page: int = PER_PAGE) -> Page[T]:
    """One page of ``stmt`` and the total count (two queries, whatever the page size)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    number = max(1, number)
    entity = stmt.column_descriptions[0]["entity"]
    key = entity.__mapper__.primary_key[0]
    total = scope.session.scalar(select(func.count()).select_from(
        stmt.order_by(None).with_only_columns(key, maintain_column_froms=True).subquery())) or 0
    items = list(scope.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)).unique())
    return Page(items, total, number, per_page)


def _needs_matter(f: LedgerFilter) -> bool:
    return f.kind is not None or bool(f.q.strip())


def count_tasks(scope: Scope, f: LedgerFilter, today: date, warning_days: int = DEFAULT_WARNING_DAYS) -> int:
    """How many tasks match ``f``; joins the matters only when a filter reads them."""
    stmt = select(func.count(Task.id)).select_from(Task)
    if _needs_matter(f):
        stmt = stmt.join(Matter, Matter.id == Task.matter_id)
    return scope.session.scalar(stmt.where(*_conditions(scope, f, today, warning_days))) or 0


def ledger_page(scope: Scope, f: LedgerFilter, today: date, number: int = 1, per_page: int = PER_PAGE,
                warning_days: int = DEFAULT_WARNING_DAYS) -> Page[Task]:
    """The ledger page: tasks matching ``f``, one page at a time (two queries)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    number = max(1, number)
    stmt = ledger_select(scope, f, today, warning_days).limit(per_page).offset((number - 1) * per_page)
    items = list(scope.session.scalars(stmt).unique())
    return Page(items, count_tasks(scope, f, today, warning_days), number, per_page)


def overdue_page(scope: Scope, f: LedgerFilter, today: date, number: int = 1,
                 per_page: int = PER_PAGE) -> Page[Task]:
    """Overdue tasks (open, deadline passed) matching ``f``, oldest deadline first."""
    f = LedgerFilter(**{**f.__dict__, "overdue": True, "light": None})
    return ledger_page(scope, f, today, number, per_page)


def overdue_units(scope: Scope, f: LedgerFilter, today: date, limit: int = 500) -> list[UnitOverdue]:
    """Units with overdue tasks, most overdue first.

    Three grouped queries whatever the number of units: the counts (answered
    from the (unit, state, deadline) index alone), the units' names, and how
    many of their overdue tasks still lack a reason.
    """
    f = LedgerFilter(**{**f.__dict__, "overdue": True, "light": None})
    conditions = _conditions(scope, f, today, DEFAULT_WARNING_DAYS)
    count = func.count(Task.id)

    def grouped(*columns: Any, extra: tuple[Any, ...] = ()) -> Select[Any]:
        stmt = select(Task.unit_id, *columns).select_from(Task)
        if _needs_matter(f):
            stmt = stmt.join(Matter, Matter.id == Task.matter_id)
        return stmt.where(*conditions, *extra).group_by(Task.unit_id)

    counts = scope.session.execute(grouped(count, func.min(Task.deadline))
                                   .order_by(count.desc(), Task.unit_id).limit(limit)).all()
    if not counts:
        return []
    ids = [row[0] for row in counts]
    names = {row.id: row for row in scope.session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(ids)))}
    without: dict[int, int] = dict(
        scope.session.execute(grouped(count, extra=(Task.unit_id.in_(ids), Task.delay_reason == ""))).all())
    rows = []
    for unit_id, overdue, oldest in counts:
        oldest_date = oldest if isinstance(oldest, date) else date.fromisoformat(str(oldest))
        unit = names[unit_id]
        rows.append(UnitOverdue(unit_id, unit.code, unit.name, overdue, oldest_date, int(without.get(unit_id, 0)),
                                (today - oldest_date).days))
    # Equal counts come out by unit code, as people look for them.
    rows.sort(key=lambda row: (-row.overdue, row.code))
    return rows


def light_counts(scope: Scope, f: LedgerFilter, today: date,
                 warning_days: int = DEFAULT_WARNING_DAYS) -> dict[str, int]:
    """How many of the matching tasks show each light (one query)."""
    f = LedgerFilter(**{**f.__dict__, "light": None})
    lit = light_expression(today, warning_days)
    stmt = select(lit, func.count(Task.id)).select_from(Task)
    if _needs_matter(f):
        stmt = stmt.join(Matter, Matter.id == Task.matter_id)
    stmt = stmt.where(*_conditions(scope, f, today, warning_days)).group_by(lit)
    counts = {"green": 0, "yellow": 0, "red": 0}
    counts.update({str(name): int(count) for name, count in scope.session.execute(stmt)})
    return counts


__all__ = ["LedgerFilter", "Page", "UnitOverdue", "count_tasks", "is_open", "ledger_page", "ledger_select",
           "light_counts", "overdue_page", "overdue_units", "paginate"]
