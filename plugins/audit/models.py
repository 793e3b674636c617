"""The tables of the audit plugin (all prefixed ``audit_``).

A finding (审计发现问题) is one problem an audit found at a unit, possibly about a
matter of the ledger. Its rectification (整改) runs open → in progress (the unit
filed evidence) → done (staff verified it); every step is kept in
:class:`RectificationStep`, the finding's timeline. A finding is open from the day
it was found (``found_on``) until the day its rectification was completed
(``rectified_on``, 整改完成日期), which is what the unit's signals are dated by.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Date, Enum, ForeignKey, Index, Numeric, String, Text, false, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.access.models import Role, User
from core.db import Base, utcnow
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit, UnitLevel

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class Severity(str, enum.Enum):
    """How serious a finding is (严重程度)."""

    minor = "minor"  # 一般
    major = "major"  # 较重
    severe = "severe"  # 严重


SEVERITY_LABELS = {Severity.minor: N_("Minor"), Severity.major: N_("Major"), Severity.severe: N_("Severe")}


class Status(str, enum.Enum):
    """Where a finding's rectification stands (整改状态)."""

    open = "open"  # 未整改
    in_progress = "in_progress"  # 整改中
    done = "done"  # 已整改


STATUS_LABELS = {Status.open: N_("Not rectified"), Status.in_progress: N_("Rectifying"),
                 Status.done: N_("Rectified")}


class StepKind(str, enum.Enum):
    """One step in a rectification's timeline."""

    imported = "imported"
    evidence = "evidence"  # the unit filed evidence of rectification
    verified = "verified"  # staff confirmed the rectification
    returned = "returned"  # staff found the evidence insufficient


STEP_LABELS = {StepKind.imported: N_("Imported"), StepKind.evidence: N_("Evidence filed"),
               StepKind.verified: N_("Rectification verified"), StepKind.returned: N_("Sent back")}


def auditor_units(scope: Scope) -> ColumnElement[bool] | None:
    """Units an auditor may see: the jurisdiction of the government their office serves.

    An audit office is a department; it audits every unit under the government it
    belongs to (the province's audit department audits the whole province).
    """
    unit = scope.unit
    if unit is None:
        return None
    home = unit.parent if unit.level == UnitLevel.department and unit.parent is not None else unit
    return Unit.path.startswith(home.path)


class Finding(Base):
    """One audit finding at one unit, with its rectification."""

    __tablename__ = "audit_findings"
    __table_args__ = (
        Index("ix_audit_findings_unit_status", "unit_id", "status"),
        Index("ix_audit_findings_status_due", "status", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(120), unique=True)  # 问题编号, the natural key
    audit_name: Mapped[str] = mapped_column(String(300), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    found_on: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(100), index=True)
    severity: Mapped[Severity] = mapped_column(Enum(Severity, native_enum=False, length=10))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[Status] = mapped_column(Enum(Status, native_enum=False, length=20), default=Status.open)
    due: Mapped[date | None] = mapped_column(Date)
    rectified_on: Mapped[date | None] = mapped_column(Date)  # set exactly when the status is done
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    matter: Mapped[Matter | None] = relationship()
    verified_by: Mapped[User | None] = relationship()
    steps: Mapped[list[RectificationStep]] = relationship(
        back_populates="finding", order_by="RectificationStep.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Finding {self.ref}>"

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Admins see all; auditors their office's jurisdiction; others their units' findings."""
        if scope.is_admin:
            return true()
        if scope.role == Role.auditor:
            units = auditor_units(scope)
            return false() if units is None else cls.unit_id.in_(select(Unit.id).where(units))
        if scope.role == Role.evaluator:
            return false()
        return scope.unit_clause(cls.unit_id, action)

    def is_overdue(self, today: date) -> bool:
        """True when rectification is not done and its deadline has passed."""
        return self.status != Status.done and self.due is not None and self.due < today

    def days_overdue(self, today: date) -> int:
        """Whole days past the rectification deadline (0 when not overdue)."""
        return (today - self.due).days if self.is_overdue(today) and self.due else 0


class RectificationStep(Base):
    """One step of a finding's rectification: evidence filed, verified, sent back."""

    __tablename__ = "audit_rectification_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("audit_findings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[StepKind] = mapped_column(Enum(StepKind, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Visible with its finding."""
        return cls.finding_id.in_(select(Finding.id).where(Finding.__scope__(scope, action)))
