"""A full rescoring: which tasks it scores, and what it stores for each."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
from core.ledger.models import MatterKind, TaskState
from core.scoring.context import load_context
from core.scoring.models import TaskScore
from core.scoring.rescore import rescore
from core.signals import record_signal


def test_tasks_closed_within_half_a_year_are_scored_and_older_ones_are_not(app, db_session, province):
    recent, old = province.tasks[0], province.tasks[1]
    for task, days_ago in ((recent, 170), (old, 190)):
        task.state = TaskState.closed
        task.closed_at = datetime.combine(province.today - timedelta(days=days_ago), time(12), UTC)
    db_session.flush()
    context = load_context(db_session, app.extensions["duban.plugins"])
    assert rescore(db_session, context, province.today) == len(province.tasks) - 1
    scored = {score.task_id for score in db_session.query(TaskScore)}
    assert recent.id in scored and old.id not in scored


def test_each_score_stores_its_reasons_with_the_values_they_name(app, db_session, province):
    late, other = province.tasks[0], province.tasks[1]
    late.deadline = province.today - timedelta(days=45)
    record_signal(db_session, source="hotline", kind="complaints", ref="c1", unit_id=late.unit_id,
                  matter_id=late.matter_id, task_id=late.id, value=7, observed_on=province.today)
    db_session.flush()
    context = load_context(db_session, app.extensions["duban.plugins"], rules_text=(
        '[[rule]]\nid = "hotline.many"\nwhen = "hotline.complaints >= 5"\npoints = 40\n'
        'reason = "%(hotline.complaints)s complaints, %(overdue_days)s days late"\n'))
    rescore(db_session, context, province.today)
    db_session.expire_all()
    reasons = db_session.get(TaskScore, late.id).reasons
    # Rules by points: the instance's rule (40) before the ledger's (30).
    assert [reason["id"] for reason in reasons] == ["hotline.many", "ledger.long_overdue"]
    assert reasons[0] == {"type": "rule", "id": "hotline.many", "points": 40,
                          "text": "%(hotline.complaints)s complaints, %(overdue_days)s days late",
                          "params": {"hotline.complaints": "7", "overdue_days": "45"}}
    assert db_session.get(TaskScore, other.id).reasons == []


def test_the_queue_orders_by_likelihood_unless_the_rule_file_asks_for_expected_harm(app, db_session, province):
    important = province.tasks[0]  # of the province's matter: importance 5, public attention 4
    plain = save_matter(province.scope, None, MatterFields(code="M-2", title="档案整理", kind=MatterKind.assignment,
                                                           source_ref="", importance=3, public_attention=0))
    ordinary = dispatch_task(province.scope, plain, unit_id=province.tasks[1].unit_id, description="整理",
                             deadline=province.today + timedelta(days=30))
    ordinary.deadline = province.today - timedelta(days=45)  # rules make the ordinary task the likelier problem
    db_session.flush()
    pm = app.extensions["duban.plugins"]
    rescore(db_session, load_context(db_session, pm), province.today)
    db_session.expire_all()
    first, second = db_session.get(TaskScore, ordinary.id), db_session.get(TaskScore, important.id)
    assert first.priority == first.p_problem and second.priority == second.p_problem
    assert first.priority > second.priority
    assert second.impact > 3 * first.impact
    harm = '[queue]\norder = "expected_harm"\n'
    rescore(db_session, load_context(db_session, pm, rules_text=harm), province.today)
    db_session.expire_all()
    first, second = db_session.get(TaskScore, ordinary.id), db_session.get(TaskScore, important.id)
    assert first.priority == first.p_problem * first.impact
    assert second.priority == second.p_problem * second.impact


def test_the_strongest_pushes_are_picked_as_a_stable_sort_picks_them():
    """Ties go to the earlier input, pushes that may not be told (-inf) come after the rest, in input order."""
    import numpy as np

    from core.scoring.rescore import first_sorted

    rng = np.random.default_rng(1)
    for _ in range(300):
        rows, columns, count = int(rng.integers(1, 40)), int(rng.integers(1, 8)), int(rng.integers(1, 4))
        keys = rng.choice([-np.inf, np.inf, 0.0, 1.0, -1.0, 0.5, 2.0], size=(rows, columns))
        keys[rng.random((rows, columns)) < 0.3] = np.inf
        if rng.random() < 0.1:
            keys[0, 0] = np.nan
        assert np.array_equal(first_sorted(keys, count), np.argsort(keys, axis=1, kind="stable")[:, :count])
