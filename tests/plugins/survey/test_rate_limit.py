"""Public survey posts are rate-limited by PUBLIC_RATE_LIMIT."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PUBLIC_RATE_LIMIT": "2 per minute"}


def test_public_posts_are_rate_limited(client, make_survey, form_token) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    codes = []
    for _ in range(3):
        token = form_token(client.get(f"/s/{survey.slug}").get_data(as_text=True))
        codes.append(client.post(f"/s/{survey.slug}", data={"form_token": token}).status_code)
    assert codes[-1] == 429
    assert client.post("/submission", data=b"<x/>", csrf=False, content_type="text/xml").status_code in (400, 429)
