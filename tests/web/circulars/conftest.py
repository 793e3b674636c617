"""The demo province loaded into the test database, and logins for its accounts."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.circulars.problems import review_outcome_model

# Register the review tables (when this build has them) before the test database is created.
review_outcome_model()


@pytest.fixture
def demo_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def demo(app: Any, db_session: Any, demo_today: date) -> Any:
    """Seed the demo province (units, accounts, ledger, each plugin's data, the published circular)."""
    from core.demo import seed_demo

    seed_demo(db_session, app.extensions["duban.plugins"], demo_today)
    db_session.commit()
    return db_session


@pytest.fixture
def login(client: Any) -> Any:
    from core.demo import DEMO_ACCOUNTS

    passwords = {name: password for name, password, _label in DEMO_ACCOUNTS}

    def _login(username: str) -> Any:
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": passwords[username]})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
