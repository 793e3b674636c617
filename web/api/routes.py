"""Mounting :class:`core.apitypes.ApiRoute` records as Flask views, per application."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pluggy
from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import get_locale, gettext
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import NotFound as HTTPNotFound

from core.apitypes import ApiRequest, ApiRoute, RowsRejected, choice_param, date_param, int_param
from core.errors import DubanError, Forbidden, ValidationError
from core.i18n import DEFAULT_LOCALE
from core.idempotency import Answer, request_digest, run_once
from web import db
from web.api.auth import Unauthorized, authenticate_request, enforce_rate_limit
from web.api.openapi import openapi_document
from web.extensions import csrf
from web.i18n import render_message

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Ids are 32-bit in every supported database; larger numbers cannot name a row.
MAX_ID = 2**31 - 1


def api_routes(pm: pluggy.PluginManager) -> list[ApiRoute]:
    """Core's API operations followed by the plugins', each (method, path) once."""
    from web.api import ledger, review, signals

    routes = [*ledger.ROUTES, *signals.ROUTES, *review.ROUTES]
    for batch in pm.hook.duban_api_routes():
        routes.extend(batch or ())
    seen: set[tuple[str, str]] = set()
    for route in routes:
        if (route.method, route.path) in seen:
            raise RuntimeError(f"two API routes for {route.method} {route.path}")
        seen.add((route.method, route.path))
    return routes


def flask_rule(route: ApiRoute) -> str:
    """``/tasks/{task_id}`` as ``/tasks/<int:task_id>`` (integer parameters) or ``<name>``."""
    kinds = {param.name: param.schema.get("type") for param in route.params if param.where == "path"}

    def convert(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<int:{name}>" if kinds.get(name) == "integer" else f"<{name}>"

    return PLACEHOLDER.sub(convert, route.path)


def _has_nul(value: Any) -> bool:
    """True when ``value`` holds a NUL character anywhere (databases refuse them)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _path_in_range(route: ApiRoute, path: Mapping[str, Any]) -> bool:
    """Whether each integer in the path is within its schema (an id of 0 or 2^31 names no row: 404)."""
    for param in route.params:
        value = path.get(param.name)
        if param.where != "path" or not isinstance(value, int):
            continue
        low, high = param.schema.get("minimum"), min(param.schema.get("maximum", MAX_ID), MAX_ID)
        if value > high or (low is not None and value < low):
            return False
    return True


def _check_query(route: ApiRoute, query: Mapping[str, str]) -> None:
    """Refuse a query parameter its schema does not allow, as the OpenAPI document describes it.

    Handlers read parameters leniently (an empty ``state=`` meant "any"); here every
    declared parameter is held to its schema first, so an empty string is no enum value
    and no date, whichever handler — core's or a plugin's — reads it.
    """
    # The parameter readers look at nothing but the query.
    fake = ApiRequest(None, None, {}, dict(query), None, {}, None)  # type: ignore[arg-type]  # see above
    for param in route.params:
        if param.where != "query" or param.name not in query:
            continue
        schema = param.schema
        if "enum" in schema:
            choice_param(fake, param.name, [str(value) for value in schema["enum"]])
        elif schema.get("format") == "date":
            date_param(fake, param.name)
        elif schema.get("type") == "integer":
            int_param(fake, param.name, minimum=schema.get("minimum"), maximum=schema.get("maximum"))


def _json_body() -> Any:
    if not request.is_json:
        raise ValidationError("Send the body as JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if body is None:
        raise ValidationError("The body is not valid JSON.")
    if _has_nul(body):
        raise ValidationError("The body contains a NUL character.")
    return body


class ConcurrentWrite(DubanError):
    """The same rows were being stored by another request at the same moment, twice over."""

    status = 409


def _committed(session: Any, answer: Answer) -> Answer:
    session.commit()
    return answer


def _once_more_after_a_clash(session: Any, attempt: Callable[[], Answer]) -> Answer:
    """``attempt``, done again once if it ran into a row another request stored meanwhile.

    Two copies of one post (a client retrying, twenty hotline agents filing the same
    tip) each find no stored row with the natural key (a tip's ``ref``) and insert one;
    the unique constraint lets the first commit and stops the others. Done again, the
    post finds that row and answers as a re-post does (``unchanged``), so identical
    posts get identical answers. Should it clash a second time, a 409 says to retry.
    """
    try:
        return attempt()
    except IntegrityError:
        session.rollback()
    try:
        return attempt()
    except IntegrityError as exc:
        session.rollback()
        raise ConcurrentWrite("The same rows were being stored by another request at the same moment. "
                              "Please send this one again.") from exc


def _view(route: ApiRoute, pm: pluggy.PluginManager) -> Callable[..., Response | tuple[Response, int]]:
    def view(**path: Any) -> Response | tuple[Response, int]:
        scope = authenticate_request()
        if route.capability and not scope.can(route.capability):
            raise Forbidden("You are not allowed to do this.")
        if not _path_in_range(route, path):
            raise HTTPNotFound()
        query = request.args.to_dict()
        if _has_nul(query):
            raise ValidationError("A parameter contains a NUL character.")
        _check_query(route, query)
        session = db.session()
        config = current_app.config
        language = {"gettext": gettext, "locale": str(get_locale() or DEFAULT_LOCALE)}
        if route.method == "GET":
            return jsonify(route.handler(ApiRequest(scope, session, path, query, None, config, pm,
                                                    **language))), route.status
        api_request = ApiRequest(scope, session, path, query, _json_body(), config, pm, **language)

        def attempt() -> Answer:
            return Answer(route.status, route.handler(api_request))

        def work() -> Answer:
            return _once_more_after_a_clash(session, attempt)

        key = request.headers.get("Idempotency-Key")
        if key is None:
            answer = _once_more_after_a_clash(session, lambda: _committed(session, attempt()))
        else:
            assert scope.user is not None  # noqa: S101  (a token always names its user; this narrows the type)
            digest = request_digest(request.method, request.path, request.get_data())
            answer = run_once(session, f"user:{scope.user.id}", key, digest, work)
        response = jsonify(answer.body)
        if answer.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response, answer.status

    view.__name__ = route.operation_id
    return view


def _error(status: int, text: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": {"status": status, "message": text, **extra}}), status


def make_blueprint(pm: pluggy.PluginManager) -> Blueprint:
    """The ``api`` blueprint of one application, with the plugins it loaded."""
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    routes = api_routes(pm)
    for route in routes:
        view = _view(route, pm)
        bp.add_url_rule(flask_rule(route), endpoint=route.operation_id, view_func=view, methods=[route.method])
        csrf.exempt(view)  # by name as well as through the blueprint, so either check finds it

    def openapi() -> Response:
        return jsonify(openapi_document(routes))

    bp.add_url_rule("/openapi.json", "openapi", openapi, methods=["GET"])

    @bp.errorhandler(RowsRejected)
    def _rows(error: RowsRejected) -> tuple[Response, int]:
        rows = [{"position": row.line, "field": row.column, "message": render_message(row.message)}
                for row in error.rows]
        return _error(error.status, render_message(error.message), rows=rows)

    @bp.errorhandler(Unauthorized)
    def _unauthorized(error: Unauthorized) -> tuple[Response, int]:
        response, status = _error(401, render_message(error.message))
        response.headers["WWW-Authenticate"] = 'Bearer realm="duban"'
        return response, status

    @bp.errorhandler(OperationalError)
    def _database_unavailable(_exc: OperationalError) -> tuple[Response, int]:
        # A cut or restarting database: the client should retry (with its idempotency key).
        db.session().rollback()
        response, status = _error(503, gettext("The database is unavailable for a moment. Please try again."))
        response.headers["Retry-After"] = "1"
        return response, status

    @bp.after_request
    def _no_store(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    # Bearer tokens, not cookies, authenticate here: a forged cross-site request has no token.
    csrf.exempt(bp)
    bp.before_request(enforce_rate_limit)
    return bp
