"""Two sibling counties with a task each, and logins for staff and both counties' officers."""
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
def ledger(db_session: Any, org: Any) -> SimpleNamespace:
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    east = org.user("east", Role.unit_officer, org.county_a1)
    west = org.user("west", Role.unit_officer, org.county_a2)
    scope = Scope(db_session, staff)
    matter = save_matter(scope, None, MatterFields(code="M-2026-01", title="城镇老旧小区改造",
                                                   kind=MatterKind.meeting, source_ref="省政府第12次常务会议"))
    today = date.today()
    east_task = dispatch_task(scope, matter, unit_id=org.county_a1.id, description="河东区改造30个小区",
                              deadline=today + timedelta(days=30), today=today)
    west_task = dispatch_task(scope, matter, unit_id=org.county_a2.id, description="河西区改造20个小区",
                              deadline=today + timedelta(days=30), today=today)
    db_session.commit()
    return SimpleNamespace(staff=staff, east=east, west=west, matter=matter, east_task=east_task,
                           west_task=west_task)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The ledger is core: it must work with every plugin blocked.
    # UTC, so "today" in the tests and in the app agree.
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"], "BABEL_DEFAULT_TIMEZONE": "UTC"}


