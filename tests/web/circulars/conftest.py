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
