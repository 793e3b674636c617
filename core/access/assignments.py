"""Assigning evaluators to the matters (and units' parts of matters) they may assess.

An :class:`~core.access.models.Assignment` is what the scope layer reads to limit
an evaluator (评估人员) to their work: a whole matter (``unit_id`` is None) or one
unit's part of it. Plugins that register evaluators go through these functions
rather than writing the table themselves.
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from core.access.models import Assignment, Role, User
from core.errors import NotFound, ValidationError
from core.ledger.models import Matter, Task, TaskCoUnit
from core.org.models import Unit


def assign(session: Session, user: User, matter: Matter, unit: Unit | None = None) -> Assignment:
    """Let the evaluator ``user`` assess ``matter`` (only ``unit``'s part when given).

    Returns the assignment, the stored one when it exists already. Raises
    :class:`ValidationError` when ``user`` is not an evaluator or ``unit`` holds
    no task (as lead or co-unit) in ``matter``.
    """
    if user.role != Role.evaluator:
        raise ValidationError("Only evaluator accounts can be assigned to matters.")
    if unit is not None and not unit_has_task(session, matter.id, unit.id):
        raise ValidationError("The unit %(unit)s has no task in the matter %(matter)s.",
                              unit=unit.code, matter=matter.code)
    found = find_assignment(session, user.id, matter.id, unit.id if unit else None)
    if found is not None:
        return found
    assignment = Assignment(user_id=user.id, matter_id=matter.id, unit_id=unit.id if unit else None)
    session.add(assignment)
    session.flush()
    return assignment


def unassign(session: Session, assignment_id: int) -> None:
    """Remove one assignment; the evaluator loses sight of that matter (or unit's part)."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("Not found.")
    session.delete(assignment)
    session.flush()


def find_assignment(session: Session, user_id: int, matter_id: int, unit_id: int | None) -> Assignment | None:
    """The assignment with exactly these parts, if any (a NULL unit never clashes in SQL)."""
    unit_clause = Assignment.unit_id.is_(None) if unit_id is None else Assignment.unit_id == unit_id
    return session.scalar(select(Assignment).where(Assignment.user_id == user_id,
                                                   Assignment.matter_id == matter_id, unit_clause))


def assignments_of(session: Session, user_id: int) -> list[Assignment]:
    """Every assignment of one evaluator, oldest first."""
    return list(session.scalars(select(Assignment).where(Assignment.user_id == user_id).order_by(Assignment.id)))


def assignments_for_matter(session: Session, matter_id: int) -> list[Assignment]:
    """Every assignment on one matter, oldest first."""
    return list(session.scalars(select(Assignment).where(Assignment.matter_id == matter_id)
                                .order_by(Assignment.id)))


def is_assigned(session: Session, user_id: int, matter_id: int, unit_id: int) -> bool:
    """True when ``user_id`` may assess ``unit_id``'s part of ``matter_id``."""
    return session.scalar(select(exists().where(
        Assignment.user_id == user_id, Assignment.matter_id == matter_id,
        or_(Assignment.unit_id.is_(None), Assignment.unit_id == unit_id)))) or False


def unit_has_task(session: Session, matter_id: int, unit_id: int) -> bool:
    """True when ``unit_id`` leads or co-operates on a task of ``matter_id``."""
    lead = exists().where(Task.matter_id == matter_id, Task.unit_id == unit_id)
    co = exists().where(TaskCoUnit.unit_id == unit_id, TaskCoUnit.task_id == Task.id,
                        Task.matter_id == matter_id)
    return session.scalar(select(or_(lead, co))) or False
