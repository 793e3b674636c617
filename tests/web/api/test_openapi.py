"""The OpenAPI document describes exactly the routes that are mounted."""
from __future__ import annotations

import re


def _mounted(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method.lower(), path))
    return found


def test_every_api_route_is_documented_and_every_documented_route_exists(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert documented == _mounted(app)


def test_every_path_parameter_is_declared(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        names = set(re.findall(r"\{(\w+)\}", path))
        for operation in operations.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, declared)


def test_the_document_follows_blocked_plugins(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, BLOCKED_PLUGINS=["media_tips", "survey", "audit", "third_party_eval"])
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {(m, p) for p, ops in document["paths"].items() for m in ops} == _mounted(app)
