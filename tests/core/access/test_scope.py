"""The scope layer: who sees which units and records."""
from __future__ import annotations

from datetime import date

import pytest

from core.access.models import Assignment, Role, User
from core.access.scope import Scope
from core.errors import NotFound
from core.ledger.models import Matter, MatterKind, Task
from core.org.models import Unit


def _codes(scope: Scope) -> set[str]:
    return {unit.code for unit in scope.visible_units()}


def _ledger(db_session, org):
    matter = Matter(code="M1", title="农村危房改造", kind=MatterKind.work_report, owner_unit_id=org.province.id)
    db_session.add(matter)
    db_session.flush()
    tasks = {}
    for unit in (org.county_a1, org.county_a2, org.county_b1):
        task = Task(matter_id=matter.id, unit_id=unit.id, description=f"{unit.name} 完成改造",
                    deadline=date(2026, 12, 31))
        db_session.add(task)
        tasks[unit.code] = task
    db_session.commit()
    return matter, tasks


def test_provincial_supervisor_sees_the_whole_province(db_session, org):
    user = org.user("sheng", Role.supervisor, org.province)
    assert _codes(Scope(db_session, user)) == {"P", "A", "A1", "A2", "B", "B1", "P-EDU"}


def test_city_supervisor_sees_only_its_city(db_session, org):
    user = org.user("shi", Role.supervisor, org.city_a)
    assert _codes(Scope(db_session, user)) == {"A", "A1", "A2"}


def test_unit_officer_sees_only_their_unit_unless_head(db_session, org):
    officer = org.user("officer", Role.unit_officer, org.city_a)
    head = org.user("head", Role.unit_officer, org.city_a, head=True)
    assert _codes(Scope(db_session, officer)) == {"A"}
    assert _codes(Scope(db_session, head)) == {"A", "A1", "A2"}


def test_inactive_or_anonymous_users_see_nothing(db_session, org):
    user = org.user("gone", Role.supervisor, org.province)
    user.active = False
    assert _codes(Scope(db_session, user)) == set()
    assert _codes(Scope(db_session, None)) == set()


def test_sibling_county_cannot_load_tasks_by_guessing_ids(db_session, org):
    _matter, tasks = _ledger(db_session, org)
    officer = org.user("hedong", Role.unit_officer, org.county_a1)
    scope = Scope(db_session, officer)
    assert scope.get(Task, tasks["A1"].id).id == tasks["A1"].id
    for code in ("A2", "B1"):
        with pytest.raises(NotFound):
            scope.get(Task, tasks[code].id)
        with pytest.raises(NotFound):
            scope.get(Task, tasks[code].id, "write")
    visible = db_session.scalars(scope.select(Task)).all()
    assert [task.unit_id for task in visible] == [org.county_a1.id]


def test_matter_is_visible_to_units_holding_its_tasks_and_their_supervisors(db_session, org):
    matter, _tasks = _ledger(db_session, org)
    officer = org.user("chengguan", Role.unit_officer, org.county_b1)
    city = org.user("baishui", Role.supervisor, org.city_b)
    department = org.user("edu", Role.unit_officer, org.department)
    assert Scope(db_session, officer).get(Matter, matter.id) is not None
    assert Scope(db_session, city).get(Matter, matter.id) is not None
    with pytest.raises(NotFound):
        Scope(db_session, department).get(Matter, matter.id)
    # Only the owner's supervisors may change it.
    with pytest.raises(NotFound):
        Scope(db_session, city).get(Matter, matter.id, "write")


def test_evaluator_sees_only_assigned_matters_and_units(db_session, org):
    matter, tasks = _ledger(db_session, org)
    other = Matter(code="M2", title="其他事项", kind=MatterKind.other, owner_unit_id=org.province.id)
    db_session.add(other)
    db_session.flush()
    evaluator = org.user("pinggu", Role.evaluator)
    db_session.add(Assignment(user_id=evaluator.id, matter_id=matter.id, unit_id=org.county_a2.id))
    db_session.commit()
    scope = Scope(db_session, evaluator)
    assert [m.code for m in db_session.scalars(scope.select(Matter))] == ["M1"]
    assert [t.id for t in db_session.scalars(scope.select(Task))] == [tasks["A2"].id]
    assert _codes(scope) == {"A2"}


def test_ids_that_are_not_numbers_are_not_found(db_session, org):
    user = org.user("sheng", Role.admin)
    with pytest.raises(NotFound):
        Scope(db_session, user).get(Unit, "1 OR 1=1")


def test_only_administrators_manage_accounts(db_session, org):
    admin = org.user("root", Role.admin)
    other = org.user("sheng", Role.supervisor, org.province)
    assert Scope(db_session, admin).can("users.manage")
    assert not Scope(db_session, other).can("users.manage")
    assert [u.username for u in db_session.scalars(Scope(db_session, other).select(User))] == ["sheng"]
