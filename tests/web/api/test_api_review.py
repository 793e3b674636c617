"""The review queue and on-site outcomes through the API."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select

from core.access.models import Role
from core.review.models import ReviewOutcome
from core.scoring.models import TaskScore


def _score(db_session, task, priority):
    # Committed changes rescore the tasks they touch: pin this task's score over whatever is stored.
    db_session.execute(delete(TaskScore).where(TaskScore.task_id == task.id))
    db_session.add(TaskScore(task_id=task.id, p_problem=0.5, impact=priority * 2, priority=priority, rule_points=1,
                             mode="rules", reasons=[], scored_on=date(2026, 11, 27)))
    db_session.commit()


def test_the_queue_is_ranked_and_scoped(api, ledger, db_session):
    _score(db_session, ledger.task_a1, 0.4)
    _score(db_session, ledger.task_a2, 0.9)
    _score(db_session, ledger.task_b1, 0.7)
    items = api(ledger.token("root", Role.admin)).get("/api/v1/queue").get_json()["items"]
    assert [(i["rank"], i["task_id"]) for i in items] == [
        (1, ledger.task_a2.id), (2, ledger.task_b1.id), (3, ledger.task_a1.id)]
    city_a = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a)).get("/api/v1/queue").get_json()
    assert [i["unit_code"] for i in city_a["items"]] == ["A2", "A1"] and city_a["total"] == 2
    assert api(ledger.token("a1", Role.unit_officer, ledger.org.county_a1)).get("/api/v1/queue").status_code == 403


def _count(db_session):
    db_session.expire_all()
    return db_session.scalar(select(func.count(ReviewOutcome.id)))


def test_outcomes_are_all_stored_or_none_with_positions(api, ledger, db_session):
    caller = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a))
    good = {"task_id": ledger.task_a1.id, "visited_on": "2026-11-20", "problem_found": True, "severity": "major",
            "findings": "台账与现场不符"}
    bad = [good, {"task_id": ledger.task_b1.id, "visited_on": "2026-11-20", "problem_found": False},
           {"task_id": ledger.task_a2.id, "visited_on": "2026-11-20", "problem_found": True}]
    response = caller.post("/api/v1/review-outcomes", {"outcomes": bad})
    assert response.status_code == 422
    assert [row["position"] for row in response.get_json()["error"]["rows"]] == [1, 2]
    assert _count(db_session) == 0
    response = caller.post("/api/v1/review-outcomes", {"outcomes": [good]}, headers={"Idempotency-Key": "visit-1"})
    again = caller.post("/api/v1/review-outcomes", {"outcomes": [good]}, headers={"Idempotency-Key": "visit-1"})
    assert response.status_code == again.status_code == 201 and again.get_json() == response.get_json()
    assert _count(db_session) == 1


def test_an_outcome_posted_with_its_selection_probability_keeps_it(api, ledger, db_session):
    caller = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a))
    row = {"task_id": ledger.task_a1.id, "visited_on": "2026-11-20", "problem_found": False}
    for wrong in (0, 1.5, "0.5", True):
        response = caller.post("/api/v1/review-outcomes", {"outcomes": [{**row, "selection_probability": wrong}]})
        assert response.status_code in (400, 422), wrong
    assert _count(db_session) == 0
    response = caller.post("/api/v1/review-outcomes", {"outcomes": [{**row, "selection_probability": 0.25}]})
    assert response.status_code == 201
    stored = db_session.get(ReviewOutcome, response.get_json()["ids"][0])
    assert stored.selection_probability == 0.25
