"""Fixtures the web tests share."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def login(client: Any) -> Callable[[str], Any]:
    """Sign the test client in as a demo account (signing out whoever was in)."""
    from core.demo import DEMO_ACCOUNTS

    passwords = {name: password for name, password, _label in DEMO_ACCOUNTS}

    def _login(username: str) -> Any:
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": passwords[username]})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
