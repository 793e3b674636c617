"""A task's timeline: every step, who took it and when."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.access.models import User
from core.db import utcnow
from core.ledger.models import EventKind, Task, TaskEvent


def record_event(session: Session, task: Task, kind: EventKind, actor: User | None = None,
                 note: str = "", **details: Any) -> TaskEvent:
    """Append an entry to ``task``'s timeline (in the caller's transaction)."""
    event = TaskEvent(task_id=task.id, kind=kind, actor_id=actor.id if actor else None, note=note,
                      details=details, at=utcnow())
    session.add(event)
    session.flush()
    return event


def timeline(session: Session, task: Task) -> list[TaskEvent]:
    """``task``'s events, oldest first, with their actors loaded in the same query."""
    stmt = (select(TaskEvent).options(joinedload(TaskEvent.actor))
            .where(TaskEvent.task_id == task.id).order_by(TaskEvent.at, TaskEvent.id))
    return list(session.scalars(stmt))
