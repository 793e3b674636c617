"""Training: refused with too few outcomes (rules keep ranking), then a calibrated model that ranks."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from core.review.models import ReviewOutcome
from core.scoring.context import load_context
from core.scoring.model import NotEnoughOutcomes
from core.scoring.models import ScoringModel, TaskScore
from core.scoring.rescore import ensure_fresh
from core.scoring.training import train
from core.signals import record_signal


def _history(db_session, province, visits: int, seed: int = 3) -> None:
    """Past visits whose outcome follows hotline complaints recorded the week before."""
    rng = random.Random(seed)
    for k in range(visits):
        task = province.tasks[k % len(province.tasks)]
        day = province.today - timedelta(days=400 - 3 * k)
        complaints = rng.randint(0, 10)
        record_signal(db_session, source="hotline", kind="complaints", ref=f"h{k}", unit_id=task.unit_id,
                      matter_id=task.matter_id, task_id=task.id, value=complaints, observed_on=day - timedelta(days=7))
        db_session.add(ReviewOutcome(task_id=task.id, unit_id=task.unit_id, matter_id=task.matter_id, visited_on=day,
                                     problem_found=complaints + rng.gauss(0, 1.5) > 5))
    db_session.flush()


def test_too_few_outcomes_is_refused_and_the_queue_stays_rules_only(app, db_session, province):
    _history(db_session, province, 6)
    pm = app.extensions["duban.plugins"]
    context = load_context(db_session, pm)
    ensure_fresh(db_session, context, province.today)
    with pytest.raises(NotEnoughOutcomes) as caught:
        train(db_session, context, province.today)
    assert "at least 10 of each" in str(caught.value.message)
    assert load_context(db_session, pm).mode == "rules"
    assert {score.mode for score in db_session.query(TaskScore)} == {"rules"}


def test_a_trained_model_validates_forward_and_takes_over_the_queue(app, db_session, province):
    _history(db_session, province, 80)
    pm = app.extensions["duban.plugins"]
    context = load_context(db_session, pm)
    ensure_fresh(db_session, context, province.today)
    row = train(db_session, context, province.today, trained_by="tests", budget=5)
    assert row.outcomes == 80
    assert row.metrics["folds"] >= 3
    assert row.metrics["auc"] > 0.75  # complaints really do predict problems here
    assert row.metrics["coefficients"]["hotline.complaints"] > 0
    assert sum(b["count"] for b in row.metrics["calibration"]) == row.metrics["validated"]
    assert load_context(db_session, pm).mode == "model"
    assert {score.mode for score in db_session.query(TaskScore)} == {"model"}


def test_the_train_model_job_trains_on_committed_outcomes_weekly_or_when_queued(app, db_session, province):
    queue = app.extensions["duban.jobs"]
    weekly = {task.name: task for task in queue.huey._registry.periodic_tasks}["train_model.periodic"]
    assert weekly.validate_datetime(datetime(2026, 11, 29, 2, 30))  # a Sunday
    assert not weekly.validate_datetime(datetime(2026, 11, 30, 2, 30))
    _history(db_session, province, 80)
    db_session.commit()
    queue.huey.flush()
    queue.enqueue("train_model", "tests")
    result = queue.huey.execute(queue.huey.dequeue())
    assert result["trained"] and result["outcomes"] == 80 and result["auc"] > 0.75
    db_session.expire_all()
    row = db_session.get(ScoringModel, result["model_id"])
    assert row.active and row.trained_by == "tests"
    assert {score.mode for score in db_session.query(TaskScore)} == {"model"}
