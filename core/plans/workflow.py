"""A work plan's life: drafted and filled with items by staff, submitted, approved by a leader who did
not draft it (or sent back), published to the units it concerns, then tracked item by item.

Every function takes the user's :class:`Scope`, loads what it changes through it (another unit's
plan is "not found"), refuses bad input with a :class:`ValidationError` before writing anything,
and writes in the caller's transaction. Who approved, and when, is kept on the plan and, with
every other change, in the audit trail.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from core.access.models import Role, User
from core.access.scope import Scope
from core.db import utcnow
from core.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from core.i18n import message
from core.ledger.dispatch import MatterFields, save_matter
from core.ledger.models import Matter, MatterKind, SupervisionMethod, Task
from core.notify import notify
from core.org.models import Unit
from core.plans.models import Campaign, ItemProgress, PlanItem, PlanState, WorkPlan

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_VISITS = 10_000
MAX_TEXT = 20_000


def plan_link(plan: WorkPlan) -> str:
    """The path of a plan's page (for notifications)."""
    return f"/plans/{plan.id}"


def create_plan(scope: Scope, *, year: int, quarter: int | None = None, title: str = "") -> WorkPlan:
    """Open a draft plan of the user's unit for ``year`` (or one quarter of it)."""
    scope.require("plans.manage")
    owner = scope.unit
    if owner is None:
        raise ValidationError("Your account has no unit, so it cannot draw up a plan.")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError("Give a year between %(low)s and %(high)s.", low=MIN_YEAR, high=MAX_YEAR)
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError("A quarter is 1, 2, 3 or 4.")
    period = WorkPlan.quarter.is_(None) if quarter is None else WorkPlan.quarter == quarter
    if scope.session.scalar(select(WorkPlan.id).where(WorkPlan.owner_unit_id == owner.id, WorkPlan.year == year,
                                                      period)) is not None:
        raise ValidationError("Your unit already has a plan for this period.")
    title = title.strip()[:300]
    if not title:
        raise ValidationError("Give the plan a title.")
    plan = WorkPlan(owner_unit_id=owner.id, year=year, quarter=quarter, title=title,
                    drafted_by_id=scope.user.id if scope.user else None)
    scope.session.add(plan)
    scope.session.flush()
    return plan


@dataclass
class NewMatter:
    """A matter registered together with the plan item that will supervise it."""

    code: str
    title: str
    kind: MatterKind = MatterKind.other


@dataclass
class ItemFields:
    """What staff fill in for a plan item."""

    title: str
    method: SupervisionMethod
    unit_id: int | None
    start_on: date | None
    end_on: date | None
    matter_ids: list[int] = field(default_factory=list)
    lead_id: int | None = None
    visit_budget: int = 0
    requirement: str = ""
    campaign_id: int | None = None
    new_matter: NewMatter | None = None


def _draft_plan(scope: Scope, plan_id: int) -> WorkPlan:
    plan = scope.get(WorkPlan, plan_id, "write")
    if plan.state != PlanState.draft:
        raise InvalidTransition("Only a draft plan can be changed; a leader sends a plan back to draft.")
    return plan


def save_item(scope: Scope, plan_id: int, item_id: int | None, fields: ItemFields) -> PlanItem:
    """Add an item to a draft plan, or change one of its items.

    Every problem is found before anything is written: an item must name at least one matter
    (or register a new one), a schedule within the plan's period, a responsible office within
    the user's unit, and a lead the user's unit can see.
    """
    plan = _draft_plan(scope, plan_id)
    session = scope.session
    new = fields.new_matter if fields.new_matter and (fields.new_matter.code.strip()
                                                      or fields.new_matter.title.strip()) else None
    matter_ids = list(dict.fromkeys(fields.matter_ids))
    if not matter_ids and new is None:
        raise ValidationError("Link the item to at least one matter of the ledger, or register a new one.")
    if fields.start_on is None or fields.end_on is None:
        raise ValidationError("Give the item's schedule: the day it starts and the day it ends.")
    if fields.end_on < fields.start_on:
        raise ValidationError("The item ends before it starts.")
    if fields.start_on < plan.period_start or fields.end_on > plan.period_end:
        raise ValidationError("The schedule lies outside the plan's period (%(start)s to %(end)s).",
                              start=plan.period_start.isoformat(), end=plan.period_end.isoformat())
    if not 0 <= fields.visit_budget <= MAX_VISITS:
        raise ValidationError("The visit budget is between 0 and %(max)s.", max=MAX_VISITS)
    if fields.unit_id is None or not session.scalar(select(Unit.id).where(
            Unit.id == fields.unit_id, scope.unit_clause(Unit.id, "write"))):
        raise ValidationError("Choose the responsible office among the units of your own.")
    if len(fields.requirement) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    matters = list(session.scalars(scope.select(Matter).where(Matter.id.in_(matter_ids)))) if matter_ids else []
    if len(matters) != len(matter_ids):
        raise ValidationError("A chosen matter was not found.")
    if fields.lead_id is not None and fields.lead_id not in staff_ids(scope, [fields.lead_id]):
        raise ValidationError("The lead must be an active member of staff of your unit or below.")
    campaign = scope.get(Campaign, fields.campaign_id) if fields.campaign_id is not None else None
    title = fields.title.strip()[:300]
    if new is not None:
        matter = save_matter(scope, None, MatterFields(code=new.code, title=new.title, kind=new.kind))
        matters.append(matter)
    if not title:
        title = matters[0].title[:300]
    if item_id is None:
        position = (session.scalar(select(func.max(PlanItem.position)).where(PlanItem.plan_id == plan.id)) or 0) + 1
        item = PlanItem(plan_id=plan.id, position=position)
        session.add(item)
    else:
        item = scope.get(PlanItem, item_id, "write")
        if item.plan_id != plan.id:
            raise NotFound("Not found.")
    item.title, item.method, item.unit_id, item.lead_id = title, fields.method, fields.unit_id, fields.lead_id
    item.start_on, item.end_on, item.visit_budget = fields.start_on, fields.end_on, fields.visit_budget
    item.requirement, item.campaign_id = fields.requirement.strip(), campaign.id if campaign else None
    item.matters = sorted(matters, key=lambda m: m.code)
    session.flush()
    return item


def remove_item(scope: Scope, item_id: int) -> WorkPlan:
    """Take an item out of a draft plan; returns the plan."""
    item = scope.get(PlanItem, item_id, "write")
    plan = _draft_plan(scope, item.plan_id)
    scope.session.delete(item)
    scope.session.flush()
    return plan


def staff_ids(scope: Scope, user_ids: Iterable[int]) -> set[int]:
    """The subset of ``user_ids`` who are active staff (or commissioners) of units the user reads for."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    return set(scope.session.scalars(select(User.id).where(
        User.id.in_(wanted), User.active.is_(True),
        User.role.in_((Role.supervisor, Role.commissioner, Role.leader)),
        scope.unit_clause(User.unit_id, "read"))))


def staff_choices(scope: Scope, *, limit: int = 500) -> list[User]:
    """Active staff, commissioners and leaders of the units the user reads for: who may lead an item or a team."""
    return list(scope.session.scalars(select(User).where(
        User.active.is_(True), User.role.in_((Role.supervisor, Role.commissioner, Role.leader)),
        scope.unit_clause(User.unit_id, "read")).order_by(User.username).limit(limit)))


def submit_plan(scope: Scope, plan_id: int, now: datetime | None = None) -> WorkPlan:
    """Send a draft plan with at least one item to the leaders of its unit for approval."""
    plan = _draft_plan(scope, plan_id)
    if not plan.items:
        raise ValidationError("A plan needs at least one item before it is submitted.")
    plan.state, plan.submitted_at = PlanState.submitted, now or utcnow()
    scope.session.flush()
    leaders = scope.session.scalars(select(User.id).where(User.unit_id == plan.owner_unit_id,
                                                          User.role == Role.leader, User.active.is_(True)))
    subject = message("A work plan awaits your approval: %(title)s", title=plan.title)
    notify(scope.session, key=f"plan:{plan.id}:submitted:{plan.submitted_at.isoformat()}", subject=subject,
           body=subject, link=plan_link(plan), user_ids=[uid for uid in leaders if uid != plan.drafted_by_id])
    return plan


def _awaiting_approval(scope: Scope, plan_id: int) -> WorkPlan:
    scope.require("plans.approve")
    plan = scope.get(WorkPlan, plan_id)
    if plan.state != PlanState.submitted:
        raise InvalidTransition("Only a plan submitted for approval can be approved or sent back.")
    return plan


def approve_plan(scope: Scope, plan_id: int, now: datetime | None = None) -> WorkPlan:
    """Approve a submitted plan: a leader (or administrator) who did not draft it."""
    plan = _awaiting_approval(scope, plan_id)
    if scope.user is None or scope.user.id == plan.drafted_by_id:
        raise ValidationError("The person who drafted a plan cannot approve it; another leader must.")
    plan.state, plan.approved_by_id, plan.approved_at = PlanState.approved, scope.user.id, now or utcnow()
    plan.returned_note = ""
    scope.session.flush()
    subject = message("The work plan has been approved: %(title)s", title=plan.title)
    if plan.drafted_by_id is not None:
        notify(scope.session, key=f"plan:{plan.id}:approved", subject=subject, body=subject,
               link=plan_link(plan), user_ids=[plan.drafted_by_id])
    return plan


def return_plan(scope: Scope, plan_id: int, note: str, now: datetime | None = None) -> WorkPlan:
    """Send a submitted plan back to draft, saying what to change."""
    plan = _awaiting_approval(scope, plan_id)
    note = note.strip()
    if not note:
        raise ValidationError("Say what should change in the plan.")
    if len(note) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    plan.state, plan.returned_note = PlanState.draft, note
    scope.session.flush()
    subject = message("The work plan has been sent back: %(title)s", title=plan.title)
    body = message("The work plan has been sent back: %(note)s", note=note)
    if plan.drafted_by_id is not None:
        notify(scope.session, key=f"plan:{plan.id}:returned:{(now or utcnow()).isoformat()}", subject=subject,
               body=body, link=plan_link(plan), user_ids=[plan.drafted_by_id])
    return plan


def concerned_units(scope: Scope, plan: WorkPlan) -> list[int]:
    """The units a plan concerns: each item's responsible office and the lead units of its matters' tasks."""
    from core.plans.models import plan_item_matters

    item_ids = [item.id for item in plan.items]
    if not item_ids:
        return []
    offices = {item.unit_id for item in plan.items}
    leads = set(scope.session.scalars(select(Task.unit_id).join(
        plan_item_matters, plan_item_matters.c.matter_id == Task.matter_id).where(
        plan_item_matters.c.item_id.in_(item_ids)).distinct()))
    return sorted(offices | leads)


def publish_plan(scope: Scope, plan_id: int, now: datetime | None = None) -> tuple[WorkPlan, int]:
    """Publish an approved plan and tell every unit it concerns; returns the plan and the units told."""
    plan = scope.get(WorkPlan, plan_id, "write")
    if plan.state != PlanState.approved:
        raise InvalidTransition("Only an approved plan can be published.")
    plan.state, plan.published_at = PlanState.published, now or utcnow()
    plan.published_by_id = scope.user.id if scope.user else None
    scope.session.flush()
    units = concerned_units(scope, plan)
    subject = message("A work plan concerning your unit has been published: %(title)s", title=plan.title)
    for unit_id in units:
        notify(scope.session, key=f"plan:{plan.id}:published:unit:{unit_id}", subject=subject, body=subject,
               link=plan_link(plan), unit_id=unit_id)
    return plan, len(units)


def set_progress(scope: Scope, item_id: int, progress: ItemProgress, *, note: str = "", reason: str = "",
                 now: datetime | None = None) -> PlanItem:
    """Record how far a published plan's item has come; a dropped item needs its reason.

    Staff of the plan's unit record it, and so does the item's lead.
    """
    item = scope.get(PlanItem, item_id)
    writable = bool(scope.filter_ids(PlanItem, [item.id], "write"))
    if not writable and (scope.user is None or item.lead_id != scope.user.id):
        raise Forbidden("You are not allowed to do this.")
    if item.plan.state != PlanState.published:
        raise InvalidTransition("Progress is recorded once the plan is published.")
    reason, note = reason.strip(), note.strip()
    if progress == ItemProgress.dropped and not reason:
        raise ValidationError("Say why the item is dropped.")
    if len(note) > MAX_TEXT or len(reason) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    item.progress, item.progress_at = progress, now or utcnow()
    item.progress_note = note
    item.drop_reason = reason if progress == ItemProgress.dropped else ""
    scope.session.flush()
    return item


def save_summary(scope: Scope, plan_id: int, summary: str) -> WorkPlan:
    """Write the plan's year-end (or quarter-end) summary, once it is published."""
    plan = scope.get(WorkPlan, plan_id, "write")
    if plan.state != PlanState.published:
        raise InvalidTransition("The summary is written once the plan is published.")
    if len(summary) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    plan.summary = summary.strip()
    scope.session.flush()
    return plan


def link_item_circular(scope: Scope, item_id: int, circular_id: int) -> PlanItem:
    """Record that a circular reports on a plan item (the item writable, the circular visible to the user)."""
    from core.circulars.models import Circular
    from core.plans.models import link_once, plan_item_circulars

    item = scope.get(PlanItem, item_id, "write")
    circular = scope.get(Circular, circular_id)
    link_once(scope.session, plan_item_circulars, item_id=item.id, circular_id=circular.id)
    return item
