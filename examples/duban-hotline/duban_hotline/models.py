"""The hotline's table: one row per 12345 work order (工单), prefixed ``hotline_``.

An order is what a caller asked of the 12345 hotline: when it was received, in which
region, of what kind, in the caller's words, which unit handled it, how satisfied the
caller was and when it was closed. The plugin links it to the unit it concerns and,
when the text is close enough, to a matter of the ledger.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ColumnElement, DateTime, Enum, Float, ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class Category(str, enum.Enum):
    """What the caller asked for (诉求类型)."""

    complaint = "complaint"  # 投诉
    report = "report"  # 举报
    help = "help"  # 求助
    inquiry = "inquiry"  # 咨询
    suggestion = "suggestion"  # 建议
    other = "other"  # 其他


CATEGORY_LABELS = {
    Category.complaint: N_("Complaint"),
    Category.report: N_("Report of wrongdoing"),
    Category.help: N_("Request for help"),
    Category.inquiry: N_("Inquiry"),
    Category.suggestion: N_("Suggestion"),
    Category.other: N_("Other"),
}
#: The categories counted as complaints: a caller saying something went wrong.
COMPLAINTS = frozenset({Category.complaint, Category.report})


class Satisfaction(str, enum.Enum):
    """How the caller rated the handling (满意度), when asked."""

    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    dissatisfied = "dissatisfied"  # 不满意


SATISFACTION_LABELS = {
    Satisfaction.satisfied: N_("Satisfied"),
    Satisfaction.basically_satisfied: N_("Basically satisfied"),
    Satisfaction.dissatisfied: N_("Dissatisfied"),
}


class Order(Base):
    """One 12345 work order, keyed by the hotline's own order number."""

    __tablename__ = "hotline_orders"
    __table_args__ = (Index("ix_hotline_orders_unit_matter", "unit_id", "matter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=20))
    text: Mapped[str] = mapped_column(Text)
    #: The unit the hotline gave the order to (承办单位), as the file named it.
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(Enum(Satisfaction, native_enum=False, length=20))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The unit the order concerns: the handling unit, else the linker's, else the region's government.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id", ondelete="SET NULL"), index=True)
    #: The linker's score for the matter; None when the file named the matter itself.
    matter_score: Mapped[float | None] = mapped_column(Float)
    #: True when the file named the matter (事项编号): a staff decision that teaches the linker.
    matter_given: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(120), default="")

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    handling_unit: Mapped[Unit | None] = relationship(foreign_keys=[handling_unit_id])
    matter: Mapped[Matter | None] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Orders about the units the user may see (or act for)."""
        if scope.is_admin:
            return true()
        clause = scope.unit_clause(cls.unit_id, action)
        matters = scope.matter_ids()
        if matters is not None:
            clause = clause & cls.matter_id.in_(matters)
        return clause
