"""The tables of the third-party evaluation plugin (all prefixed ``tpe_``).

An institution (评估机构) registered by staff has evaluator accounts; each
evaluator is assigned matters (or one unit's part of a matter) through core's
assignments. A matter has an indicator framework (指标体系). Evaluators upload
scores in batches (评估批次); uploading a batch again makes a new version and
keeps the old one, marked superseded.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    ColumnElement,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.access.models import Role, User
from core.db import Base, utcnow
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class Institution(Base):
    """An evaluation institution, registered by a supervising unit."""

    __tablename__ = "tpe_institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str] = mapped_column(String(200), default="")
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit: Mapped[Unit] = relationship()
    evaluators: Mapped[list[Evaluator]] = relationship(back_populates="institution", order_by="Evaluator.id")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff of the registering unit and above; an evaluator sees their own institution."""
        if scope.is_admin:
            return true()
        if scope.role == Role.evaluator and scope.user is not None:
            if action == "write":
                return false()
            return cls.id.in_(select(Evaluator.institution_id).where(Evaluator.user_id == scope.user.id))
        return scope.unit_clause(cls.owner_unit_id, action)


class Evaluator(Base):
    """An evaluator account's membership of an institution."""

    __tablename__ = "tpe_evaluators"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("tpe_institutions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)

    institution: Mapped[Institution] = relationship(back_populates="evaluators")
    user: Mapped[User] = relationship()


class Indicator(Base):
    """One indicator of a matter's framework: code, name, weight and target (0–100)."""

    __tablename__ = "tpe_indicators"
    __table_args__ = (UniqueConstraint("matter_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    target: Mapped[float | None] = mapped_column(Float)

    matter: Mapped[Matter] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Visible with its matter."""
        return cls.matter_id.in_(select(Matter.id).where(Matter.__scope__(scope, action)))


class BatchState(str, enum.Enum):
    """Whether a batch version is the one that counts."""

    current = "current"
    superseded = "superseded"  # replaced by a corrected upload; kept for the record


BATCH_STATE_LABELS = {BatchState.current: N_("Current"), BatchState.superseded: N_("Superseded")}


class Batch(Base):
    """One version of one institution's batch of scores on one matter."""

    __tablename__ = "tpe_batches"
    __table_args__ = (UniqueConstraint("institution_id", "matter_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("tpe_institutions.id"), index=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[BatchState] = mapped_column(Enum(BatchState, native_enum=False, length=20),
                                              default=BatchState.current)
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]

    institution: Mapped[Institution] = relationship()
    matter: Mapped[Matter] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="batch", order_by="Score.id",
                                               cascade="all, delete-orphan")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Evaluators see the batches they uploaded; staff the batches on matters they see."""
        if scope.is_admin:
            return true()
        if scope.role == Role.evaluator:
            if action == "write" or scope.user is None:
                return false()
            return cls.uploaded_by_id == scope.user.id
        return cls.matter_id.in_(select(Matter.id).where(Matter.__scope__(scope, action)))


class Score(Base):
    """One unit's score on one indicator, in one batch version."""

    __tablename__ = "tpe_scores"
    __table_args__ = (UniqueConstraint("batch_id", "unit_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("tpe_batches.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    target: Mapped[float | None] = mapped_column(Float)
    evaluated_on: Mapped[date] = mapped_column(Date)
    comment: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[int] = mapped_column(Integer, default=0)

    batch: Mapped[Batch] = relationship(back_populates="scores")
    unit: Mapped[Unit] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """With its batch; staff below the matter's owner see only their own units' scores."""
        if scope.is_admin:
            return true()
        batches = select(Batch.id).where(Batch.__scope__(scope, action))
        if scope.role == Role.evaluator:
            return cls.batch_id.in_(batches)
        owned = select(Batch.id).join(Matter, Matter.id == Batch.matter_id).where(
            Matter.owner_unit_id.in_(scope.unit_ids(action)))
        return cls.batch_id.in_(batches) & or_(scope.unit_clause(cls.unit_id, action), cls.batch_id.in_(owned))
