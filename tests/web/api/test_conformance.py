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
