"""The plans' and campaigns' pages: drafting, refusals in the user's language, approval, exports, a campaign round."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.access.models import Role, User
from core.access.scope import Scope
from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
from core.ledger.models import Matter, MatterKind, SupervisionMethod
from core.plans.models import PlanItem, PlanState, WorkPlan
from core.review.models import ReviewRound


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"], "BABEL_DEFAULT_TIMEZONE": "UTC"}


@pytest.fixture
def province(db_session, org):
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    org.user("leader", Role.leader, org.province, head=True)
    org.user("zhuanyuan", Role.commissioner, org.province)
    scope = Scope(db_session, staff)
    matter = save_matter(scope, None, MatterFields(code="M-1", title="农村饮水安全", kind=MatterKind.assignment))
    for unit in (org.county_a1, org.county_b1):
        dispatch_task(scope, matter, unit_id=unit.id, description=f"任务 {unit.code}",
                      deadline=date.today() + timedelta(days=30))
    db_session.commit()
    return matter


def _plan_id(client) -> int:
    page = client.post("/plans/new", data={"title": "2026年督查工作计划", "year": date.today().year, "quarter": ""})
    assert page.status_code == 302
    found = re.search(r"/plans/(\d+)", page.headers["Location"])
    assert found, page.headers["Location"]
    return int(found.group(1))


def _item(matter_id: int | None, **changes) -> dict[str, Any]:
    year = date.today().year
    data = {"title": "饮水安全实地督查", "method": "on_site", "unit": "", "lead": "", "start_on": f"{year}-01-01",
            "end_on": f"{year}-12-31", "visit_budget": 6, "requirement": "", "campaign": "",
            "new_matter_kind": "other"}
    if matter_id is not None:
        data["matters"] = [matter_id]
    data.update(changes)
    return data


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_an_item_without_a_matter_or_a_schedule_is_refused_in_the_users_language(client, auth, db_session, org,
                                                                                  province):
    auth.login("staff")
    client.post("/lang", data={"lang": "zh_CN"})
    plan_id = _plan_id(client)
    unit = str(org.province.id)
    before = (_count(db_session, PlanItem), _count(db_session, Matter))
    page = client.post(f"/plans/{plan_id}/items/new", data=_item(None, unit=unit))
    assert page.status_code == 200 and "至少关联一个台账事项" in page.get_data(as_text=True)
    page = client.post(f"/plans/{plan_id}/items/new", data=_item(province.id, unit=unit, end_on=""))
    assert page.status_code == 200 and "进度安排" in page.get_data(as_text=True)
    # A new matter with a bad schedule: neither the matter nor the item is written.
    page = client.post(f"/plans/{plan_id}/items/new", data=_item(None, unit=unit, start_on="", new_matter_code="M-9",
                                                                 new_matter_title="高标准农田"))
    assert page.status_code == 200
    assert (_count(db_session, PlanItem), _count(db_session, Matter)) == before


def test_a_plan_is_approved_by_a_second_person_and_exported(client, auth, db_session, org, province):
    auth.login("staff")
    plan_id = _plan_id(client)
    page = client.post(f"/plans/{plan_id}/items/new",
                       data=_item(province.id, unit=str(org.province.id), title="=HYPERLINK(\"http://x\")"))
    assert page.status_code == 302
    client.post(f"/plans/{plan_id}/submit")
    auth.logout()
    auth.login("leader")
    page = client.get(f"/plans/{plan_id}")
    assert "approve-plan" in page.get_data(as_text=True)
    client.post(f"/plans/{plan_id}/approve")
    plan = db_session.get(WorkPlan, plan_id)
    db_session.refresh(plan)
    assert plan.state == PlanState.approved and plan.approved_by.username == "leader"
    auth.logout()
    auth.login("staff")
    client.post(f"/plans/{plan_id}/publish")
    db_session.refresh(plan)
    assert plan.state == PlanState.published

    client.post(f"/plans/{plan_id}/summary", data={"summary": "全年计划事项均已完成"})
    workbook = load_workbook(io.BytesIO(client.get(f"/plans/{plan_id}/plan.xlsx").data))
    items = workbook.worksheets[0]
    assert items.cell(2, 2).value == "'=HYPERLINK(\"http://x\")"  # text, never a formula
    assert items.freeze_panes == "A2"
    document = client.get(f"/plans/{plan_id}/plan.docx")
    assert document.status_code == 200
    body = zipfile.ZipFile(io.BytesIO(document.data)).read("word/document.xml").decode()
    assert "=HYPERLINK" in body and "M-1" in body and "全年计划事项均已完成" in body


def test_the_drafter_who_is_also_a_leader_is_refused_with_a_message(client, auth, db_session, org, province):
    boss = org.user("boss", Role.admin, org.province)
    auth.login("boss")
    plan_id = _plan_id(client)
    client.post(f"/plans/{plan_id}/items/new", data=_item(province.id, unit=str(org.province.id)))
    client.post(f"/plans/{plan_id}/submit")
    page = client.post(f"/plans/{plan_id}/approve", follow_redirects=True)
    assert "cannot approve" in page.get_data(as_text=True) or "不能审批" in page.get_data(as_text=True)
    plan = db_session.get(WorkPlan, plan_id)
    db_session.refresh(plan)
    assert plan.state == PlanState.submitted and plan.approved_by_id is None and plan.drafted_by_id == boss.id


def test_a_matters_supervision_requirement_is_set_on_its_form(client, auth, db_session, province):
    auth.login("staff")
    due = date(date.today().year, 9, 30)
    page = client.post(f"/ledger/matters/{province.id}/edit", data={
        "code": "M-1", "title": "农村饮水安全", "kind": "assignment", "importance": 3, "public_attention": 0,
        "people_affected": 0, "money_affected": 0, "supervision_method": "unannounced",
        "supervision_due": due.isoformat(), "supervision_requirement": "汛期前暗访水源地"})
    assert page.status_code == 302
    db_session.refresh(province)
    assert province.supervision_method == SupervisionMethod.unannounced and province.supervision_due == due
    assert "汛期前暗访水源地" in client.get(f"/ledger/matters/{province.id}").get_data(as_text=True)
    plan_id = _plan_id(client)
    assert "汛期前暗访水源地" in client.get(f"/plans/{plan_id}").get_data(as_text=True)


def test_a_commissioner_plans_a_campaign_round_within_its_units(client, auth, db_session, org, province):
    auth.login("staff")
    today = date.today()
    zhuanyuan = db_session.scalar(select(User).where(User.username == "zhuanyuan"))
    page = client.post("/plans/campaigns/new", data={
        "name": "饮水安全专项督查", "start_on": today.isoformat(), "end_on": (today + timedelta(days=30)).isoformat(),
        "matters": [province.id], "units": [org.city_a.id], "leader": zhuanyuan.id, "description": ""})
    assert page.status_code == 302
    campaign_path = page.headers["Location"]
    auth.logout()
    auth.login("zhuanyuan")
    page = client.get(campaign_path)
    assert page.status_code == 200 and "campaign-round-form" in page.get_data(as_text=True)
    campaign_id = int(campaign_path.rstrip("/").rsplit("/", 1)[1])
    page = client.post(f"/plans/campaigns/{campaign_id}/rounds", data={
        "name": "专项第一轮", "budget": 5, "random_share": "0", "min_region_chance": "0"})
    assert page.status_code == 302 and "/review/rounds/" in page.headers["Location"]
    review_round = db_session.scalar(select(ReviewRound).where(ReviewRound.campaign_id == campaign_id))
    assert {visit.unit.code for visit in review_round.visits} == {"A1"}  # not B1, outside the campaign's units


def test_a_circular_generated_from_a_campaigns_page_covers_its_window_and_reports_on_it(client, auth, db_session,
                                                                                         org, province):
    from core.plans.campaigns import CampaignFields, campaign_circular_list, save_campaign

    staff = db_session.scalar(select(User).where(User.username == "staff"))
    today = date.today()
    for city in (org.city_a, org.city_b):  # the circular ranks the units right below the province
        dispatch_task(Scope(db_session, staff), province, unit_id=city.id, description=f"任务 {city.code}",
                      deadline=today - timedelta(days=1))  # due, and so assessed
    campaign = save_campaign(Scope(db_session, staff), None, CampaignFields(
        name="饮水安全专项督查", start_on=today - timedelta(days=10), end_on=today + timedelta(days=60),
        matter_ids=[province.id]))
    db_session.commit()
    auth.login("staff")
    page = client.get(f"/plans/campaigns/{campaign.id}").get_data(as_text=True)
    link = re.search(r'id="generate-circular" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert f'value="{(today + timedelta(days=60)).isoformat()}"' in form and "饮水安全专项督查" in form
    generated = client.post(link, data={"title": "专项督查通报", "start": (today - timedelta(days=10)).isoformat(),
                                        "end": (today + timedelta(days=60)).isoformat(), "weight_on_time": "100",
                                        "commend": 1, "criticise": 1, "explanation_days": 15})
    assert generated.status_code == 302
    assert [c.title for c in campaign_circular_list(Scope(db_session, staff), campaign.id)] == ["专项督查通报"]
