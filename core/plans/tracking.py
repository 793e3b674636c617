"""Following a plan through its period: what each item produced, and the plan's summary for leaders.

An item's output is found, not typed in: the review rounds of its campaign and those that
visited its matters' tasks within its schedule, the on-site outcomes recorded on its matters
within its schedule (and in those rounds), the circulars linked to it or to its campaign, and
the research topics on its matters. Everything is read through the user's scope, in a few
grouped queries for the whole plan.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, select

from core.access.scope import Scope
from core.circulars.models import Circular
from core.ledger.models import Matter, SupervisionMethod, Task
from core.ledger.research import ResearchTopic, topic_matters
from core.plans.models import (
    ItemProgress,
    PlanItem,
    WorkPlan,
    campaign_circulars,
    plan_item_circulars,
    plan_item_matters,
)
from core.review.models import ReviewOutcome, ReviewRound, ReviewVisit, VisitState


@dataclass
class ItemOutput:
    """What one item has produced so far."""

    rounds: list[ReviewRound] = field(default_factory=list)
    #: Visits made, by round.
    visits: dict[int, int] = field(default_factory=dict)
    outcome_ids: set[int] = field(default_factory=set)
    problem_ids: set[int] = field(default_factory=set)
    circulars: list[Circular] = field(default_factory=list)
    topics: list[ResearchTopic] = field(default_factory=list)

    @property
    def visits_done(self) -> int:
        return sum(self.visits.values())

    @property
    def outcomes(self) -> int:
        return len(self.outcome_ids)

    @property
    def problems(self) -> int:
        return len(self.problem_ids)


def item_outputs(scope: Scope, items: list[PlanItem]) -> dict[int, ItemOutput]:
    """Each item's rounds, visits made, outcomes and problems found, circulars and research topics."""
    outputs = {item.id: ItemOutput() for item in items}
    if not items:
        return outputs
    session = scope.session
    ids = list(outputs)

    rounds: dict[int, set[int]] = {item_id: set() for item_id in ids}
    if scope.can("queue.view"):
        visited = session.execute(
            select(plan_item_matters.c.item_id, ReviewVisit.round_id).select_from(plan_item_matters)
            .join(Task, Task.matter_id == plan_item_matters.c.matter_id)
            .join(ReviewVisit, ReviewVisit.task_id == Task.id)
            .join(ReviewRound, ReviewRound.id == ReviewVisit.round_id)
            .join(PlanItem, PlanItem.id == plan_item_matters.c.item_id)
            .where(plan_item_matters.c.item_id.in_(ids), ReviewRound.planned_on >= PlanItem.start_on,
                   ReviewRound.planned_on <= PlanItem.end_on, scope.clause(ReviewRound)).distinct())
        of_campaign = session.execute(
            select(PlanItem.id, ReviewRound.id).join(ReviewRound, ReviewRound.campaign_id == PlanItem.campaign_id)
            .where(PlanItem.id.in_(ids), scope.clause(ReviewRound)))
        for item_id, round_id in [*visited, *of_campaign]:
            rounds[item_id].add(round_id)
    round_ids = set().union(*rounds.values())
    loaded = {r.id: r for r in session.scalars(select(ReviewRound).where(ReviewRound.id.in_(round_ids)))} \
        if round_ids else {}
    done_by_round: Counter[int | None] = Counter()
    if round_ids:
        done_by_round.update(session.scalars(select(ReviewVisit.round_id).where(
            ReviewVisit.round_id.in_(round_ids), ReviewVisit.state == VisitState.done)))
    for item_id, found in rounds.items():
        outputs[item_id].rounds = sorted((loaded[r] for r in found), key=lambda r: r.id)
        outputs[item_id].visits = {r: done_by_round[r] for r in found}

    # Outcomes: on the item's matters within its schedule, or from its rounds' visits.
    on_matters = session.execute(
        select(plan_item_matters.c.item_id, ReviewOutcome.id, ReviewOutcome.problem_found)
        .select_from(plan_item_matters)
        .join(ReviewOutcome, ReviewOutcome.matter_id == plan_item_matters.c.matter_id)
        .join(PlanItem, PlanItem.id == plan_item_matters.c.item_id)
        .where(plan_item_matters.c.item_id.in_(ids), ReviewOutcome.visited_on >= PlanItem.start_on,
               ReviewOutcome.visited_on <= PlanItem.end_on, scope.clause(ReviewOutcome)))
    in_rounds: list[tuple[int | None, int, bool]] = [(row[0], row[1], row[2]) for row in session.execute(
        select(ReviewVisit.round_id, ReviewOutcome.id, ReviewOutcome.problem_found)
        .join(ReviewVisit, ReviewVisit.id == ReviewOutcome.visit_id)
        .where(ReviewVisit.round_id.in_(round_ids), scope.clause(ReviewOutcome)))] if round_ids else []
    found_in = [(item_id, outcome_id, problem) for item_id, outcome_id, problem in on_matters]
    found_in += [(item_id, outcome_id, problem) for round_id, outcome_id, problem in in_rounds
                 for item_id, found in rounds.items() if round_id in found]
    for item_id, outcome_id, problem in found_in:
        outputs[item_id].outcome_ids.add(outcome_id)
        if problem:
            outputs[item_id].problem_ids.add(outcome_id)

    # Circulars linked to the item, or to its campaign.
    pairs = list(session.execute(select(plan_item_circulars.c.item_id, plan_item_circulars.c.circular_id)
                                 .where(plan_item_circulars.c.item_id.in_(ids))))
    pairs += list(session.execute(select(PlanItem.id, campaign_circulars.c.circular_id).join(
        campaign_circulars, campaign_circulars.c.campaign_id == PlanItem.campaign_id).where(PlanItem.id.in_(ids))))
    circular_ids = {circular_id for _item, circular_id in pairs}
    circulars = {c.id: c for c in session.scalars(scope.select(Circular).where(Circular.id.in_(circular_ids)))} \
        if circular_ids else {}
    for item_id, circular_id in pairs:
        circular = circulars.get(circular_id)
        if circular is not None and circular not in outputs[item_id].circulars:
            outputs[item_id].circulars.append(circular)

    # Research topics on the item's matters.
    if scope.can("research.view"):
        topic_rows = list(session.execute(
            select(plan_item_matters.c.item_id, ResearchTopic).select_from(plan_item_matters)
            .join(topic_matters, topic_matters.c.matter_id == plan_item_matters.c.matter_id)
            .join(ResearchTopic, ResearchTopic.id == topic_matters.c.topic_id)
            .where(plan_item_matters.c.item_id.in_(ids), scope.clause(ResearchTopic))))
        for item_id, topic in topic_rows:
            if topic not in outputs[item_id].topics:
                outputs[item_id].topics.append(topic)
    for output in outputs.values():
        output.topics.sort(key=lambda t: t.id)
    return outputs


@dataclass
class PlanSummary:
    """A plan's figures for leaders: items by progress and by way of supervision, visits, results."""

    items: int = 0
    by_progress: dict[ItemProgress, int] = field(default_factory=dict)
    by_method: dict[SupervisionMethod, int] = field(default_factory=dict)
    overdue: list[PlanItem] = field(default_factory=list)
    dropped: list[PlanItem] = field(default_factory=list)
    visit_budget: int = 0
    visits_done: int = 0
    rounds: int = 0
    outcomes: int = 0
    problems: int = 0
    circulars: int = 0
    topics: int = 0

    @property
    def done_share(self) -> float:
        """The share of items done, of those not dropped (0 when there are none)."""
        live = self.items - self.by_progress.get(ItemProgress.dropped, 0)
        return self.by_progress.get(ItemProgress.done, 0) / live if live else 0.0


def plan_summary(items: list[PlanItem], outputs: dict[int, ItemOutput], today: date) -> PlanSummary:
    """Sum up ``items`` and their ``outputs`` as of ``today`` (an item past its end and not done is overdue)."""
    summary = PlanSummary(items=len(items))
    summary.by_progress = {progress: 0 for progress in ItemProgress}
    method_counts: Counter[SupervisionMethod] = Counter(item.method for item in items)
    summary.by_method = {method: method_counts[method] for method in SupervisionMethod if method_counts[method]}
    visits: dict[int, int] = {}
    outcomes: set[int] = set()
    problems: set[int] = set()
    circulars: set[int] = set()
    topics: set[int] = set()
    for item in items:
        summary.by_progress[item.progress] += 1
        summary.visit_budget += item.visit_budget
        if item.progress == ItemProgress.dropped:
            summary.dropped.append(item)
        elif item.progress != ItemProgress.done and item.end_on < today:
            summary.overdue.append(item)
        output = outputs.get(item.id, ItemOutput())
        visits.update(output.visits)
        outcomes |= output.outcome_ids
        problems |= output.problem_ids
        circulars.update(c.id for c in output.circulars)
        topics.update(t.id for t in output.topics)
    # Items may share a round, an outcome or a circular: each is counted once.
    summary.rounds, summary.visits_done = len(visits), sum(visits.values())
    summary.outcomes, summary.problems = len(outcomes), len(problems)
    summary.circulars, summary.topics = len(circulars), len(topics)
    return summary


def requirements_in_period(scope: Scope, plan: WorkPlan) -> list[tuple[Matter, bool]]:
    """Matters the user may see whose supervision requirement falls due in the plan's period, each with
    whether an item of the plan covers it."""
    covered = select(plan_item_matters.c.matter_id).join(PlanItem, PlanItem.id == plan_item_matters.c.item_id) \
        .where(PlanItem.plan_id == plan.id)
    rows = scope.session.execute(
        select(Matter, Matter.id.in_(covered)).where(
            scope.clause(Matter), Matter.supervision_due.is_not(None),
            and_(Matter.supervision_due >= plan.period_start, Matter.supervision_due <= plan.period_end))
        .order_by(Matter.supervision_due, Matter.code).limit(500))
    return [(matter, bool(is_covered)) for matter, is_covered in rows]
