"""A matter with tasks for two sibling counties, and the people who act on them."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from core.access.models import Role
from core.access.scope import Scope
from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
from core.ledger.models import Cadence, MatterKind

TODAY = date(2026, 3, 10)


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def ledger(db_session: Any, org: Any) -> SimpleNamespace:
    """Province staff dispatch a matter to 河东区 (A1) and 河西区 (A2)."""
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    east = org.user("east", Role.unit_officer, org.county_a1)
    west = org.user("west", Role.unit_officer, org.county_a2)
    city = org.user("city", Role.supervisor, org.city_a, head=True)
    scope = Scope(db_session, staff)
    matter = save_matter(scope, None, MatterFields(
        code="QS-2026-001", title="农村危房改造", kind=MatterKind.work_report,
        source_ref="国办发〔2014〕42号"))
    east_task = dispatch_task(scope, matter, unit_id=org.county_a1.id, description="完成危房改造200户",
                              deadline=TODAY + timedelta(days=20), co_unit_ids=[org.department.id], today=TODAY)
    west_task = dispatch_task(scope, matter, unit_id=org.county_a2.id, description="完成危房改造150户",
                              deadline=TODAY + timedelta(days=20), cadence=Cadence.monthly, today=TODAY)
    db_session.commit()
    return SimpleNamespace(staff=staff, east=east, west=west, city=city, matter=matter,
                           east_task=east_task, west_task=west_task,
                           scope=lambda user: Scope(db_session, user))


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Core on its own: the ledger and notifications must work with every plugin blocked.
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"]}
