"""Notifications are core: tested with every plugin blocked."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Core on its own: the ledger and notifications must work with every plugin blocked.
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"]}
