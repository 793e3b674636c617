"""Planning a round, recording outcomes, rectification and the look-back visit (回头看)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.access.models import Role
from core.access.scope import Scope
from core.errors import InvalidTransition, NotFound
from core.review.models import (
    Rectification,
    RectificationState,
    ReviewOutcome,
    ReviewVisit,
    RoundState,
    Selection,
    Severity,
    VisitState,
)
from core.review.outcomes import ROUND_NOT_STARTED, OutcomeInput, record_outcome, report_fixed
from core.review.planning import plan_round, set_round_state
from core.scoring.context import load_context
from core.scoring.rescore import ensure_fresh
from core.signals import Signal


@pytest.fixture
def scored(app, db_session, province):
    ensure_fresh(db_session, load_context(db_session, app.extensions["duban.plugins"]), province.today)
    return province


def test_a_round_has_ranked_and_random_visits_with_their_chances(db_session, scored):
    review_round = plan_round(scored.scope, name="第一轮", budget=3, today=scored.today, random_share=0.34, seed=5)
    kinds = [visit.selection for visit in review_round.visits]
    assert kinds.count(Selection.ranked) == 2 and kinds.count(Selection.random) == 1
    drawn = next(v for v in review_round.visits if v.selection == Selection.random)
    assert drawn.inclusion_probability == pytest.approx(0.5)  # one draw among the two tasks left
    assert review_round.eligible_count == 4


def test_an_outcome_becomes_a_signal_and_opens_a_rectification_with_a_look_back(db_session, scored, org):
    review_round = plan_round(scored.scope, name="第一轮", budget=2, today=scored.today, random_share=0, seed=1)
    set_round_state(scored.scope, review_round.id, RoundState.active)
    visit = review_round.visits[0]
    outcome = record_outcome(scored.scope, OutcomeInput(
        visited_on=scored.today, problem_found=True, severity=Severity.major, findings="台账与现场不符",
        unit_response="立即整改", rectification_deadline=scored.today + timedelta(days=30)), visit_id=visit.id)
    assert visit.state == VisitState.done
    signal = db_session.scalar(select(Signal).where(Signal.source == "review", Signal.ref == f"outcome:{outcome.id}"))
    assert signal.value == 1.0 and signal.task_id == visit.task_id
    rectification = db_session.scalar(select(Rectification).where(Rectification.outcome_id == outcome.id))
    officer = org.user("officer", Role.unit_officer, visit.unit)
    lookback = report_fixed(Scope(db_session, officer), rectification.id, note="已整改完毕", today=scored.today)
    assert rectification.state == RectificationState.reported_fixed
    assert lookback.selection == Selection.lookback and lookback.round_id is None
    assert lookback.due_on == scored.today + timedelta(days=14)
    next_round = plan_round(scored.scope, name="第二轮", budget=2, today=scored.today, seed=2)
    assert next_round.visits[0].id == lookback.id  # look-backs come first
    set_round_state(scored.scope, next_round.id, RoundState.active)
    record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False), visit_id=lookback.id)
    assert rectification.state == RectificationState.verified


def test_an_outcome_for_a_task_the_user_may_not_see_is_not_found(db_session, scored, org):
    sibling_staff = org.user("bstaff", Role.supervisor, org.city_b, head=True)
    hidden = next(t for t in scored.tasks if t.unit_id == org.county_a1.id)
    with pytest.raises(NotFound):
        record_outcome(Scope(db_session, sibling_staff), OutcomeInput(visited_on=scored.today, problem_found=False),
                       task_id=hidden.id)
    visit = ReviewVisit(task_id=hidden.id, unit_id=hidden.unit_id, selection=Selection.manual)
    db_session.add(visit)
    db_session.flush()
    with pytest.raises(NotFound):
        record_outcome(Scope(db_session, sibling_staff), OutcomeInput(visited_on=scored.today, problem_found=False),
                       visit_id=visit.id)


def test_a_problem_needs_findings_and_a_severity(scored):
    from core.errors import ValidationError

    with pytest.raises(ValidationError):
        record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=True),
                       task_id=scored.tasks[0].id)


def test_an_outcome_of_a_planned_visit_keeps_the_chance_the_visit_had(db_session, scored):
    from core.errors import ValidationError

    review_round = plan_round(scored.scope, name="第一轮", budget=3, today=scored.today, random_share=0.34, seed=5)
    set_round_state(scored.scope, review_round.id, RoundState.active)
    drawn = next(v for v in review_round.visits if v.selection == Selection.random)
    ranked = next(v for v in review_round.visits if v.selection == Selection.ranked)
    found = record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False), visit_id=drawn.id)
    assert found.selection == Selection.random and found.selection_probability == pytest.approx(0.5)
    assert record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False),
                          visit_id=ranked.id).selection_probability == 1.0
    # Without a visit the caller says what the chance was, or nothing is known.
    unplanned = [t for t in scored.tasks if t.id not in {v.task_id for v in review_round.visits}]
    told = record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False,
                                                     selection_probability=0.2), task_id=unplanned[0].id)
    assert told.selection == Selection.manual and told.selection_probability == 0.2
    assert record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False),
                          task_id=unplanned[0].id).selection_probability is None
    with pytest.raises(ValidationError):
        record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False,
                                                  selection_probability=1.5), task_id=unplanned[0].id)
    with pytest.raises(ValidationError):
        record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False,
                                                  selection_probability=0.3),
                       visit_id=next(v for v in review_round.visits if v.state == VisitState.planned).id)


def test_no_outcome_is_recorded_in_a_round_that_has_not_started(db_session, scored):
    review_round = plan_round(scored.scope, name="第一轮", budget=2, today=scored.today, random_share=0, seed=1)
    visit = review_round.visits[0]
    with pytest.raises(InvalidTransition) as refused:
        record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False), visit_id=visit.id)
    assert refused.value.message.msgid == ROUND_NOT_STARTED
    assert visit.state == VisitState.planned
    assert db_session.scalar(select(ReviewOutcome).where(ReviewOutcome.visit_id == visit.id)) is None
    set_round_state(scored.scope, review_round.id, RoundState.active)
    record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=False), visit_id=visit.id)
    assert visit.state == VisitState.done
