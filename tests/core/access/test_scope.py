"""The scope layer: who sees which units and records."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.access.models import Assignment, Role, User
from core.access.scope import Scope
from core.errors import Forbidden, NotFound
from core.jobs.models import JobRun
from core.ledger.models import Matter, MatterKind, Task
from core.org.models import Unit, UnitLevel
from core.org.units import save_unit


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


def test_leaders_read_their_units_records_but_change_none(db_session, org):
    _matter, tasks = _ledger(db_session, org)
    leader = org.user("lingdao", Role.leader, org.city_a)
    scope = Scope(db_session, leader)
    assert {t.unit_id for t in db_session.scalars(scope.select(Task))} == {org.county_a1.id, org.county_a2.id}
    assert scope.get(Task, tasks["A1"].id).id == tasks["A1"].id
    assert db_session.scalars(scope.select(Task, "write")).all() == []
    assert scope.filter_ids(Task, [t.id for t in tasks.values()], "write") == set()
    for code in ("A1", "A2"):
        with pytest.raises(NotFound):
            scope.get(Task, tasks[code].id, "write")
    assert db_session.scalars(select(Unit.code).where(scope.unit_clause(Unit.id, "write"))).all() == []
    assert db_session.scalars(select(Unit.code).where(Unit.id.in_(scope.unit_ids("write")))).all() == []
    assert set(db_session.scalars(select(Unit.code).where(scope.unit_clause(Unit.id)))) == {"A", "A1", "A2"}


def test_supervisors_change_the_records_of_their_own_units_only(db_session, org):
    _matter, tasks = _ledger(db_session, org)
    scope = Scope(db_session, org.user("shi", Role.supervisor, org.city_a))
    writable = {t.unit_id for t in db_session.scalars(scope.select(Task, "write"))}
    assert writable == {org.county_a1.id, org.county_a2.id}
    assert scope.get(Task, tasks["A2"].id, "write").id == tasks["A2"].id
    assert scope.filter_ids(Task, [t.id for t in tasks.values()], "write") == {tasks["A1"].id, tasks["A2"].id}
    assert scope.filter_ids(Task, [tasks["A2"].id]) == {tasks["A2"].id}  # only those asked about
    assert set(db_session.scalars(select(Unit.code).where(scope.unit_clause(Unit.id, "write")))) == {"A", "A1", "A2"}


def test_filter_ids_keeps_the_readable_ones_and_asks_nothing_for_none(db_session, org):
    _matter, tasks = _ledger(db_session, org)
    scope = Scope(db_session, org.user("hedong", Role.unit_officer, org.county_a1))
    assert scope.filter_ids(Task, [t.id for t in tasks.values()]) == {tasks["A1"].id}
    assert scope.filter_ids(Task, []) == set()
    assert scope.filter_ids(Task, iter([tasks["A1"].id, tasks["B1"].id])) == {tasks["A1"].id}


def test_capabilities_follow_the_role_and_unknown_ones_are_refused(db_session, org):
    city = Scope(db_session, org.user("shi", Role.supervisor, org.city_a))
    assert city.can("ledger.manage") and city.has_role(Role.admin, Role.supervisor)
    assert not city.can("no.such.capability")
    assert not city.has_role(Role.admin, Role.leader)
    city.require("ledger.manage")
    with pytest.raises(Forbidden) as refused:
        city.require("users.manage")
    assert refused.value.message.msgid == "You are not allowed to do this."
    assert not Scope(db_session, None).can("ledger.view")


def test_instance_wide_settings_need_a_user_of_the_root_unit(db_session, org):
    province = Scope(db_session, org.user("sheng", Role.supervisor, org.province))
    city = Scope(db_session, org.user("shi", Role.supervisor, org.city_a))
    admin = Scope(db_session, org.user("root", Role.admin))
    assert province.can("scoring.manage") and admin.can("scoring.manage")
    assert not city.can("scoring.manage")
    assert city.can("reviews.manage")  # not instance-wide: the city's own reviews


def test_a_scope_given_its_own_capability_table_uses_it(db_session, org):
    leader = org.user("lingdao", Role.leader, org.city_a)
    scope = Scope(db_session, leader, {"briefings.read": frozenset({Role.leader})})
    assert scope.can("briefings.read")
    assert not scope.can("ledger.view")  # not in the table given
    assert not Scope(db_session, leader, {}).can("units.view")


def test_a_model_without_scoping_rules_is_refused(db_session, org):
    scope = Scope(db_session, org.user("root", Role.admin))
    with pytest.raises(TypeError, match="Assignment does not define __scope__"):
        scope.clause(Assignment)


def test_not_found_says_so_in_the_message_translators_see(db_session, org):
    _matter, tasks = _ledger(db_session, org)
    scope = Scope(db_session, org.user("hedong", Role.unit_officer, org.county_a1))
    for ident in (tasks["B1"].id, "abc", None):
        with pytest.raises(NotFound) as missing:
            scope.get(Task, ident)
        assert missing.value.message.msgid == "Not found."


def test_reading_is_the_default_action(db_session, org):
    # A job run may be read by who asked for it, and changed by nobody (its rules tell the two apart).
    user = org.user("shi", Role.supervisor, org.city_a)
    run = JobRun(job="import", requested_by=user.id)
    db_session.add(run)
    db_session.commit()
    scope = Scope(db_session, user)
    assert scope.get(JobRun, run.id).id == run.id
    assert [r.id for r in db_session.scalars(scope.select(JobRun))] == [run.id]
    assert db_session.scalars(select(JobRun.id).where(scope.clause(JobRun))).all() == [run.id]
    assert scope.filter_ids(JobRun, [run.id]) == {run.id}
    assert db_session.scalars(scope.select(JobRun, "write")).all() == []


def test_evaluators_see_only_their_own_assignments(db_session, org):
    matter, _tasks = _ledger(db_session, org)
    first, second = org.user("pinggu1", Role.evaluator), org.user("pinggu2", Role.evaluator)
    db_session.add_all([Assignment(user_id=first.id, matter_id=matter.id, unit_id=org.county_a1.id),
                        Assignment(user_id=second.id, matter_id=matter.id, unit_id=org.county_b1.id)])
    db_session.commit()
    assert _codes(Scope(db_session, first)) == {"A1"}
    assert _codes(Scope(db_session, second)) == {"B1"}


def test_an_administrators_unit_clause_keeps_records_outside_any_unit(db_session, org):
    admin = org.user("root", Role.admin)  # an account without a unit
    org.user("shi", Role.supervisor, org.city_a)
    scope = Scope(db_session, admin)
    names = set(db_session.scalars(select(User.username).where(scope.unit_clause(User.unit_id))))
    assert names == {"root", "shi"}


def test_visible_units_come_in_hierarchy_order(db_session, org):
    save_unit(db_session, Unit(), code="A3", name="河北区", level=UnitLevel.county, region_code="990104",
              parent=org.city_a)
    db_session.commit()
    user = org.user("sheng", Role.supervisor, org.province)
    units = Scope(db_session, user).visible_units()
    assert [unit.code for unit in units] == ["P", "A", "A1", "A2", "A3", "B", "B1", "P-EDU"]
    assert [unit.path for unit in units] == sorted(unit.path for unit in units)
