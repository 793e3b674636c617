"""A NUL character in any query parameter, form field or path is refused with a 400, never a 500.

PostgreSQL cannot hold or compare a string with a NUL in it, so every page that put a
parameter into a query answered 500 there (``/ledger/?q=x%00y`` and twenty more). The
parameters each GET route reads are found by asking the route once without a NUL and
recording which query arguments it looked up; each is then sent again with one.
"""
from __future__ import annotations

from typing import ClassVar

import flask
import pytest
from werkzeug.datastructures import ImmutableMultiDict

from tests.web.test_route_matrix import USERS, _template, _url, world  # noqa: F401  (world is a fixture)

REFUSAL = "请求包含 NUL 字符，任何字段都不能包含它。"
# The API checks its parameters once the token is known, so its answer is in the token owner's language.
API_REFUSAL = "参数包含 NUL 字符。"


class RecordingArgs(ImmutableMultiDict[str, str]):
    """Query arguments that remember which names a view asked for."""

    asked: ClassVar[set[str]] = set()

    def __getitem__(self, key):
        RecordingArgs.asked.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        RecordingArgs.asked.add(key)
        return super().get(key, default=default, type=type)

    def getlist(self, key, type=None):
        RecordingArgs.asked.add(key)
        return super().getlist(key, type=type)

    def __contains__(self, key):
        RecordingArgs.asked.add(key)
        return super().__contains__(key)


def _api_query_parameters(app) -> dict[str, set[str]]:
    """The query parameters each API path declares in the OpenAPI document."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return {path: {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            for path, item in document["paths"].items() for operation in item.values()}


def _parameters_read(client, url, headers) -> set[str]:
    RecordingArgs.asked = set()
    original = flask.Request.parameter_storage_class
    flask.Request.parameter_storage_class = RecordingArgs
    try:
        client.get(url, headers=headers)
    finally:
        flask.Request.parameter_storage_class = original
    return set(RecordingArgs.asked)


@pytest.mark.parametrize("name", ["admin", "officer", "anonymous"])
def test_every_get_route_refuses_a_nul_in_each_of_its_query_parameters(app, client, auth, db_session, world, name):
    from sqlalchemy import select

    from core.access.models import User
    from core.access.tokens import create_token_for

    headers = {}
    if name != "anonymous":
        auth.login(name)
        user = db_session.scalar(select(User).where(User.username == name))
        _token, secret = create_token_for(db_session, user)
        db_session.commit()
        headers = {"Authorization": f"Bearer {secret}"}
    api_parameters = _api_query_parameters(app)
    tried, wrong, read = 0, [], {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or rule.rule.startswith("/static") or "static" in rule.endpoint:
            continue
        url = _url(rule, world)
        read[_template(rule)] = _parameters_read(client, url, headers)
        parameters = read[_template(rule)] | api_parameters.get(_template(rule), set())
        if not rule.rule.startswith("/api/"):
            parameters |= {"q", "page"}  # a parameter no page reads is refused as well
        for parameter in sorted(parameters):
            response = client.get(url, query_string={parameter: "x\x00y"}, headers=headers)
            tried += 1
            body = response.get_data(as_text=True)
            if rule.rule.startswith("/api/") and response.status_code in (401, 403):
                continue  # refused before any parameter is read
            if response.status_code != 400 or "NUL" not in body:
                wrong.append((url, parameter, response.status_code))
    assert tried > 150
    if name == "admin":  # the recording sees what pages read
        assert {"q", "kind", "state", "unit", "matter", "page"} <= read["/ledger/"], read["/ledger/"]
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_refusal_is_in_english_for_an_english_reader(client, auth, db_session, world):
    from sqlalchemy import select

    from core.access.models import User

    db_session.scalar(select(User).where(User.username == "admin")).locale = "en"
    db_session.commit()
    auth.login("admin")
    response = client.get("/ledger/", query_string={"q": "x\x00y"})
    assert response.status_code == 400
    assert "The request contains a NUL character" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/tips/new"])
def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(client, db_session, path):
    from sqlalchemy import func, select

    from plugins.media_tips.models import Tip

    before = db_session.scalar(select(func.count(Tip.id)))
    response = client.post(path, data={"username": "a\x00b", "password": "x", "text": "路灯\x00坏了"})
    assert response.status_code == 400 and REFUSAL in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(Tip.id))) == before


def test_a_nul_in_the_path_is_refused(client):
    response = client.get("/s/x%00y")
    assert response.status_code == 400 and REFUSAL in response.get_data(as_text=True)


def test_a_nul_in_an_api_parameter_is_a_json_400(client, db_session, world):
    from sqlalchemy import select

    from core.access.models import User
    from core.access.tokens import create_token_for

    user = db_session.scalar(select(User).where(User.username == "admin"))
    _token, secret = create_token_for(db_session, user)
    db_session.commit()
    response = client.get("/api/v1/matters", query_string={"q": "x\x00y"},
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 400 and response.get_json()["error"]["message"] == API_REFUSAL
