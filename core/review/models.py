"""Review rounds, planned visits, on-site outcomes, photos and rectifications."""
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
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.i18n import N_
from core.ledger.models import Matter, Task
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class RoundState(str, enum.Enum):
    """Where a review round is: planned (may still change), under way, or finished."""

    planned = "planned"
    active = "active"
    closed = "closed"


class Selection(str, enum.Enum):
    """How a visit was chosen: by rank, drawn at random, by hand, or as a look-back (回头看)."""

    ranked = "ranked"
    random = "random"
    manual = "manual"
    lookback = "lookback"


class Severity(str, enum.Enum):
    minor = "minor"
    major = "major"
    severe = "severe"


class VisitState(str, enum.Enum):
    planned = "planned"
    done = "done"
    dropped = "dropped"


class RectificationState(str, enum.Enum):
    """A confirmed problem's repair: open, reported fixed by the unit, verified on a look-back, or failed."""

    open = "open"
    reported_fixed = "reported_fixed"
    verified = "verified"
    failed = "failed"


ROUND_STATE_LABELS = {RoundState.planned: N_("Planned"), RoundState.active: N_("Under way"),
                      RoundState.closed: N_("Ended")}
SELECTION_LABELS = {Selection.ranked: N_("By rank"), Selection.random: N_("Random draw"),
                    Selection.manual: N_("Added by hand"), Selection.lookback: N_("Look-back")}
SEVERITY_LABELS = {Severity.minor: N_("Minor"), Severity.major: N_("Major"), Severity.severe: N_("Severe")}
VISIT_STATE_LABELS = {VisitState.planned: N_("To visit"), VisitState.done: N_("Visited"),
                      VisitState.dropped: N_("Dropped")}
RECTIFICATION_LABELS = {RectificationState.open: N_("Being fixed"),
                        RectificationState.reported_fixed: N_("Reported fixed; look-back due"),
                        RectificationState.verified: N_("Verified fixed"),
                        RectificationState.failed: N_("Not fixed on look-back")}


def _units_clause(scope: Scope, column: InstrumentedAttribute[int], action: Action) -> ColumnElement[bool]:
    return true() if scope.is_admin else scope.unit_clause(column, action)


class ReviewRound(Base):
    """A round of on-site visits planned within a budget by one supervising unit."""

    __tablename__ = "review_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    budget: Mapped[int] = mapped_column(Integer)
    random_share: Mapped[float] = mapped_column(Float, default=0.1)
    min_region_chance: Mapped[float] = mapped_column(Float, default=0.05)
    # Tasks eligible when the round was drawn, and those outside the ranked part:
    # the estimate of the problem rate is made over them.
    eligible_count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[RoundState] = mapped_column(Enum(RoundState, native_enum=False, length=10),
                                              default=RoundState.planned)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    planned_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The special campaign (专项督查) the round belongs to: its visits were drawn within the
    # campaign's matters and units (see core.plans.campaigns).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"), index=True)

    owner_unit: Mapped[Unit] = relationship()
    visits: Mapped[list[ReviewVisit]] = relationship(back_populates="round", order_by="ReviewVisit.position")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff of the planning unit and the units above it."""
        if not scope.can("reviews.manage" if action == "write" else "queue.view"):
            from sqlalchemy import false

            return false()
        return _units_clause(scope, cls.owner_unit_id, action)


class ReviewVisit(Base):
    """One planned visit to a task's unit; ``inclusion_probability`` is the chance it had of being drawn."""

    __tablename__ = "review_visits"
    __table_args__ = (Index("ix_review_visits_task_state", "task_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    selection: Mapped[Selection] = mapped_column(Enum(Selection, native_enum=False, length=10))
    inclusion_probability: Mapped[float] = mapped_column(Float, default=1.0)
    region: Mapped[str] = mapped_column(String(6), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    p_problem: Mapped[float] = mapped_column(Float, default=0.0)
    team: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[VisitState] = mapped_column(Enum(VisitState, native_enum=False, length=10),
                                              default=VisitState.planned)
    # No foreign key: outcomes, visits and rectifications would point at each other in a cycle.
    rectification_id: Mapped[int | None] = mapped_column(Integer, index=True)

    round: Mapped[ReviewRound | None] = relationship(back_populates="visits")
    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff who may see the queue and the visited unit."""
        if not scope.can("reviews.manage" if action == "write" else "queue.view"):
            from sqlalchemy import false

            return false()
        return _units_clause(scope, cls.unit_id, action)


class ReviewOutcome(Base):
    """What a team found on site (or an imported past check), about a unit and usually a task."""

    __tablename__ = "review_outcomes"
    __table_args__ = (UniqueConstraint("external_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("review_visits.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    problem_found: Mapped[bool]
    severity: Mapped[Severity | None] = mapped_column(Enum(Severity, native_enum=False, length=10))
    findings: Mapped[str] = mapped_column(Text, default="")
    unit_response: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    selection: Mapped[Selection] = mapped_column(Enum(Selection, native_enum=False, length=10),
                                                 default=Selection.manual)
    # The chance the visit had of being chosen (入选概率, in (0, 1]); None when unknown. Training
    # weights an outcome by its inverse, so a random draw's outcomes stand for the tasks not drawn.
    selection_probability: Mapped[float | None] = mapped_column(Float)
    external_ref: Mapped[str | None] = mapped_column(String(120))  # review_id of an imported check
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    task: Mapped[Task | None] = relationship()
    matter: Mapped[Matter | None] = relationship()
    photos: Mapped[list[ReviewPhoto]] = relationship(back_populates="outcome", order_by="ReviewPhoto.id")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff above the visited unit; the unit itself may read what was found about it."""
        if action == "write" and not scope.can("reviews.manage"):
            from sqlalchemy import false

            return false()
        return _units_clause(scope, cls.unit_id, action)

    @property
    def notes_text(self) -> str:
        return self.findings or self.notes


class ReviewPhoto(Base):
    """A photo taken on site, kept in the instance folder like report attachments."""

    __tablename__ = "review_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("review_outcomes.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(120), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    outcome: Mapped[ReviewOutcome] = relationship(back_populates="photos")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        return cls.outcome_id.in_(select(ReviewOutcome.id).where(ReviewOutcome.__scope__(scope, action)))


class Rectification(Base):
    """The repair a confirmed problem calls for (整改), by a deadline, checked by a look-back visit."""

    __tablename__ = "review_rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("review_outcomes.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    requirement: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[RectificationState] = mapped_column(Enum(RectificationState, native_enum=False, length=16),
                                                      default=RectificationState.open)
    fixed_note: Mapped[str] = mapped_column(Text, default="")
    fixed_reported_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    outcome: Mapped[ReviewOutcome] = relationship(foreign_keys=[outcome_id])
    unit: Mapped[Unit] = relationship()
    task: Mapped[Task | None] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """The unit that must fix it (it reports the fix) and the staff above it."""
        if scope.is_admin:
            return true()
        return or_(scope.unit_clause(cls.unit_id, action))
