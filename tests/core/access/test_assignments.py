"""Assigning evaluators: what they may then see, and what is refused."""
from __future__ import annotations

from datetime import date

import pytest

from core.access.assignments import assign, assignments_of, is_assigned, unassign
from core.access.models import Role
from core.access.scope import Scope
from core.errors import NotFound, ValidationError
from core.ledger.models import Matter, MatterKind, Task


@pytest.fixture
def matter(db_session, org):
    matter = Matter(code="M-EV", title="农村公路建设", kind=MatterKind.work_report, owner_unit_id=org.province.id)
    db_session.add(matter)
    db_session.flush()
    for unit in (org.county_a1, org.county_a2):
        db_session.add(Task(matter_id=matter.id, unit_id=unit.id, description="建设", deadline=date(2026, 12, 31)))
    db_session.commit()
    return matter


def test_a_whole_matter_assignment_shows_the_matter_and_all_its_units(db_session, org, matter):
    evaluator = org.user("ev", Role.evaluator)
    assign(db_session, evaluator, matter)
    scope = Scope(db_session, evaluator)
    assert [m.code for m in db_session.scalars(scope.select(Matter))] == ["M-EV"]
    assert is_assigned(db_session, evaluator.id, matter.id, org.county_a1.id)
    assert is_assigned(db_session, evaluator.id, matter.id, org.county_a2.id)


def test_a_unit_assignment_covers_only_that_unit(db_session, org, matter):
    evaluator = org.user("ev", Role.evaluator)
    assign(db_session, evaluator, matter, org.county_a1)
    assert is_assigned(db_session, evaluator.id, matter.id, org.county_a1.id)
    assert not is_assigned(db_session, evaluator.id, matter.id, org.county_a2.id)
    tasks = list(db_session.scalars(Scope(db_session, evaluator).select(Task)))
    assert [t.unit_id for t in tasks] == [org.county_a1.id]


def test_assigning_twice_keeps_one_assignment(db_session, org, matter):
    evaluator = org.user("ev", Role.evaluator)
    first = assign(db_session, evaluator, matter)
    again = assign(db_session, evaluator, matter)
    assert first.id == again.id
    assert len(assignments_of(db_session, evaluator.id)) == 1


def test_only_evaluators_and_units_with_a_task_can_be_assigned(db_session, org, matter):
    officer = org.user("officer", Role.unit_officer, org.county_a1)
    with pytest.raises(ValidationError):
        assign(db_session, officer, matter)
    evaluator = org.user("ev", Role.evaluator)
    with pytest.raises(ValidationError) as refused:
        assign(db_session, evaluator, matter, org.county_b1)
    assert refused.value.message.params == {"unit": "B1", "matter": "M-EV"}


def test_unassigning_takes_the_matter_out_of_sight(db_session, org, matter):
    evaluator = org.user("ev", Role.evaluator)
    assignment = assign(db_session, evaluator, matter)
    unassign(db_session, assignment.id)
    assert list(db_session.scalars(Scope(db_session, evaluator).select(Matter))) == []
    with pytest.raises(NotFound):
        unassign(db_session, assignment.id)
