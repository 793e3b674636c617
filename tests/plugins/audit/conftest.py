"""Fixtures for the audit plugin: a small ledger, staff and officers, and file builders."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from core.access.models import Role
from core.ledger.models import Matter, MatterKind, Task

HEADERS_ZH = ["问题编号", "审计项目", "被审计单位", "事项编号", "发现日期", "问题类别", "严重程度", "涉及金额",
              "问题描述", "整改状态", "整改期限"]


@pytest.fixture
def ledger(db_session: Any, org: Any) -> SimpleNamespace:
    matter = Matter(code="M-001", title="城镇老旧小区改造", kind=MatterKind.meeting, owner_unit_id=org.province.id)
    db_session.add(matter)
    db_session.flush()
    for unit in (org.county_a1, org.county_b1):
        db_session.add(Task(matter_id=matter.id, unit_id=unit.id, description="改造", deadline=date(2026, 12, 31)))
    db_session.commit()
    return SimpleNamespace(matter=matter)


@pytest.fixture
def people(org: Any) -> dict[str, Any]:
    """Province and city staff, officers of two sibling counties, an auditor of a city's audit office."""
    from core.org.models import Unit, UnitLevel
    from core.org.units import save_unit

    audit_office = save_unit(org.session, Unit(), code="A-SJJ", name="青山市审计局", level=UnitLevel.department,
                             region_code="990100", parent=org.city_a)
    org.session.commit()
    return {
        "province": org.user("prov", Role.supervisor, org.province, head=True),
        "city_b": org.user("city_b", Role.supervisor, org.city_b, head=True),
        "a1": org.user("a1", Role.unit_officer, org.county_a1),
        "b1": org.user("b1", Role.unit_officer, org.county_b1),
        "auditor": org.user("auditor", Role.auditor, audit_office),
        "leader": org.user("leader", Role.leader, org.province, head=True),
        "admin": org.user("root", Role.admin),
    }


def row(ref: str = "F-1", unit: str = "A1", **overrides: Any) -> list[Any]:
    """One finding row in HEADERS_ZH order."""
    values = {"问题编号": ref, "审计项目": "2026年预算执行审计", "被审计单位": unit, "事项编号": "",
              "发现日期": "2026-03-01", "问题类别": "专项资金闲置", "严重程度": "较重", "涉及金额": "1,200.50",
              "问题描述": "资金滞留未拨付", "整改状态": "未整改", "整改期限": "2026-06-30"}
    values.update(overrides)
    return [values[header] for header in HEADERS_ZH]


def csv_bytes(rows: list[list[Any]], headers: list[str] = HEADERS_ZH, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], headers: list[str] = HEADERS_ZH) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def jsonl_bytes(rows: list[list[Any]], headers: list[str] = HEADERS_ZH) -> bytes:
    return "\n".join(json.dumps(dict(zip(headers, values, strict=True)), ensure_ascii=False)
                     for values in rows).encode()


def upload(client: Any, data: bytes, name: str = "findings.csv", path: str = "/findings/upload") -> Any:
    return client.post(path, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
