"""Each public endpoint with a limit serves the limit's worth of good requests, then answers exactly 429.

A test per endpoint, so removing any one limit fails its test (the survey's and ODK Collect's
endpoints are in tests/plugins/survey/test_rate_limit.py, the API's in tests/web/api/test_api_auth.py).
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

LIMIT = 2


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PUBLIC_RATE_LIMIT": f"{LIMIT} per minute", "LOGIN_RATE_LIMIT": f"{LIMIT} per minute"}


def _receipt(db_session: Any) -> str:
    from plugins.media_tips.models import TipSource
    from plugins.media_tips.triage import NewTip, create_tip

    _, code = create_tip(db_session, NewTip(source=TipSource.public, text="路面破损三个月无人修"),
                         actor="public", today=date.today(), with_receipt=True)
    db_session.commit()
    assert code
    return code


def test_login_posts(client, auth, org) -> None:
    statuses = [auth.login(f"nobody{number}", "whatever-password").status_code for number in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]
    assert client.get("/login").status_code == 200  # only posts are counted


def test_a_new_client_address_logs_in_while_another_is_limited(app, auth, org) -> None:
    for number in range(LIMIT + 1):
        auth.login(f"nobody{number}", "whatever-password")
    other = app.test_client()
    assert other.post("/login", data={"username": "x", "password": "whatever-password"},
                      environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200


def test_public_cases_page(client, org) -> None:
    assert [client.get("/cases/").status_code for _ in range(LIMIT + 1)] == [200] * LIMIT + [429]


def test_filing_a_tip(client, org) -> None:
    from tests.plugins.media_tips.conftest import form_token

    statuses = [client.post("/tips/new", data={"text": f"线索 {number}", "category": "other", "region": "",
                                               "form_token": form_token(client)},
                            content_type="multipart/form-data").status_code for number in range(LIMIT + 1)]
    assert statuses == [303] * LIMIT + [429]


def test_looking_up_a_receipt(client, org, db_session) -> None:
    code = _receipt(db_session)
    statuses = [client.post("/tips/status", data={"code": code}).status_code for _ in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]


def test_adding_to_a_tip(client, org, db_session) -> None:
    code = _receipt(db_session)
    statuses = [client.post("/tips/status/add", data={"code": code, "text": f"补充 {number}"},
                            content_type="multipart/form-data").status_code for number in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]
