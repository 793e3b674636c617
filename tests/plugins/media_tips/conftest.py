"""Fixtures for the tips plugin: a small ledger on the small province, and helpers."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from core.access.models import Role
from core.ledger.models import Matter, MatterKind, Task

RECEIPT = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')


class Ledger:
    """Three matters with tasks in the counties of the small province."""

    def __init__(self, session: Any, org: Any) -> None:
        self.session = session
        self.housing = self._matter("M-001", "城镇老旧小区改造", org.city_a, [
            (org.county_a1, "完成东湖街道老旧小区改造，更新供水管网并加装电梯"),
            (org.county_b1, "完成城关区老旧小区外墙保温和管网改造")])
        self.kindergarten = self._matter("M-002", "新建公办幼儿园", org.city_a, [
            (org.county_a2, "河西区新建公办幼儿园4所，新增学位1200个")])
        self.wages = self._matter("M-003", "根治拖欠农民工工资", org.province, [
            (org.county_a1, "开展工程建设领域欠薪问题专项排查"),
            (org.county_b1, "落实农民工工资专用账户制度")])
        session.commit()

    def _matter(self, code: str, title: str, owner: Any, tasks: list[tuple[Any, str]]) -> Matter:
        matter = Matter(code=code, title=title, kind=MatterKind.work_report, owner_unit_id=owner.id)
        self.session.add(matter)
        self.session.flush()
        for unit, text in tasks:
            self.session.add(Task(matter_id=matter.id, unit_id=unit.id, description=text,
                                  deadline=date(2026, 12, 31)))
        self.session.flush()
        return matter


@pytest.fixture
def ledger(db_session: Any, org: Any) -> Ledger:
    return Ledger(db_session, org)


@pytest.fixture
def people(org: Any) -> dict[str, Any]:
    """Staff of the province and both cities, officers of two sibling counties, a leader."""
    return {
        "province": org.user("prov", Role.supervisor, org.province, head=True),
        "city_a": org.user("city_a", Role.supervisor, org.city_a, head=True),
        "city_b": org.user("city_b", Role.supervisor, org.city_b, head=True),
        "a1": org.user("a1", Role.unit_officer, org.county_a1, head=True),
        "a2": org.user("a2", Role.unit_officer, org.county_a2, head=True),
        "leader": org.user("leader", Role.leader, org.province, head=True),
    }


@pytest.fixture
def token(db_session: Any, people: dict[str, Any]) -> Any:
    """``token(name)``: the Authorization header of a new API token for one of ``people``."""
    from core.access.tokens import create_token_for

    def make(name: str) -> dict[str, str]:
        _token, secret = create_token_for(db_session, people[name])
        db_session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(client: Any) -> str:
    """The form token of a fresh rendering of the public tip form."""
    match = FORM_TOKEN.search(client.get("/tips/new").get_data(as_text=True))
    assert match, "no form token on the tip form"
    return match.group(1)


def file_public_tip(client: Any, text: str, region: str = "990102", token: str | None = None, **extra: Any) -> str:
    """File a tip through the public form (a fresh rendering unless ``token`` is given); returns the receipt code."""
    data = {"text": text, "region": region, "category": "slow_action", "place": "", "unit_named": "",
            "contact": "", "form_token": token or form_token(client)}
    data.update(extra)
    response = client.post("/tips/new", data=data, content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    match = RECEIPT.search(response.get_data(as_text=True))
    assert match, "no receipt code on the page"
    return match.group(1)
