"""The API answers as its OpenAPI document says, and every 405 names the methods allowed.

Found by schemathesis: empty strings were taken for enum and date parameters (as "any"),
422 answers were missing from the document, and 405 answers carried no ``Allow``.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from core.access.models import Role
from core.access.tokens import create_token_for

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def bearer(org, db_session) -> dict[str, str]:
    user = org.user("chief", Role.admin)
    _token, secret = create_token_for(db_session, user)
    db_session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def _operations(client) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get("/api/v1/openapi.json").get_json()
    return [(path, method.upper(), operation) for path, item in document["paths"].items()
            for method, operation in item.items()]


def test_every_405_carries_allow_with_methods_that_are_allowed(app, client, auth, org):
    org.user("chief", Role.admin)
    auth.login("chief")
    missing, wrong = [], []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        for method in METHODS:
            if method in (rule.methods or set()):
                continue
            response = client.open(url, method=method)
            if response.status_code != 405:
                continue
            allow = response.headers.get("Allow")
            if not allow:
                missing.append((method, url))
                continue
            if method in {m.strip() for m in allow.split(",")}:
                wrong.append((method, url, allow))
    assert missing == [], missing
    assert wrong == [], wrong


def test_empty_strings_are_refused_for_enum_date_and_integer_parameters(client, bearer):
    accepted = []
    for path, method, operation in _operations(client):
        if method != "GET" or path.endswith("openapi.json"):
            continue
        for param in operation["parameters"]:
            schema = param["schema"]
            if param["in"] != "query" or not ("enum" in schema or schema.get("format") == "date"
                                              or schema.get("type") == "integer"):
                continue
            for bad in ("", "not-a-value"):
                response = client.get(_path(path), query_string={param["name"]: bad}, headers=bearer)
                if response.status_code != 400:
                    accepted.append((path, param["name"], bad, response.status_code))
                elif "400" not in operation["responses"]:
                    accepted.append((path, "400 not documented"))
                else:
                    assert response.get_json()["error"]["message"]
    assert accepted == [], accepted


def test_the_document_lists_the_errors_each_operation_returns(client, bearer):
    undocumented = []
    for path, method, operation in _operations(client):
        if path.endswith("openapi.json"):
            continue
        url = _path(path)
        # No token: 401.
        seen = {client.get(url).status_code if method == "GET" else client.post(url, json={}, csrf=False).status_code}
        if method == "POST":
            seen.add(client.post(url, json={"rows": "no"}, headers=bearer, csrf=False).status_code)
            seen.add(client.post(url, data="x", content_type="text/plain", headers=bearer, csrf=False).status_code)
            seen.add(client.post(url, data=b"[" * (21 * 1024 * 1024), content_type="application/json",
                                 headers=bearer, csrf=False).status_code)
            name = path.rsplit("/", 1)[-1].replace("-", "_").split("_")[-1]
            seen.add(client.post(url, json={name: [{"bogus": 1}]}, headers=bearer, csrf=False).status_code)
        for status in sorted(seen):
            if status >= 400 and str(status) not in operation["responses"]:
                undocumented.append((method, path, status))
    assert undocumented == [], undocumented


@pytest.mark.parametrize("name", ["422", "413", "409", "400", "401", "429"])
def test_every_post_documents_its_error_answers(client, name):
    for path, method, operation in _operations(client):
        if method == "POST":
            assert name in operation["responses"], (path, name)
            assert operation["responses"][name]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}


def test_an_id_of_zero_in_a_path_names_nothing(client, bearer):
    """GET /tasks/0/reports listed every report (0 read as "no task given")."""
    answered = {}
    for path, method, _operation in _operations(client):
        if method == "GET" and "{" in path:
            answered[path] = client.get(re.sub(r"\{[^}]+\}", "0", path), headers=bearer).status_code
    assert answered and set(answered.values()) == {404}, answered


def _posted(client, bearer, path: str, name: str, row: dict[str, Any]) -> Any:
    return client.post(path, json={name: [row]}, headers=bearer, csrf=False)


SIGNAL = {"source": "hotline", "kind": "complaints", "ref": "r-1", "unit_code": "A1", "value": 1,
          "observed_on": "2026-01-05"}
OUTCOME = {"task_id": 1, "visited_on": "2026-01-05", "problem_found": False}
TIP = {"text": "河东区路灯不亮", "source": "热线", "received_on": "2026-01-05"}


@pytest.mark.parametrize(("path", "name", "row", "field"), [
    ("/api/v1/tips", "tips", {**TIP, "url": {}}, "url"),  # was taken as "no link" and stored
    ("/api/v1/tips", "tips", {**TIP, "text": 5}, "text"),
    ("/api/v1/tips", "tips", {**TIP, "region_code": "990102\n"}, "region_code"),
    ("/api/v1/signals", "signals", {**SIGNAL, "value": "3"}, "value"),
    ("/api/v1/signals", "signals", {**SIGNAL, "value": True}, "value"),
    ("/api/v1/signals", "signals", {**SIGNAL, "ref": ["r-1"]}, "ref"),
    ("/api/v1/review-outcomes", "outcomes", {**OUTCOME, "findings": None}, "findings"),
    ("/api/v1/review-outcomes", "outcomes", {**OUTCOME, "severity": ""}, "severity"),
    ("/api/v1/review-outcomes", "outcomes", {**OUTCOME, "visit_id": 1}, None),
    ("/api/v1/review-outcomes", "outcomes", {**OUTCOME, "selection_probability": 0}, "selection_probability"),
])
def test_a_posted_row_that_breaks_its_schema_is_refused_with_its_field(client, bearer, path, name, row, field):
    response = _posted(client, bearer, path, name, row)
    assert response.status_code == 422, response.get_json()
    rows = response.get_json()["error"]["rows"]
    assert [(row["position"], row["field"]) for row in rows] == [(0, field)]
    assert rows[0]["message"]


def test_schema_refusals_name_the_value_in_the_users_language(client, bearer):
    rows = _posted(client, bearer, "/api/v1/signals", "signals", {**SIGNAL, "value": "3"}).get_json()["error"]["rows"]
    assert rows == [{"position": 0, "field": "value", "message": "3 不是数字。"}]


def test_every_posted_schema_uses_only_keywords_that_are_checked(app):
    from core.api_schema import row_problems
    from web.api.routes import api_routes

    posts = [route for route in api_routes(app.extensions["duban.plugins"]) if route.method == "POST"]
    assert posts
    for route in posts:
        (_name, array), = route.request_schema["properties"].items()
        items = array["items"]
        # Every field present with a value of the wrong kind: each field's schema is read.
        row_problems(0, {field: object() for field in items["properties"]}, items)
