"""Work plans, their items, special campaigns and the campaigns' teams."""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.access.models import User
from core.db import Base, utcnow
from core.i18n import N_
from core.ledger.models import Matter, SupervisionMethod, Task
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class PlanState(str, enum.Enum):
    """A plan is drafted, submitted for approval, approved by a leader, then published."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    published = "published"


class ItemProgress(str, enum.Enum):
    """How far a plan item has come; a dropped item says why."""

    not_started = "not_started"
    under_way = "under_way"
    done = "done"
    dropped = "dropped"


class CampaignState(str, enum.Enum):
    """A campaign is planned, under way, or ended."""

    planned = "planned"
    active = "active"
    closed = "closed"


PLAN_STATE_LABELS = {PlanState.draft: N_("Draft"), PlanState.submitted: N_("Awaiting approval"),
                     PlanState.approved: N_("Approved"), PlanState.published: N_("Published")}
PROGRESS_LABELS = {ItemProgress.not_started: N_("Not started"), ItemProgress.under_way: N_("Under way"),
                   ItemProgress.done: N_("Completed"),
                   ItemProgress.dropped: N_("Dropped from the plan")}
CAMPAIGN_STATE_LABELS = {CampaignState.planned: N_("Planned"), CampaignState.active: N_("Under way"),
                         CampaignState.closed: N_("Ended")}

plan_item_matters = Table(
    "plan_item_matters", Base.metadata,
    Column("item_id", ForeignKey("plan_items.id", ondelete="CASCADE"), primary_key=True),
    Column("matter_id", ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True, index=True),
)

plan_item_circulars = Table(
    "plan_item_circulars", Base.metadata,
    Column("item_id", ForeignKey("plan_items.id", ondelete="CASCADE"), primary_key=True),
    Column("circular_id", ForeignKey("circulars.id", ondelete="CASCADE"), primary_key=True),
)

campaign_matters = Table(
    "campaign_matters", Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("matter_id", ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True),
)

campaign_units = Table(
    "campaign_units", Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)

campaign_circulars = Table(
    "campaign_circulars", Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("circular_id", ForeignKey("circulars.id", ondelete="CASCADE"), primary_key=True),
)

campaign_team_members = Table(
    "campaign_team_members", Base.metadata,
    Column("team_id", ForeignKey("campaign_teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


def link_once(session: Session, table: Table, **ids: int) -> None:
    """Add the row ``ids`` to the link table ``table`` unless it is there already."""
    present = session.scalar(select(table.c[next(iter(ids))]).where(
        and_(*(table.c[name] == value for name, value in ids.items()))))
    if present is None:
        session.execute(table.insert().values(**ids))


def _staff_clause(scope: Scope, column: ColumnElement[int] | object, action: Action, read: str,
                  write: str) -> ColumnElement[bool]:
    """Staff holding ``read`` (or ``write``) whose units reach ``column``'s unit."""
    if not scope.can(write if action == "write" else read):
        return false()
    if scope.is_admin:
        return true()
    return scope.unit_clause(column, action)


class WorkPlan(Base):
    """A supervising unit's work plan for a year, or for one quarter of it."""

    __tablename__ = "work_plans"
    __table_args__ = (Index("ix_work_plans_owner_year", "owner_unit_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(Integer)  # 1-4, or None for the whole year
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[PlanState] = mapped_column(Enum(PlanState, native_enum=False, length=20), default=PlanState.draft)
    # The year-end (or quarter-end) summary, written by staff once the period's work is done.
    summary: Mapped[str] = mapped_column(Text, default="")
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    # Why a leader sent the plan back, kept until it is submitted again.
    returned_note: Mapped[str] = mapped_column(Text, default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit: Mapped[Unit] = relationship()
    drafted_by: Mapped[User | None] = relationship(foreign_keys=[drafted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    items: Mapped[list[PlanItem]] = relationship(back_populates="plan", order_by="PlanItem.position",
                                                 cascade="all, delete-orphan")

    @property
    def period_start(self) -> date:
        return date(self.year, 1 + 3 * ((self.quarter or 1) - 1), 1)

    @property
    def period_end(self) -> date:
        if self.quarter is None or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff of the owning unit and above; once published, also the units its items concern."""
        staff = _staff_clause(scope, cls.owner_unit_id, action, "plans.view", "plans.manage")
        if action == "write" or scope.is_admin or not scope.can("plans.view"):
            return staff
        concerned = exists(select(PlanItem.id).where(PlanItem.plan_id == cls.id, PlanItem.concerns(scope)))
        return or_(staff, and_(cls.state == PlanState.published, concerned))


class PlanItem(Base):
    """One thing the plan will supervise: its matters, how, by whom, when, and with how many visits."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("work_plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    method: Mapped[SupervisionMethod] = mapped_column(Enum(SupervisionMethod, native_enum=False, length=20))
    # The office responsible for carrying it out (责任处室), and the person who leads it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    visit_budget: Mapped[int] = mapped_column(Integer, default=0)
    requirement: Mapped[str] = mapped_column(Text, default="")
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"), index=True)
    progress: Mapped[ItemProgress] = mapped_column(Enum(ItemProgress, native_enum=False, length=20),
                                                   default=ItemProgress.not_started)
    progress_note: Mapped[str] = mapped_column(Text, default="")
    drop_reason: Mapped[str] = mapped_column(Text, default="")
    progress_at: Mapped[datetime | None]

    plan: Mapped[WorkPlan] = relationship(back_populates="items")
    unit: Mapped[Unit] = relationship()
    lead: Mapped[User | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    matters: Mapped[list[Matter]] = relationship(secondary=plan_item_matters, order_by=Matter.code)

    @classmethod
    def concerns(cls, scope: Scope) -> ColumnElement[bool]:
        """The item is carried out by, or supervises a task of, a unit the user reads for."""
        units = scope.unit_ids("read")
        has_task = exists(select(Task.id).join(plan_item_matters, plan_item_matters.c.matter_id == Task.matter_id)
                          .where(plan_item_matters.c.item_id == cls.id, Task.unit_id.in_(units)))
        return or_(cls.unit_id.in_(units), has_task)

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """With its plan for staff; a published plan's items concerning the user's units for the others."""
        staff = cls.plan_id.in_(select(WorkPlan.id).where(
            _staff_clause(scope, WorkPlan.owner_unit_id, action, "plans.view", "plans.manage")))
        if action == "write" or scope.is_admin or not scope.can("plans.view"):
            return staff
        published = cls.plan_id.in_(select(WorkPlan.id).where(WorkPlan.state == PlanState.published))
        return or_(staff, and_(published, cls.concerns(scope)))


class Campaign(Base):
    """A special campaign (专项督查): named, over a window, on chosen matters and units, run by teams."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    state: Mapped[CampaignState] = mapped_column(Enum(CampaignState, native_enum=False, length=20),
                                                 default=CampaignState.planned)
    # Who leads the campaign: a supervision commissioner (督查专员) or a member of staff.
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit: Mapped[Unit] = relationship()
    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])
    matters: Mapped[list[Matter]] = relationship(secondary=campaign_matters, order_by=Matter.code)
    units: Mapped[list[Unit]] = relationship(secondary=campaign_units, order_by=Unit.path)
    teams: Mapped[list[CampaignTeam]] = relationship(back_populates="campaign", order_by="CampaignTeam.id",
                                                     cascade="all, delete-orphan")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff of the owning unit and above; and the campaign's leader, wherever their unit."""
        staff = _staff_clause(scope, cls.owner_unit_id, action, "campaigns.view", "campaigns.manage")
        if scope.user is None or scope.is_admin or not scope.can(
                "campaigns.manage" if action == "write" else "campaigns.view"):
            return staff
        return or_(staff, cls.leader_id == scope.user.id)


class CampaignTeam(Base):
    """A team of a campaign: a name (used for its round's visits), its leader and its members."""

    __tablename__ = "campaign_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="teams")
    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])
    members: Mapped[list[User]] = relationship(secondary=campaign_team_members, order_by=User.username)
