"""A work plan drafted by staff, approved by another person, published to the units it concerns, tracked."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.access.models import Role
from core.access.scope import Scope
from core.audit_log import AuditEntry
from core.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from core.ledger.dispatch import MatterFields, save_matter
from core.ledger.models import Matter, MatterKind, SupervisionMethod
from core.notify.models import Notification
from core.plans.models import ItemProgress, PlanItem, PlanState, WorkPlan
from core.plans.tracking import item_outputs, plan_summary, requirements_in_period
from core.plans.workflow import (
    ItemFields,
    NewMatter,
    approve_plan,
    create_plan,
    publish_plan,
    return_plan,
    save_item,
    save_summary,
    set_progress,
    submit_plan,
)


def _item(province, **changes) -> ItemFields:
    year = province.today.year
    fields = ItemFields(title="饮水安全实地督查", method=SupervisionMethod.on_site, unit_id=province.org.province.id,
                        start_on=date(year, 1, 1), end_on=date(year, 12, 31), matter_ids=[province.water.id],
                        lead_id=province.commissioner.id, visit_budget=12)
    for name, value in changes.items():
        setattr(fields, name, value)
    return fields


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def plan(province):
    return create_plan(province.scope, year=province.today.year, title="年度督查工作计划")


def test_a_plan_is_drafted_approved_by_another_person_and_published_to_its_units(province, plan):
    session, org = province.session, province.org
    save_item(province.scope, plan.id, None, _item(province))
    save_item(province.scope, plan.id, None, _item(province, title="", method=SupervisionMethod.written,
                                                   matter_ids=[province.roads.id], lead_id=None, visit_budget=0))
    assert [item.title for item in plan.items] == ["饮水安全实地督查", "农村公路养护"]  # an empty title: the matter's
    submit_plan(province.scope, plan.id)
    assert plan.state == PlanState.submitted
    leader_scope = Scope(session, province.leader)
    session.info["actor"] = "leader"
    approve_plan(leader_scope, plan.id)
    session.flush()
    assert plan.state == PlanState.approved and plan.approved_by_id == province.leader.id
    approval = session.scalar(select(AuditEntry).where(AuditEntry.table_name == "work_plans",
                                                       AuditEntry.action == "update").order_by(AuditEntry.id.desc()))
    assert approval.actor == "leader"
    assert approval.after["state"] == "approved" and approval.after["approved_by_id"] == province.leader.id

    officer = org.user("hedong", Role.unit_officer, org.county_a1)
    outsider = org.user("pedu", Role.unit_officer, org.department)
    assert Scope(session, officer).filter_ids(WorkPlan, [plan.id]) == set()  # not before it is published
    session.info["actor"] = "staff"
    _plan, told = publish_plan(province.scope, plan.id)
    assert plan.state == PlanState.published and told == 4  # the province's office and the three counties
    notices = session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == officer.id))
    assert notices == 1
    assert Scope(session, officer).filter_ids(WorkPlan, [plan.id]) == {plan.id}
    assert Scope(session, outsider).filter_ids(WorkPlan, [plan.id]) == set()


def test_the_drafter_cannot_approve_their_own_plan_and_nothing_is_written(province, plan, db_session):
    save_item(province.scope, plan.id, None, _item(province))
    drafter = province.org.user("chief", Role.admin, province.org.province)
    plan.drafted_by_id = drafter.id
    submit_plan(province.scope, plan.id)
    db_session.commit()
    with pytest.raises(ValidationError) as refused:
        approve_plan(Scope(db_session, drafter), plan.id)
    assert "drafted" in str(refused.value)
    db_session.rollback()
    assert db_session.get(WorkPlan, plan.id).state == PlanState.submitted
    with pytest.raises(Forbidden):
        approve_plan(province.scope, plan.id)  # staff do not approve


def test_a_leader_sends_a_plan_back_with_a_reason(province, plan, db_session):
    save_item(province.scope, plan.id, None, _item(province))
    submit_plan(province.scope, plan.id)
    leader_scope = Scope(db_session, province.leader)
    with pytest.raises(ValidationError):
        return_plan(leader_scope, plan.id, "  ")
    return_plan(leader_scope, plan.id, "请补充明察暗访安排")
    assert plan.state == PlanState.draft and plan.returned_note == "请补充明察暗访安排"
    with pytest.raises(InvalidTransition):
        approve_plan(leader_scope, plan.id)


@pytest.mark.parametrize(("changes", "words"), [
    ({"matter_ids": []}, "at least one matter"),
    ({"start_on": None}, "schedule"),
    ({"end_on": None}, "schedule"),
    ({"end_on": date(2000, 1, 1)}, "ends before it starts"),
    ({"visit_budget": -1}, "visit budget"),
])
def test_an_item_without_a_matter_or_a_schedule_is_refused_and_nothing_is_written(province, plan, db_session,
                                                                                   changes, words):
    db_session.commit()
    items, matters = _count(db_session, PlanItem), _count(db_session, Matter)
    with pytest.raises(ValidationError) as refused:
        save_item(province.scope, plan.id, None, _item(province, **changes))
    assert words in str(refused.value)
    db_session.rollback()
    assert (_count(db_session, PlanItem), _count(db_session, Matter)) == (items, matters)


def test_a_schedule_outside_the_plan_period_and_an_office_outside_the_unit_are_refused(province, db_session):
    quarter = create_plan(province.scope, year=province.today.year, quarter=1, title="一季度计划")
    with pytest.raises(ValidationError, match="outside the plan's period"):
        save_item(province.scope, quarter.id, None, _item(province))
    city_staff = province.org.user("qingshan", Role.supervisor, province.org.city_a, head=True)
    city_plan = create_plan(Scope(db_session, city_staff), year=province.today.year, title="青山市计划")
    with pytest.raises(ValidationError, match="responsible office"):
        save_item(Scope(db_session, city_staff), city_plan.id, None,
                  _item(province, unit_id=province.org.city_b.id, matter_ids=[], lead_id=None,
                        new_matter=NewMatter("QS-1", "城区排水")))
    with pytest.raises(ValidationError, match="already has a plan"):
        create_plan(province.scope, year=province.today.year, quarter=1, title="again")


def test_an_item_may_register_its_matter_and_only_drafts_change(province, plan, db_session):
    item = save_item(province.scope, plan.id, None, _item(province, matter_ids=[],
                                                          new_matter=NewMatter("M-9", "高标准农田建设")))
    assert [m.code for m in item.matters] == ["M-9"] and item.title == "饮水安全实地督查"
    submit_plan(province.scope, plan.id)
    with pytest.raises(InvalidTransition):
        save_item(province.scope, plan.id, item.id, _item(province))
    with pytest.raises(InvalidTransition):
        set_progress(province.scope, item.id, ItemProgress.done)  # not published yet


def test_progress_is_tracked_to_the_year_end_a_dropped_item_says_why(province, plan, db_session):
    first = save_item(province.scope, plan.id, None, _item(province))
    second = save_item(province.scope, plan.id, None, _item(province, matter_ids=[province.roads.id],
                                                           method=SupervisionMethod.unannounced))
    submit_plan(province.scope, plan.id)
    approve_plan(Scope(db_session, province.leader), plan.id)
    publish_plan(province.scope, plan.id)
    with pytest.raises(ValidationError, match="why"):
        set_progress(province.scope, second.id, ItemProgress.dropped)
    # The item's lead (a commissioner) records progress too.
    set_progress(Scope(db_session, province.commissioner), first.id, ItemProgress.done, note="12 次实地督查完成")
    set_progress(province.scope, second.id, ItemProgress.dropped, reason="并入专项督查")
    officer = province.org.user("hedong", Role.unit_officer, province.org.county_a1)
    with pytest.raises(Forbidden):
        set_progress(Scope(db_session, officer), first.id, ItemProgress.under_way)
    save_summary(province.scope, plan.id, "全年计划完成")
    outputs = item_outputs(province.scope, plan.items)
    summary = plan_summary(plan.items, outputs, date(province.today.year + 1, 1, 1))
    assert summary.by_progress[ItemProgress.done] == 1 and summary.by_progress[ItemProgress.dropped] == 1
    assert summary.dropped == [second] and summary.overdue == [] and summary.done_share == 1.0
    assert summary.visit_budget == 24


def test_an_item_past_its_end_and_not_done_is_overdue(province, plan):
    item = save_item(province.scope, plan.id, None, _item(province))
    summary = plan_summary(plan.items, item_outputs(province.scope, plan.items), item.end_on + timedelta(days=1))
    assert summary.overdue == [item]


def test_a_matters_supervision_requirement_appears_in_the_plan_of_its_period(province, plan, db_session):
    year = province.today.year
    save_matter(province.scope, province.water, MatterFields(
        code="M-1", title="农村饮水安全", kind=MatterKind.assignment, supervision_method=SupervisionMethod.on_site,
        supervision_due=date(year, 6, 30), supervision_requirement="汛期前实地核查水源地"))
    later = save_matter(province.scope, None, MatterFields(
        code="M-3", title="下一年度事项", kind=MatterKind.other, supervision_method=SupervisionMethod.written,
        supervision_due=date(year + 1, 3, 1)))
    with pytest.raises(ValidationError, match="how the matter will be checked and by when"):
        save_matter(province.scope, later, MatterFields(code="M-3", title="下一年度事项", kind=MatterKind.other,
                                                        supervision_requirement="只有说明"))
    assert requirements_in_period(province.scope, plan) == [(province.water, False)]
    save_item(province.scope, plan.id, None, _item(province))
    assert requirements_in_period(province.scope, plan) == [(province.water, True)]


def test_another_units_plan_is_not_found(province, plan, db_session):
    city_staff = province.org.user("qingshan", Role.supervisor, province.org.city_a, head=True)
    with pytest.raises(NotFound):
        save_item(Scope(db_session, city_staff), plan.id, None, _item(province))
