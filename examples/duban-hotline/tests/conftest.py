"""Fixtures: Duban's own test fixtures (an app per test on a rolled-back database, the small province),
and a ledger with tasks in its counties.

The plugin is tested as it runs: installed (``pip install -e examples/duban-hotline``) and found
through its entry point by every app Duban builds.
"""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from core.access.models import Role
from core.access.scope import Scope
from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
from core.ledger.models import MatterKind
from tests.conftest import (  # noqa: F401  (fixtures, found by name)
    app,
    app_config,
    auth,
    cheap_password_hashing,
    client,
    connection,
    database_url,
    db_session,
    engine,
    org,
    runner,
)

HEADER = "工单编号,受理时间,所属区域,诉求类型,诉求内容,承办单位,满意度,办结时间\n"


@pytest.fixture
def ledger(db_session: Any, org: Any) -> SimpleNamespace:
    """Two matters: lifts in old housing estates (河东区, 城关区) and unpaid wages (城关区)."""
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    scope = Scope(db_session, staff)
    lifts = save_matter(scope, None, MatterFields(code="M-1", title="老旧小区加装电梯", kind=MatterKind.meeting,
                                                  source_ref="", importance=4, public_attention=3))
    wages = save_matter(scope, None, MatterFields(code="M-2", title="根治拖欠农民工工资", kind=MatterKind.meeting,
                                                  source_ref="", importance=3, public_attention=2))
    deadline = date.today() + timedelta(days=60)
    tasks = {
        "lifts_a1": dispatch_task(scope, lifts, unit_id=org.county_a1.id, deadline=deadline,
                                  description="完成东湖街道老旧小区加装电梯"),
        "lifts_b1": dispatch_task(scope, lifts, unit_id=org.county_b1.id, deadline=deadline,
                                  description="城关区老旧小区加装电梯"),
        "wages_b1": dispatch_task(scope, wages, unit_id=org.county_b1.id, deadline=deadline,
                                  description="落实农民工工资专用账户制度，清理工程建设领域欠薪"),
    }
    db_session.commit()
    return SimpleNamespace(staff=staff, lifts=lifts, wages=wages, tasks=tasks)


def when(days_ago: int, hour: int = 9) -> str:
    """A time ``days_ago`` days before today, as the hotline's export writes it."""
    return f"{(date.today() - timedelta(days=days_ago)).isoformat()} {hour:02d}:30"


def write_csv(tmp_path: Any, rows: list[str], name: str = "orders.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path: Any) -> SimpleNamespace:
    """``files.when(days_ago)``, a time as the export writes it; ``files.csv(rows)``, the path of an export."""
    return SimpleNamespace(when=when, today=date.today(),
                           csv=lambda rows, name="orders.csv": write_csv(tmp_path, rows, name))
