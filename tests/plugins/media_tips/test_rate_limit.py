"""A flood of tips from one client is rate limited."""
from __future__ import annotations

import pytest

from tests.plugins.media_tips.conftest import form_token


@pytest.fixture
def app_config():
    return {"PUBLIC_RATE_LIMIT": "3 per minute"}


def test_a_flood_of_tips_from_one_client_gets_429(client, org):
    statuses = []
    for number in range(6):
        response = client.post("/tips/new", data={"text": f"线索 {number}", "category": "other", "region": "",
                                                  "form_token": form_token(client)},
                               content_type="multipart/form-data")
        statuses.append(response.status_code)
    assert statuses[:3] == [303, 303, 303]
    assert statuses[3:] == [429, 429, 429]
    # Looking up receipts is limited just the same.
    lookups = [client.post("/tips/status", data={"code": "AAAA"}).status_code for _ in range(5)]
    assert 429 in lookups
