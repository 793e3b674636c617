"""Who hears about a task's steps: its unit, or the staff who follow it up."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.i18n import Message, message
from core.ledger.models import Matter, Task, TaskEvent
from core.notify import notify


def task_link(task: Task) -> str:
    """The path of the task's page (for notifications and e-mails)."""
    return f"/ledger/tasks/{task.id}"


def notify_unit(session: Session, task: Task, event: TaskEvent, subject: Message,
                body: Message | None = None) -> int:
    """Tell every active user of the task's lead unit about ``event``."""
    return notify(session, key=f"task-event:{event.id}:unit", subject=subject, body=body or subject,
                  link=task_link(task), unit_id=task.unit_id)


def notify_followers(session: Session, task: Task, event: TaskEvent, subject: Message,
                     body: Message | None = None) -> int:
    """Tell the staff following the task up about ``event``.

    For a task passed on by a lower unit, that unit's users; otherwise the
    supervision staff of the unit that owns the matter.
    """
    key = f"task-event:{event.id}:followers"
    if task.parent_task_id is not None:
        parent_unit = session.scalar(select(Task.unit_id).where(Task.id == task.parent_task_id))
        return notify(session, key=key, subject=subject, body=body or subject, link=task_link(task),
                      unit_id=parent_unit)
    owner = select(Matter.owner_unit_id).where(Matter.id == task.matter_id).scalar_subquery()
    staff = session.scalars(select(User.id).where(User.unit_id == owner, User.role == Role.supervisor))
    return notify(session, key=key, subject=subject, body=body or subject, link=task_link(task),
                  user_ids=list(staff))


def task_label(session: Session, task: Task) -> Message:
    """``matter code · unit name``, as it appears in notification subjects."""
    from core.org.models import Unit

    row = session.execute(select(Matter.code, Matter.title, Unit.name).join(Unit, Unit.id == task.unit_id)
                          .where(Matter.id == task.matter_id)).one()
    return message("%(code)s %(title)s · %(unit)s", code=row.code, title=row.title, unit=row.name)
