"""Fixtures for API tests: a small ledger in the test province and tokens for its people."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.access.models import Role
from core.access.tokens import create_token_for
from core.ledger.models import Matter, MatterKind, Task, TaskCoUnit


class Ledger:
    """Two matters: one owned by city A with tasks for A1 and A2, one owned by city B for B1."""

    def __init__(self, session: Any, org: Any) -> None:
        self.session = session
        self.org = org
        self.matter_a = Matter(code="M-A", title="河道整治", kind=MatterKind.meeting, owner_unit_id=org.city_a.id)
        self.matter_b = Matter(code="M-B", title="农村公路", kind=MatterKind.instruction, owner_unit_id=org.city_b.id)
        session.add_all([self.matter_a, self.matter_b])
        session.flush()
        self.task_a1 = Task(matter_id=self.matter_a.id, unit_id=org.county_a1.id, description="清淤",
                            deadline=date(2020, 1, 31))
        self.task_a2 = Task(matter_id=self.matter_a.id, unit_id=org.county_a2.id, description="护岸",
                            deadline=date(2099, 6, 30))
        self.task_b1 = Task(matter_id=self.matter_b.id, unit_id=org.county_b1.id, description="修路",
                            deadline=date(2099, 6, 30))
        session.add_all([self.task_a1, self.task_a2, self.task_b1])
        session.flush()
        session.add(TaskCoUnit(task_id=self.task_a2.id, unit_id=org.department.id))
        session.commit()

    def token(self, username: str, role: Role, unit: Any = None) -> str:
        """A bearer token for a new account ``username``."""
        user = self.org.user(username, role, unit)
        _token, secret = create_token_for(self.session, user)
        self.session.commit()
        return secret


@pytest.fixture
def ledger(db_session: Any, org: Any) -> Ledger:
    return Ledger(db_session, org)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(client: Any) -> Any:
    """``api(token).get(path)`` / ``.post(path, json)``: the test client with a bearer token."""

    class Caller:
        def __init__(self, token: str | None) -> None:
            self.headers = bearer(token) if token else {}

        def get(self, path: str, **kwargs: Any) -> Any:
            return client.get(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

        def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
            return client.post(path, json=json, headers={**self.headers, **kwargs.pop("headers", {})},
                               csrf=False, **kwargs)

    return Caller
