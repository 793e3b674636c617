"""Staff of the province and of a sibling city; a matter with tasks in both cities, scored."""
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
    # The review pages are core: they must work with every source plugin blocked.
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"], "BABEL_DEFAULT_TIMEZONE": "UTC"}


@pytest.fixture
def review(db_session: Any, org: Any) -> SimpleNamespace:
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    city_a = org.user("astaff", Role.supervisor, org.city_a, head=True)
    officer = org.user("east", Role.unit_officer, org.county_a1)
    scope = Scope(db_session, staff)
    matter = save_matter(scope, None, MatterFields(code="M-9", title="老旧小区改造", kind=MatterKind.meeting,
                                                   source_ref="", importance=4, public_attention=3))
    today = date.today()
    tasks = {unit.code: dispatch_task(scope, matter, unit_id=unit.id, description=f"改造 {unit.code}",
                                      deadline=today + timedelta(days=20))
             for unit in (org.county_a1, org.county_a2, org.county_b1)}
    db_session.commit()
    return SimpleNamespace(staff=staff, city_a=city_a, officer=officer, matter=matter, tasks=tasks, today=today)
