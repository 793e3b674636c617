"""A province's staff, a leader and a commissioner; two matters with tasks in the counties."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from core.access.models import Role
from core.access.scope import Scope
from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
from core.ledger.models import MatterKind


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Plans and campaigns are core: they must work with every source plugin blocked.
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"]}


@pytest.fixture
def province(db_session: Any, org: Any) -> SimpleNamespace:
    db_session.info["actor"] = "staff"
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    leader = org.user("leader", Role.leader, org.province, head=True)
    commissioner = org.user("zhuanyuan", Role.commissioner, org.province)
    scope = Scope(db_session, staff)
    water = save_matter(scope, None, MatterFields(code="M-1", title="农村饮水安全", kind=MatterKind.assignment,
                                                  importance=5, public_attention=4, people_affected=12000))
    roads = save_matter(scope, None, MatterFields(code="M-2", title="农村公路养护", kind=MatterKind.meeting))
    today = date.today()
    counties = [org.county_a1, org.county_a2, org.county_b1]
    tasks = [dispatch_task(scope, matter, unit_id=unit.id, description=f"任务 {matter.code} {unit.code}",
                           deadline=today + timedelta(days=30)) for matter in (water, roads) for unit in counties]
    db_session.commit()
    return SimpleNamespace(staff=staff, leader=leader, commissioner=commissioner, scope=scope, water=water,
                           roads=roads, tasks=tasks, today=today, org=org, session=db_session)
