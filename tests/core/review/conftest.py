"""A province's staff, a matter with a task in each of four counties, and helpers for evidence."""
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
    # Scoring is core: it must work with every source plugin blocked.
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"]}


@pytest.fixture
def province(db_session: Any, org: Any) -> SimpleNamespace:
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    scope = Scope(db_session, staff)
    matter = save_matter(scope, None, MatterFields(code="M-1", title="农村饮水安全", kind=MatterKind.assignment,
                                                   source_ref="", importance=5, public_attention=4,
                                                   people_affected=12000))
    today = date.today()
    counties = [org.county_a1, org.county_a2, org.county_b1, org.city_b]
    tasks = [dispatch_task(scope, matter, unit_id=unit.id, description=f"任务 {unit.code}",
                           deadline=today + timedelta(days=30)) for unit in counties]
    db_session.commit()
    return SimpleNamespace(staff=staff, scope=scope, matter=matter, tasks=tasks, today=today, org=org)
