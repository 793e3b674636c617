"""What ``duban tick`` does for the ledger: reminders before deadlines, notices when they pass.

Each reminder carries a dedupe key naming the task, the kind of reminder and
the deadline (or reporting period) it is about, so running the tick twice sends
nothing new, and moving a deadline earns a fresh reminder.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from core.i18n import message
from core.ledger.alerts import task_link
from core.ledger.deadlines import DEFAULT_WARNING_DAYS
from core.ledger.models import OPEN_STATES, UNIT_TURN_STATES, Cadence, EventKind, Matter, Task, TaskState
from core.ledger.timeline import record_event
from core.notify import NotificationKey, notify

CHUNK = 500


def send_reminders(session: Session, today: date, warning_days: int = DEFAULT_WARNING_DAYS) -> list[str]:
    """Remind units of deadlines near and passed, and of periodic reports due; returns a summary."""
    soon = _remind(session, _due_soon(today, warning_days), "due-soon", today)
    overdue = _remind(session, _overdue(today), "overdue", today)
    periodic = _remind(session, _periodic_due(today, warning_days), "periodic", today)
    return [f"ledger: {soon} due-soon reminders, {overdue} overdue notices, {periodic} periodic report reminders"]


def _due_soon(today: date, warning_days: int) -> Select[Task]:
    return select(Task).where(Task.state.in_(UNIT_TURN_STATES), Task.deadline >= today,
                              Task.deadline <= today + timedelta(days=warning_days))


def _overdue(today: date) -> Select[Task]:
    return select(Task).where(Task.state.in_(OPEN_STATES), Task.deadline < today)


def period_bounds(today: date, cadence: Cadence) -> tuple[date, date]:
    """First and last day of the reporting period (month or quarter) holding ``today``."""
    first_month = today.month if cadence == Cadence.monthly else 3 * ((today.month - 1) // 3) + 1
    start = date(today.year, first_month, 1)
    months = 1 if cadence == Cadence.monthly else 3
    year, month = divmod(first_month - 1 + months, 12)
    end = date(today.year + year, month + 1, 1) - timedelta(days=1)
    return start, end


def _periodic_due(today: date, warning_days: int) -> Select[Task]:
    """Monthly and quarterly tasks whose period ends soon with no report filed in it."""
    clauses = []
    for cadence in (Cadence.monthly, Cadence.quarterly):
        start, end = period_bounds(today, cadence)
        if (end - today).days > warning_days:
            continue
        period_start = datetime.combine(start, time.min, tzinfo=UTC)
        clauses.append(and_(Task.cadence == cadence,
                            or_(Task.last_report_at.is_(None), Task.last_report_at < period_start)))
    if not clauses:
        return select(Task).where(Task.id.is_(None))
    return select(Task).where(Task.state.in_((TaskState.signed, TaskState.accepted, TaskState.returned)),
                              Task.deadline >= today, or_(*clauses))


def _key(task: Task, kind: str, today: date) -> str:
    if kind == "periodic":
        start, _end = period_bounds(today, task.cadence)
        return f"task:{task.id}:periodic:{start.isoformat()}"
    return f"task:{task.id}:{kind}:{task.deadline.isoformat()}"


def _chunks(session: Session, stmt: Select[Task]) -> Iterator[list[Task]]:
    """The tasks of ``stmt`` in id order, a chunk at a time (keyset pagination)."""
    last = 0
    while True:
        chunk = list(session.scalars(stmt.options(joinedload(Task.matter)).where(Task.id > last)
                                     .order_by(Task.id).limit(CHUNK)))
        if not chunk:
            return
        yield chunk
        last = chunk[-1].id


def _remind(session: Session, stmt: Select[Task], kind: str, today: date) -> int:
    sent = 0
    for chunk in _chunks(session, stmt):
        keys = {task.id: _key(task, kind, today) for task in chunk}
        # One query per chunk tells which reminders already went out.
        used = set(session.scalars(select(NotificationKey.key).where(NotificationKey.key.in_(keys.values()))))
        for task in chunk:
            if keys[task.id] in used:
                continue
            _send(session, task, kind, keys[task.id], today)
            sent += 1
    return sent


def _send(session: Session, task: Task, kind: str, key: str, today: date) -> None:
    matter: Matter = task.matter
    label = message("%(code)s %(title)s", code=matter.code, title=matter.title)
    if kind == "due-soon":
        days = (task.deadline - today).days
        subject = message("Deadline in %(days)s days: %(task)s", days=days, task=label)
        body = message("The task \"%(description)s\" is due on %(deadline)s. Please report on time.",
                       description=task.description[:200], deadline=task.deadline.isoformat())
        event = EventKind.reminded
    elif kind == "overdue":
        subject = message("Deadline missed: %(task)s", task=label)
        body = message("The task \"%(description)s\" was due on %(deadline)s. "
                       "Report now and give the reason for the delay.",
                       description=task.description[:200], deadline=task.deadline.isoformat())
        event = EventKind.overdue
    else:
        subject = message("Periodic report due: %(task)s", task=label)
        body = message("Please file this period's progress report on \"%(description)s\".",
                       description=task.description[:200])
        event = EventKind.reminded
    notify(session, key=key, subject=subject, body=body, link=task_link(task), unit_id=task.unit_id)
    record_event(session, task, event, None, reminder=kind, deadline=task.deadline.isoformat())
