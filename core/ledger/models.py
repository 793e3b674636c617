"""Matters (督查事项) and the tasks they break into, one per responsible unit."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    UniqueConstraint,
    exists,
    false,
    func,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from core.access.models import User
from core.db import Base, utcnow
from core.i18n import N_
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class MatterKind(str, enum.Enum):
    """Where a matter comes from, in the opinion's words."""

    document = "document"  # 法律法规和规范性文件
    meeting = "meeting"  # 政府会议决定
    instruction = "instruction"  # 领导批示
    assignment = "assignment"  # 交办事项
    work_report = "work_report"  # 政府工作报告目标任务
    other = "other"


MATTER_KIND_LABELS = {
    MatterKind.document: N_("Laws and normative documents"),
    MatterKind.meeting: N_("Government meeting decisions"),
    MatterKind.instruction: N_("Leaders' instructions"),
    MatterKind.assignment: N_("Assigned matters"),
    MatterKind.work_report: N_("Work-report targets"),
    MatterKind.other: N_("Other"),
}


class SupervisionMethod(str, enum.Enum):
    """How a matter is checked (督查方式): by the work plan's items and a matter's 督查要求."""

    written = "written"  # 书面督查: written reports
    on_site = "on_site"  # 实地督查
    campaign = "campaign"  # 专项督查: a special campaign
    unannounced = "unannounced"  # 明察暗访
    third_party = "third_party"  # 第三方评估
    research = "research"  # 督查调研


SUPERVISION_METHOD_LABELS = {
    SupervisionMethod.written: N_("Written reports"),
    SupervisionMethod.on_site: N_("On-site checks"),
    SupervisionMethod.campaign: N_("Special campaign"),
    SupervisionMethod.unannounced: N_("Unannounced visits"),
    SupervisionMethod.third_party: N_("Third-party evaluation"),
    SupervisionMethod.research: N_("Supervision research"),
}


class Cadence(str, enum.Enum):
    """How often a task's unit reports (报送频次)."""

    once = "once"
    monthly = "monthly"
    quarterly = "quarterly"


class TaskState(str, enum.Enum):
    """Where a task is in its life."""

    dispatched = "dispatched"  # 已交办, waiting for the unit to sign for it
    signed = "signed"  # 已签收
    reported = "reported"  # 已报送, waiting for staff
    returned = "returned"  # 退回重报
    accepted = "accepted"  # 审核通过
    closed = "closed"  # 已销号


# States in which the unit still owes work: these go red when the deadline passes.
OPEN_STATES = (TaskState.dispatched, TaskState.signed, TaskState.reported, TaskState.returned)
# States in which the unit must act (staff act on ``reported``).
UNIT_TURN_STATES = (TaskState.dispatched, TaskState.signed, TaskState.returned)


class Matter(Base):
    """A decision, instruction or target that supervision follows up."""

    __tablename__ = "matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[MatterKind] = mapped_column(Enum(MatterKind, native_enum=False, length=20))
    source_ref: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    importance: Mapped[int] = mapped_column(Integer, default=3)  # 1 (low) … 5 (highest)
    public_attention: Mapped[int] = mapped_column(Integer, default=0)  # 0 … 5
    people_affected: Mapped[int] = mapped_column(Integer, default=0)
    money_affected: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal("0"))
    # The supervising unit that registered the matter and follows it up.
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Its supervision requirement (督查要求), set as the decision is made: how it will be checked,
    # by when, and what will be looked at. The work plan of the period the day falls in lists it.
    supervision_method: Mapped[SupervisionMethod | None] = mapped_column(
        Enum(SupervisionMethod, native_enum=False, length=20))
    supervision_due: Mapped[date | None] = mapped_column(Date, index=True)
    supervision_requirement: Mapped[str] = mapped_column(Text, default="")

    owner_unit: Mapped[Unit] = relationship()
    tasks: Mapped[list[Task]] = relationship(back_populates="matter", order_by="Task.id",
                                             foreign_keys="Task.matter_id")

    def __repr__(self) -> str:
        return f"<Matter {self.code}>"

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Visible to the owner's supervisors and to every unit holding one of its tasks."""
        if scope.is_admin:
            return true()
        matters = scope.matter_ids()
        if matters is not None:
            return cls.id.in_(matters)
        units = scope.unit_ids(action)
        owned = cls.owner_unit_id.in_(units)
        if action == "write":
            return owned if scope.can("ledger.manage") else false()
        has_task = exists(select(Task.id).where(Task.matter_id == cls.id, Task.unit_id.in_(units)))
        return or_(owned, has_task)


class Task(Base):
    """One unit's share of a matter: what it must do, by when, and how it stands."""

    __tablename__ = "tasks"
    __table_args__ = (
        # The overdue list and the ledger filter by state and deadline, per unit or not.
        Index("ix_tasks_state_deadline", "state", "deadline"),
        Index("ix_tasks_unit_state_deadline", "unit_id", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # lead unit (牵头)
    # A task re-dispatched down the hierarchy points at the task it came from.
    parent_task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    cadence: Mapped[Cadence] = mapped_column(Enum(Cadence, native_enum=False, length=20), default=Cadence.once)
    state: Mapped[TaskState] = mapped_column(Enum(TaskState, native_enum=False, length=20),
                                             default=TaskState.dispatched, index=True)
    percent_done: Mapped[int] = mapped_column(Integer, default=0)
    signed_at: Mapped[datetime | None]
    last_report_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How often staff sent a report back: a scoring feature and a yellow light.
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    # The unit's explanation for a missed deadline (逾期原因), required once overdue.
    delay_reason: Mapped[str] = mapped_column(Text, default="")
    delay_reason_at: Mapped[datetime | None]
    last_urged_at: Mapped[datetime | None]

    matter: Mapped[Matter] = relationship(back_populates="tasks", foreign_keys=[matter_id])
    unit: Mapped[Unit] = relationship()
    co_units: Mapped[list[TaskCoUnit]] = relationship(cascade="all, delete-orphan", back_populates="task")
    parent_task: Mapped[Task | None] = relationship(remote_side=[id], foreign_keys=[parent_task_id])

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.state.value}>"

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Visible to its lead unit, its co-units, and the supervisors above them."""
        if scope.is_admin:
            return true()
        units = scope.unit_ids(action)
        if scope.matter_ids() is not None:
            return cls.id.in_(evaluator_task_ids(scope))
        if action == "write":
            return cls.unit_id.in_(units)
        unit = scope.unit
        if unit is not None and unit.parent_id is None and _sees_every_unit(scope):
            # Staff of the one top unit see every task: no clause, so lists use the
            # state and deadline indexes (and PostgreSQL plans them cheaply).
            return true()
        if unit is not None and unit.parent_id is not None:
            # Below the top of the hierarchy a user sees a small share of the tasks: collect
            # their ids through the unit indexes instead of testing every task (see bench/ledger.py).
            inner = aliased(Task)
            visible = union(
                select(inner.id).where(inner.unit_id.in_(units)),
                select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id.in_(units)),
                select(inner.id).join(Matter, Matter.id == inner.matter_id).where(Matter.owner_unit_id.in_(units)),
            )
            return cls.id.in_(visible)
        # correlate_except: the clause must keep its own FROM when the outer query joins these tables.
        co = exists(select(TaskCoUnit.id).where(TaskCoUnit.task_id == cls.id, TaskCoUnit.unit_id.in_(units))
                    ).correlate_except(TaskCoUnit)
        owned = exists(select(Matter.id).where(Matter.id == cls.matter_id, Matter.owner_unit_id.in_(units))
                       ).correlate_except(Matter)
        return or_(cls.unit_id.in_(units), co, owned)


def _sees_every_unit(scope: Scope) -> bool:
    """True when the units the user may read are all the units there are."""
    total = scope.session.scalar(select(func.count(Unit.id)))
    mine = scope.session.scalar(select(func.count()).select_from(scope.unit_ids("read").subquery()))
    return total == mine


def evaluator_task_ids(scope: Scope) -> Select[int]:
    """Task ids an evaluator's assignments cover (a whole matter, or one unit's part)."""
    from core.access.models import Assignment

    if scope.user is None:  # no one signed in: no assignments (fail closed)
        return select(Task.id).where(false())
    return (
        select(Task.id)
        .join(Assignment, Assignment.matter_id == Task.matter_id)
        .where(Assignment.user_id == scope.user.id,
               or_(Assignment.unit_id.is_(None), Assignment.unit_id == Task.unit_id))
    )


class TaskCoUnit(Base):
    """A co-operating unit (配合单位) of a task."""

    __tablename__ = "task_co_units"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    task: Mapped[Task] = relationship(back_populates="co_units")
    unit: Mapped[Unit] = relationship()




class EventKind(str, enum.Enum):
    """What happened to a task, for its timeline."""

    dispatched = "dispatched"  # 交办
    redispatched = "redispatched"  # 转办 to a lower unit
    signed = "signed"  # 签收
    reported = "reported"  # 报送进展
    accepted = "accepted"  # 审核通过
    returned = "returned"  # 退回重报
    closed = "closed"  # 销号
    reminded = "reminded"  # 到期提醒
    overdue = "overdue"  # 逾期
    urged = "urged"  # 催办
    reason_given = "reason_given"  # 说明逾期原因
    changed = "changed"  # deadline or description changed


class TaskEvent(Base):
    """One entry of a task's timeline: who did what, when."""

    __tablename__ = "task_events"
    __table_args__ = (Index("ix_task_events_task_at", "task_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EventKind] = mapped_column(Enum(EventKind, native_enum=False, length=20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    task: Mapped[Task] = relationship()
    actor: Mapped[User | None] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Visible with its task."""
        if scope.is_admin:
            return true()
        return cls.task_id.in_(select(Task.id).where(Task.__scope__(scope, "read")))
