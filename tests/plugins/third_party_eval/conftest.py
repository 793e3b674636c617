"""Fixtures for the evaluation plugin: two matters, an institution with two evaluators, files."""
from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from core.access.assignments import assign
from core.access.models import Role
from core.ledger.models import Matter, MatterKind, Task
from plugins.third_party_eval.registry import add_evaluator, register_institution, save_indicator
from tests.conftest import PASSWORD

HEADERS = ["评估机构", "评估批次", "事项编号", "单位代码", "指标代码", "得分", "权重", "目标值", "评估日期", "评语"]
INSTITUTION = "青山评估中心"


@pytest.fixture
def world(db_session: Any, org: Any) -> SimpleNamespace:
    def matter(code: str, units: list[Any], percent: int = 0) -> Matter:
        m = Matter(code=code, title=f"事项 {code}", kind=MatterKind.work_report, owner_unit_id=org.province.id)
        db_session.add(m)
        db_session.flush()
        for unit in units:
            db_session.add(Task(matter_id=m.id, unit_id=unit.id, description="任务", deadline=date(2026, 12, 31),
                                percent_done=percent))
        return m

    roads = matter("M-ROAD", [org.county_a1, org.county_a2], percent=90)
    water = matter("M-WATER", [org.county_a1, org.county_b1])
    staff = org.user("prov", Role.supervisor, org.province, head=True)
    city_b = org.user("city_b", Role.supervisor, org.city_b, head=True)
    institution = register_institution(db_session, name=INSTITUTION, contact="", owner_unit_id=org.province.id)
    other = register_institution(db_session, name="白水评估所", contact="", owner_unit_id=org.city_b.id)
    ev = add_evaluator(db_session, institution, username="ev", display_name="评估员", email=None, password=PASSWORD)
    ev2 = add_evaluator(db_session, institution, username="ev2", display_name="评估员二", email=None,
                        password=PASSWORD)
    assign(db_session, ev, roads)
    assign(db_session, ev2, water, org.county_b1)
    save_indicator(db_session, roads.id, code="Q1", name="完成率", weight=2, target=90)
    save_indicator(db_session, roads.id, code="Q2", name="满意度", weight=1, target=80)
    db_session.commit()
    return SimpleNamespace(roads=roads, water=water, staff=staff, city_b=city_b, institution=institution,
                           other=other, ev=ev, ev2=ev2)


def line(unit: str = "A1", indicator: str = "Q1", score: Any = 95, matter: str = "M-ROAD", batch: str = "2026Q1",
         evaluator: str = INSTITUTION, weight: Any = "", target: Any = "", on: str = "2026-04-01",
         comment: str = "") -> list[Any]:
    return [evaluator, batch, matter, unit, indicator, score, weight, target, on, comment]


def csv_file(rows: list[list[Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(client: Any, data: bytes, name: str = "scores.csv") -> Any:
    return client.post("/evaluations/upload", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")
