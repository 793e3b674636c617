"""Features as they stood on a given day: no later evidence leaks in."""
from __future__ import annotations

from datetime import date, timedelta

from core.scoring.catalogue import build_catalogue
from core.scoring.features import compute_features
from core.signals import record_signal


def test_signals_after_the_day_are_not_seen(db_session, province):
    task = province.tasks[0]
    today = province.today
    record_signal(db_session, source="hotline", kind="complaints", ref="a", unit_id=task.unit_id,
                  matter_id=task.matter_id, value=2, observed_on=today - timedelta(days=30))
    record_signal(db_session, source="hotline", kind="complaints", ref="b", unit_id=task.unit_id,
                  matter_id=task.matter_id, value=9, observed_on=today)
    catalogue = build_catalogue([], [("hotline", "complaints")])
    then = compute_features(db_session, catalogue, today - timedelta(days=10), [task.id]).row(task.id)
    now = compute_features(db_session, catalogue, today, [task.id]).row(task.id)
    assert then["hotline.complaints"] == 2
    assert now["hotline.complaints"] == 9


def test_the_most_specific_signal_wins_and_unit_wide_ones_reach_every_task(db_session, province):
    first, second = province.tasks[0], province.tasks[1]
    day = province.today
    record_signal(db_session, source="hotline", kind="complaints", ref="unit", unit_id=first.unit_id,
                  value=1, observed_on=day)
    record_signal(db_session, source="hotline", kind="complaints", ref="task", unit_id=first.unit_id,
                  matter_id=first.matter_id, task_id=first.id, value=7, observed_on=day)
    catalogue = build_catalogue([], [("hotline", "complaints")])
    table = compute_features(db_session, catalogue, day)
    assert table.row(first.id)["hotline.complaints"] == 7
    assert table.row(second.id)["hotline.complaints"] != table.row(second.id)["hotline.complaints"]  # missing


def test_overdue_days_as_of_a_past_day(db_session, province):
    task = province.tasks[0]
    catalogue = build_catalogue([])
    later = task.deadline + timedelta(days=12)
    assert compute_features(db_session, catalogue, later, [task.id]).row(task.id)["overdue_days"] == 12
    assert compute_features(db_session, catalogue, task.deadline, [task.id]).row(task.id)["overdue_days"] == 0


def test_a_review_counts_as_history_only_from_its_day(db_session, province):
    from core.review.models import ReviewOutcome

    task = province.tasks[0]
    visit_day = date.today() - timedelta(days=5)
    db_session.add(ReviewOutcome(task_id=task.id, unit_id=task.unit_id, matter_id=task.matter_id,
                                 visited_on=visit_day, problem_found=True))
    db_session.flush()
    catalogue = build_catalogue([])
    before = compute_features(db_session, catalogue, visit_day - timedelta(days=1), [task.id]).row(task.id)
    after = compute_features(db_session, catalogue, visit_day, [task.id]).row(task.id)
    assert before["past_problems"] == 0 and after["past_problems"] == 1
    assert after["days_since_review"] == 0
