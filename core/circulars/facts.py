"""Per-unit facts for a period, aggregated in SQL: tasks due and done on time, and signals.

The circular's ranking and the dashboard read the same functions, so a figure
on the dashboard and the ranking in a circular never disagree on what
"on time" or "survey satisfaction" means.

*Assessed in a period*: a task whose deadline fell in the period (up to
today), or that was completed (accepted or closed) with its last report filed
in the period, ahead of its deadline or not. *On time*: completed, with the
last report filed no later than the deadline day, in the instance's time zone.
The dashboard's monthly rate groups tasks by deadline month only.

*Signals*: sources store each figure as a series of the days it changed (a
unit's, or one matter's or task's within the unit), so for a unit and a kind
each series gives the value as it stood at the end of the period: its latest
point up to the period's last day (a figure unchanged since before the period
still holds in it). When the source recorded a unit-wide value
(no matter) that value stands; otherwise the per-matter values are combined,
summed for counts, amounts and days, averaged for shares and scores.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, cast, func, or_, select
from sqlalchemy import Date as SQLDate
from sqlalchemy.orm import Session

from core import clock
from core.access.scope import Scope
from core.hooktypes import SignalKind
from core.ledger.models import OPEN_STATES, Task, TaskState
from core.signals import Signal

DONE_STATES = (TaskState.accepted, TaskState.closed)
# Scales whose values are averaged across matters; every other scale is summed.
MEAN_SCALES = frozenset({"share", "0-100", "score", "points", "percent"})


@dataclass
class OnTime:
    """Tasks due in a period and how many were completed on time."""

    due: int = 0  # tasks assessed: due in the period, or completed in it
    on_time: int = 0
    overdue_open: int = 0  # still open after the deadline

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


def local_date(session: Session, column: Any, zone: str | None = None) -> ColumnElement[Any]:
    """SQL: the calendar date of a UTC timestamp ``column`` in ``zone`` (by default the instance's)."""
    zone = zone or clock.zone_name()
    if session.get_bind().dialect.name == "sqlite":
        offset = datetime.now(clock.zone_named(zone)).utcoffset()
        hours = int(offset.total_seconds() // 3600) if offset else 0
        return func.date(column, f"{hours:+d} hours")
    return cast(func.timezone(zone, column), SQLDate)


def on_time_clause(session: Session, zone: str | None = None) -> ColumnElement[bool]:
    """SQL: the task was completed and its last report filed by the deadline day."""
    return and_(Task.state.in_(DONE_STATES), Task.last_report_at.is_not(None),
                local_date(session, Task.last_report_at, zone) <= Task.deadline)


def assessed_clause(session: Session, start: date, end: date, today: date,
                    zone: str | None = None) -> ColumnElement[bool]:
    """SQL: the task fell due in the period (up to ``today``) or was completed in it."""
    reported = local_date(session, Task.last_report_at, zone)
    completed = and_(Task.state.in_(DONE_STATES), Task.last_report_at.is_not(None),
                     reported >= start, reported <= end)
    return or_(and_(Task.deadline >= start, Task.deadline <= min(end, today)), completed)


def on_time_by_unit(scope: Scope, start: date, end: date, today: date, *, zone: str | None = None,
                    unit_ids: Select[int] | None = None) -> dict[int, OnTime]:
    """Lead units' tasks assessed in ``start``–``end``, by unit id (one grouped query)."""
    session = scope.session
    on_time = func.sum(case((on_time_clause(session, zone), 1), else_=0))
    overdue = func.sum(case((and_(Task.state.in_(OPEN_STATES), Task.deadline < today), 1), else_=0))
    stmt = (select(Task.unit_id, func.count(Task.id), on_time, overdue)
            .where(scope.clause(Task), assessed_clause(session, start, end, today, zone)).group_by(Task.unit_id))
    if unit_ids is not None:
        stmt = stmt.where(Task.unit_id.in_(unit_ids))
    return {unit_id: OnTime(int(due), int(done or 0), int(late or 0))
            for unit_id, due, done, late in session.execute(stmt)}


def is_mean(kind: SignalKind) -> bool:
    """True when values of ``kind`` are averaged rather than summed."""
    return kind.scale in MEAN_SCALES


def latest_signals(scope: Scope, source: str, kind: str, start: date, end: date) -> Select[Any]:
    """SQL: the signals of ``source``/``kind``, each series' on its latest day up to the period's end."""
    return _latest(scope, [(source, kind)], start, end)


def _latest(scope: Scope, pairs: list[tuple[str, str]], start: date, end: date) -> Select[Any]:
    """SQL: for each (source, kind) in ``pairs``, each series' signals on its latest day up to the period's end.

    A series is a unit's (no matter), or one matter's or task's within it; each
    stands at its own latest day, so a matter whose figure last changed before
    another's still counts. ``start`` is not a bound: a figure last changed
    before the period still stood in it.
    """
    wanted = or_(*(and_(Signal.source == source, Signal.kind == kind) for source, kind in pairs))
    latest = (select(Signal.source.label("source"), Signal.kind.label("kind"), Signal.unit_id.label("unit_id"),
                     Signal.matter_id.label("matter_id"), Signal.task_id.label("task_id"),
                     func.max(Signal.observed_on).label("day"))
              .where(wanted, Signal.observed_on <= end, scope.clause(Signal))
              .group_by(Signal.source, Signal.kind, Signal.unit_id, Signal.matter_id, Signal.task_id).subquery())
    return (select(Signal)
            .join(latest, and_(latest.c.unit_id == Signal.unit_id, latest.c.day == Signal.observed_on,
                               latest.c.source == Signal.source, latest.c.kind == Signal.kind,
                               Signal.matter_id.is_not_distinct_from(latest.c.matter_id),
                               Signal.task_id.is_not_distinct_from(latest.c.task_id))))


def signal_by_unit(scope: Scope, kind: SignalKind, start: date, end: date) -> dict[int, float]:
    """Each unit's figure for ``kind`` in the period (see the module docstring), one query."""
    return signals_by_unit(scope, [kind], start, end).get((kind.source, kind.name), {})


def signals_by_unit(scope: Scope, kinds: list[SignalKind], start: date,
                    end: date) -> dict[tuple[str, str], dict[int, float]]:
    """Each unit's figure for each of ``kinds``, by (source, kind), from one grouped query."""
    if not kinds:
        return {}
    rows = _latest(scope, [(k.source, k.name) for k in kinds], start, end).subquery()
    wide = rows.c.matter_id.is_(None)
    stmt = (select(rows.c.source, rows.c.kind, rows.c.unit_id,
                   func.sum(case((wide, 1), else_=0)), func.sum(case((wide, rows.c.value), else_=0.0)),
                   func.count(), func.sum(rows.c.value))
            .group_by(rows.c.source, rows.c.kind, rows.c.unit_id))
    means = {(k.source, k.name): is_mean(k) for k in kinds}
    figures: dict[tuple[str, str], dict[int, float]] = {}
    for source, name, unit_id, wide_n, wide_sum, n, total in scope.session.execute(stmt):
        count, value = (wide_n, wide_sum) if wide_n else (n, total)
        mean = means.get((source, name), False)
        figures.setdefault((source, name), {})[unit_id] = float(value) / count if mean and count else float(value or 0)
    return figures


def combine(kind: SignalKind, values: Iterable[float]) -> float | None:
    """The figure over several units: their mean for shares and scores, else their sum."""
    values = list(values)
    if not values:
        return None
    return sum(values) / len(values) if is_mean(kind) else sum(values)
