"""Special campaigns: their scope limits the review rounds drawn for them; teams, circulars, the plan's output."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.access.models import Role
from core.access.scope import Scope
from core.circulars.models import Circular
from core.errors import InvalidTransition, NotFound, ValidationError
from core.ledger.models import SupervisionMethod
from core.plans.campaigns import (
    CampaignFields,
    add_team,
    campaign_circular_list,
    campaign_rounds,
    link_circular,
    plan_campaign_round,
    save_campaign,
    set_campaign_state,
)
from core.plans.models import Campaign, CampaignState
from core.plans.tracking import item_outputs, plan_summary
from core.plans.workflow import ItemFields, create_plan, save_item
from core.review.models import RoundState, Selection, Severity
from core.review.outcomes import OutcomeInput, record_outcome
from core.review.planning import plan_round, set_round_state
from core.scoring.context import load_context
from core.scoring.rescore import ensure_fresh


@pytest.fixture
def scored(app, db_session, province):
    ensure_fresh(db_session, load_context(db_session, app.extensions["duban.plugins"]), province.today)
    return province


def _campaign(province, scope=None, **changes) -> Campaign:
    fields = CampaignFields(name="饮水安全专项督查", start_on=province.today - timedelta(days=5),
                            end_on=province.today + timedelta(days=60), matter_ids=[province.water.id],
                            unit_ids=[province.org.city_a.id], leader_id=province.commissioner.id)
    for name, value in changes.items():
        setattr(fields, name, value)
    return save_campaign(scope or province.scope, None, fields)


def test_a_campaign_round_draws_only_within_its_matters_and_units(scored, db_session):
    campaign = _campaign(scored)
    review_round = plan_campaign_round(Scope(db_session, scored.commissioner), campaign.id, name="专项第一轮",
                                       budget=10, today=scored.today, random_share=0, seed=3)
    visited = {(visit.task.matter.code, visit.unit.code) for visit in review_round.visits}
    assert visited == {("M-1", "A1"), ("M-1", "A2")}  # not M-2, not county B1
    assert review_round.campaign_id == campaign.id and review_round.eligible_count == 2
    assert campaign_rounds(scored.scope, campaign.id) == [review_round]
    # An ordinary round still draws from the whole queue.
    ordinary = plan_round(scored.scope, name="常规", budget=10, today=scored.today, random_share=0, seed=3)
    assert ordinary.eligible_count == 4 and ordinary.campaign_id is None


def test_a_campaign_without_units_covers_every_unit_of_its_matters(scored):
    campaign = _campaign(scored, unit_ids=[])
    review_round = plan_campaign_round(scored.scope, campaign.id, name="全省", budget=10, today=scored.today,
                                       random_share=0, seed=1)
    assert {visit.unit.code for visit in review_round.visits} == {"A1", "A2", "B1"}
    assert {visit.selection for visit in review_round.visits} == {Selection.ranked}


def test_a_campaign_needs_a_name_a_window_and_a_matter(province):
    for changes, words in (({"name": " "}, "name"), ({"end_on": None}, "window"),
                           ({"end_on": province.today - timedelta(days=30)}, "ends before it starts"),
                           ({"matter_ids": []}, "at least one matter"),
                           ({"leader_id": province.org.user("hexi", Role.unit_officer, province.org.county_a2).id},
                            "leader")):
        with pytest.raises(ValidationError, match=words):
            _campaign(province, **changes)


def test_an_ended_campaign_draws_no_round(scored, db_session):
    campaign = _campaign(scored, start_on=scored.today - timedelta(days=30), end_on=scored.today - timedelta(days=1))
    with pytest.raises(ValidationError, match="window ended"):
        plan_campaign_round(scored.scope, campaign.id, name="迟到", budget=3, today=scored.today)
    set_campaign_state(scored.scope, campaign.id, CampaignState.active)
    set_campaign_state(scored.scope, campaign.id, CampaignState.closed)
    with pytest.raises(InvalidTransition):
        set_campaign_state(scored.scope, campaign.id, CampaignState.active)


def test_teams_are_formed_of_staff_and_a_commissioner_leads_the_campaign(province, db_session):
    campaign = _campaign(province)
    team = add_team(province.scope, campaign.id, name="第一督查组", leader_id=province.commissioner.id,
                    member_ids=[province.staff.id])
    assert [m.username for m in team.members] == ["staff"]
    with pytest.raises(ValidationError, match="team of that name"):
        add_team(province.scope, campaign.id, name="第一督查组")
    officer = province.org.user("hedong", Role.unit_officer, province.org.county_a1)
    with pytest.raises(ValidationError, match="active staff"):
        add_team(province.scope, campaign.id, name="第二组", member_ids=[officer.id])
    # A commissioner of another unit who leads the campaign sees it; staff of a sibling city do not.
    city_commissioner = province.org.user("qs-zy", Role.commissioner, province.org.city_a)
    campaign.leader_id = city_commissioner.id
    assert Scope(db_session, city_commissioner).filter_ids(Campaign, [campaign.id]) == {campaign.id}
    sibling = province.org.user("bstaff", Role.supervisor, province.org.city_b, head=True)
    with pytest.raises(NotFound):
        Scope(db_session, sibling).get(Campaign, campaign.id)
    assert Scope(db_session, officer).filter_ids(Campaign, [campaign.id]) == set()


def test_a_campaign_item_counts_its_rounds_outcomes_and_circulars(scored, db_session):
    campaign = _campaign(scored)
    plan = create_plan(scored.scope, year=scored.today.year, title="年度计划")
    year = scored.today.year
    item = save_item(scored.scope, plan.id, None, ItemFields(
        title="饮水安全专项督查", method=SupervisionMethod.campaign, unit_id=scored.org.province.id,
        start_on=date(year, 1, 1), end_on=date(year, 12, 31), matter_ids=[scored.water.id], visit_budget=2,
        campaign_id=campaign.id))
    review_round = plan_campaign_round(scored.scope, campaign.id, name="专项第一轮", budget=2, today=scored.today,
                                       random_share=0, seed=3)
    set_round_state(scored.scope, review_round.id, RoundState.active)
    record_outcome(scored.scope, OutcomeInput(visited_on=scored.today, problem_found=True, severity=Severity.major,
                                              findings="水源地保护不到位"), visit_id=review_round.visits[0].id)
    circular = Circular(owner_unit_id=scored.org.province.id, title="专项督查通报", period_start=campaign.start_on,
                        period_end=campaign.end_on)
    db_session.add(circular)
    db_session.flush()
    link_circular(scored.scope, campaign.id, circular.id)
    link_circular(scored.scope, campaign.id, circular.id)  # twice: still one link
    assert campaign_circular_list(scored.scope, campaign.id) == [circular]
    outputs = item_outputs(scored.scope, [item])
    output = outputs[item.id]
    assert [r.id for r in output.rounds] == [review_round.id]
    assert (output.visits_done, output.outcomes, output.problems) == (1, 1, 1)
    assert output.circulars == [circular]
    summary = plan_summary([item], outputs, scored.today)
    assert (summary.rounds, summary.visits_done, summary.outcomes, summary.circulars) == (1, 1, 1, 1)
    # A leader reads what the item produced; a unit officer sees no rounds.
    leader_outputs = item_outputs(Scope(db_session, scored.leader), [item])
    assert leader_outputs[item.id].outcomes == 1
