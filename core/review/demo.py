"""The demo province's review history: past rounds with a random share, outcomes, a hotline source.

A generic cooperating source (a 12345 hotline) reports complaints per task
month by month; units whose tasks go badly draw more complaints, and past
on-site visits found problems more often there. So the model trained at the
end learns something real from the demo, and the model page has figures to show.
"""
from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import User
from core.access.scope import Scope
from core.ledger.models import Task, TaskState
from core.review.models import ReviewOutcome, ReviewRound, ReviewVisit, RoundState, Selection, Severity, VisitState
from core.review.outcomes import open_rectification, record_outcome_signal
from core.review.planning import region_of
from core.signals import record_signal

HOTLINE = "hotline_12345"
FINDINGS = ["台账记录与现场情况不符，部分工程尚未完工。", "群众反映的问题未整改到位。", "资金拨付滞后，存在挪用风险。",
            "进度报送存在夸大，实际完成率明显偏低。"]
CLEAN = ["现场核查与报送情况一致。", "工程已完工，群众满意度较高。"]


def _trouble(task: Task, rng: random.Random) -> float:
    """How badly a task is really going (hidden in the demo, shown only through evidence)."""
    base = {TaskState.returned: 0.7, TaskState.dispatched: 0.5, TaskState.signed: 0.35,
            TaskState.reported: 0.4, TaskState.accepted: 0.2, TaskState.closed: 0.15}[task.state]
    return min(1.0, max(0.0, base + rng.uniform(-0.45, 0.45)))


def build_reviews(session: Session, pm: pluggy.PluginManager, today: date) -> None:
    """Add hotline signals, two past rounds and earlier visits, a rectification, then train the model."""
    rng = random.Random(20260301)  # noqa: S311  (a demo drawn the same way each time, not a secret)
    tasks = list(session.scalars(select(Task).order_by(Task.id)))
    if not tasks:
        return
    trouble = {task.id: _trouble(task, rng) for task in tasks}
    for task in tasks:
        for months_ago in range(12, -1, -1):
            day = today - timedelta(days=30 * months_ago + 3)
            complaints = max(0, round(10.0 * trouble[task.id] + rng.gauss(0, 1.0)))
            record_signal(session, source=HOTLINE, kind="complaints", ref=f"demo:{task.id}:{day.isoformat()}",
                          unit_id=task.unit_id, matter_id=task.matter_id, task_id=task.id, value=complaints,
                          observed_on=day, details={"window_days": 30})
    staff = session.scalar(select(User).where(User.username == "duchashi"))
    owner_id = staff.unit_id if staff and staff.unit_id else tasks[0].unit_id
    outcomes: list[ReviewOutcome] = []
    for number, days_ago in enumerate((150, 60), start=1):
        outcomes += _past_round(session, rng, tasks, trouble, owner_id, number, today - timedelta(days=days_ago))
    for k in range(28):
        day = today - timedelta(days=340 - 11 * k)
        for task in rng.sample(tasks, 3):
            outcomes.append(_outcome(session, rng, task, trouble[task.id], day, Selection.manual, None))
    session.flush()
    for outcome in outcomes:
        record_outcome_signal(session, outcome)
    latest_problem = next((o for o in reversed(outcomes) if o.problem_found and o.task_id), None)
    if staff is not None and latest_problem is not None:
        open_rectification(Scope(session, staff), latest_problem, today + timedelta(days=20),
                           "核实未完工点位，制定整改方案并按期报送整改结果。")
    _train(session, pm, today)


def _poisson(rng: random.Random, lam: float) -> int:
    threshold, k, product = math.exp(-lam), 0, rng.random()
    while product > threshold:
        k += 1
        product *= rng.random()
    return k


def _outcome(session: Session, rng: random.Random, task: Task, trouble: float, day: date, selection: Selection,
             visit: ReviewVisit | None) -> ReviewOutcome:
    found = rng.random() < 0.05 + 0.9 * trouble
    outcome = ReviewOutcome(
        visit_id=visit.id if visit else None, task_id=task.id, unit_id=task.unit_id, matter_id=task.matter_id,
        visited_on=day, problem_found=found, severity=rng.choice(list(Severity)) if found else None,
        findings=rng.choice(FINDINGS) if found else rng.choice(CLEAN), selection=selection, recorded_by="duchashi")
    session.add(outcome)
    return outcome


def _past_round(session: Session, rng: random.Random, tasks: list[Task], trouble: dict[int, float], owner_id: int,
                number: int, day: date) -> list[ReviewOutcome]:
    """A closed round of 8 visits: 6 by rank (evidence then), 2 drawn at random among the rest."""
    review_round = ReviewRound(name=f"示范复核第{number}轮", owner_unit_id=owner_id, budget=8, random_share=0.25,
                               min_region_chance=0.0, eligible_count=len(tasks), state=RoundState.closed,
                               planned_on=day - timedelta(days=7), seed=number, created_by="duchashi")
    session.add(review_round)
    session.flush()
    ranked = sorted(tasks, key=lambda t: -(trouble[t.id] + rng.uniform(-0.2, 0.2)))[:6]
    rest = [t for t in tasks if t not in ranked]
    drawn = rng.sample(rest, 2)
    outcomes = []
    for position, (task, selection) in enumerate([(t, Selection.ranked) for t in ranked]
                                                 + [(t, Selection.random) for t in drawn], start=1):
        probability = 1.0 if selection == Selection.ranked else 2 / len(rest)
        visit = ReviewVisit(round_id=review_round.id, task_id=task.id, unit_id=task.unit_id, selection=selection,
                            inclusion_probability=probability, region=region_of(task.unit), position=position,
                            team=f"第{1 + position % 2}组", state=VisitState.done)
        session.add(visit)
        session.flush()
        outcomes.append(_outcome(session, rng, task, trouble[task.id], day, selection, visit))
    return outcomes


def _train(session: Session, pm: pluggy.PluginManager, today: date) -> None:
    from core.scoring.model import NotEnoughOutcomes
    from core.scoring.training import retrain

    try:
        retrain(session, pm, today, trained_by="demo", budget=8)
    except NotEnoughOutcomes:
        pass  # the queue ranks by rules alone, as any young instance does
