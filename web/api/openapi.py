"""The OpenAPI 3.1 document, built from the same route records that are mounted."""
from __future__ import annotations

from typing import Any

from core.apitypes import ApiRoute
from core.idempotency import KEY_SCHEMA

PREFIX = "/api/v1"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["status", "message"],
        "properties": {
            "status": {"type": "integer"},
            "message": {"type": "string"},
            "rows": {"type": "array", "items": {
                "type": "object",
                "required": ["position", "message"],
                "properties": {"position": {"type": ["integer", "null"]},
                               "field": {"type": ["string", "null"]},
                               "message": {"type": "string"}}}},
        },
    }},
}
_ERRORS = {
    "400": "The request is malformed: a bad parameter (an empty string is no enum value and no date) "
           "or body.",
    "401": "No valid API token.",
    "403": "The token's user may not do this.",
    "429": "Too many requests.",
    "503": "The database is unavailable for a moment; retry (with the same Idempotency-Key).",
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(route: ApiRoute) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": param.name, "in": param.where, "required": param.where == "path" or param.required,
         "description": param.description, "schema": dict(param.schema)}
        for param in route.params
    ]
    responses: dict[str, Any] = {
        str(route.status): {"description": "Success.",
                            "content": {"application/json": {"schema": dict(route.response_schema)}}},
    }
    responses.update({code: _error_response(text) for code, text in _ERRORS.items()})
    if any(param.where == "path" for param in route.params):
        responses["404"] = _error_response("No such object, or the token's user may not see it.")
    operation: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary,
                                 "tags": [route.tag], "parameters": parameters, "responses": responses}
    if route.capability:
        operation["description"] = f"Needs the capability `{route.capability}`."
    if route.method == "POST":
        responses["409"] = _error_response("The same rows were being stored by another request at the same "
                                           "moment; send the post again.")
        responses["413"] = _error_response("The body is larger than the server takes.")
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "description": "A retry with the same key and body is answered without "
                                          "storing again; the same key with another body gives 422.",
                           "schema": dict(KEY_SCHEMA)})
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": dict(route.request_schema or {"type": "object"})}}}
        responses["422"] = _error_response("Rows refused (with their positions), or a reused idempotency key.")
    return operation


def openapi_document(routes: list[ApiRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 description of ``routes`` and of this document itself."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(PREFIX + route.path, {})[route.method.lower()] = _operation(route)
    paths[PREFIX + "/openapi.json"] = {"get": {
        "operationId": "get_openapi", "summary": "This document.", "tags": ["core"], "security": [],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      "429": _error_response("Too many requests.")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Duban API", "version": "1",
                 "description": "The supervision ledger, evidence and review queue of a Duban instance. "
                                "Every answer is limited to what the token's user may see."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "security": [{"bearer": []}],
    }
