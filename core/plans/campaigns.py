"""Special campaigns (专项督查): their matters, units, window and teams, the review rounds drawn within
them, and the circulars that report on them.

A campaign's scope is its matters and, when it names units, those units and the units below
them: its review rounds draw only from the queue's tasks inside that scope (see
:func:`campaign_task_clause` and :func:`core.review.planning.plan_round`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import aliased

from core.access.scope import Scope
from core.circulars.models import Circular
from core.errors import InvalidTransition, NotFound, ValidationError
from core.ledger.models import Matter, Task
from core.org.models import Unit
from core.plans.models import (
    Campaign,
    CampaignState,
    CampaignTeam,
    campaign_circulars,
    campaign_matters,
    campaign_units,
    link_once,
)
from core.plans.workflow import MAX_TEXT, staff_ids
from core.review.models import ReviewRound
from core.review.planning import DEFAULT_MIN_REGION_CHANCE, DEFAULT_RANDOM_SHARE, plan_round


@dataclass
class CampaignFields:
    """What staff fill in for a campaign."""

    name: str
    start_on: date | None
    end_on: date | None
    matter_ids: list[int] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    leader_id: int | None = None
    description: str = ""


def save_campaign(scope: Scope, campaign: Campaign | None, fields: CampaignFields) -> Campaign:
    """Create a campaign of the user's unit, or change ``campaign`` (loaded for writing).

    A campaign needs a name, a window, at least one matter; its units (optional: every unit
    with a task in its matters otherwise) and its leader lie within the user's unit.
    """
    scope.require("campaigns.manage")
    session = scope.session
    name = fields.name.strip()
    if not name:
        raise ValidationError("Give the campaign a name.")
    if fields.start_on is None or fields.end_on is None:
        raise ValidationError("Give the campaign's window: the day it starts and the day it ends.")
    if fields.end_on < fields.start_on:
        raise ValidationError("The campaign ends before it starts.")
    if len(fields.description) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    matter_ids = list(dict.fromkeys(fields.matter_ids))
    if not matter_ids:
        raise ValidationError("A campaign needs at least one matter.")
    matters = list(session.scalars(scope.select(Matter).where(Matter.id.in_(matter_ids))))
    if len(matters) != len(matter_ids):
        raise ValidationError("A chosen matter was not found.")
    unit_ids = list(dict.fromkeys(fields.unit_ids))
    units = list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids), scope.unit_clause(Unit.id, "read")))
                 ) if unit_ids else []
    if len(units) != len(unit_ids):
        raise ValidationError("Choose the campaign's units among the units of your own.")
    if fields.leader_id is not None and fields.leader_id not in staff_ids(scope, [fields.leader_id]):
        raise ValidationError("The leader must be an active member of staff of your unit or below.")
    if campaign is None:
        owner = scope.unit
        if owner is None:
            raise ValidationError("Your account has no unit, so it cannot run a campaign.")
        campaign = Campaign(owner_unit_id=owner.id, created_by_id=scope.user.id if scope.user else None)
        session.add(campaign)
    campaign.name, campaign.description = name[:200], fields.description.strip()
    campaign.start_on, campaign.end_on, campaign.leader_id = fields.start_on, fields.end_on, fields.leader_id
    campaign.matters = sorted(matters, key=lambda m: m.code)
    campaign.units = sorted(units, key=lambda u: u.path)
    session.flush()
    return campaign


def add_team(scope: Scope, campaign_id: int, *, name: str, leader_id: int | None = None,
             member_ids: list[int] | None = None) -> CampaignTeam:
    """Form a team of the campaign: its name (what its round's visits are assigned to), leader and members."""
    campaign = scope.get(Campaign, campaign_id, "write")
    name = name.strip()
    if not name:
        raise ValidationError("Give the team a name.")
    if any(team.name == name[:200] for team in campaign.teams):
        raise ValidationError("The campaign has a team of that name already.")
    people = list(dict.fromkeys([*(member_ids or []), *([leader_id] if leader_id is not None else [])]))
    allowed = staff_ids(scope, people)
    if set(people) - allowed:
        raise ValidationError("Team members must be active staff of your unit or below.")
    from core.access.models import User

    members = list(scope.session.scalars(select(User).where(User.id.in_(member_ids or [])))) if member_ids else []
    team = CampaignTeam(name=name[:200], leader_id=leader_id, members=members)
    campaign.teams.append(team)
    scope.session.flush()
    return team


def remove_team(scope: Scope, team_id: int) -> Campaign:
    """Disband a team; returns its campaign (visits already assigned keep the team's name)."""
    team = scope.session.get(CampaignTeam, team_id)
    if team is None:
        raise NotFound("Not found.")
    campaign = scope.get(Campaign, team.campaign_id, "write")
    campaign.teams.remove(team)
    scope.session.flush()
    return campaign


def set_campaign_state(scope: Scope, campaign_id: int, state: CampaignState) -> Campaign:
    """Start (planned → under way) or end (under way → ended) a campaign."""
    campaign = scope.get(Campaign, campaign_id, "write")
    allowed = {CampaignState.planned: CampaignState.active, CampaignState.active: CampaignState.closed}
    if allowed.get(campaign.state) != state:
        raise InvalidTransition("A campaign goes from planned to under way to ended.")
    campaign.state = state
    scope.session.flush()
    return campaign


def campaign_task_clause(campaign_id: int) -> ColumnElement[bool]:
    """The tasks inside a campaign's scope: of its matters, and of its units (or below) when it names any."""
    in_matters = Task.matter_id.in_(select(campaign_matters.c.matter_id)
                                    .where(campaign_matters.c.campaign_id == campaign_id))
    area = aliased(Unit)
    within = Task.unit_id.in_(
        select(Unit.id).select_from(campaign_units).join(area, area.id == campaign_units.c.unit_id)
        .join(Unit, Unit.path.startswith(area.path)).where(campaign_units.c.campaign_id == campaign_id))
    names_units = exists(select(campaign_units.c.unit_id).where(campaign_units.c.campaign_id == campaign_id))
    clause: ColumnElement[bool] = in_matters & or_(~names_units, within)
    return clause


def plan_campaign_round(scope: Scope, campaign_id: int, *, name: str, budget: int, today: date,
                        random_share: float = DEFAULT_RANDOM_SHARE,
                        min_region_chance: float = DEFAULT_MIN_REGION_CHANCE, seed: int | None = None) -> ReviewRound:
    """Plan a review round of the campaign, drawn from the queue within its scope; nothing is committed."""
    campaign = scope.get(Campaign, campaign_id, "write")
    if campaign.state == CampaignState.closed:
        raise InvalidTransition("This campaign has ended.")
    if today > campaign.end_on:
        raise ValidationError("The campaign's window ended on %(end)s.", end=campaign.end_on.isoformat())
    return plan_round(scope, name=name, budget=budget, today=today, random_share=random_share,
                      min_region_chance=min_region_chance, seed=seed, campaign_id=campaign.id)


def campaign_rounds(scope: Scope, campaign_id: int) -> list[ReviewRound]:
    """The campaign's review rounds the user may see, newest first."""
    return list(scope.session.scalars(scope.select(ReviewRound).where(ReviewRound.campaign_id == campaign_id)
                                      .order_by(ReviewRound.id.desc())))


def link_circular(scope: Scope, campaign_id: int, circular_id: int) -> Circular:
    """Record that a circular reports on the campaign (both visible to the user; the campaign writable)."""
    campaign = scope.get(Campaign, campaign_id, "write")
    circular = scope.get(Circular, circular_id)
    link_once(scope.session, campaign_circulars, campaign_id=campaign.id, circular_id=circular.id)
    return circular


def campaign_circular_list(scope: Scope, campaign_id: int) -> list[Circular]:
    """The circulars reporting on a campaign that the user may see."""
    return list(scope.session.scalars(scope.select(Circular).where(Circular.id.in_(
        select(campaign_circulars.c.circular_id).where(campaign_circulars.c.campaign_id == campaign_id)))
        .order_by(Circular.period_end.desc(), Circular.id.desc())))
