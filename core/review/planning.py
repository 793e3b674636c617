"""Planning a review round within a budget: look-backs due, the top of the queue, a random share.

Staff then adjust the plan (drop a visit, add a task by hand), assign teams
per visit or per region, start the round and close it.
"""
from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from datetime import date

import numpy as np
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from core.access.scope import Scope
from core.errors import InvalidTransition, ValidationError
from core.ledger.models import Task
from core.org.models import Unit, UnitLevel
from core.review.models import ReviewRound, ReviewVisit, RoundState, Selection, VisitState
from core.review.sampling import random_count, select_visits
from core.scoring.models import TaskScore
from core.scoring.queue import queue_statement

DEFAULT_RANDOM_SHARE = 0.10
DEFAULT_MIN_REGION_CHANCE = 0.05
MAX_BUDGET = 2000


def region_of(unit: Unit) -> str:
    """The prefecture-level region (市级行政区划) a unit belongs to, as a six-digit code."""
    return unit.region_code[:4] + "00"


def _busy_tasks(session: Session) -> set[int]:
    """Tasks already planned in a round not yet closed."""
    return set(session.scalars(select(ReviewVisit.task_id).join(ReviewRound).where(
        ReviewVisit.state == VisitState.planned, ReviewRound.state != RoundState.closed)))


def plan_round(scope: Scope, *, name: str, budget: int, today: date, random_share: float = DEFAULT_RANDOM_SHARE,
               min_region_chance: float = DEFAULT_MIN_REGION_CHANCE, seed: int | None = None,
               campaign_id: int | None = None) -> ReviewRound:
    """Plan a round of ``budget`` visits among the tasks the user may see; nothing is committed.

    With ``campaign_id``, a special campaign's round: its look-backs and its draw are limited to
    the tasks within the campaign's matters and units (:func:`core.plans.campaigns.campaign_task_clause`).
    """
    scope.require("reviews.manage")
    name = name.strip()
    if not name:
        raise ValidationError("Give the round a name.")
    if not 1 <= budget <= MAX_BUDGET:
        raise ValidationError("The budget is between 1 and %(max)s visits.", max=MAX_BUDGET)
    if not 0 <= random_share <= 1 or not 0 <= min_region_chance <= 1:
        raise ValidationError("Shares and chances are between 0 and 1.")
    owner = scope.unit
    if owner is None:
        raise ValidationError("Your account has no unit, so it cannot plan a round.")
    session = scope.session
    seed = secrets.randbelow(2**31) if seed is None else seed
    review_round = ReviewRound(name=name[:200], owner_unit_id=owner.id, budget=budget, random_share=random_share,
                               min_region_chance=min_region_chance, seed=seed, planned_on=today,
                               created_by=scope.user.username if scope.user else "", campaign_id=campaign_id)
    session.add(review_round)
    session.flush()
    within: ColumnElement[bool] = true()
    waiting = scope.select(ReviewVisit, "write").where(
        ReviewVisit.round_id.is_(None), ReviewVisit.selection == Selection.lookback,
        ReviewVisit.state == VisitState.planned)
    if campaign_id is not None:
        from core.plans.campaigns import campaign_task_clause

        within = campaign_task_clause(campaign_id)
        waiting = waiting.where(ReviewVisit.task_id.in_(select(Task.id).where(within)))
    lookbacks = list(session.scalars(waiting.order_by(ReviewVisit.due_on, ReviewVisit.id).limit(budget)))
    position = 0
    for visit in lookbacks:
        position += 1
        visit.round_id, visit.position = review_round.id, position
    busy = _busy_tasks(session) | {visit.task_id for visit in lookbacks}
    rows = [row for row in session.execute(queue_statement(scope).where(within).with_only_columns(
        TaskScore.task_id, TaskScore.priority, TaskScore.p_problem, Unit.id, Unit.region_code))
        if row[0] not in busy]
    review_round.eligible_count = len(rows)
    left = budget - len(lookbacks)
    if left > 0 and rows:
        regions = np.array([code[:4] + "00" for *_rest, code in rows])
        priority = np.array([row[1] for row in rows])
        choice = select_visits(priority, regions, left, random_share, min_region_chance,
                               np.random.default_rng(seed))
        order = sorted(choice.ranked, key=lambda i: -priority[i])
        for i in order:
            position += 1
            session.add(_visit(review_round, rows[i], regions[i], Selection.ranked, 1.0, position))
        for i in sorted(choice.drawn, key=lambda i: regions[i]):
            position += 1
            session.add(_visit(review_round, rows[i], regions[i], Selection.random,
                               float(choice.probabilities[i]), position))
    session.flush()
    return review_round


def _visit(review_round: ReviewRound, row: tuple[int, float, float, int, str], region: str, selection: Selection,
           probability: float, position: int) -> ReviewVisit:
    task_id, priority, p_problem, unit_id, _code = row
    return ReviewVisit(round_id=review_round.id, task_id=task_id, unit_id=unit_id, selection=selection,
                       inclusion_probability=probability, region=region, position=position,
                       priority=priority, p_problem=p_problem)


def _open_round(scope: Scope, round_id: int) -> ReviewRound:
    review_round = scope.get(ReviewRound, round_id, "write")
    if review_round.state == RoundState.closed:
        raise InvalidTransition("This round is closed.")
    return review_round


def add_visit(scope: Scope, round_id: int, task_id: int) -> ReviewVisit:
    """Add a task to a round by hand (counted as visited for certain in the estimate)."""
    review_round = _open_round(scope, round_id)
    task = scope.get(Task, task_id)
    if task.id in _busy_tasks(scope.session):
        raise ValidationError("This task is already planned for a visit.")
    position = max((v.position for v in review_round.visits), default=0) + 1
    score = scope.session.get(TaskScore, task.id)
    visit = ReviewVisit(round_id=review_round.id, task_id=task.id, unit_id=task.unit_id, selection=Selection.manual,
                        inclusion_probability=1.0, region=region_of(task.unit), position=position,
                        priority=score.priority if score else 0.0, p_problem=score.p_problem if score else 0.0)
    scope.session.add(visit)
    scope.session.flush()
    return visit


def drop_visit(scope: Scope, visit_id: int) -> ReviewVisit:
    """Take a planned visit out of its round (a dropped random visit counts as not answered)."""
    visit = scope.get(ReviewVisit, visit_id, "write")
    if visit.state != VisitState.planned:
        raise InvalidTransition("Only a visit still to be made can be dropped.")
    if visit.round is not None and visit.round.state == RoundState.closed:
        raise InvalidTransition("This round is closed.")
    visit.state = VisitState.dropped
    return visit


def assign_teams(scope: Scope, round_id: int, *, by_visit: dict[int, str] | None = None,
                 by_region: dict[str, str] | None = None) -> int:
    """Set the team of visits, one by one or for every visit in a region; returns how many changed."""
    review_round = _open_round(scope, round_id)
    changed = 0
    for visit in review_round.visits:
        team = None
        if by_region and visit.region in by_region and by_region[visit.region].strip():
            team = by_region[visit.region]
        if by_visit and visit.id in by_visit:
            team = by_visit[visit.id]
        if team is not None and team.strip()[:200] != visit.team:
            visit.team = team.strip()[:200]
            changed += 1
    return changed


def set_round_state(scope: Scope, round_id: int, state: RoundState) -> ReviewRound:
    """Start (planned → active) or close (active → closed) a round."""
    review_round = _open_round(scope, round_id)
    allowed = {RoundState.planned: RoundState.active, RoundState.active: RoundState.closed}
    if allowed.get(review_round.state) != state:
        raise InvalidTransition("A round goes from planned to under way to closed.")
    review_round.state = state
    return review_round


def region_summary(review_round: ReviewRound) -> list[dict[str, object]]:
    """Visits per region: how many, how many drawn at random, done, and the teams."""
    counts: Counter[str] = Counter()
    drawn: Counter[str] = Counter()
    done: Counter[str] = Counter()
    teams: dict[str, set[str]] = {}
    for visit in review_round.visits:
        if visit.state == VisitState.dropped:
            continue
        counts[visit.region] += 1
        drawn[visit.region] += visit.selection == Selection.random
        done[visit.region] += visit.state == VisitState.done
        if visit.team:
            teams.setdefault(visit.region, set()).add(visit.team)
    return [{"region": region, "visits": counts[region], "random": drawn[region], "done": done[region],
             "teams": sorted(teams.get(region, ()))} for region in sorted(counts)]


_LEVEL_ORDER = {UnitLevel.province: 0, UnitLevel.city: 1, UnitLevel.county: 2, UnitLevel.town: 3,
                UnitLevel.department: 4}


def region_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The name of each prefecture-level region code: its government's, the highest-level unit holding the code.

    A code no unit holds is left out (the caller shows the code).
    """
    codes = set(codes)
    names: dict[str, tuple[int, str]] = {}
    for code, level, name in session.execute(select(Unit.region_code, Unit.level, Unit.name)
                                             .where(Unit.region_code.in_(codes))):
        rank = _LEVEL_ORDER.get(level, 9)
        if code not in names or rank < names[code][0]:
            names[code] = (rank, name)
    return {code: name for code, (_rank, name) in names.items()}


def planned_random_count(budget: int, share: float) -> int:
    """How many visits of a round of ``budget`` will be drawn at random."""
    return random_count(budget, share)
