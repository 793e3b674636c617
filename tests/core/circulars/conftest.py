"""A province whose two sibling counties did well (河东区, A1) and badly (河西区, A2)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.access.models import Role
from core.access.scope import Scope
from core.circulars.problems import review_outcome_model
from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
from core.ledger.models import MatterKind
from core.ledger.workflow import file_report, review_report, sign_task

# Register the review tables (when this build has them) before the test database is created.
review_outcome_model()


def local_today() -> date:
    """Today where reports are dated (reports carry the real time, so tests use the real date)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def today() -> date:
    return local_today()


@pytest.fixture
def province(db_session: Any, org: Any, today: date) -> SimpleNamespace:
    """A1 completed both its tasks on time; A2 left both overdue; B1 completed one of two."""
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    east = org.user("east", Role.unit_officer, org.county_a1)
    west = org.user("west", Role.unit_officer, org.county_a2)
    city_b = org.user("bofficer", Role.unit_officer, org.county_b1)
    leader = org.user("leader", Role.leader, org.province, head=True)
    scope = Scope(db_session, staff)
    matter = save_matter(scope, None,
                         MatterFields(code="SZ-2026-001", title="农村危房改造", kind=MatterKind.work_report))
    other = save_matter(scope, None,
                        MatterFields(code="SZ-2026-002", title="河道非法采砂整治", kind=MatterKind.instruction))

    def completed(unit: Any, officer: Any, m: Any) -> Any:
        task = dispatch_task(scope, m, unit_id=unit.id, description="完成改造任务", deadline=today + timedelta(days=5))
        sign_task(Scope(db_session, officer), task.id)
        report = file_report(Scope(db_session, officer), task.id, text="已全部完成", percent_done=100)
        review_report(scope, report.id, accept=True)
        return task

    def overdue(unit: Any, m: Any, days: int = 10) -> Any:
        return dispatch_task(scope, m, unit_id=unit.id, description="逾期任务", deadline=today - timedelta(days=days))

    east_tasks = [completed(org.county_a1, east, matter), completed(org.county_a1, east, other)]
    west_tasks = [overdue(org.county_a2, matter), overdue(org.county_a2, other, 3)]
    b_tasks = [completed(org.county_b1, city_b, matter), overdue(org.county_b1, other)]
    db_session.commit()
    return SimpleNamespace(staff=staff, east=east, west=west, b_officer=city_b, leader=leader, org=org,
                           matter=matter, other=other, east_tasks=east_tasks, west_tasks=west_tasks,
                           b_tasks=b_tasks, scope=lambda user: Scope(db_session, user))
