"""Traffic lights: green on track, yellow when near the deadline or sent back, red when overdue.

The light is worked out in Python for one task and as a SQL ``CASE`` for lists,
so the ledger can filter and count by light without loading every task.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, and_, case, literal

from core.ledger.models import OPEN_STATES, Task, TaskState

Light = Literal["green", "yellow", "red"]
LIGHTS: tuple[Light, ...] = ("green", "yellow", "red")
DEFAULT_WARNING_DAYS = 3


def light(task: Task, today: date, warning_days: int = DEFAULT_WARNING_DAYS) -> Light:
    """The light of ``task`` on ``today``."""
    if task.state not in OPEN_STATES:
        return "green"
    if task.deadline < today:
        return "red"
    if task.state == TaskState.returned or task.deadline <= today + timedelta(days=warning_days):
        return "yellow"
    return "green"


def days_overdue(task: Task, today: date) -> int:
    """Whole days past the deadline (0 when not overdue or no longer open)."""
    if task.state not in OPEN_STATES or task.deadline >= today:
        return 0
    return (today - task.deadline).days


def is_open() -> ColumnElement[bool]:
    """SQL: the task still owes work."""
    return Task.state.in_(OPEN_STATES)


def light_clause(wanted: Light, today: date, warning_days: int = DEFAULT_WARNING_DAYS) -> ColumnElement[bool]:
    """SQL condition: the task's light is ``wanted`` on ``today`` (index-friendly ranges)."""
    soon = today + timedelta(days=warning_days)
    if wanted == "red":
        return and_(is_open(), Task.deadline < today)
    if wanted == "yellow":
        return and_(is_open(), Task.deadline >= today,
                    (Task.deadline <= soon) | (Task.state == TaskState.returned))
    return ~is_open() | and_(Task.deadline > soon, Task.state != TaskState.returned)


def light_expression(today: date, warning_days: int = DEFAULT_WARNING_DAYS) -> ColumnElement[str]:
    """SQL: the light as text, for grouping and sorting."""
    return case(
        (light_clause("red", today, warning_days), literal("red")),
        (light_clause("yellow", today, warning_days), literal("yellow")),
        else_=literal("green"),
    )
