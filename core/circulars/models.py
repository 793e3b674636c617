"""Circulars (情况通报), the explanations they demand, referrals and typical cases."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.access.models import User
from core.db import Base, utcnow
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class CircularState(str, enum.Enum):
    """A circular is drafted and edited by staff, then published to the units concerned."""

    draft = "draft"
    published = "published"


class Verdict(str, enum.Enum):
    """What a circular says of a unit: commended (表扬) or criticised (批评)."""

    commend = "commend"
    criticise = "criticise"


class Circular(Base):
    """A circular on the units' work over a period: a ranking and named units."""

    __tablename__ = "circulars"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The issuing unit: its staff draft and publish; the ranked units lie below it.
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    number: Mapped[str] = mapped_column(String(80), default="")  # 文号, e.g. 示督通〔2026〕5号
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    state: Mapped[CircularState] = mapped_column(Enum(CircularState, native_enum=False, length=20),
                                                 default=CircularState.draft, index=True)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    intro: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")
    # Criticised units answer within this many days of publication, by ``explanation_due``.
    explanation_days: Mapped[int] = mapped_column(Integer, default=15)
    explanation_due: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    owner_unit: Mapped[Unit] = relationship()
    rankings: Mapped[list[CircularRanking]] = relationship(
        back_populates="circular", order_by="CircularRanking.rank", cascade="all, delete-orphan")
    entries: Mapped[list[CircularEntry]] = relationship(
        back_populates="circular", order_by="CircularEntry.position", cascade="all, delete-orphan")
    explanations: Mapped[list[Explanation]] = relationship(
        back_populates="circular", order_by="Explanation.id", cascade="all, delete-orphan")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff of the issuing unit (and above) see and change it; ranked units see it once published."""
        if scope.is_admin:
            return true()
        units = scope.unit_ids(action)
        owned = cls.owner_unit_id.in_(units)
        if action == "write":
            return owned if scope.can("circulars.manage") else false()
        concerned = exists(select(CircularRanking.id).where(
            CircularRanking.circular_id == cls.id, CircularRanking.unit_id.in_(units)))
        return or_(owned, and_(cls.state == CircularState.published, concerned))


class CircularRanking(Base):
    """One unit's place in a circular's ranking, with the measures behind its score."""

    __tablename__ = "circular_rankings"
    __table_args__ = (UniqueConstraint("circular_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circular_id: Mapped[int] = mapped_column(ForeignKey("circulars.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    # Measure name → {"value": raw figure, "points": 0–100 score} (see core.circulars.rankings).
    measures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    circular: Mapped[Circular] = relationship(back_populates="rankings")
    unit: Mapped[Unit] = relationship()


class CircularEntry(Base):
    """A paragraph of a circular naming one unit: commended with what worked, or criticised."""

    __tablename__ = "circular_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    circular_id: Mapped[int] = mapped_column(ForeignKey("circulars.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    verdict: Mapped[Verdict] = mapped_column(Enum(Verdict, native_enum=False, length=20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")

    circular: Mapped[Circular] = relationship(back_populates="entries")
    unit: Mapped[Unit] = relationship()


class ExplanationState(str, enum.Enum):
    """Where a criticised unit's answer stands."""

    pending = "pending"  # demanded, not yet submitted
    submitted = "submitted"  # waiting for staff
    returned = "returned"  # sent back: the unit must answer again
    accepted = "accepted"


# States in which the unit still owes an answer.
EXPLANATION_OPEN = (ExplanationState.pending, ExplanationState.returned)


class Explanation(Base):
    """A criticised unit's reasons and improvement plan (原因及改进意见), due by a date."""

    __tablename__ = "circular_explanations"
    __table_args__ = (UniqueConstraint("circular_id", "unit_id"),
                      Index("ix_circular_explanations_state_due", "state", "due"))

    id: Mapped[int] = mapped_column(primary_key=True)
    circular_id: Mapped[int] = mapped_column(ForeignKey("circulars.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    due: Mapped[date] = mapped_column(Date)
    state: Mapped[ExplanationState] = mapped_column(Enum(ExplanationState, native_enum=False, length=20),
                                                    default=ExplanationState.pending)
    reasons: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(Text, default="")

    circular: Mapped[Circular] = relationship(back_populates="explanations")
    unit: Mapped[Unit] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Read by its unit and the staff above; written (answered) by its unit only."""
        if scope.is_admin:
            return true()
        units = scope.unit_ids(action)
        if action == "write":
            return cls.unit_id.in_(units) if scope.can("circulars.explain") else false()
        owned = cls.circular_id.in_(select(Circular.id).where(Circular.owner_unit_id.in_(units)))
        return or_(cls.unit_id.in_(units), owned)


class ReferralState(str, enum.Enum):
    """A referral's way to the supervisory organ and back (责任追究移送)."""

    draft = "draft"
    sent = "sent"  # 已移送
    accepted = "accepted"  # 已受理
    concluded = "concluded"  # 已办结
    declined = "declined"  # 不予受理 / 退回


REFERRAL_MOVES: dict[ReferralState, tuple[ReferralState, ...]] = {
    ReferralState.draft: (ReferralState.sent,),
    ReferralState.sent: (ReferralState.accepted, ReferralState.declined),
    ReferralState.accepted: (ReferralState.concluded,),
    ReferralState.concluded: (),
    ReferralState.declined: (),
}


class Referral(Base):
    """An accountability referral built from confirmed findings, with its evidence."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the unit referred
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    organ: Mapped[str] = mapped_column(String(200), default="")  # the receiving supervisory organ
    facts: Mapped[str] = mapped_column(Text, default="")
    # A snapshot of the evidence when the referral was prepared (reports, events, signals …).
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[ReferralState] = mapped_column(Enum(ReferralState, native_enum=False, length=20),
                                                 default=ReferralState.draft, index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    owner_unit: Mapped[Unit] = relationship(foreign_keys=[owner_unit_id])
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", cascade="all, delete-orphan")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Only the referring unit's staff and those above them: referrals are not shown to the unit."""
        if scope.is_admin:
            return true()
        if not scope.can("referrals.view"):
            return false()
        owned = cls.owner_unit_id.in_(scope.unit_ids(action))
        if action == "write":
            return owned if scope.can("referrals.manage") else false()
        return owned


class ReferralEvent(Base):
    """One step in a referral's history."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[ReferralState] = mapped_column(Enum(ReferralState, native_enum=False, length=20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class CaseState(str, enum.Enum):
    """A typical case (典型案例) is drafted, approved, then published."""

    draft = "draft"
    approved = "approved"
    published = "published"


class TypicalCase(Base):
    """A typical case for the public page, with personal details removed."""

    __tablename__ = "typical_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    circular_id: Mapped[int | None] = mapped_column(ForeignKey("circulars.id", ondelete="SET NULL"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[CaseState] = mapped_column(Enum(CaseState, native_enum=False, length=20),
                                             default=CaseState.draft, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff of the owning unit and above; the public page reads published cases without a scope."""
        if scope.is_admin:
            return true()
        if action == "write":
            return cls.owner_unit_id.in_(scope.unit_ids("write")) if scope.can("cases.manage") else false()
        if not scope.can("cases.view"):
            return false()
        return cls.owner_unit_id.in_(scope.unit_ids("read"))
