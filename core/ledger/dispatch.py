"""Registering matters and dispatching their tasks down the unit hierarchy (交办, 转办)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.scope import Scope
from core.errors import Forbidden, InvalidTransition, ValidationError
from core.i18n import message
from core.ledger.alerts import notify_unit
from core.ledger.models import (
    Cadence,
    EventKind,
    Matter,
    MatterKind,
    SupervisionMethod,
    Task,
    TaskCoUnit,
    TaskState,
)
from core.ledger.timeline import record_event
from core.org.models import Unit


@dataclass
class MatterFields:
    """What staff fill in for a matter."""

    code: str
    title: str
    kind: MatterKind
    source_ref: str = ""
    description: str = ""
    importance: int = 3
    public_attention: int = 0
    people_affected: int = 0
    money_affected: Decimal = Decimal("0")
    # The supervision requirement (督查要求): how and by when the matter will be checked, and what.
    supervision_method: SupervisionMethod | None = None
    supervision_due: date | None = None
    supervision_requirement: str = ""


def save_matter(scope: Scope, matter: Matter | None, fields: MatterFields,
                owner_unit: Unit | None = None) -> Matter:
    """Create a matter owned by the user's unit, or change ``matter`` (already write-checked)."""
    scope.require("ledger.manage")
    session = scope.session
    code, title = fields.code.strip(), fields.title.strip()
    if not code or not title:
        raise ValidationError("A matter needs a code and a title.")
    if not 1 <= fields.importance <= 5:
        raise ValidationError("Importance runs from 1 to 5.")
    if not 0 <= fields.public_attention <= 5:
        raise ValidationError("Public attention runs from 0 to 5.")
    if fields.people_affected < 0 or fields.money_affected < 0:
        raise ValidationError("People and money affected cannot be negative.")
    requirement = fields.supervision_requirement.strip()
    if (fields.supervision_method is None) != (fields.supervision_due is None) or (
            requirement and fields.supervision_method is None):
        raise ValidationError("A supervision requirement says both how the matter will be checked and by when.")
    clash = session.scalar(select(Matter.id).where(Matter.code == code))
    if clash is not None and (matter is None or clash != matter.id):
        raise ValidationError("The matter code %(code)s is taken.", code=code)
    if matter is None:
        owner = owner_unit or scope.unit
        if owner is None:
            raise ValidationError("Your account has no unit, so it cannot own a matter.")
        matter = Matter(owner_unit_id=owner.id)
        session.add(matter)
    matter.code, matter.title, matter.kind = code, title, fields.kind
    matter.source_ref, matter.description = fields.source_ref.strip(), fields.description.strip()
    matter.importance, matter.public_attention = fields.importance, fields.public_attention
    matter.people_affected, matter.money_affected = fields.people_affected, fields.money_affected
    matter.supervision_method, matter.supervision_due = fields.supervision_method, fields.supervision_due
    matter.supervision_requirement = requirement
    session.flush()
    return matter


def writable_unit_ids(scope: Scope, unit_ids: Iterable[int]) -> set[int]:
    """The subset of ``unit_ids`` the user may dispatch to (their unit's subtree)."""
    wanted = set(unit_ids)
    if not wanted:
        return set()
    return set(scope.session.scalars(
        select(Unit.id).where(Unit.id.in_(wanted), Unit.active.is_(True), scope.unit_clause(Unit.id, "write"))))


def dispatch_task(scope: Scope, matter: Matter, *, unit_id: int, description: str, deadline: date,
                  cadence: Cadence = Cadence.once, co_unit_ids: Iterable[int] = (),
                  today: date | None = None, parent: Task | None = None) -> Task:
    """Give ``unit_id`` a task of ``matter`` (which the caller loaded for writing).

    The lead unit and co-units must lie within the user's unit; a deadline in
    the past is refused when ``today`` is given (imports of old ledgers pass None).
    """
    session = scope.session
    description = description.strip()
    if not description:
        raise ValidationError("Describe the task.")
    if today is not None and deadline < today:
        raise ValidationError("The deadline %(deadline)s has already passed.", deadline=deadline.isoformat())
    co_unit_ids = [uid for uid in dict.fromkeys(co_unit_ids) if uid != unit_id]
    allowed = writable_unit_ids(scope, [unit_id, *co_unit_ids])
    if unit_id not in allowed:
        raise ValidationError("You cannot dispatch a task to that unit.")
    if set(co_unit_ids) - allowed:
        raise ValidationError("A co-unit lies outside your unit.")
    task = Task(matter_id=matter.id, unit_id=unit_id, description=description, deadline=deadline,
                cadence=cadence, state=TaskState.dispatched,
                parent_task_id=parent.id if parent else None)
    task.co_units = [TaskCoUnit(unit_id=uid) for uid in co_unit_ids]
    session.add(task)
    session.flush()
    event = record_event(session, task, EventKind.dispatched, scope.user,
                         parent_task_id=parent.id if parent else None)
    notify_unit(session, task, event, message("New task for %(unit)s: %(matter)s",
                                              unit=_unit_name(session, unit_id), matter=matter.title))
    return task


def redispatch_task(scope: Scope, task_id: int, *, unit_ids: Iterable[int], description: str,
                    deadline: date, today: date) -> list[Task]:
    """Pass a task on to units below its own (a city to its counties): one child task each.

    The user must be able to act for the task's unit; the new deadline may not
    be later than the task's own.
    """
    task = scope.get(Task, task_id, "write")
    if not (scope.can("ledger.manage") or scope.can("tasks.report")):
        raise Forbidden("You are not allowed to do this.")
    if task.state == TaskState.closed:
        raise InvalidTransition("This task is closed; it cannot be passed on.")
    if deadline > task.deadline:
        raise ValidationError("The new deadline cannot be later than the task's own (%(deadline)s).",
                              deadline=task.deadline.isoformat())
    targets = list(dict.fromkeys(unit_ids))
    if not targets:
        raise ValidationError("Choose at least one unit.")
    parent_unit = task.unit
    below = set(scope.session.scalars(select(Unit.id).where(
        Unit.id.in_(targets), Unit.path.startswith(parent_unit.path), Unit.id != parent_unit.id)))
    if set(targets) - below:
        raise ValidationError("A task can only be passed on to units below its own.")
    children = [dispatch_task(scope, task.matter, unit_id=uid, description=description, deadline=deadline,
                              cadence=task.cadence, today=today, parent=task) for uid in targets]
    record_event(scope.session, task, EventKind.redispatched, scope.user,
                 units=[_unit_name(scope.session, uid) for uid in targets])
    return children


def _unit_name(session: Session, unit_id: int) -> str:
    return session.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""
