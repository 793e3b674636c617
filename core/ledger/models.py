"""Matters (督查事项) and the tasks they break into, one per responsible unit."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    Select,
    UniqueConstraint,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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

    matter: Mapped[Matter] = relationship(back_populates="tasks", foreign_keys=[matter_id])
    unit: Mapped[Unit] = relationship()
    co_units: Mapped[list[TaskCoUnit]] = relationship(cascade="all, delete-orphan", back_populates="task")

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
        co = exists(select(TaskCoUnit.id).where(TaskCoUnit.task_id == cls.id, TaskCoUnit.unit_id.in_(units)))
        owned = exists(select(Matter.id).where(Matter.id == cls.matter_id, Matter.owner_unit_id.in_(units)))
        return or_(cls.unit_id.in_(units), co, owned)


def evaluator_task_ids(scope: Scope) -> Select[tuple[int]]:
    """Task ids an evaluator's assignments cover (a whole matter, or one unit's part)."""
    from core.access.models import Assignment

    assert scope.user is not None
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


